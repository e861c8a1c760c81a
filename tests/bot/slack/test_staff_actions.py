"""City staff working on triage cards in Slack, on the real stack: the buttons and forms
refuse what cannot be done and say why, only roster members of our own workspace act,
evaluators only on what they own, and forged, replayed or stale payloads change nothing."""

import json
import time
import uuid
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from storage import submissions
from storage.db import session_scope
from storage.models import Activity, StaffRole, Status
from storage.workflow import transitions
from tests.support.conversation import Conversation
from tests.support.sending import TRIAGE_CHANNEL
from tests.support.slack_people import Staff, card_shows, texts
from tests.support.slack_requests import TEAM, chosen, sign
from tests.support.submissions import history, version

pytestmark = pytest.mark.stack


def test_staff_buttons_refuse_what_cannot_be_done_and_say_why(stack, fake_slack):
    person = Conversation(stack.url, f"web-{uuid.uuid4()}")
    person.say("I want to report a procurement barrier")
    for answer in ("The insurance minimum was ten million dollars", "Insurance and bonding"):
        person.say(answer)
    for answer in ("skip", "Could not bid", "skip", "anonymous"):
        person.say(answer)
    receipt = person.text(person.say("yes"))
    reference = next(w.rstrip(".") for w in receipt.split() if w.startswith("SC-"))
    ann, bob = Staff(stack, fake_slack, "UCARA"), Staff(stack, fake_slack, "UDAN")
    ann.card(reference)

    view = ann.modal(reference, "Advance")
    illegal = ann.client.submit(ann.user, view, {"target": chosen("pilot")}).json()
    assert "cannot go from received to pilot" in illegal["errors"]["target"]
    ask = ann.modal(reference, "Request info")
    nobody = ann.client.submit(ann.user, ask, {"question": "Which solicitation was it?"}).json()
    assert "anonymously" in json.dumps(nobody)

    ann.press(reference, "Assign to me")
    ann.wait_told(1)
    stale = ann.card(reference)  # Bob's copy of the card still shows nobody assigned
    value = json.loads(
        next(b for b in stale.blocks if b["type"] == "actions")["elements"][0]["value"]
    )
    value["a"] = ""
    bob.client.press(bob.user, "triage_assign", json.dumps(value))
    assert "assigned to someone else" in bob.wait_told(1)

    score = bob.modal(reference, "Score")
    bob.client.submit(bob.user, score, {"declaration": chosen("conflict", "radio_buttons")})
    bob.press(reference, "Score")
    assert "conflict of interest is recorded" in bob.wait_told(2)

    ann.modal(reference, "Score")
    declaration = fake_slack.called("views.open")[-1]["view"]
    rubric = ann.client.submit(
        ann.user, declaration, {"declaration": chosen("none", "radio_buttons")}
    ).json()["view"]
    out_of_range = ann.client.submit(ann.user, rubric, {"score_alignment": chosen("9")}).json()
    assert out_of_range["response_action"] == "errors"
    assert set(out_of_range["errors"]) == {
        f"score_{c}" for c in ("alignment", "feasibility", "value", "equity", "risk", "procurement")
    }

    for value in ("not json", json.dumps({"r": "SC-2026-99999", "s": "received", "a": ""})):
        before = len(ann.told())
        assert ann.client.press(ann.user, "triage_advance", value).status_code == 200
        told = ann.wait_told(before + 1)
        assert "couldn't read" in told or "no submission SC-2026-99999" in told
    before = len(ann.told())
    assert ann.client.press(ann.user, "triage_retired_button", "x").status_code == 200
    assert "no longer does anything" in ann.wait_told(before + 1)
    assert [s for _, s in history(stack, reference)] == [Status.received]


