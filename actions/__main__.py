"""`python -m actions`: the action server (rasa-sdk) as one process, on 127.0.0.1.

rasa-sdk's own command starts Sanic's worker manager, which runs the server in a child
process: killed alone, the manager left its worker serving outside the supervisor, and
when that worker died nothing restarted it. Here the server runs in this process, so the
supervisor sees (and restarts) the process that serves.

When ENTRYWAY_ACTIONS_TOKEN is set, every call must carry it (Rasa sends it as the
`token` query parameter of the action endpoint, see rasa_env/endpoints.py); that is how
the action server knows a call comes from this deployment's Rasa."""

import gc
import hmac
import logging

from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Request
from sanic.response import HTTPResponse, json

from storage.settings import get_settings


def token_check(token: str):
    async def check(request: Request) -> HTTPResponse | None:
        given = request.args.get("token") or ""
        if request.path != "/health" and not hmac.compare_digest(given, token):
            return json({"error": "a valid token is required"}, status=401)
        return None

    return check


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app_for_serve(executor, cors_origins=[])
    if settings.actions_token:
        app.register_middleware(token_check(settings.actions_token), "request")
    # Everything imported so far lives as long as the process: out of the garbage
    # collector's reach, a full collection no longer walks it. Under load such collections
    # came every few seconds and held every call meanwhile
    # (docs/performance/2026-11-28-1934.md).
    gc.collect()
    gc.freeze()
    app.run(
        host="127.0.0.1",
        port=settings.actions_port,
        single_process=True,
        access_log=False,
        motd=False,
    )


if __name__ == "__main__":
    main()
