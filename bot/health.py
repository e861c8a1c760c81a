"""GET /healthz: ok (200) only when the app, Rasa (a server with its model loaded), the
action server and the database answer, and Redis too when the deployment uses it; 503
otherwise. Each part is reported by its state only ("ok", "starting", "unavailable"):
no internal address or error detail, which would tell a stranger how the City's
servers are laid out.

Every part is checked (the deep check) for callers on this host only: the connection
and the client address both loopback (bot/client_address.is_this_host; a header can
make a caller public, never local). Everyone else, HAProxy's health checks included
(they come from HAProxy's own address), gets the state of the last deep check, at most
FRESH_FOR old: when it is older, the first such caller has it made again and every
caller meanwhile waits for that one, so the public cannot make the app reach its
parts more than about once a second, however often it asks. Such an answer says how
old it is in an `Age` header.

A caller on this host also sees `tracker_checkpoint_fallbacks`, "F of N": of the N
checkpoints the Rasa servers built for conversations (rasa_env/tracker_store.py, every
server on this database, since the windowed store first ran on it), F did not rebuild
the conversation's state and were not used: the conversation was read whole instead.
Expected "0 of N": anything else is a conversation shape the windowed store does not
cut right yet (the Rasa server's log names the first one). Read here from the database
the app shares with Rasa, where the Rasa servers count them (a server's own memory
would be lost at each restart and split between servers, and the app would have to
ask each one); absent when no windowed store ever ran there. Not for the public: it
says how busy the assistant is."""

import asyncio
import json
import math
import time
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from bot.client_address import is_this_host
from bot.rasa_client import RasaWorkers
from storage.db import get_engine
from storage.settings import get_settings

router = APIRouter()
OK, STARTING, UNAVAILABLE = "ok", "starting", "unavailable"
PROBE_SECONDS = 3.0
FRESH_FOR = 1.0  # seconds a deep check's state answers the public


async def _rasa_server(workers: RasaWorkers, server: str) -> str:
    # Rasa asks for its token on /status too.
    status, body = await workers.get(f"{server}/status", PROBE_SECONDS, workers.params)
    if status != 200:
        return UNAVAILABLE
    return OK if json.loads(body).get("model_file") else STARTING


async def _actions(workers: RasaWorkers) -> str:
    status, _ = await workers.get(f"{get_settings().actions_url}/health", PROBE_SECONDS)
    return OK if status == 200 else UNAVAILABLE


def _database() -> str:
    with get_engine(get_settings().database_url).connect() as connection:
        connection.execute(text("SELECT 1"))
    return OK


# Rasa's windowed tracker store creates and counts these (rasa_env/tracker_store.py,
# StoreCount); the app only reads them.
_CHECKPOINT_COUNTS = text(
    "SELECT name, value FROM tracker_store_counts "
    "WHERE name IN ('checkpoints_written', 'checkpoint_fallbacks')"
)


def _checkpoint_fallbacks() -> str | None:
    """ "F of N" (see the module's docstring), or None when there is no count to read: no
    such table (Redis, Rasa's own store) or no database (which `database` reports)."""
    try:
        with get_engine(get_settings().database_url).connect() as connection:
            counts = dict(connection.execute(_CHECKPOINT_COUNTS).all())
    except Exception:  # a health probe reports every failure, whatever it is, as a state
        return None
    fallbacks = counts.get("checkpoint_fallbacks", 0)
    return f"{fallbacks} of {counts.get('checkpoints_written', 0) + fallbacks}"


def _redis(url: str) -> str:
    import redis  # only deployments with REDIS_URL need it

    client = redis.Redis.from_url(url, socket_timeout=PROBE_SECONDS)
    try:
        client.ping()
    finally:
        client.close()
    return OK


async def _check(probe) -> str:
    try:
        return await probe
    except Exception:  # a health probe reports every failure, whatever it is, as a state
        return UNAVAILABLE


@dataclass(frozen=True)
class Report:
    body: dict[str, str]
    healthy: bool
    checked_at: float  # time.monotonic() when the check ended
    for_this_host: dict[str, str]  # added to the body for callers on this host only


async def deep_check(workers: RasaWorkers) -> Report:
    """Asks every part, now."""
    settings = get_settings()
    servers, actions, database, fallbacks = await asyncio.gather(
        asyncio.gather(*(_check(_rasa_server(workers, server)) for server in workers.urls)),
        _check(_actions(workers)),
        _check(asyncio.to_thread(_database)),
        asyncio.to_thread(_checkpoint_fallbacks),
    )
    redis_state = (
        await _check(asyncio.to_thread(_redis, settings.redis_url)) if settings.redis_url else None
    )
    ready = sum(state == OK for state in servers)
    rasa = OK if ready else (STARTING if STARTING in servers else UNAVAILABLE)
    components = {"app": OK, "rasa": rasa, "actions": actions, "database": database}
    if redis_state is not None:
        components["redis"] = redis_state
    healthy = all(state == OK for state in components.values())
    body = {
        "status": OK if healthy else UNAVAILABLE,
        **components,
        # One server down of several is not an outage: the others take its conversations.
        "rasa_servers_ready": f"{ready} of {len(servers)}",
    }
    for_this_host = {"tracker_checkpoint_fallbacks": fallbacks} if fallbacks else {}
    return Report(body, healthy, time.monotonic(), for_this_host)


class HealthState:
    """The last deep check's report, and the one under way for public callers."""

    def __init__(self, workers: RasaWorkers) -> None:
        self.workers = workers
        self.last: Report | None = None
        self._refreshing: asyncio.Task[Report] | None = None

    async def now(self) -> Report:
        report = await deep_check(self.workers)
        if self.last is None or report.checked_at > self.last.checked_at:
            self.last = report
        return report

    async def recent(self) -> Report:
        """A report at most FRESH_FOR old, made again by one caller when it is older."""
        last = self.last
        if last is not None and time.monotonic() - last.checked_at <= FRESH_FOR:
            return last
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.create_task(self.now())
        # Shielded: a caller that hangs up does not cancel the check the others wait for.
        return await asyncio.shield(self._refreshing)


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    state: HealthState = request.app.state.health
    headers = {"Cache-Control": "no-store"}
    if is_this_host(request):
        report = await state.now()
        body = {**report.body, **report.for_this_host}
    else:
        report = await state.recent()
        headers["Age"] = str(math.floor(time.monotonic() - report.checked_at))
        body = report.body
    return JSONResponse(body, status_code=200 if report.healthy else 503, headers=headers)
