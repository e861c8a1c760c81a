"""The report page, its charts and the open-data files, as published by the scheduler."""

import asyncio
import csv
import html
import io

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse, Response

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


def _cell(value: object) -> str:
    if value is None:
        return f'<td class="suppressed">{html.escape(text("report.suppressed_cell"))}</td>'
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return f"<td>{html.escape(shown)}</td>"


def _section(dataset: figures.Dataset) -> str:
    name = dataset.name
    heading = html.escape(dataset.title)
    head = "".join(
        f'<th scope="col">{html.escape(text(f"report.{name}.columns.{c.name}"))}</th>'
        for c in dataset.columns
    )
    empty = (
        f'<tr><td colspan="{len(dataset.columns)}">{html.escape(text("report.no_data"))}</td></tr>'
    )
    body = (
        "".join("<tr>" + "".join(_cell(value) for value in row) + "</tr>" for row in dataset.rows)
        or empty
    )
    links = " · ".join(
        f'<a href="/api/open-data/{name}.{suffix}">{html.escape(text(f"report.link.{key}"))}</a>'
        for suffix, key in (("csv", "csv"), ("json", "json"), ("dictionary.json", "dictionary"))
    )
    return f"""
<section aria-labelledby="{name}">
  <h2 id="{name}">{heading}</h2>
  <p>{html.escape(text(f"report.{name}.description"))}</p>
  <div class="pair">
    <figure>
      <img src="/reports/pipeline/{name}.svg" alt="{html.escape(text(f"report.{name}.alt"))}">
      <figcaption>{heading}</figcaption>
    </figure>
    <div class="table"><table>
      <caption>{html.escape(text("report.table_caption", title=dataset.title))}</caption>
      <thead><tr>{head}</tr></thead><tbody>{body}</tbody>
    </table></div>
  </div>
  <p class="downloads">{html.escape(text("report.downloads"))} {links}</p>
</section>"""


def page(datasets: dict[str, figures.Dataset]) -> str:
    sections = "".join(_section(datasets[name]) for name in figures.NAMES)
    computed = min(d.computed_at for d in datasets.values() if d.computed_at)
    zone = service_levels.calendar(get_settings().timezone).zone
    updated = f"{computed.astimezone(zone):%d %B %Y, %H:%M}"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(text("report.page_title"))}</title>
<link rel="stylesheet" href="/static/report.css">
</head>
<body>
<header>
  <h1>{html.escape(text("report.heading"))}</h1>
  <p>{html.escape(text("report.intro"))}</p>
</header>
<main>{sections}</main>
<footer>
  <p>{html.escape(text("report.suppression", minimum=reports.MIN_CELL))}</p>
  <p>{html.escape(text("report.updated", at=updated))}</p>
</footer>
</body>
</html>"""


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
