"""GET /healthz: ok only when the app, Rasa (with a model), the action server and the
database all answer."""

import asyncio

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from bot.rasa_client import RasaWorkers
from storage.db import get_engine
from storage.settings import get_settings

router = APIRouter()


async def _rasa_worker(client: httpx.AsyncClient) -> str:
    response = await client.get("/status", timeout=3.0)
    if response.status_code != 200:
        return f"error: HTTP {response.status_code} from {client.base_url}"
    if not response.json().get("model_file"):
        return f"error: no model loaded at {client.base_url}"
    return "ok"


async def _rasa(workers: RasaWorkers) -> str:
    states = await asyncio.gather(*(_rasa_worker(client) for client in workers.clients))
    return next((state for state in states if state != "ok"), "ok")


async def _actions(client: httpx.AsyncClient) -> str:
    response = await client.get(f"{get_settings().actions_url}/health", timeout=3.0)
    return "ok" if response.status_code == 200 else f"error: HTTP {response.status_code}"


def _database() -> str:
    with get_engine(get_settings().database_url).connect() as connection:
        connection.execute(text("SELECT 1"))
    return "ok"


async def _check(probe) -> str:
    try:
        return await probe
    except Exception as problem:  # a health probe reports every failure, whatever it is
        return f"error: {type(problem).__name__}"


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    workers: RasaWorkers = request.app.state.rasa
    rasa, actions, database = await asyncio.gather(
        _check(_rasa(workers)),
        _check(_actions(workers.clients[0])),
        _check(asyncio.to_thread(_database)),
    )
    components = {"app": "ok", "rasa": rasa, "actions": actions, "database": database}
    healthy = all(value == "ok" for value in components.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", **components},
        status_code=200 if healthy else 503,
    )
