"""The app's error answers, one shape for all: `{"detail": "..."}` (validation errors
add `errors`), and how the OpenAPI description documents them, so a client generated
from the description expects exactly what the app sends."""

from typing import Any

from pydantic import BaseModel

WHY = {
    400: "Malformed request (the detail says what was expected)",
    404: "Not found",
    413: "Request body too large",
    415: "The body is not JSON",
    422: "A parameter has the wrong type",
    429: "Too many requests from this client address; retry after Retry-After seconds",
    503: "A part of the service is down",
}


class Problem(BaseModel):
    detail: str


class FieldProblem(BaseModel):
    loc: list[str]
    msg: str


class InvalidRequest(Problem):
    errors: list[FieldProblem]


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        responses[status] = {
            "description": WHY[status],
            "model": InvalidRequest if status == 422 else Problem,
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
