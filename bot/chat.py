"""POST /webhooks/rest/webhook: Rasa's REST channel format, checked, then proxied to Rasa.

Bad requests are answered here, before Rasa sees them, so a malformed or huge
message can never disturb a conversation (or the draft) in progress.
"""

import asyncio
import json
import logging
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.conversation import refusal
from storage import repository
from storage.db import session_scope
from storage.identity import SLACK_PREFIX
from storage.settings import get_settings

logger = logging.getLogger(__name__)
router = APIRouter()

MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_CHARS = 128


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _bot_reply(sender: str, text: str) -> JSONResponse:
    return JSONResponse([{"recipient_id": sender, "text": text}])


async def _read_json(request: Request) -> dict[str, Any] | JSONResponse:
    """The request's JSON object with a valid web `sender`, or the 4xx that says why not."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return _error(415, "Send the message as JSON (Content-Type: application/json).")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _error(413, f"Request too large (limit {MAX_BODY_BYTES // 1024} KB).")
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(400, 'Malformed JSON. Expected {"sender": "...", "message": "..."}.')
    if not isinstance(payload, dict):
        return _error(400, 'Expected a JSON object {"sender": "...", "message": "..."}.')
    sender = payload.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return _error(
            400, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters."
        )
    if sender.startswith(SLACK_PREFIX):
        # Nobody speaks as (or reads the inbox of) a Slack user from the web.
        return _error(400, f"Sender ids starting with '{SLACK_PREFIX}' are reserved for Slack.")
    return payload


@router.post("/webhooks/rest/webhook")
async def rest_webhook(request: Request) -> Response:
    payload = await _read_json(request)
    if isinstance(payload, JSONResponse):
        return payload
    sender, message = payload["sender"], payload.get("message")
    if message is None or not isinstance(message, str):
        return _error(400, "'message' must be a string.")
    polite = refusal(message)
    if polite:
        return _bot_reply(sender, polite)
    try:
        response = await request.app.state.rasa.post(
            sender, "/webhooks/rest/webhook", {"sender": sender, "message": message}
        )
    except httpx.TimeoutException:
        return _error(504, "The assistant took too long to answer. Please try again.")
    except httpx.TransportError:
        logger.warning("Rasa is not reachable")
        return _error(503, "The assistant is starting or unavailable. Please try again shortly.")
    if response.status_code != 200:
        logger.error("Rasa answered %s: %s", response.status_code, response.text[:500])
        return _error(502, "The assistant could not answer. Please try again.")
    # Rasa's JSON is passed through as it came: decoding and re-encoding it would only
    # cost time on every message.
    return Response(response.content, media_type="application/json")


def _unseen(sender: str) -> list[dict]:
    with session_scope(get_settings().database_url) as session:
        messages = repository.unseen_messages(session, sender)
        return [
            {
                "recipient_id": sender,
                "text": m.text,
                **({"buttons": m.buttons} if m.buttons else {}),
            }
            for m in messages
        ]


@router.post("/chat/inbox")
async def inbox(request: Request) -> Response:
    """What staff decided since the person's last visit (their submissions' status
    changes), in the webhook's reply format; each message is handed out once."""
    payload = await _read_json(request)
    if isinstance(payload, JSONResponse):
        return payload
    return JSONResponse(await asyncio.to_thread(_unseen, payload["sender"]))
