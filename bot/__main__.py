"""`python -m bot`: serves the app with uvicorn on ENTRYWAY_HOST:ENTRYWAY_PORT."""

import uvicorn

from storage.settings import get_settings


def main() -> None:
    settings = get_settings()
    uvicorn.run(
        "bot.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        proxy_headers=True,
        timeout_graceful_shutdown=5,
        log_level="info",
        access_log=False,
    )


if __name__ == "__main__":
    main()