def test_waiting_on_and_snooze_from_slack(stack, fake_slack):
    person = Conversation(stack.url, f"web-{uuid.uuid4()}")
    reference = person.submit_proposal()
    ann = Staff(stack, fake_slack, "UWAIT")
    card = ann.card(reference)
    menu = next(
        e for b in card.blocks if b["type"] == "actions" for e in b["elements"]
        if e["type"] == "static_select"
    )  # fmt: skip
    legal = next(o for o in menu["options"] if "|legal_review|" in o["value"])
    ann.client.press(ann.user, menu["action_id"], "", selected=legal)
    assert "waiting on legal review" in ann.wait_told(1)
    card_shows(ann, reference, "Waiting on: *legal review*")

    # A reminder's Snooze, pressed twice: one snooze.
    value = json.dumps(
        {"r": reference, "s": "received", "a": "", "n": 0, "v": version(stack, reference)}
    )
    ann.client.press(ann.user, "triage_snooze", value)
    ann.client.press(ann.user, "triage_snooze", value)
    told = [ann.wait_told(2), ann.wait_told(3)]
    assert sum("paused until" in t and "already" not in t for t in told) == 1
    assert sum("already paused" in t for t in told) == 1
    with session_scope(stack.database_url) as session:
        submission = submissions.get_submission(session, reference)
        assert (submission.blocked_by, submission.snoozes) == ("legal_review", 1)


ONLY_STAFF = "Only City staff on the roster can do this"


def state(stack, reference: str) -> tuple:
    """Everything a staff action could change about a submission."""
    with session_scope(stack.database_url) as session:
        submission = submissions.get_submission(session, reference)
        activity = session.exec(
            select(Activity.kind).where(Activity.submission_id == submission.id)
        ).all()
        return (
            submission.version, submission.status, submission.assignee, submission.blocked_by,
            submission.snoozes, list(activity), history(stack, reference),
        )  # fmt: skip


def test_only_roster_members_of_our_own_workspace_act_as_staff(stack, fake_slack):
    reference = Conversation(stack.url, f"web-{uuid.uuid4()}").submit_proposal()
    lead = Staff(stack, fake_slack, "ULEADGATE")
    forms = [
        (lead.modal(reference, "Request info"), {"question": "What would a pilot cost?"}),
        (lead.modal(reference, "Advance"), {"target": chosen("screening")}),
        (lead.modal(reference, "Decline"), {"reason": "Not for the City at this time."}),
        (lead.modal(reference, "Score"), {"declaration": chosen("none", "radio_buttons")}),
    ]
    assert forms[-1][0]["callback_id"] == "conflict"
    rubric = lead.client.submit(lead.user, *forms[-1]).json()["view"]
    forms.append((rubric, {f"score_{c}": chosen("4") for c in ("alignment", "feasibility")}))
    card = lead.current_card(reference)
    elements = next(b for b in card.blocks if b["type"] == "actions")["elements"]
    reminder = json.dumps(
        {"r": reference, "s": "received", "a": "", "n": 0, "v": version(stack, reference)}
    )
    unchanged = state(stack, reference)
    opened = len(fake_slack.called("views.open"))
    stranger = Staff(stack, fake_slack, "USTRANGER", role=None)
    guest = Staff(stack, fake_slack, "UGUEST")  # on the roster, but shown in another workspace
    for person, team in ((stranger, TEAM), (guest, "T0OTHERORG"), (guest, None)):
        presses = [(e["action_id"], e.get("value", ""), None) for e in elements]
        menu = next(e for e in elements if e["type"] == "static_select")
        presses[-1] = (menu["action_id"], "", menu["options"][0])
        presses += [("triage_snooze", reminder, None), ("triage_retired", "x", None)]
        for action_id, value, selected in presses:
            before = len(person.told())
            response = person.client.press(
                person.user, action_id, value, selected=selected, team=team
            )
            assert response.status_code == 200
            assert ONLY_STAFF in person.wait_told(before + 1), (person.user, team, action_id)
        for view, values in forms:
            answer = person.client.submit(person.user, view, values, team=team)
            assert answer.status_code == 200
            said = answer.json()
            assert said["response_action"] == "update" and ONLY_STAFF in json.dumps(said)
    assert len(fake_slack.called("views.open")) == opened  # no Details, no form for them
    time.sleep(1)
    assert state(stack, reference) == unchanged
    shown = texts(lead.card(reference))
    assert "USTRANGER" not in shown and "UGUEST" not in shown
    told = json.dumps([e for e in fake_slack.called("chat.postEphemeral")])
    assert "Zephyr" not in told and "quillon" not in told.lower()


