"""The ASGI app: web chat page, REST proxy to Rasa, public API, Slack endpoint, health."""

import logging
import re
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import chat, health, public_api, web_identity
from bot.client_address import ForwardedClient
from bot.pipeline import page as pipeline_page
from bot.rasa_client import RasaWorkers
from bot.rate_limit import RateLimits
from bot.slack.front_end import create_slack
from bot.web import WEB, pilots_page
from bot.web.chat_page import chat_page as rendered_chat_page
from storage import service_levels
from storage.settings import get_settings

SECURITY_HEADERS = {
    # The page loads nothing from elsewhere, so a strict policy costs nothing and
    # stops injected markup from running even if escaping ever failed.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class SecurityHeaders:
    """Puts SECURITY_HEADERS on every HTTP response. A plain ASGI middleware: Starlette's
    `@app.middleware("http")` runs each response through an extra task and memory
    stream, a large share of the app's CPU per chat message
    (docs/performance/2026-11-28-1326.md)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(SECURITY_HEADERS)
            await send(message)

        await self.app(scope, receive, send_with_headers)


HEALTH_RESPONSES: dict[int | str, dict] = {
    503: {
        "description": "A part is down: each part's state says which",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"status": {"type": "string"}},
                    "required": ["status"],
                }
            }
        },
    }
}


def allowed_methods(app: FastAPI, path: str) -> set[str]:
    """The methods the OpenAPI description documents at `path`: Starlette's own Allow names
    only the first route's, and /chat/session is three routes."""
    for template, operations in app.openapi()["paths"].items():
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return {method.upper() for method in operations}
    return set()


def create_app() -> FastAPI:
    settings = get_settings()
    service_levels.in_force()  # a malformed service-level file stops the start, naming the line
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    rasa = RasaWorkers(settings)
    slack = create_slack(settings, rasa)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await rasa.open()
        app.state.rasa = rasa
        app.state.health = health.HealthState(rasa)
        app.state.rate_limits = RateLimits(settings)
        await app.state.rate_limits.warm_up()
        if slack is not None:
            await slack.start()
        yield
        if slack is not None:
            await slack.stop()
        await rasa.aclose()

    app = FastAPI(title="Entryway", lifespan=lifespan, docs_url="/api/docs", redoc_url=None)
    app.include_router(chat.router)
    app.include_router(public_api.router)
    app.include_router(pipeline_page.router)
    app.include_router(pilots_page.router)
    app.include_router(health.router, responses=HEALTH_RESPONSES)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")

    @app.get(
        "/",
        summary="The web chat page, in the reader's language",
        description="`?lang=en|es` (the page's switch) chooses the language and is "
        "remembered in a cookie; without a choice, the browser's Accept-Language decides.",
        response_class=HTMLResponse,
    )
    async def chat_page(request: Request) -> HTMLResponse:
        language = web_identity.page_language(request)
        response = HTMLResponse(
            rendered_chat_page(language), headers={"Content-Language": language}
        )
        web_identity.keep_language(response, request)
        return response

    @app.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request):
        if slack is None:
            return JSONResponse({"detail": "Slack is not configured on this server."}, 404)
        return await slack.endpoint.handle(request)

    app.add_middleware(SecurityHeaders)
    # Outermost: every other part sees the client address it resolves.
    app.add_middleware(ForwardedClient, trusted_proxies=settings.trusted_proxy_networks)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        # Its headers matter: Allow on a 405, Retry-After on a 429.
        headers = dict(error.headers or {})
        if error.status_code == 405:
            documented = allowed_methods(app, request.url.path)
            if documented:
                headers["Allow"] = ", ".join(sorted(documented))
            elif "Allow" not in headers:  # the static files
                headers["Allow"] = "GET, HEAD"
        return JSONResponse(
            {"detail": error.detail}, status_code=error.status_code, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in error.errors()
        ]
        return JSONResponse({"detail": "Invalid request.", "errors": problems}, 422)

    return app
