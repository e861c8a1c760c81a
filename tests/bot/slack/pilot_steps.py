"""Steps the pilot card's tests take through the real app on loopback and the fake
Slack: serving the app with a lead and an evaluator on the roster, setting and approving
a plan as staff do from a terminal, drawing the card as the notifier does, pressing its
pilot buttons and reading what the pressing person was told."""

import json
from collections.abc import Iterator

from bot.notifier import Notifier
from storage import submissions
from storage.db import session_scope
from storage.models import StaffRole
from storage.pilots import plan_input, plans
from storage.settings import get_settings
from storage.workflow.rules import Staff
from tests.storage.pilots.plans import a_plan
from tests.support.fake_slack import FakeSlack, Posted
from tests.support.live_app import live_app
from tests.support.misbehaving_rasa import MisbehavingRasa
from tests.support.roster import on_roster
from tests.support.sending import TRIAGE_CHANNEL, slack_over_http
from tests.support.slack_people import texts
from tests.support.slack_requests import SlackClient

LEAD, EVALUATOR = "U0LEAD", "U0EVAL"
STRANGER = "U0STRANGER"  # a member of the workspace, not on the staff roster


def serve(app_settings: str, slack: FakeSlack, monkeypatch) -> Iterator[SlackClient]:
    slack_over_http(monkeypatch, slack)
    on_roster(app_settings, LEAD)
    on_roster(app_settings, EVALUATOR, role=StaffRole.evaluator)
    with MisbehavingRasa("echo") as rasa:
        monkeypatch.setenv("ENTRYWAY_RASA_PORT", str(rasa.port))
        with live_app() as url:
            yield SlackClient(url)


def set_plan(url: str, reference: str, plan: dict) -> None:
    with session_scope(url) as session:
        plans.set_plan(
            session, reference, Staff(f"slack:{LEAD}"), plan_input.checked(plan, reference)
        )


def approved(url: str, reference: str, plan: dict | None = None) -> None:
    set_plan(url, reference, plan or a_plan())
    with session_scope(url) as session:
        plans.approve(session, reference, Staff(f"slack:{LEAD}"))


def card(slack: FakeSlack, reference: str) -> Posted:
    """The triage card as the notifier has drawn it after every change so far."""
    Notifier(get_settings()).run_once()
    return next(m for m in slack.in_channel(TRIAGE_CHANNEL) if reference in texts(m))


def pilot_buttons(shown: Posted) -> dict[str, dict]:
    found = [b for b in shown.blocks if b.get("block_id") == "pilot"]
    return {e["text"]["text"]: e for e in (found[0]["elements"] if found else [])}


def told(slack: FakeSlack, user: str, count: int) -> str:
    """The `count`th thing `user` was told (only them), once it is said."""
    said = lambda: [e["text"] for e in slack.called("chat.postEphemeral") if e["user"] == user]  # noqa: E731
    slack.wait_for(lambda: len(said()) >= count, what=f"answer {count} to {user}")
    return said()[count - 1]


def press(client: SlackClient, slack: FakeSlack, user: str, shown: Posted, title: str) -> None:
    button = pilot_buttons(shown)[title]
    assert (
        client.press(
            user, button["action_id"], button["value"], message={"ts": shown.ts}
        ).status_code
        == 200
    )


def modal(client: SlackClient, slack: FakeSlack, user: str, shown: Posted, title: str) -> dict:
    before = len(slack.called("views.open"))
    press(client, slack, user, shown, title)
    slack.wait_for(lambda: len(slack.called("views.open")) > before, what=f"{title} modal")
    return slack.called("views.open")[-1]["view"]


def said_in(response) -> str:
    answer = response.json()
    return json.dumps(answer.get("errors") or answer.get("view"))


def state_of(url: str, reference: str) -> list[str]:
    with session_scope(url) as session:
        submission = submissions.get_submission(session, reference)
        return [i.state.value for i in plans.iterations(session, submission.id)]
