"""rasa_env/patches/kept_action_session.py: one session per endpoint for every call, with
the endpoint's headers and basic auth as in Rasa's own session."""

import asyncio

from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from rasa_env.patches.kept_action_session import KEPT, kept_session
from tests.support.patched_rasa import apply_patches

apply_patches()


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert EndpointConfig.session is kept_session


def test_every_call_goes_through_one_session_with_the_endpoints_headers_and_auth() -> None:
    seen = []

    async def webhook(request: web.Request) -> web.Response:
        seen.append((request.headers["X-Entryway"], request.headers["Authorization"]))
        return web.json_response({"echo": await request.json()})

    async def calls() -> list:
        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(
            f"http://127.0.0.1:{port}/webhook",
            headers={"X-Entryway": "yes"},
            basic_auth={"username": "actions", "password": "secret"},
        )
        try:
            answers = []
            for number in range(3):
                answers.append(await endpoint.request(json={"n": number, "text": "é"}))
                sessions.append(endpoint.__dict__[KEPT])
            return answers
        finally:
            await endpoint.__dict__[KEPT].close()
            await runner.cleanup()

    sessions: list = []
    answers = asyncio.run(calls())
    assert answers == [{"echo": {"n": number, "text": "é"}} for number in range(3)]
    assert seen == [("yes", "Basic YWN0aW9uczpzZWNyZXQ=")] * 3
    assert len({id(session) for session in sessions}) == 1
