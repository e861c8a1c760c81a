"""POST /webhooks/rest/webhook: Rasa's REST channel format, checked, then proxied to Rasa.

Bad requests are answered here, before Rasa sees them, so a malformed or huge
message can never disturb a conversation (or the draft) in progress.
"""

import json
import logging
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.settings import get_settings

logger = logging.getLogger(__name__)
router = APIRouter()

MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_CHARS = 128


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _bot_reply(sender: str, text: str) -> JSONResponse:
    return JSONResponse([{"recipient_id": sender, "text": text}])


async def _read_json(request: Request) -> dict[str, Any] | JSONResponse:
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
    return payload


@router.post("/webhooks/rest/webhook")
async def rest_webhook(request: Request) -> Response:
    payload = await _read_json(request)
    if isinstance(payload, JSONResponse):
        return payload
    sender, message = payload.get("sender"), payload.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return _error(
            400, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters."
        )
    if message is None or not isinstance(message, str):
        return _error(400, "'message' must be a string.")
    settings = get_settings()
    if not message.strip():
        return _bot_reply(sender, "I didn't receive any text. What would you like to do?")
    if len(message) > settings.max_message_chars:
        return _bot_reply(
            sender,
            f"That message is {len(message):,} characters long; I can take up to "
            f"{settings.max_message_chars:,} at a time. Please shorten it or send it in "
            "parts. Nothing you gave before is lost.",
        )
    client = request.app.state.rasa.for_sender(sender)
    try:
        response = await client.post(
            "/webhooks/rest/webhook", json={"sender": sender, "message": message}
        )
    except httpx.TimeoutException:
        return _error(504, "The assistant took too long to answer. Please try again.")
    except httpx.TransportError:
        logger.warning("Rasa is not reachable at %s", client.base_url)
        return _error(503, "The assistant is starting or unavailable. Please try again shortly.")
    if response.status_code != 200:
        logger.error("Rasa answered %s: %s", response.status_code, response.text[:500])
        return _error(502, "The assistant could not answer. Please try again.")
    # Rasa's JSON is passed through as it came: decoding and re-encoding it would only
    # cost time on every message.
    return Response(response.content, media_type="application/json")
