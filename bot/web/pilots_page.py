"""GET /pilots: the public pilot register (storage.pilots.register) as a page in the
reader's language, no JavaScript; each metric's values as a table. Its data is the open
data at /api/open-data/pilots.*."""

import asyncio

from babel.numbers import format_currency, format_decimal
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from bot import web_identity
from bot.http_errors import documented
from bot.rate_limit import rate_limited
from bot.web import render
from storage.db import session_scope
from storage.languages import long_date
from storage.pilots import register
from storage.settings import get_settings

router = APIRouter(dependencies=[rate_limited("public")], responses=documented(429))
DOWNLOADS = (("csv", "csv"), ("json", "json"), ("dictionary.json", "dictionary"))


def page(pilots: list[register.PublicPilot], language: str) -> str:
    return render(
        "pilots.html",
        language,
        pilots=pilots,
        downloads=DOWNLOADS,
        day=lambda value: long_date(value, language),
        number=lambda value: format_decimal(value, locale=language),
        money=lambda value: format_currency(value, "USD", locale=language),
    )


def _pilots(language: str) -> list[register.PublicPilot]:
    with session_scope(get_settings().database_url) as session:
        return register.public_pilots(session, language)


@router.get(
    "/pilots",
    response_class=HTMLResponse,
    summary="The public pilot register (HTML, no JavaScript)",
    description="`?lang=en|es` chooses the language (else the language cookie, else "
    "Accept-Language).",
)
async def pilots_page(request: Request) -> HTMLResponse:
    language = web_identity.page_language(request)
    pilots = await asyncio.to_thread(_pilots, language)
    response = HTMLResponse(page(pilots, language), headers={"Content-Language": language})
    web_identity.keep_language(response, request)
    return response
