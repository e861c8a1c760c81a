"""Chatting over HTTP: Rasa's REST channel for any REST client, and the web chat page's
own endpoints, where the chat identity is the app's cookie (bot/web_identity.py).

    POST /webhooks/rest/webhook   Rasa's REST channel format, `?stream=true` included
    POST /chat/inbox              what staff decided since the last visit (cookie only)
    POST /chat/message            the page's messages, as the cookie's identity
    GET | PUT | POST /chat/session   the page's identity: read, remember or not, renew

A REST client names its own sender id, so the id proves nothing: the channel answers
the assistant's replies for it, never what is private to a person (their inbox, the
contact answers of a draft; the action server masks those for such ids). With
ENTRYWAY_REST_TOKEN set, the channel answers only requests carrying the token. The page's
endpoints (/chat/*) answer for the cookie identity alone, and never another site's page
(bot/web_identity.py).

Bad requests are answered here, before Rasa sees them, so a malformed or huge message
can never disturb a conversation (or the draft) in progress; bodies are read only up to
MAX_BODY_BYTES. Whatever Rasa does, a message gets replies in Rasa's format (HTTP 200):
its own, or one saying it is restarting (bot/conversation.py)."""

import asyncio
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from bot import web_identity
from bot.client_address import client_of
from bot.conversation import (
    AssistantUnavailable,
    conversation_language,
    converse,
    converse_streaming,
    refusal,
    restarting,
)
from bot.http_errors import documented
from bot.rate_limit import rate_limited
from bot.request_body import json_object, optional_json_object
from bot.web_identity import WebIdentity
from storage.db import session_scope
from storage.identity import RESERVED_PREFIXES, SLACK_PREFIX, reserved_prefix
from storage.inbox import unseen_messages
from storage.intake_limits import with_client
from storage.languages import LANGUAGES, from_accept_language, supported
from storage.settings import get_settings

MAX_BODY_BYTES = 64 * 1024
MAX_SENDER_CHARS = 128
STREAM_MEDIA_TYPE = "text/event-stream"  # what Rasa's REST channel says for its JSON lines
RESERVED = "|".join(RESERVED_PREFIXES)

router = APIRouter(dependencies=[rate_limited("chat")], responses=documented(429))


# --- what the OpenAPI description says (the bodies themselves are read by hand, capped) --


class RestMessage(BaseModel):
    model_config = {
        "json_schema_extra": {"examples": [{"sender": "vendor-42", "message": "hello"}]}
    }

    sender: str = Field(
        min_length=1,
        max_length=MAX_SENDER_CHARS,
        json_schema_extra={"pattern": f"^(?!{RESERVED})"},  # documented, checked by hand
        description=f"The conversation's id, chosen by the client ({RESERVED} are reserved)",
    )
    message: str = Field(description="What the person wrote (or a button's payload)")


class PageMessage(BaseModel):
    model_config = {"json_schema_extra": {"examples": [{"message": "hola", "language": "es"}]}}

    message: str
    language: str | None = Field(
        None,
        json_schema_extra={"enum": list(LANGUAGES)},
        description="The page's language, the assistant's guess when the text shows none "
        "(a button, 'ok'); without it, the page's language cookie or Accept-Language",
    )


class RememberChoice(BaseModel):
    remember: bool = Field(description="Keep this identity for 30 days on this device")


class SessionState(BaseModel):
    remembered: bool


class Button(BaseModel):
    title: str
    payload: str


class BotReply(BaseModel):
    recipient_id: str
    text: str | None = None
    buttons: list[Button] | None = None
    image: str | None = None
    custom: Any = None


