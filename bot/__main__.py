"""`python -m bot`: serves the app with uvicorn on ENTRYWAY_HOST:ENTRYWAY_PORT."""

import gc
import sys

import uvicorn

import bot.app  # noqa: F401  (imported here, before the freeze below)
from storage import service_levels
from storage.settings import get_settings


def main() -> None:
    settings = get_settings()
    try:
        service_levels.in_force()
    except service_levels.ServiceLevelError as problem:
        sys.exit(f"app: {problem}")
    # What the app is made of lives as long as the process: out of the garbage collector's
    # reach, a full collection no longer walks it while requests wait
    # (docs/performance/2026-11-28-1934.md).
    gc.collect()
    gc.freeze()
    uvicorn.run(
        "bot.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        # The app believes X-Forwarded-For from ENTRYWAY_TRUSTED_PROXIES only, by itself
        # (bot/client_address.py); uvicorn's own handling would trust 127.0.0.1 (or
        # FORWARDED_ALLOW_IPS) as well, and hide the connection's own address.
        proxy_headers=False,
        timeout_graceful_shutdown=5,
        log_level="info",
        access_log=False,
    )


if __name__ == "__main__":
    main()
