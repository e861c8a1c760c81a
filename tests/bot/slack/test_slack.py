"""Slack on the real stack: Rasa, the action server, the app and the scheduler, with
Slack pointed at the fake Slack (a real HTTP server) and signed requests sent to
/slack/events as Slack sends them. Nothing of bolt is mocked."""

import json
import time
import uuid
from urllib.parse import urlencode

import pytest
from sqlmodel import select

from storage import repository, triage, workflow
from storage.db import session_scope
from storage.models import Activity, StaffRole, Status
from tests.support.conversation import PROPOSAL_ANSWERS, Conversation, PageConversation
from tests.support.sending import TRIAGE_CHANNEL
from tests.support.slack_people import SlackPerson, Staff, card_shows, texts
from tests.support.slack_requests import TEAM, chosen, sign

pytestmark = pytest.mark.stack

# How Slack delivers what a person types: it links e-mail addresses and web addresses.
AS_SLACK_SENDS = {
    "email": "<mailto:quillon.marbeck@zephyr-kinetics.example"
    "|quillon.marbeck@zephyr-kinetics.example>",
    "website": "<http://zephyr-kinetics.example|zephyr-kinetics.example>",
}
# Answered by pressing the offered button (category: by the menu, eight choices).
PRESSED = {"category", "maturity", "cost_model", "data_owner", "open_data"}


def version(stack, reference: str) -> int:
    with session_scope(stack.database_url) as session:
        return repository.get_submission(session, reference).version


def history(stack, reference: str) -> list[tuple[str, Status]]:
    with session_scope(stack.database_url) as session:
        submission = repository.get_submission(session, reference)
        return [(c.actor, c.to_status) for c in repository.status_history(session, submission.id)]


