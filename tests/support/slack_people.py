"""People on Slack in a test on the real stack: someone talking to the app in their DM,
and City staff working on triage cards, through the fake Slack and signed requests."""

import json
import time
import uuid

import httpx

from storage import submissions
from storage.db import session_scope
from storage.models import StaffRole
from tests.support.fake_slack import FakeSlack, Posted
from tests.support.roster import on_roster
from tests.support.sending import TRIAGE_CHANNEL
from tests.support.slack_requests import TEAM, SlackClient


def texts_of(blocks: list[dict], kind: str | None = None) -> list[str]:
    """Every text object in a message's blocks, or those of one type (mrkdwn or
    plain_text)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("text"), str) and kind in (None, node.get("type")):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def texts(message: Posted) -> str:
    return "\n".join(texts_of(message.blocks))


class SlackPerson:
    """Someone talking to the app in their DM."""

    def __init__(self, stack, slack: FakeSlack, user: str | None = None) -> None:
        self.slack = slack
        self.client = SlackClient(stack.url)
        self.user = user or "U" + uuid.uuid4().hex[:8].upper()
        self.channel = f"D{self.user}"

    def messages(self) -> list[Posted]:
        return self.slack.in_channel(self.channel)

    def _replies_after(self, before: int) -> list[Posted]:
        self.slack.wait_for(lambda: len(self.messages()) > before, what=f"reply to {self.user}")
        count = -1
        while count != len(self.messages()):  # until the last reply of this turn is in
            count = len(self.messages())
            time.sleep(0.4)
        return self.messages()[before:]

    def say(self, text: str) -> str:
        before = len(self.messages())
        assert self.client.direct_message(self.user, text).status_code == 200
        return "\n".join(texts(m) for m in self._replies_after(before))

    def press(self, title: str) -> str:
        """Presses the button (or picks the menu item) of that title in the newest
        message offering it."""
        for message in reversed(self.messages()):
            for block in message.blocks:
                if block.get("block_id") != "choices":
                    continue
                for element in block["elements"]:
                    before = len(self.messages())
                    if element["type"] == "button" and element["text"]["text"] == title:
                        response = self.client.press(
                            self.user,
                            element["action_id"],
                            element["value"],
                            channel=self.channel,
                            message={
                                "ts": message.ts,
                                "text": message.text,
                                "blocks": message.blocks,
                            },
                        )
                    elif element["type"] == "static_select":
                        option = next(
                            (o for o in element["options"] if o["text"]["text"] == title), None
                        )
                        if option is None:
                            continue
                        response = self.client.press(
                            self.user,
                            element["action_id"],
                            "",
                            channel=self.channel,
                            message={
                                "ts": message.ts,
                                "text": message.text,
                                "blocks": message.blocks,
                            },
                            selected=option,
                        )
                    else:
                        continue
                    assert response.status_code == 200
                    return "\n".join(texts(m) for m in self._replies_after(before))
        raise AssertionError(f"no choice {title!r} offered to {self.user}")


class Staff:
    """A City staff member working on triage cards, put on the roster with `role` (None:
    someone who is not on it)."""

    def __init__(
        self, stack, slack: FakeSlack, user: str, role: StaffRole | None = StaffRole.lead
    ) -> None:
        self.slack = slack
        self.client = SlackClient(stack.url)
        self.user = user
        self.database_url = stack.database_url
        if role is not None:
            on_roster(stack.database_url, user, role=role)
        # The fake Slack is the session's: what an earlier test's staff of the same id
        # were told is not this one's.
        self._told_earlier = len(self._told_ever())

    def card(self, reference: str) -> Posted:
        return self.slack.wait_for(
            lambda: next(
                (m for m in self.slack.in_channel(TRIAGE_CHANNEL) if reference in texts(m)), None
            ),
            what=f"triage card of {reference}",
        )

    def current_card(self, reference: str) -> Posted:
        """The card once redrawn after the latest change: its buttons carry the
        submission's version (a press on an older drawing is refused as stale)."""

        def drawn_now() -> Posted | None:
            card = self.card(reference)
            actions = next(b for b in card.blocks if b["type"] == "actions")
            drawn = json.loads(actions["elements"][0]["value"])["v"]
            with session_scope(self.database_url) as session:
                current = submissions.get_submission(session, reference).version
            return card if drawn == current else None

        return self.slack.wait_for(drawn_now, what=f"card of {reference} redrawn")

    def press(self, reference: str, title: str, team: str | None = TEAM) -> httpx.Response:
        card = self.current_card(reference)
        actions = next(b for b in card.blocks if b["type"] == "actions")
        button = next(e for e in actions["elements"] if e["text"]["text"] == title)
        return self.client.press(self.user, button["action_id"], button["value"], team=team)

    def modal(self, reference: str, title: str) -> dict:
        opened = len(self.slack.called("views.open"))
        assert self.press(reference, title).status_code == 200
        self.slack.wait_for(lambda: len(self.slack.called("views.open")) > opened, what="modal")
        return self.slack.called("views.open")[-1]["view"]

    def _told_ever(self) -> list[str]:
        return [
            e["text"] for e in self.slack.called("chat.postEphemeral") if e["user"] == self.user
        ]

    def told(self) -> list[str]:
        return self._told_ever()[self._told_earlier :]

    def wait_told(self, count: int) -> str:
        self.slack.wait_for(lambda: len(self.told()) >= count, what=f"answer to {self.user}")
        return self.told()[count - 1]


def card_shows(staff: Staff, reference: str, *expected: str) -> str:
    """Waits until the card shows everything expected (it is redrawn after each change)."""
    return staff.slack.wait_for(
        lambda: (lambda shown: shown if all(e in shown for e in expected) else None)(
            texts(staff.card(reference))
        ),
        what=f"card of {reference} showing {expected}",
    )