def test_an_evaluator_cannot_advance_or_decline(stack, fake_slack):
    reference = Conversation(stack.url, f"web-{uuid.uuid4()}").submit_proposal()
    lead = Staff(stack, fake_slack, "ULEADROLE")
    evaluator = Staff(stack, fake_slack, "UEVALROLE", StaffRole.evaluator)
    unchanged = state(stack, reference)
    opened = len(fake_slack.called("views.open"))
    for title in ("Advance", "Decline"):
        before = len(evaluator.told())
        assert evaluator.press(reference, title).status_code == 200
        assert f"Only a lead can {title.lower()}" in evaluator.wait_told(before + 1)
    assert len(fake_slack.called("views.open")) == opened
    # A form a lead opened does not let an evaluator decide either.
    for title, values in (
        ("Decline", {"reason": "Not for the City at this time."}),
        ("Advance", {"target": chosen("screening")}),
    ):
        view = lead.modal(reference, title)
        refused = evaluator.client.submit(evaluator.user, view, values).json()
        assert f"Only a lead can {title.lower()}" in json.dumps(refused)
    assert state(stack, reference) == unchanged
    # What evaluators do: take what nobody owns (never from someone else).
    before = len(evaluator.told())
    evaluator.press(reference, "Assign to me")
    assert "now assigned" in evaluator.wait_told(before + 1)
    card_shows(lead, reference, "<@UEVALROLE>")
    other = Staff(stack, fake_slack, "UEVALOTHER", StaffRole.evaluator)
    other.press(reference, "Assign to me")
    assert "only a lead can take it over" in other.wait_told(1)


def test_a_form_opened_before_the_vendor_answered_is_refused_with_what_changed(stack, fake_slack):
    person = Conversation(stack.url, f"web-{uuid.uuid4()}")
    reference = person.submit_proposal()
    lead = Staff(stack, fake_slack, "ULEADSTALE")
    decline = lead.modal(reference, "Decline")  # opened, then left open for a while
    ask = lead.modal(reference, "Request info")
    asked = lead.client.submit(lead.user, ask, {"question": "What would a pilot cost?"}).json()
    assert "waits in needs_info" in json.dumps(asked)
    with session_scope(stack.database_url) as session:
        transitions.answer_info(session, reference, person.sender, "About $4,000 per site.")
    refused = lead.client.submit(lead.user, decline, {"reason": "Not for the City now."}).json()
    said = json.dumps(refused)
    assert refused["response_action"] == "update"
    assert "changed since you opened this" in said and "look again" in said
    assert "ULEADSTALE asked the submitter a question at" in said
    assert "the submitter answered the City's question at" in said
    assert [s for _, s in history(stack, reference)] == [
        Status.received, Status.needs_info, Status.received,
    ]  # fmt: skip
    # The card is redrawn with the new version, and a decision on it goes through.
    card_shows(lead, reference, "Information from the submitter received")
    now = version(stack, reference)
    assert all(
        json.loads(e["value"])["v"] == now
        for b in lead.current_card(reference).blocks if b["type"] == "actions"
        for e in b["elements"] if e["type"] == "button"
    )  # fmt: skip
    done = lead.client.submit(
        lead.user, lead.modal(reference, "Decline"), {"reason": "Not for the City now."}
    ).json()
    assert "now declined" in json.dumps(done)
    # The same form submitted again (a double click) changes nothing more.
    card_shows(lead, reference, "Status: *declined*")
    assert version(stack, reference) == now + 1