def test_a_proposal_by_dm_is_triaged_evaluated_and_its_vendor_told_each_change_once(
    stack, fake_slack
):
    vendor = SlackPerson(stack, fake_slack)
    assert "About 20 short questions".lower() in vendor.say("I want to submit a proposal").lower()
    for slot, answer in PROPOSAL_ANSWERS:
        if slot in PRESSED:
            vendor.press(answer)
        else:
            vendor.say(AS_SLACK_SENDS.get(slot, answer))
    summary = texts(vendor.messages()[-1])
    assert "quillon.marbeck@zephyr-kinetics.example" in summary and "mailto" not in summary
    receipt = vendor.press("Submit")
    reference = next(w.rstrip(".") for w in receipt.split() if w.startswith("SC-"))

    ann = Staff(stack, fake_slack, "UANN")
    bob = Staff(stack, fake_slack, "UBOB", StaffRole.evaluator)
    shown = card_shows(ann, reference, "Small purchase", "$12,000")
    assert "Adaptive signal timing pilot on Lamar" in shown
    assert "proprietary licence" in shown and "confidential answers present" in shown
    assert "Zephyr-Flux" not in shown  # the solution was marked confidential
    assert "Quillon" not in shown and "quillon.marbeck" not in shown

    ann.press(reference, "Assign to me")
    assert "assigned" in ann.wait_told(1)
    card_shows(ann, reference, "<@UANN>")
    ann.press(reference, "Assign to me")  # a double click
    assert "already assigned to you" in ann.wait_told(2)

    # Confidential answers: in the assigned evaluator's Details only, and the viewing recorded.
    assert "Zephyr-Flux" in json.dumps(ann.modal(reference, "Details"))
    others = json.dumps(bob.modal(reference, "Details"))
    assert "Zephyr-Flux" not in others and "confidential answer(s) hidden" in others
    with session_scope(stack.database_url) as session:
        found = triage.details(session, repository.get_submission(session, reference), False)
        assert [(a.actor, a.kind) for a in found.activity][-1] == (
            "slack:UANN",
            "confidential_viewed",
        )

    view = ann.modal(reference, "Advance")
    done = ann.client.submit(ann.user, view, {"target": chosen("screening")})
    assert done.json()["response_action"] == "update"
    card_shows(ann, reference, "Status: *screening*")

    view = ann.modal(reference, "Request info")
    done = ann.client.submit(
        ann.user, view, {"question": "What would the pilot cost per intersection?", "note": "x"}
    )
    assert "waits in needs_info" in json.dumps(done.json())
    card_shows(
        ann, reference, "Status: *needs_info*", "What would the pilot cost per intersection?"
    )
    asked = fake_slack.wait_for(
        lambda: [m for m in vendor.messages() if "per intersection" in texts(m)], what="question"
    )
    assert "Answer the City's question" in texts(asked[-1])
    assert "Please write your answer" in vendor.press("Answer the City's question")
    answered = vendor.say("About 4,750 dollars per intersection per year, all in.")
    assert "back in screening" in answered
    card_shows(ann, reference, "Status: *screening*", "Information from the submitter received")

    for evaluator, level in ((ann, "4"), (bob, "3")):
        declaration = evaluator.modal(reference, "Score")
        assert declaration["callback_id"] == "conflict"
        rubric = evaluator.client.submit(
            evaluator.user, declaration, {"declaration": chosen("none", "radio_buttons")}
        ).json()
        assert rubric["response_action"] == "update" and rubric["view"]["callback_id"] == "score"
        scores = {f"score_{c}": chosen(level) for c in ("alignment", "feasibility", "value")}
        scores |= {f"score_{c}": chosen(level) for c in ("equity", "risk", "procurement")}
        scores["comment_value"] = "Fair price for a pilot"
        saved = evaluator.client.submit(evaluator.user, rubric["view"], scores).json()
        assert "scores for" in json.dumps(saved) and "recorded" in json.dumps(saved)
    card_shows(ann, reference, "3.5 / 5 on average", "spread 1.0", "2 evaluator(s)")

    view = ann.modal(reference, "Advance")
    ann.client.submit(ann.user, view, {"target": chosen("evaluation"), "reason": "Strong fit."})
    card_shows(ann, reference, "Status: *evaluation*")

    assert history(stack, reference) == [
        ("entryway", Status.received),
        ("slack:UANN", Status.screening),
        ("slack:UANN", Status.needs_info),
        ("submitter", Status.screening),
        ("slack:UANN", Status.evaluation),
    ]
    with session_scope(stack.database_url) as session:
        submission = repository.get_submission(session, reference)
        assert submission.assignee == "slack:UANN"
    # The vendor heard of each public change once: by DM, and for the return to
    # screening in the chat where they answered.
    updates = fake_slack.wait_for(
        lambda: (lambda found: found if len(found) >= 3 else None)(
            [texts(m) for m in vendor.messages() if "Update on" in texts(m)]
        ),
        what="three updates",
    )
    time.sleep(2)
    updates = [texts(m) for m in vendor.messages() if "Update on" in texts(m)]
    assert [u.split("it is now ")[1].split(".")[0] for u in updates] == [
        "in screening",
        "waiting for information from you",
        "in evaluation",
    ]
    assert "Strong fit." in updates[-1]


def test_a_web_chat_submitter_sees_decisions_in_the_chat_and_by_email(stack, fake_slack, mailbox):
    person = PageConversation(stack.url)  # the inbox is the page's cookie identity's
    person.say("I have an idea for the city")
    for answer in ("Shade sails over every playground in Montopolis", "Montopolis", "Children"):
        person.say(answer)
    person.say("resident@home.example")
    person.say("Yes")
    receipt = person.text(person.say("yes"))
    reference = next(w.rstrip(".") for w in receipt.split() if w.startswith("SC-"))
    ann = Staff(stack, fake_slack, "UANN")
    view = ann.modal(reference, "Decline")
    refused = ann.client.submit(ann.user, view, {"reason": "no"}).json()
    assert refused["response_action"] == "errors" and "reason" in refused["errors"]
    ann.client.submit(
        ann.user, view, {"reason": "Parks already plans shade for these playgrounds next year."}
    )
    card_shows(ann, reference, "Status: *declined*")
    inbox = person.client.post("/chat/inbox").json()
    assert len(inbox) == 1 and "Parks already plans shade" in inbox[0]["text"]
    assert person.client.post("/chat/inbox").json() == []
    status = person.text(person.say(f"status of {reference}"))
    assert "declined" in status and "Parks already plans shade" in status
    [mail] = mailbox.wait_for("resident@home.example", 1)
    assert f"{reference}: declined" in str(mail["Subject"])
    assert "Parks already plans shade" in mail.get_content()


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