def _body(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    schema = {"content": {"application/json": {"schema": model.model_json_schema()}}}
    return {"requestBody": {"required": required, **schema}}


def _replies(streams: bool) -> dict[int | str, dict[str, Any]]:
    content: dict[str, Any] = {"application/json": {"schema": {"items": {}}}}
    if streams:
        content[STREAM_MEDIA_TYPE] = {
            "schema": {"type": "string", "description": "One reply (a JSON object) per line"}
        }
    return {
        200: {
            "model": list[BotReply],
            "description": "The assistant's replies in Rasa's REST format"
            + (" (with stream=true, one JSON object per line)" if streams else ""),
            "content": content,
        },
        **documented(400, 413, 415),
    }


STREAM = Query(
    False, description="Rasa's streaming mode: each reply as one JSON line, as soon as it is ready"
)


# --- replies ---------------------------------------------------------------------------


async def _reply_lines(replies: AsyncIterator[dict]) -> AsyncIterator[str]:
    async for reply in replies:
        yield json.dumps(reply) + "\n"


async def _one(reply: dict) -> AsyncIterator[dict]:
    yield reply


async def _answer(
    request: Request,
    sender: str,
    message: str,
    stream: bool,
    language: str,
    metadata: dict | None = None,
) -> Response:
    """The assistant's replies to `message`, as a JSON list or (stream) JSON lines; the
    app's own (refusals, 'restarting') in `language`."""
    rasa = request.app.state.rasa
    # Whom the assistant's handoff and submission limits count (storage/intake_limits.py).
    metadata = with_client(metadata, client_of(request))
    polite = refusal(message, language)
    if stream:
        replies = (
            _one({"recipient_id": sender, "text": polite})
            if polite
            else converse_streaming(rasa, sender, message, metadata, language)
        )
        return StreamingResponse(_reply_lines(replies), media_type=STREAM_MEDIA_TYPE)
    if polite:
        return JSONResponse([{"recipient_id": sender, "text": polite}])
    try:
        return JSONResponse(await converse(rasa, sender, message, metadata))
    except AssistantUnavailable:
        return JSONResponse([restarting(sender, language)])


def _rest_sender(payload: dict[str, Any]) -> str:
    """A REST client's sender id, or the 400 saying why it cannot be one."""
    sender = payload.get("sender")
    if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_CHARS:
        raise HTTPException(
            400, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters."
        )
    prefix = reserved_prefix(sender)
    if prefix:
        # Nobody speaks as a Slack user or as a web chat page's identity from outside:
        # those are issued by the app alone.
        channel = "Slack" if prefix == SLACK_PREFIX else "the web chat page"
        raise HTTPException(400, f"Sender ids starting with '{prefix}' are reserved for {channel}.")
    return sender


def _message(payload: dict[str, Any]) -> str:
    message = payload.get("message")
    if not isinstance(message, str):
        raise HTTPException(400, "'message' must be a string.")
    return message


REST_EXAMPLE = '{"sender": "...", "message": "..."}'


async def _rest_token_checked(request: Request) -> None:
    """With ENTRYWAY_REST_TOKEN set, a 401 for a request without it (before the body).
    A coroutine, though it awaits nothing: FastAPI runs a plain function dependency in its
    thread pool, a hand-off to a thread and back on every message."""
    expected = get_settings().rest_token
    if not expected:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        raise HTTPException(
            401,
            "This REST channel answers known integrations only: send the token the City "
            "gave you as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": 'Bearer realm="entryway-rest"'},
        )


@router.post(
    "/webhooks/rest/webhook",
    summary="Send a message (Rasa's REST channel)",
    description="With ENTRYWAY_REST_TOKEN set, only requests carrying it "
    "(`Authorization: Bearer <token>`) are answered; others get 401.",
    responses={**_replies(streams=True), **documented(401, 422)},
    openapi_extra=_body(RestMessage),
    dependencies=[Depends(_rest_token_checked)],
)
async def rest_webhook(request: Request, stream: bool = STREAM) -> Response:
    payload = await json_object(request, MAX_BODY_BYTES, REST_EXAMPLE)
    sender = _rest_sender(payload)
    language = from_accept_language(request.headers.get("accept-language"))
    return await _answer(request, sender, _message(payload), stream, language)


# --- what staff decided ----------------------------------------------------------------


def _unseen(sender: str, language: str | None) -> list[dict]:
    """The news, worded in `language`; None: in the submitter's own (their contact's)."""
    with session_scope(get_settings().database_url) as session:
        messages = unseen_messages(session, sender, language)
        return [
            {
                "recipient_id": sender,
                "text": m.text,
                **({"buttons": m.buttons} if m.buttons else {}),
            }
            for m in messages
        ]


PAGE_ONLY = [Depends(web_identity.refuse_cross_site)]


