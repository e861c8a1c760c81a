"""GET /healthz: ok (200) only when the app, Rasa (a server with its model loaded), the
action server and the database answer, and Redis too when the deployment uses it; 503
otherwise. Each part is reported by its state only ("ok", "starting", "unavailable"):
no internal address or error detail, which would tell a stranger how the City's
servers are laid out."""

import asyncio
import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from bot.rasa_client import RasaWorkers
from storage.db import get_engine
from storage.settings import get_settings

router = APIRouter()
OK, STARTING, UNAVAILABLE = "ok", "starting", "unavailable"
PROBE_SECONDS = 3.0


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


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    workers: RasaWorkers = request.app.state.rasa
    settings = get_settings()
    servers, actions, database = await asyncio.gather(
        asyncio.gather(*(_check(_rasa_server(workers, server)) for server in workers.urls)),
        _check(_actions(workers)),
        _check(asyncio.to_thread(_database)),
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
    return JSONResponse(
        {
            "status": OK if healthy else UNAVAILABLE,
            **components,
            # One server down of several is not an outage: the others take its conversations.
            "rasa_servers_ready": f"{ready} of {len(servers)}",
        },
        status_code=200 if healthy else 503,
    )
