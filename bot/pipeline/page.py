"""The report page (templates/report.html), its charts and the open-data files, as
published by the scheduler."""

import asyncio
import csv
import io

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined

from bot.http_errors import documented
from bot.pipeline import charts, figures
from bot.public_api import CSV, CSV_RESPONSE, csv_cell
from bot.rate_limit import rate_limited
from storage import reports, service_levels
from storage.catalogue import text
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


# Autoescaped: every value, the catalogue's texts included, is escaped as it goes in.
TEMPLATES = Environment(
    loader=PackageLoader("bot.pipeline"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
TEMPLATES.globals["text"] = text
TEMPLATES.filters["figure"] = _figure
DOWNLOADS = (("csv", "csv"), ("json", "json"), ("dictionary.json", "dictionary"))


def page(datasets: dict[str, figures.Dataset]) -> str:
    computed = min(d.computed_at for d in datasets.values() if d.computed_at)
    zone = service_levels.calendar(get_settings().timezone).zone
    return TEMPLATES.get_template("report.html").render(
        datasets=[datasets[name] for name in figures.NAMES],
        downloads=DOWNLOADS,
        minimum_cell=reports.MIN_CELL,
        updated=f"{computed.astimezone(zone):%d %B %Y, %H:%M}",
    )


@router.get(
    "/reports/pipeline",
    response_class=HTMLResponse,
    summary="Where submissions wait: the public report (HTML, no JavaScript)",
)
async def pipeline_page() -> HTMLResponse:
    datasets = await asyncio.to_thread(figures.datasets)
    return HTMLResponse(page(datasets))


def _register(name: str) -> None:
    async def chart() -> Response:
        datasets = await asyncio.to_thread(figures.datasets)
        return Response(await asyncio.to_thread(charts.svg, datasets[name]), media_type=SVG)

    async def as_csv() -> Response:
        dataset = (await asyncio.to_thread(figures.datasets))[name]
        return Response(
            _as_csv(dataset),
            media_type=CSV,
            headers={"Content-Disposition": f'inline; filename="{name}.csv"'},
        )

    async def as_json() -> JSONResponse:
        return JSONResponse((await asyncio.to_thread(figures.datasets))[name].records())

    async def dictionary() -> JSONResponse:
        return JSONResponse((await asyncio.to_thread(figures.datasets))[name].describe())

    router.add_api_route(
        f"/reports/pipeline/{name}.svg",
        chart,
        summary=f"{name}: the chart (SVG)",
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
        f"/api/open-data/{name}.dictionary.json", dictionary, summary=f"{name}: data dictionary"
    )


for _name in figures.NAMES:
    _register(_name)
