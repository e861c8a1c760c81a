"""rasa_env/patches/domain_digest.py: against an action server that does what rasa-sdk 3.21
does (the domain cached by its digest, 449 for a digest it does not know), the domain is
sent until the action server has it, and again after a 449."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from rasa_env.patches.domain_digest import CALL_FORMAT, action_call_format, request
from rasa_env.patches.targets import original
from tests.support.patched_rasa import DOMAIN, apply_patches

apply_patches()


class DigestCachingActionServer:
    def __init__(self) -> None:
        self.received: list[bool] = []  # whether each call carried the domain
        self.known: set[str] = set()

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append("domain" in body)
        if "domain" in body:
            self.known.add(body["domain_digest"])
        elif body.get("domain_digest") not in self.known:
            return web.json_response({"error": "missing domain"}, status=449)
        return web.json_response({"events": [], "responses": []})


@asynccontextmanager
async def serving(server: DigestCachingActionServer) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/webhook", server.webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/webhook"
    finally:
        await runner.cleanup()


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert RemoteAction._action_call_format is action_call_format
    assert EndpointConfig.request is request


def test_the_domain_goes_until_the_action_server_has_it_and_again_after_a_449() -> None:
    server = DigestCachingActionServer()
    domain = Domain.load(str(DOMAIN))
    tracker = DialogueStateTracker("someone", domain.slots)

    async def calls() -> None:
        async with serving(server) as url:
            action = RemoteAction("action_x", EndpointConfig(url))
            for _ in range(2):
                await action.run(None, None, tracker, domain)
            server.known.clear()  # the action server restarted and forgot the domain
            await action.run(None, None, tracker, domain)

    asyncio.run(calls())
    assert server.received == [True, False, False, True]


def test_a_call_is_rasas_call_with_the_digest() -> None:
    domain = Domain.load(str(DOMAIN))
    tracker = DialogueStateTracker("someone", domain.slots)
    action = RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1/webhook"))
    ours = action._action_call_format(tracker, domain)
    rasas = original(CALL_FORMAT)(action, tracker, domain)
    assert ours.pop("domain_digest") and ours == rasas
