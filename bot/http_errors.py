"""The app's error answers, one shape for all: `{"detail": "..."}` (validation errors
add `errors`), and how the OpenAPI description documents them, so a client generated
from the description expects exactly what the app sends."""

from typing import Any

WHY = {
    400: "Malformed request (the detail says what was expected)",
    401: "A token is required (Authorization: Bearer ...) and this one is missing or wrong",
    403: "Sent from another site's page",
    404: "Not found",
    413: "Request body too large",
    415: "The body is not JSON",
    422: "A parameter has the wrong type",
    429: "Too many requests from this client address; retry after Retry-After seconds",
    503: "A part of the service is down",
}


PROBLEM: dict[str, Any] = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
INVALID_REQUEST: dict[str, Any] = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                },
                "required": ["loc", "msg"],
            },
        },
    },
    "required": ["detail", "errors"],
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses. The schema is given as JSON
    content explicitly: errors are JSON even where the route's own answer is HTML."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        schema = INVALID_REQUEST if status == 422 else PROBLEM
        responses[status] = {
            "description": WHY[status],
            "content": {"application/json": {"schema": schema}},
        }
        if status == 429:
            responses[status]["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before the next request",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
    return responses
