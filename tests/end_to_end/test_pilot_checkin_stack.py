"""Two check-ins of a pilot on the real stack (Rasa, the action server, the app and the
scheduler), pushed through time with the check-in tests' clock: the plan approved
through the storage functions tells the vendor; the first check-in's ask reaches their
web chat inbox with its "Report the values" button, which they press and answer (a
value written the Spanish way, a line on progress, a yes), and the check-in is answered
with the reading stored and no reminder follows; the second, left unanswered, is
reminded once (actions/pilot_checkin.py, storage/pilots/checkins.py)."""

import pytest
from sqlmodel import col, select

from storage.db import session_scope
from storage.models import SubmitterMessage
from storage.pilots.models import CheckinState, PilotIteration, PilotMetric, PilotReading
from storage.submissions import get_submission
from tests.storage.pilots.test_checkins import (
    ASKED,
    MONTHLY_ASKED,
    MONTHLY_REMINDER,
    approved_pilot,
    plan_at,
    stored,
)
from tests.support.conversation import PageConversation

pytestmark = pytest.mark.stack


def buttons(replies: list[dict]) -> dict[str, str]:
    return {b["title"]: b["payload"] for reply in replies for b in reply.get("buttons") or []}


def told(database_url: str, reference: str) -> list[str]:
    """The keys of what the vendor was told about the pilot (approval, check-in stages)."""
    with session_scope(database_url) as session:
        submission = get_submission(session, reference)
        return sorted(
            session.exec(
                select(SubmitterMessage.key).where(
                    SubmitterMessage.submission_id == submission.id,
                    col(SubmitterMessage.key).startswith("plan_approved:")
                    | col(SubmitterMessage.key).startswith("pilot_checkin:"),
                )
            ).all()
        )


def test_one_check_in_answered_in_chat_one_missed_and_reminded(stack):
    vendor = PageConversation(stack.url)
    reference = approved_pilot(stack.database_url, sender=vendor.sender)
    plan_at(stack.database_url, ASKED)  # the milestone's check-in is asked
    first, second, *_ = stored(stack.database_url, reference)
    assert first.slot == "milestone:0" and second.slot.startswith("monthly:")

    inbox = vendor.client.post("/chat/inbox").json()
    said = vendor.text(inbox)
    assert f"Your pilot plan for {reference}" in said and "January 19, 2027" in said
    assert f"Check-in time for your pilot {reference}" in said
    report = buttons(inbox)["Report the values"]
    assert report == f'/choose{{"choice":"checkin_{first.id}"}}'

    asked = vendor.text(vendor.say(report))
    assert "What value did you measure for cruising_minutes (minutes; baseline 9, target 6)?" in (
        asked
    )
    assert "as a number" in vendor.text(vendor.say("about seven"))
    progress = vendor.text(vendor.say("7,5"))
    assert 'how did the milestone "Sensors installed" go' in progress
    confirm = vendor.say("All 40 sensors installed; two re-aimed.")
    assert "- cruising_minutes: 7.5 minutes" in vendor.text(confirm)
    done = vendor.text(vendor.say(buttons(confirm)["Yes, send it"]))
    assert f"the check-in of your pilot {reference} is answered" in done

    answered, _, *_ = stored(stack.database_url, reference)
    assert answered.state is CheckinState.answered and answered.answered_by == "vendor"
    assert answered.progress == "All 40 sensors installed; two re-aimed."
    with session_scope(stack.database_url) as session:
        # This pilot's only: the stack's database is the session's, shared with other tests.
        [reading] = session.exec(
            select(PilotReading)
            .join(PilotMetric)
            .join(PilotIteration)
            .where(PilotIteration.submission_id == get_submission(session, reference).id)
        ).all()
    assert (reading.value, reading.reported_by) == (7.5, "vendor")

    # The monthly check-in is asked and left unanswered: reminded, once; the answered
    # one hears nothing more however often the planner runs.
    plan_at(stack.database_url, MONTHLY_ASKED)
    plan_at(stack.database_url, MONTHLY_REMINDER)
    plan_at(stack.database_url, MONTHLY_REMINDER)
    assert told(stack.database_url, reference) == sorted(
        [
            f"plan_approved:{first.iteration_id}",
            f"pilot_checkin:{first.id}:asked",
            f"pilot_checkin:{second.id}:asked",
            f"pilot_checkin:{second.id}:reminded",
        ]
    )
    assert stored(stack.database_url, reference)[1].state is CheckinState.open
