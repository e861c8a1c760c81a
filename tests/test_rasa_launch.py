"""The measured fixes in rasa_env/launch.py, run in the Rasa environment itself."""

from tests.rasa_environment import assert_passes_in_rasa_environment

CHECK = """
import sys
sys.argv = ["rasa"]
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, SlotSet, UserUttered
import rasa_env.launch  # noqa: F401  (applies the fixes)

validate = RemoteAction("action_x", None)._validate_action_result
assert validate({"events": [{"event": "slot", "name": "email", "value": "a@b.example"}],
                 "responses": [{"text": "hi"}]})
assert validate({})
for bad in ({"events": "x"}, {"events": [{"event": "nope"}]}, {"events": [{"name": "x"}]},
            {"events": [{"event": "slot", "timestamp": "x", "name": "a", "value": 1}]},
            {"events": [{"event": "slot", "name": 3, "value": 1}]}, {"responses": [1]}):
    try:
        validate(bad)
    except ValidationError:
        continue
    raise AssertionError(f"accepted {bad}")
assert Event.resolve_by_type("slot") is SlotSet
assert Event.resolve_by_type("user") is UserUttered
assert Event.resolve_by_type("topic") is None
try:
    Event.resolve_by_type("no-such-event")
    raise AssertionError("unknown event type accepted")
except ValueError:
    pass
print("ok")
"""


DOMAIN_BY_DIGEST = """
import asyncio, sys
sys.argv = ["rasa"]
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
import rasa_env.launch  # noqa: F401  (applies the fixes)

received = []
known = set()

async def webhook(request):
    # What rasa-sdk 3.21 does: cache the domain by digest, 449 for an unknown digest.
    body = await request.json()
    received.append("domain" in body)
    if "domain" in body:
        known.add(body["domain_digest"])
    elif body.get("domain_digest") not in known:
        return web.json_response({"error": "missing domain"}, status=449)
    return web.json_response({"events": [], "responses": []})

async def main():
    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    action = RemoteAction("action_x", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
    domain = Domain.load("domain.yml")
    tracker = DialogueStateTracker("someone", domain.slots)
    for _ in range(2):
        await action.run(None, None, tracker, domain)
    known.clear()  # the action server restarted and forgot the domain
    await action.run(None, None, tracker, domain)
    await runner.cleanup()
    assert received == [True, False, False, True], received
    print("ok")

asyncio.run(main())
"""


def test_action_responses_are_still_validated_and_events_resolved():
    assert_passes_in_rasa_environment(CHECK)


def test_the_domain_is_sent_until_the_action_server_has_it_and_again_after_a_449():
    assert_passes_in_rasa_environment(DOMAIN_BY_DIGEST)
