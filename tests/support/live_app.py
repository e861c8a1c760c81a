"""The app served by uvicorn on a real loopback port, in a thread of the test process,
configured as `python -m bot` configures it (the app itself believes proxy headers from
ENTRYWAY_TRUSTED_PROXIES only)."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from bot.app import create_app
from storage.settings import get_settings
from tests.support.stack import free_port


@contextmanager
def live_app() -> Iterator[str]:
    """Serves a new app (settings read from the environment now) and yields its URL."""
    get_settings.cache_clear()
    port = free_port()
    config = uvicorn.Config(
        create_app(),
        host="127.0.0.1",
        port=port,
        proxy_headers=False,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"app-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