def test_forged_replayed_and_unreadable_staff_payloads_never_fail(stack, fake_slack):
    reference = Conversation(stack.url, f"web-{uuid.uuid4()}").submit_proposal()
    lead = Staff(stack, fake_slack, "ULEADFORGE")
    client = lead.client
    member = {"id": lead.user, "team_id": TEAM}
    forged = [
        {"type": "block_actions", "user": lead.user, "actions": [{"action_id": "triage_assign"}]},
        {"type": "block_actions", "user": member, "actions": "triage_assign"},
        {"type": "block_actions", "user": member, "actions": []},
        {"type": "block_actions", "user": {"team_id": TEAM}, "actions": [{"action_id": "x"}]},
        {"type": "block_actions", "user": member, "trigger_id": "1.t", "actions": [
            {"action_id": "triage_assign", "value": json.dumps(
                {"r": reference, "s": "received", "a": "", "v": "0"})},
            ]},
        {"type": "block_actions", "user": member, "trigger_id": "1.t", "actions": [
            {"action_id": "triage_blocked", "selected_option": {"value": f"{reference}|funding|²"}},
            ]},
        {"type": "view_submission", "user": member, "view": "decline"},
        {"type": "view_submission", "user": member, "view": {
            "callback_id": "decline", "private_metadata": "{not json", "state": {}}},
        {"type": "view_submission", "user": member, "view": {
            "callback_id": "advance", "state": {"values": []},
            "private_metadata": json.dumps({"r": reference, "s": "nowhere", "v": 0})}},
        {"type": "view_submission", "user": member, "view": {
            "callback_id": "score", "state": {"values": {}},
            "private_metadata": json.dumps({"r": reference, "s": "received"})}},
        {"type": "view_closed", "user": member, "view": None},
        {"type": "block_suggestion", "user": member, "action_id": "x", "value": "y"},
    ]  # fmt: skip
    for payload in forged:
        response = client.interaction(payload)
        assert response.status_code < 500, payload
    # A press captured and sent again is refused by its signature, and acts once.
    value = next(b for b in lead.current_card(reference).blocks if b["type"] == "actions")
    button = next(e for e in value["elements"] if e["text"]["text"] == "Assign to me")
    body = urlencode({"payload": json.dumps({
        "type": "block_actions", "team": {"id": TEAM}, "user": member, "trigger_id": "2.t",
        "channel": {"id": TRIAGE_CHANNEL}, "actions": [button],
    })})  # fmt: skip
    headers = {**sign(body), "Content-Type": "application/x-www-form-urlencoded"}
    assert client.http.post("/slack/events", content=body, headers=headers).status_code == 200
    assert client.http.post("/slack/events", content=body, headers=headers).status_code == 401
    card_shows(lead, reference, "<@ULEADFORGE>")
    assert version(stack, reference) == 1
    assert [s for _, s in history(stack, reference)] == [Status.received]


def test_a_card_drawn_before_versions_is_redrawn_when_pressed(stack, fake_slack):
    """Cards posted before cards carried versions: a press changes nothing, says why, and
    the card is drawn again, so the next press (on the new card) works."""
    reference = Conversation(stack.url, f"web-{uuid.uuid4()}").submit_proposal()
    lead = Staff(stack, fake_slack, "ULEADOLDCARD")
    card = lead.current_card(reference)
    actions = next(b for b in card.blocks if b["type"] == "actions")
    button = next(e for e in actions["elements"] if e["text"]["text"] == "Assign to me")
    old = {key: value for key, value in json.loads(button["value"]).items() if key != "v"}
    updates = len(fake_slack.called("chat.update"))
    response = lead.client.press(lead.user, button["action_id"], json.dumps(old))
    assert response.status_code == 200
    assert "drawn again" in lead.wait_told(1)
    fake_slack.wait_for(
        lambda: len(fake_slack.called("chat.update")) > updates, what="the card redrawn"
    )
    assert version(stack, reference) == 0  # nothing changed
    assert lead.press(reference, "Assign to me").status_code == 200
    card_shows(lead, reference, "<@ULEADOLDCARD>")
