"""Reading a request body without letting its sender decide how much memory it takes."""

import json
from typing import Any

from fastapi import HTTPException, Request


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it passes `limit` bytes (nothing more is read).

    A declared Content-Length over the limit is refused before the first byte; a body
    sent in chunks (no length) is counted as it arrives."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return None
    return bytes(body)


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _not_json() -> HTTPException:
    return HTTPException(415, "Send the body as JSON (Content-Type: application/json).")


async def _capped(request: Request, limit: int) -> bytes:
    body = await read_capped(request, limit)
    if body is None:
        raise HTTPException(413, f"Request too large (limit {limit // 1024} KB).")
    return body


def _parsed(body: bytes, expected: str) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise HTTPException(400, f"Malformed JSON. Expected {expected}.") from None
    if not isinstance(payload, dict):
        raise HTTPException(400, f"Expected a JSON object {expected}.")
    return payload


async def json_object(request: Request, limit: int, expected: str) -> dict[str, Any]:
    """The request's JSON object; raises the 4xx that says why there is none.

    `expected` shows the sender what a good body looks like."""
    if _content_type(request) != "application/json":
        raise _not_json()  # before reading anything
    return _parsed(await _capped(request, limit), expected)


async def optional_json_object(
    request: Request, limit: int, expected: str
) -> dict[str, Any] | None:
    """Like json_object, but None for an empty body (whatever its Content-Type)."""
    body = await _capped(request, limit)
    if not body:
        return None
    if _content_type(request) != "application/json":
        raise _not_json()
    return _parsed(body, expected)
