"""Slack on the real stack: Rasa, the action server, the app and the scheduler, with
Slack pointed at the fake Slack (a real HTTP server) and signed requests sent to
/slack/events as Slack sends them: people's conversations in their DMs and what they
hear of staff's decisions, and events retried, replayed, forged or delivered over
Socket Mode. Nothing of bolt is mocked (staff's side: test_staff_actions.py)."""

import json
import time
import uuid

import pytest

from storage import submissions, triage
from storage.db import session_scope
from storage.models import StaffRole, Status
from tests.support.conversation import PROPOSAL_ANSWERS, PageConversation
from tests.support.slack_people import SlackPerson, Staff, card_shows, texts
from tests.support.slack_requests import chosen, sign
from tests.support.submissions import history

pytestmark = pytest.mark.stack

# How Slack delivers what a person types: it links e-mail addresses and web addresses.
AS_SLACK_SENDS = {
    "email": "<mailto:quillon.marbeck@zephyr-kinetics.example"
    "|quillon.marbeck@zephyr-kinetics.example>",
    "website": "<http://zephyr-kinetics.example|zephyr-kinetics.example>",
}
# Answered by pressing the offered button (category: by the menu, eight choices).
PRESSED = {"category", "maturity", "cost_model", "data_owner", "open_data"}


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
        found = triage.details(session, submissions.get_submission(session, reference), False)
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
    # The question's own words: the proposal's summary quotes "per intersection" too.
    asked = fake_slack.wait_for(
        lambda: [m for m in vendor.messages() if "pilot cost per intersection" in texts(m)],
        what="question",
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
        submission = submissions.get_submission(session, reference)
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
    assert [e["value"] for e in menu["elements"]][:2] == ["/submit_proposal", "/suggest_idea"]
