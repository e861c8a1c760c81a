"""The report page (templates/report.html), its charts and the open-data files, as
published by the scheduler."""

import asyncio
import csv
import io

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from bot import web_identity
from bot.http_errors import documented
from bot.pipeline import charts, figures
from bot.public_api import CSV, CSV_RESPONSE, csv_cell
from bot.rate_limit import rate_limited
from bot.web import render
from storage import reports, service_levels
from storage.languages import long_date
from storage.settings import get_settings

router = APIRouter(dependencies=[rate_limited("public")], responses=documented(429))
SVG = "image/svg+xml"


def _as_csv(dataset: figures.Dataset) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.name for column in dataset.columns])
    writer.writerows([csv_cell(value) for value in row] for row in dataset.rows)
    return buffer.getvalue()


def _figure(value: object) -> str:
    """A published figure as the table shows it: 2.5, not 2.5000000001."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cell(column: figures.Column, value: object, language: str) -> str | None:
    """A table cell as a reader reads it (None: too few to publish)."""
    if value is None:
        return None
    if column.type in ("integer", "number"):
        return _figure(value)
    return figures.label(column.name, value, language)


def _table(dataset: figures.Dataset, language: str) -> list[list[str | None]]:
    return [
        [_cell(column, value, language) for column, value in zip(dataset.columns, row, strict=True)]
        for row in dataset.rows
    ]


DOWNLOADS = (("csv", "csv"), ("json", "json"), ("dictionary.json", "dictionary"))


def page(datasets: dict[str, figures.Dataset], language: str) -> str:
    computed = min(d.computed_at for d in datasets.values() if d.computed_at)
    zone = service_levels.calendar(get_settings().timezone).zone
    local = computed.astimezone(zone)
    shown = [datasets[name] for name in figures.NAMES]
    return render(
        "report.html",
        language,
        datasets=shown,
        tables={dataset.name: _table(dataset, language) for dataset in shown},
        downloads=DOWNLOADS,
        minimum_cell=reports.MIN_CELL,
        updated=f"{long_date(local.date(), language)}, {local:%H:%M}",
    )


LANGUAGE_PARAMETER = (
    "`?lang=en|es` chooses the language (else the language cookie, else Accept-Language); "
    "the figures are the same in every language."
)


@router.get(
    "/reports/pipeline",
    response_class=HTMLResponse,
    summary="Where submissions wait: the public report (HTML, no JavaScript)",
    description=LANGUAGE_PARAMETER,
)
async def pipeline_page(request: Request) -> HTMLResponse:
    language = web_identity.page_language(request)
    datasets = await asyncio.to_thread(figures.datasets)
    response = HTMLResponse(page(datasets, language), headers={"Content-Language": language})
    web_identity.keep_language(response, request)
    return response


def _register(name: str) -> None:
    async def chart(request: Request) -> Response:
        language = web_identity.page_language(request)
        datasets = await asyncio.to_thread(figures.datasets)
        drawn = await asyncio.to_thread(charts.svg, datasets[name], language)
        return Response(
            drawn,
            media_type=SVG,
            headers={"Content-Language": language, "Vary": "Accept-Language, Cookie"},
        )

    async def as_csv() -> Response:
        dataset = (await asyncio.to_thread(figures.datasets))[name]
        return Response(
            _as_csv(dataset),
            media_type=CSV,
            headers={"Content-Disposition": f'inline; filename="{name}.csv"'},
        )

    async def as_json() -> JSONResponse:
        return JSONResponse((await asyncio.to_thread(figures.datasets))[name].records())

    async def dictionary(request: Request) -> JSONResponse:
        language = web_identity.page_language(request)
        dataset = (await asyncio.to_thread(figures.datasets))[name]
        return JSONResponse(
            dataset.describe(language),
            headers={"Content-Language": language, "Vary": "Accept-Language, Cookie"},
        )

    router.add_api_route(
        f"/reports/pipeline/{name}.svg",
        chart,
        summary=f"{name}: the chart (SVG)",
        description=LANGUAGE_PARAMETER,
        response_class=Response,
        responses={200: {"description": "SVG image", "content": {SVG: {}}}},
    )
    router.add_api_route(
        f"/api/open-data/{name}.csv",
        as_csv,
        summary=f"{name} (CSV)",
        response_class=Response,
        responses=CSV_RESPONSE,
    )
    router.add_api_route(f"/api/open-data/{name}.json", as_json, summary=f"{name} (JSON)")
    router.add_api_route(
        f"/api/open-data/{name}.dictionary.json",
        dictionary,
        summary=f"{name}: data dictionary",
        description="Each field's meaning in the reader's language; each coded field "
        "lists its codes with their names in English and Spanish. " + LANGUAGE_PARAMETER,
    )


for _name in figures.NAMES:
    _register(_name)