def test_retries_replays_and_forgeries(stack, fake_slack):
    person = SlackPerson(stack, fake_slack)
    event_id = "Ev" + uuid.uuid4().hex[:10].upper()
    person.client.direct_message(person.user, "hello", event_id=event_id)
    person._replies_after(0)
    answered = len(person.messages())
    retry = person.client.direct_message(person.user, "hello", event_id=event_id)
    assert retry.status_code == 200
    time.sleep(2)
    assert len(person.messages()) == answered  # Slack's retry is not answered twice

    body = json.dumps({"type": "url_verification", "challenge": "c", "token": "t"})
    headers = {**sign(body), "Content-Type": "application/json"}
    assert (
        person.client.http.post("/slack/events", content=body, headers=headers).status_code == 200
    )
    replayed = person.client.http.post("/slack/events", content=body, headers=headers)
    assert replayed.status_code == 401
    for bad in (
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": headers["X-Slack-Signature"]},
        {
            "X-Slack-Request-Timestamp": headers["X-Slack-Request-Timestamp"],
            "X-Slack-Signature": "v0=é",
        },
        sign(body, int(time.time()) - 600),
        sign(body, secret="forged"),
        {},
    ):
        response = person.client.http.post(
            "/slack/events",
            content=body.encode(),
            headers={"Content-Type": "application/json", **{k: v.encode() for k, v in bad.items()}},
        )
        assert response.status_code == 401, bad
    huge = "x" * 300_000
    too_big = person.client.post(huge, "application/json")
    assert too_big.status_code == 413


def test_own_messages_ignored_mentions_answered_in_a_dm(stack, fake_slack):
    person = SlackPerson(stack, fake_slack)
    person.client.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": person.channel,
            "user": "UBOT",
            "bot_id": "BBOT",
            "text": "Hello! I'm Entryway",
        }
    )
    person.client.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": person.channel,
            "user": person.user,
            "subtype": "message_changed",
            "text": "edited",
        }
    )
    time.sleep(2)
    assert person.messages() == []
    person.client.event(
        {
            "type": "app_mention",
            "channel": "CGENERAL",
            "user": person.user,
            "text": "<@UBOT> are you a bot? <!channel>",
        }
    )
    reply = fake_slack.wait_for(lambda: person.messages(), what="DM reply to a mention")
    assert "automated assistant" in texts(reply[0])
    note = [e for e in fake_slack.called("chat.postEphemeral") if e["user"] == person.user]
    assert note and "direct message" in note[0]["text"] and note[0]["channel"] == "CGENERAL"


def test_socket_mode_delivers_the_same_conversation(stack, fake_slack):
    user = "U" + uuid.uuid4().hex[:8].upper()
    envelope_id = str(uuid.uuid4())
    fake_slack.socket_mode.send(
        {
            "envelope_id": envelope_id,
            "type": "events_api",
            "accepts_response_payload": False,
            "payload": {
                "type": "event_callback",
                "team_id": "T0001",
                "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
                "event": {
                    "type": "message",
                    "channel_type": "im",
                    "channel": f"D{user}",
                    "user": user,
                    "text": "help",
                    "team": "T0001",
                },
            },
        }
    )
    fake_slack.wait_for(lambda: envelope_id in fake_slack.socket_mode.acks, what="ack")
    [reply] = fake_slack.wait_for(lambda: fake_slack.in_channel(f"D{user}"), what="reply")
    assert "Here is what I can do" in texts(reply)
    menu = next(b for b in reply.blocks if b.get("block_id") == "choices")
    assert menu["elements"][0]["type"] == "static_select"  # six choices: a menu


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
        submission = repository.get_submission(session, reference)
        assert (submission.blocked_by, submission.snoozes) == ("legal_review", 1)


ONLY_STAFF = "Only City staff on the roster can do this"


def state(stack, reference: str) -> tuple:
    """Everything a staff action could change about a submission."""
    with session_scope(stack.database_url) as session:
        submission = repository.get_submission(session, reference)
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
        workflow.answer_info(session, reference, person.sender, "About $4,000 per site.")
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
