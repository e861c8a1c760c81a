"""Public status and open data. Only `SubmissionPublic` leaves here: it has no contact
or answer fields at all, so confidential values cannot be exposed by mistake."""

import asyncio
import csv
import io

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse, Response

from bot.http_errors import documented
from bot.rate_limit import rate_limited
from storage import repository
from storage.db import session_scope
from storage.models import SubmissionPublic
from storage.reference import REFERENCE_SCHEMA_PATTERN, parse_reference
from storage.settings import get_settings

router = APIRouter(prefix="/api", dependencies=[rate_limited("public")], responses=documented(429))
CSV = "text/csv; charset=utf-8"
# Documented as the body it is: text, not the JSON FastAPI assumes by default.
CSV_RESPONSE = {200: {"description": "CSV, one header row", "content": {"text/csv": {}}}}
OPEN_DATA_FIELDS = list(SubmissionPublic.model_fields)


def _public(reference: str) -> SubmissionPublic | None:
    with session_scope(get_settings().database_url) as session:
        return repository.get_public_submission(session, reference)


def _all_public() -> list[SubmissionPublic]:
    with session_scope(get_settings().database_url) as session:
        return repository.list_public_submissions(session)


REFERENCE = Path(
    description="SC-YYYY-NNNNN, any case",
    # Documented, not enforced here: a malformed one gets a 400 that says what is expected.
    json_schema_extra={"pattern": REFERENCE_SCHEMA_PATTERN},
)


@router.get(
    "/proposals/{reference}",
    response_model=SubmissionPublic,
    responses=documented(400, 404, 422),
)
async def proposal_status(reference: str = REFERENCE):
    canonical = parse_reference(reference) if reference == reference.strip() else None
    if canonical is None:
        return JSONResponse(
            {"detail": "Malformed reference: expected SC-YYYY-NNNNN, e.g. SC-2026-00042."},
            status_code=400,
        )
    submission = await asyncio.to_thread(_public, canonical)
    if submission is None:
        return JSONResponse(
            {"detail": f"No submission with reference {canonical}."}, status_code=404
        )
    return submission


@router.get("/open-data/proposals.json", response_model=list[SubmissionPublic])
async def open_data_json():
    return await asyncio.to_thread(_all_public)


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet programs execute cells starting with these; submitters write titles.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/open-data/proposals.csv", response_class=Response, responses=CSV_RESPONSE)
async def open_data_csv() -> Response:
    rows = await asyncio.to_thread(_all_public)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(OPEN_DATA_FIELDS)
    for row in rows:
        data = row.model_dump(mode="json")
        writer.writerow([csv_cell(data[field]) for field in OPEN_DATA_FIELDS])
    return Response(
        buffer.getvalue(),
        media_type=CSV,
        headers={"Content-Disposition": 'inline; filename="proposals.csv"'},
    )
