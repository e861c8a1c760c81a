"""Public status and open data. Only `SubmissionPublic` leaves here: it has no contact
or answer fields at all, so confidential values cannot be exposed by mistake."""

import asyncio
import csv
import io

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from storage import repository
from storage.db import session_scope
from storage.models import SubmissionPublic
from storage.reference import parse_reference
from storage.settings import get_settings

router = APIRouter(prefix="/api")
OPEN_DATA_FIELDS = list(SubmissionPublic.model_fields)


def _public(reference: str) -> SubmissionPublic | None:
    with session_scope(get_settings().database_url) as session:
        return repository.get_public_submission(session, reference)


def _all_public() -> list[SubmissionPublic]:
    with session_scope(get_settings().database_url) as session:
        return repository.list_public_submissions(session)


@router.get("/proposals/{reference}", response_model=SubmissionPublic)
async def proposal_status(reference: str):
    canonical = parse_reference(reference)
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


@router.get("/open-data/proposals.csv")
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
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="proposals.csv"'},
    )
