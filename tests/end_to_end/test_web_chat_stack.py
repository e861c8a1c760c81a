"""Chatting with the real stack over HTTP as other clients do: Rasa's own console client
(both its modes), and the web chat page's cookie identity across browser sessions."""

import json

import pytest

from tests.support.conversation import PROPOSAL_ANSWERS, PageConversation
from tests.support.rasa_environment import assert_passes_in_rasa_environment

pytestmark = pytest.mark.stack

CONSOLE_CLIENT = """
import asyncio, json
from rasa.core.channels import console

URL = {url!r}

async def main():
    # What `rasa shell --connect`-style clients call: the streaming mode by default...
    streamed = [
        reply
        async for reply in console._send_message_receive_stream(
            URL, "", "console-stream-1", "I want to submit a proposal"
        )
    ]
    # ...and the blocking one.
    blocked = await console.send_message_receive_block(
        URL, "", "console-block-1", "I want to submit a proposal"
    )
    print(json.dumps({{"streamed": streamed, "blocked": blocked}}))

asyncio.run(main())
print("ok")
"""


def test_rasas_console_client_works_against_the_app_in_both_modes(stack):
    printed = assert_passes_in_rasa_environment(CONSOLE_CLIENT.format(url=stack.url))
    replies = json.loads(printed.strip().splitlines()[-2])
    streamed, blocked = replies["streamed"], replies["blocked"]
    assert len(streamed) >= 2 and len(streamed) == len(blocked)
    assert {r["recipient_id"] for r in streamed} == {"console-stream-1"}
    assert [r.get("text") for r in streamed] == [r.get("text") for r in blocked]
    assert "Thank you for bringing a proposal" in streamed[0]["text"]


def summary_of(replies: list[dict]) -> str:
    return next(r["text"] for r in replies if "Please check it before you submit" in r["text"])


def test_a_draft_resumed_in_a_new_browser_session_keeps_its_contact_answers_hidden(stack):
    contact = dict(PROPOSAL_ANSWERS[:5])
    first = PageConversation(stack.url)
    first.remember()
    first.say("I want to submit a proposal")
    for _, answer in PROPOSAL_ANSWERS:
        last = first.say(answer)
    assert contact["email"] in summary_of(last)  # the same visit sees its own answers
    first.say("stop")
    first.say("yes")

    # The browser is closed and opened again: only the remembered identity is left.
    later = PageConversation(stack.url, first.persistent_cookies())
    assert later.sender == first.sender
    assert "unfinished proposal" in later.text(later.say("hello"))
    shown = summary_of(later.say("continue my proposal"))
    assert not any(value in shown for value in contact.values())
    assert shown.count("kept from your earlier visit (not shown)") == 5
    assert "Adaptive signal timing pilot on Lamar" in shown

    later.say("change my email")
    shown = summary_of(later.say("desk@quillmail.example"))
    assert "desk@quillmail.example" in shown and contact["contact_name"] not in shown
    receipt = later.text(later.say("Yes, submit"))
    assert "Your reference is SC-" in receipt and "desk@quillmail.example" in receipt
    assert not any(value in receipt for value in contact.values())


def test_without_remember_me_a_new_browser_session_starts_afresh(stack):
    first = PageConversation(stack.url)
    first.say("I want to submit a proposal")
    first.say("Zephyr Kinetics Holdings")
    later = PageConversation(stack.url, first.persistent_cookies())
    assert later.sender != first.sender
    assert "unfinished" not in later.text(later.say("hello"))
