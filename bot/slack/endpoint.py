"""POST /slack/events: Slack's requests, checked before bolt sees them.

Every request must carry a well-formed, valid signature made within the last five
minutes (401 otherwise), and each signature is accepted once, across restarts and app
instances, so a captured request cannot be replayed (401). A signed body Slack could
not have sent gets a 400, never an error inside bolt."""

import asyncio
import hashlib
import json
import re
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from slack_bolt.adapter.starlette.async_handler import (
    to_async_bolt_request,
    to_starlette_response,
)
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.request_body import read_capped
from storage import slack_deliveries
from storage.db import session_scope
from storage.settings import Settings

MAX_BODY_BYTES = 256 * 1024  # Slack's own payloads stay far below this
TIMESTAMP = re.compile(r"^\d{1,12}$")
SIGNATURE = re.compile(r"^v0=[0-9a-f]{64}$")


def _payload_problem(body: bytes, content_type: str) -> str | None:
    """Why Slack could not have sent this body, or None when it could have."""
    try:
        text = body.decode()
        if content_type == "application/json":
            parsed = json.loads(text)
            return None if isinstance(parsed, dict) else "expected a JSON object"
        if content_type == "application/x-www-form-urlencoded":
            form = parse_qs(text)
            if "payload" in form:
                parsed = json.loads(form["payload"][0])
                if not isinstance(parsed, dict):
                    return "payload is not a JSON object"
                return _interaction_problem(parsed)
            return None if "command" in form else "expected a payload or a command"
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "the body is not valid JSON"
    return f"unsupported content type {content_type or 'none'}"


def _interaction_problem(payload: dict) -> str | None:
    """Shapes bolt itself reads before any listener (and would fail on): the pressed
    actions of a block_actions payload, the view of a view submission."""
    actions, view = payload.get("actions"), payload.get("view")
    if payload.get("type") == "block_actions" and not (
        isinstance(actions, list) and actions and all(isinstance(a, dict) for a in actions)
    ):
        return "block_actions without actions"
    if payload.get("type") in ("view_submission", "view_closed") and not (
        isinstance(view, dict) and isinstance(view.get("type"), str)
    ):
        return f"{payload['type']} without a view"
    return None


class SlackEndpoint:
    def __init__(self, settings: Settings, app: AsyncApp) -> None:
        self.settings = settings
        self.verifier = SignatureVerifier(settings.slack_signing_secret or "")
        self.app = app

    def _signed(self, body: bytes, timestamp: str, signature: str) -> bool:
        if not TIMESTAMP.match(timestamp) or not SIGNATURE.match(signature):
            return False
        return self.verifier.is_valid(body, timestamp, signature)

    def _first_use(self, signature: str) -> bool:
        key = "sig:" + hashlib.sha256(signature.encode()).hexdigest()[:40]
        with session_scope(self.settings.database_url) as session:
            return slack_deliveries.first_sight(session, key)

    async def handle(self, request: Request) -> Response:
        body = await read_capped(request, MAX_BODY_BYTES)
        if body is None:
            return JSONResponse({"detail": "Request too large for a Slack payload."}, 413)
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        if not self._signed(body, timestamp, signature):
            return JSONResponse({"detail": "Invalid or stale Slack signature."}, 401)
        if not await asyncio.to_thread(self._first_use, signature):
            return JSONResponse({"detail": "This Slack request was already received."}, 401)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        problem = _payload_problem(body, content_type)
        if problem:
            return JSONResponse({"detail": f"Unreadable Slack payload: {problem}."}, 400)
        response = await self.app.async_dispatch(to_async_bolt_request(request, body))
        return to_starlette_response(response)
