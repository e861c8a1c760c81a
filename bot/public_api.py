"""Public status and open data. Only `SubmissionPublished` leaves here (the public view,
feedback's times to the month): it has no contact or answer fields at all, so
confidential values cannot be exposed by mistake. The pilots' open data is the public
register (storage.pilots.register), which names each field it publishes."""

import asyncio
import csv
import io
import itertools
import json
from collections.abc import Callable, Iterator

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from bot import web_identity
from bot.http_errors import documented
from bot.rate_limit import rate_limited
from storage import rendering, submissions
from storage.catalogue import text
from storage.db import session_scope
from storage.languages import LANGUAGES
from storage.models import SubmissionPublished
from storage.pilots import register
from storage.reference import REFERENCE_SCHEMA_PATTERN, parse_reference
from storage.rendering import coded_columns
from storage.settings import get_settings

router = APIRouter(prefix="/api", dependencies=[rate_limited("public")], responses=documented(429))
CSV = "text/csv; charset=utf-8"
# Documented as the body it is: text, not the JSON FastAPI assumes by default.
CSV_RESPONSE = {200: {"description": "CSV, one header row", "content": {"text/csv": {}}}}
OPEN_DATA_FIELDS = list(SubmissionPublished.model_fields)
# The type of each field, as the data dictionary names it.
FIELD_TYPES = {
    "reference": "string",
    "kind": "code",
    "title": "string",
    "category": "code",
    "status": "code",
    "submitted_at": "timestamp or month",
    "updated_at": "timestamp or month",
    "next_step": "code",
    "next_decision_by": "date",
}
# Rows per chunk of a streamed export: each chunk is one hop to a worker thread, and what
# the app holds of an export at once, whatever the number of submissions.
ROWS_PER_CHUNK = 1000


def _public(reference: str, language: str) -> SubmissionPublished | None:
    """One submission as its status endpoint answers a person: what comes next worded in
    the reader's language (the interface's `next_step` is text); open data keeps the code."""
    settings = get_settings()
    with session_scope(settings.database_url) as session:
        public = submissions.get_public_submission(session, reference, language)
    if public is None:
        return None
    view = submissions.published(public, settings.zone)
    view.next_step = rendering.next_step_text(view.next_step, language)
    return view


def _all_public(language: str) -> Iterator[SubmissionPublished]:
    """Every public view, a page at a time, each page read in a session of its own: a
    client that downloads slowly holds no database connection or transaction meanwhile.
    The stand-in title of a submission not yet screened is in `language`."""
    settings = get_settings()
    after: tuple[int, int] | None = None
    while True:
        with session_scope(settings.database_url) as session:
            page, after = submissions.public_submissions_page(
                session, after, ROWS_PER_CHUNK, language
            )
        yield from (submissions.published(public, settings.zone) for public in page)
        if after is None:
            return


def _chunks(pieces: Iterator[str]) -> Iterator[bytes]:
    while batch := list(itertools.islice(pieces, ROWS_PER_CHUNK)):
        yield "".join(batch).encode()


async def _streamed(pieces: Iterator[str], media_type: str, **headers: str) -> StreamingResponse:
    """Sends `pieces` joined, ROWS_PER_CHUNK at a time, as they are read from the database.
    The first chunk is read before the response starts, so a database that does not
    answer is still a 500, not a 200 cut short."""
    chunks = _chunks(pieces)
    first = await asyncio.to_thread(next, chunks, b"")
    return StreamingResponse(
        itertools.chain([first], chunks), media_type=media_type, headers=headers
    )


REFERENCE = Path(
    description="SC-YYYY-NNNNN, any case",
    # Documented, not enforced here: a malformed one gets a 400 that says what is expected.
    json_schema_extra={"pattern": REFERENCE_SCHEMA_PATTERN},
)


@router.get(
    "/proposals/{reference}",
    response_model=SubmissionPublished,
    responses=documented(400, 404, 422),
)
async def proposal_status(request: Request, reference: str = REFERENCE):
    canonical = parse_reference(reference) if reference == reference.strip() else None
    if canonical is None:
        return JSONResponse(
            {"detail": "Malformed reference: expected SC-YYYY-NNNNN, e.g. SC-2026-00042."},
            status_code=400,
        )
    language = web_identity.page_language(request)
    submission = await asyncio.to_thread(_public, canonical, language)
    if submission is None:
        return JSONResponse(
            {"detail": f"No submission with reference {canonical}."}, status_code=404
        )
    return submission


def _json_pieces(language: str) -> Iterator[str]:
    # Byte for byte what FastAPI's JSONResponse makes of the whole list (compact, UTF-8).
    yield "["
    for number, row in enumerate(_all_public(language)):
        encoded = json.dumps(row.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))
        yield encoded if number == 0 else "," + encoded
    yield "]"


@router.get("/open-data/proposals.json", response_model=list[SubmissionPublished])
async def open_data_json(request: Request) -> StreamingResponse:
    return await _streamed(_json_pieces(web_identity.page_language(request)), "application/json")


def csv_cell(value: object) -> str:
    if isinstance(value, int | float):  # a number (-5 included) is data, never a formula
        return str(value)
    text = "" if value is None else str(value)
    # Spreadsheet programs execute cells starting with these; submitters write titles.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_line(cells: list[str]) -> str:
    line = io.StringIO()
    csv.writer(line).writerow(cells)
    return line.getvalue()


