"""The Slack front end (slack-bolt). On only when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET
are set. Every request's signature and timestamp are checked (401 otherwise), and
a signed but unreadable payload gets a 400 here instead of an error inside bolt."""

import json
import logging
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings

logger = logging.getLogger(__name__)


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
                return None if isinstance(parsed, dict) else "payload is not a JSON object"
            return None if "command" in form else "expected a payload or a command"
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "the body is not valid JSON"
    return f"unsupported content type {content_type or 'none'}"


class SlackEndpoint:
    def __init__(self, settings: Settings) -> None:
        client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
        self.verifier = SignatureVerifier(settings.slack_signing_secret or "")
        self.handler = AsyncSlackRequestHandler(
            AsyncApp(client=client, signing_secret=settings.slack_signing_secret)
        )

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        if not self.verifier.is_valid_request(body, dict(request.headers)):
            return JSONResponse({"detail": "Invalid or stale Slack signature."}, 401)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        problem = _payload_problem(body, content_type)
        if problem:
            return JSONResponse({"detail": f"Unreadable Slack payload: {problem}."}, 400)
        return await self.handler.handle(request)


def create_slack_endpoint(settings: Settings) -> SlackEndpoint | None:
    if not settings.slack_enabled:
        logger.info("Slack: off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to turn it on)")
        return None
    logger.info("Slack: on (triage channel %s)", settings.slack_triage_channel or "not set")
    return SlackEndpoint(settings)