@router.post(
    "/chat/inbox",
    summary="What staff decided since the last visit",
    description="For the web chat page's identity (its cookie) only, sent without a body. "
    "Each message is handed out once. A sender id is never enough to read someone's "
    "inbox: a REST client's submitter asks the assistant for the status of their "
    "reference with its private status code.",
    responses={**_replies(streams=False), **documented(403)},
    dependencies=PAGE_ONLY,
)
async def inbox(request: Request) -> Response:
    if await optional_json_object(request, MAX_BODY_BYTES, "no body") is not None:
        raise HTTPException(
            400,
            "The inbox answers for the web chat page's own identity (its cookie) only, "
            "never for a sender id: send no body. A REST client's submitter asks the "
            "assistant for the status of their reference with its private status code.",
        )
    identity = web_identity.of(request)
    # In the language the person chose for the page, if they did; else their contact's.
    chosen = web_identity.chosen_language(request)
    response = JSONResponse(await asyncio.to_thread(_unseen, identity.sender, chosen))
    web_identity.keep(response, identity, request)
    return response


# --- the web chat page -----------------------------------------------------------------


def _page_language(request: Request, payload: dict[str, Any]) -> str:
    """The language the page is written in, as it says; else as the app would write it."""
    given = payload.get("language")
    if given is not None and (not isinstance(given, str) or supported(given) != given):
        raise HTTPException(400, f"'language' must be one of {', '.join(LANGUAGES)}.")
    return given or web_identity.page_language(request)


@router.post(
    "/chat/message",
    summary="Send a message as the web chat page's identity (its cookie)",
    description="The page's language goes to the assistant with the message (metadata "
    "`language`). A JSON answer's Content-Language header names the language the "
    "assistant speaks in the conversation now, so the page can follow it.",
    responses={**_replies(streams=True), **documented(403, 422)},
    openapi_extra=_body(PageMessage),
    dependencies=PAGE_ONLY,
)
async def page_message(request: Request, stream: bool = STREAM) -> Response:
    payload = await json_object(request, MAX_BODY_BYTES, '{"message": "...", "language": "es"}')
    message = _message(payload)
    language = _page_language(request, payload)
    identity = web_identity.of(request)
    response = await _answer(
        request, identity.sender, message, stream, language, identity.metadata(language)
    )
    if not stream:
        spoken = await conversation_language(identity.sender)
        response.headers["Content-Language"] = spoken or language
    web_identity.keep(response, identity, request)
    return response


def _session(request: Request, identity: WebIdentity) -> JSONResponse:
    response = JSONResponse(SessionState(remembered=identity.remembered).model_dump())
    web_identity.keep(response, identity, request)
    return response


async def _remember_choice(request: Request, *, required: bool) -> bool | None:
    expected = '{"remember": true}'
    if required:
        payload = await json_object(request, MAX_BODY_BYTES, expected)
    else:
        payload = await optional_json_object(request, MAX_BODY_BYTES, expected)
        if payload is None:
            return None
    remember = payload.get("remember")
    if not isinstance(remember, bool):
        raise HTTPException(400, "'remember' must be true or false.")
    return remember


SESSION_RESPONSES = {200: {"model": SessionState}, **documented(400, 403, 413, 415)}


@router.get(
    "/chat/session",
    summary="The web chat page's identity: whether it is remembered on this device",
    description="Issues the identity cookies when the browser has none.",
    responses={200: {"model": SessionState}, **documented(403)},
    dependencies=PAGE_ONLY,
)
async def read_session(request: Request) -> Response:
    return _session(request, web_identity.of(request))


@router.put(
    "/chat/session",
    summary="Remember this device's identity for 30 days, or only for this browser session",
    responses=SESSION_RESPONSES,
    openapi_extra=_body(RememberChoice),
    dependencies=PAGE_ONLY,
)
async def remember_session(request: Request) -> Response:
    remember = await _remember_choice(request, required=True)
    assert remember is not None
    return _session(request, web_identity.remembering(web_identity.of(request), remember))


@router.post(
    "/chat/session",
    summary="Start a new conversation: a fresh identity for this browser",
    description="Without a body the new identity is remembered as the old one was.",
    responses=SESSION_RESPONSES,
    openapi_extra=_body(RememberChoice, required=False),
    dependencies=PAGE_ONLY,
)
async def new_session(request: Request) -> Response:
    current = web_identity.of(request)
    remember = await _remember_choice(request, required=False)
    fresh = web_identity.fresh(current, current.remembered if remember is None else remember)
    return _session(request, fresh)