def _csv_pieces(language: str) -> Iterator[str]:
    yield _csv_line(OPEN_DATA_FIELDS)
    for row in _all_public(language):
        data = row.model_dump(mode="json")
        yield _csv_line([csv_cell(data[field]) for field in OPEN_DATA_FIELDS])


@router.get("/open-data/proposals.csv", response_class=Response, responses=CSV_RESPONSE)
async def open_data_csv(request: Request) -> StreamingResponse:
    return await _streamed(
        _csv_pieces(web_identity.page_language(request)),
        CSV,
        **{"Content-Disposition": 'inline; filename="proposals.csv"'},
    )


def dictionary(language: str) -> dict:
    """What each field of the open data means, in `language`; each coded field lists its
    codes with their names in English and Spanish (the data itself keeps the codes)."""
    coded = coded_columns()
    return {
        "dataset": "proposals",
        "language": language,
        "title": text("open_data.proposals.title", language),
        "description": text("open_data.proposals.description", language),
        "fields": [
            {
                "name": name,
                "type": FIELD_TYPES[name],
                "meaning": text(f"open_data.proposals.fields.{name}", language),
                **(
                    {"codes": [{"code": c, "labels": n} for c, n in coded[name].items()]}
                    if name in coded
                    else {}
                ),
            }
            for name in OPEN_DATA_FIELDS
        ],
    }


def _in_readers_language(request: Request, document: Callable[[str], dict]) -> JSONResponse:
    """A data dictionary in the reader's language (the page's choice), which the
    response says and caches by."""
    language = web_identity.page_language(request)
    return JSONResponse(
        document(language),
        headers={"Content-Language": language, "Vary": "Accept-Language, Cookie"},
    )


@router.get(
    "/open-data/proposals.dictionary.json",
    summary="The open data's dictionary: each field's meaning, each code's names",
    description="In the reader's language: `?lang=en|es`, else the language cookie, else "
    "Accept-Language. Every code is named in English and Spanish whatever the language.",
)
async def open_data_dictionary(request: Request) -> JSONResponse:
    return _in_readers_language(request, dictionary)


# --- the pilot register's open data -------------------------------------------------------


def _pilot_rows(language: str) -> list[dict]:
    with session_scope(get_settings().database_url) as session:
        return register.open_data_rows(register.public_pilots(session, language))


def _pilot_cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return csv_cell("; ".join(value))
    return csv_cell(value)


CSV_PILOT_COLUMNS = [name for name in register.OPEN_DATA_COLUMNS if name not in register.JSON_ONLY]


@router.get(
    "/open-data/pilots.json",
    summary="The public pilot register: one record per metric of each approved plan",
    description="Titles in the reader's language where the City composed them (`?lang=`); "
    "codes as codes, named in pilots.dictionary.json.",
)
async def pilots_json(request: Request) -> JSONResponse:
    # Composed titles are worded in the reader's language: a cache keeps one per language.
    rows = await asyncio.to_thread(_pilot_rows, web_identity.page_language(request))
    return JSONResponse(rows, headers={"Vary": "Accept-Language, Cookie"})


@router.get(
    "/open-data/pilots.csv",
    summary="The public pilot register (CSV), one row per metric of each approved plan",
    response_class=Response,
    responses=CSV_RESPONSE,
)
async def pilots_csv(request: Request) -> Response:
    rows = await asyncio.to_thread(_pilot_rows, web_identity.page_language(request))
    lines = [_csv_line(CSV_PILOT_COLUMNS)]
    lines += [_csv_line([_pilot_cell(row[name]) for name in CSV_PILOT_COLUMNS]) for row in rows]
    return Response(
        "".join(lines),
        media_type=CSV,
        headers={
            "Content-Disposition": 'inline; filename="pilots.csv"',
            "Vary": "Accept-Language, Cookie",
        },
    )


# The register's coded columns, and where the catalogue names each code.
PILOT_CODES = {
    "outcome": ("register.outcome.", register.OUTCOMES),
    "direction": ("register.direction.", ("increase", "decrease")),
}


def pilots_dictionary(language: str) -> dict:
    """What each column of the pilots' open data means, in `language`; the coded ones
    list their codes with their names in English and Spanish."""
    return {
        "dataset": "pilots",
        "language": language,
        "title": text("register.open_data.title", language),
        "description": text("register.open_data.description", language),
        "fields": [
            {
                "name": name,
                "type": kind,
                "meaning": text(f"register.open_data.fields.{name}", language),
                **(
                    {
                        "codes": [
                            {
                                "code": code,
                                "labels": {
                                    other: text(f"{PILOT_CODES[name][0]}{code}", other)
                                    for other in LANGUAGES
                                },
                            }
                            for code in PILOT_CODES[name][1]
                        ]
                    }
                    if name in PILOT_CODES
                    else {}
                ),
            }
            for name, kind in register.OPEN_DATA_COLUMNS.items()
        ],
    }


@router.get(
    "/open-data/pilots.dictionary.json",
    summary="The pilot register's data dictionary: each column's meaning, each code's names",
    description="In the reader's language: `?lang=en|es`, else the language cookie, else "
    "Accept-Language. Every code is named in English and Spanish whatever the language.",
)
async def pilots_dictionary_json(request: Request) -> JSONResponse:
    return _in_readers_language(request, pilots_dictionary)
