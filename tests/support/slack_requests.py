"""Requests as Slack sends them to /slack/events: events and interactions, signed with
the signing secret (or not, or wrongly, or late, for the tests that must be refused)."""

import hashlib
import hmac
import itertools
import json
import time
import uuid
from urllib.parse import urlencode

import httpx

SIGNING_SECRET = "test-signing-secret"
TEAM = "T0001"
_numbers = itertools.count(1)


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:{body}".encode()
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest(),
    }


class SlackClient:
    """Sends Slack's requests to an app at `base_url`."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def post(self, body: str, content_type: str, headers: dict | None = None) -> httpx.Response:
        return self.http.post(
            "/slack/events",
            content=body,
            headers={**sign(body), "Content-Type": content_type, **(headers or {})},
        )

    def event(self, event: dict, event_id: str | None = None, **headers) -> httpx.Response:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": TEAM,
                "api_app_id": "A0001",
                "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
                "event_time": int(time.time()),
                "event": event,
            }
        )
        return self.post(body, "application/json", headers)

    def direct_message(self, user: str, text: str, event_id: str | None = None) -> httpx.Response:
        return self.event(
            {
                "type": "message",
                "channel_type": "im",
                "channel": f"D{user}",
                "user": user,
                "text": text,
                "ts": f"{time.time():.6f}",
                "team": TEAM,
            },
            event_id,
        )

    def interaction(self, payload: dict) -> httpx.Response:
        payload = {"team": {"id": TEAM}, "api_app_id": "A0001", "token": "t", **payload}
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")

    def press(
        self,
        user: str,
        action_id: str,
        value: str,
        channel: str = "C0TRIAGE",
        message: dict | None = None,
        selected: dict | None = None,
        team: str | None = TEAM,
    ) -> httpx.Response:
        """Presses a button (or picks `selected`) as `user` of workspace `team` (None: a
        payload that names no workspace)."""
        action = {"action_id": action_id, "block_id": "b", "type": "button", "value": value}
        if selected is not None:
            action = {"action_id": action_id, "type": "static_select", "selected_option": selected}
        return self.interaction(
            {
                "type": "block_actions",
                "team": {"id": team} if team else None,
                "user": {"id": user, "username": user.lower(), "team_id": team},
                "trigger_id": f"{next(_numbers)}.trigger",
                "channel": {"id": channel},
                "container": {"type": "message", "channel_id": channel},
                "message": message or {"ts": "1.000001", "text": "", "blocks": []},
                "actions": [action],
            }
        )

    def submit(
        self, user: str, view: dict, values: dict[str, dict], team: str | None = TEAM
    ) -> httpx.Response:
        """Submits a modal: `values` maps block ids to what was typed or chosen."""
        state = {}
        for block_id, value in values.items():
            if isinstance(value, dict):
                state[block_id] = {"value": value}
            else:
                state[block_id] = {"value": {"type": "plain_text_input", "value": value}}
        return self.interaction(
            {
                "type": "view_submission",
                "team": {"id": team} if team else None,
                "user": {"id": user, "username": user.lower(), "team_id": team},
                "trigger_id": f"{next(_numbers)}.trigger",
                "view": {
                    "id": "V1",
                    "type": "modal",
                    "callback_id": view["callback_id"],
                    "private_metadata": view.get("private_metadata", ""),
                    "state": {"values": state},
                },
            }
        )


def chosen(value: str, kind: str = "static_select") -> dict:
    """What a modal's select or radio input holds when `value` is chosen."""
    return {"type": kind, "selected_option": {"value": value, "text": {"text": value}}}
