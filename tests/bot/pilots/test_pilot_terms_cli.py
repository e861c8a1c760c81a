"""`python -m bot.staff_cli pilot terms REF`: the term sheet of a plan made with `pilot plan`,
on a real database, read back from the file it writes."""

import json
from pathlib import Path

import pytest
from sqlmodel import select

from storage.db import session_scope
from storage.models import Activity
from tests.bot.test_staff_cli import RUBRIC_ARGS, cli, reference, roster  # noqa: F401 (fixtures)
from tests.support import pilot_plans
from tests.support.pilot_plans import read_pdf

# What `pilot show --json` computes or records by itself, and so `pilot plan` is not given.
COMPUTED = (
    "reference", "title", "organisation", "status", "procurement_path", "iteration",
    "iterations", "state", "proposed_by", "approved_by", "approved_at", "approval_note",
    "confidential_fields", "decision",
)  # fmt: skip


def plan_file(folder: Path) -> Path:
    """The full example plan as a person gives it to `pilot plan --from`."""
    plan = {key: value for key, value in pilot_plans.full_plan().items() if key not in COMPUTED}
    for metric in plan["metrics"]:
        del metric["values"], metric["met"]
    disclosure = plan.pop("disclosure")
    plan["disclosure"] = {
        key: disclosure[key] for key in ("classification", "records", "cost_per_record")
    }
    path = folder / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path


@pytest.fixture
def in_pilot(reference, capsys) -> str:  # noqa: F811
    """The submission, taken to `pilot` by the operator (a lead)."""
    for step in (
        ["advance", reference],
        ["score", reference, "--no-conflict", *RUBRIC_ARGS],
        ["advance", reference, "--reason", "Good fit"],
        ["advance", reference, "--to", "pilot", "--reason", "Worth a pilot"],
    ):
        code, out = cli(capsys, *step)
        assert code == 0, out
    return reference


def test_the_term_sheet_is_written_where_asked_and_its_viewing_recorded(
    app_settings, in_pilot, tmp_path, monkeypatch, capsys
):
    code, out = cli(capsys, "pilot", "terms", in_pilot)
    assert code == 1 and f"{in_pilot} has no pilot plan" in out
    code, out = cli(capsys, "pilot", "plan", in_pilot, "--from", str(plan_file(tmp_path)))
    assert code == 0, out

    monkeypatch.chdir(tmp_path)
    code, out = cli(capsys, "pilot", "terms", in_pilot)
    default = Path(f"term-sheet-{in_pilot}-iteration-1.pdf")
    assert code == 0 and out.strip() == str(default)
    _, document = read_pdf((tmp_path / default).read_bytes())
    assert f"Pilot term sheet {in_pilot}" in document
    assert "parking_turnover" in document and "cruising_time" in document
    assert "Method 20,000 records × $5 per internal record" in document
    assert "Draft for legal review — iteration 1" in document

    chosen = tmp_path / "legal" / "sheet.html"
    chosen.parent.mkdir()
    code, out = cli(capsys, "pilot", "terms", in_pilot, "--iteration", "1", "--html",
                    "--out", str(chosen))  # fmt: skip
    assert code == 0 and out.strip() == str(chosen)
    assert chosen.read_text(encoding="utf-8").startswith("<!doctype html>")

    code, out = cli(capsys, "pilot", "terms", in_pilot, "--iteration", "2")
    assert code == 1 and f"{in_pilot} has no plan iteration 2" in out
    code, out = cli(capsys, "pilot", "terms", in_pilot, "--out", str(tmp_path / "no" / "x.pdf"))
    assert code == 1 and "Cannot write" in out
    with session_scope(app_settings) as session:
        viewed = session.exec(select(Activity).where(Activity.kind == "confidential_viewed"))
        assert len(viewed.all()) == 2


def test_the_term_sheet_is_for_leads_and_the_evaluator_only(
    app_settings,
    roster,  # noqa: F811
    in_pilot,
    tmp_path,
    capsys,
):
    code, out = cli(capsys, "pilot", "plan", in_pilot, "--from", str(plan_file(tmp_path)))
    assert code == 0, out
    code, out = cli(capsys, "--as", "erin", "pilot", "terms", in_pilot,
                    "--out", str(tmp_path / "erin.pdf"))  # fmt: skip
    assert code == 1 and "for the submission's evaluator and leads only" in out
    assert not (tmp_path / "erin.pdf").exists()
    code, out = cli(capsys, "--as", "carol", "pilot", "terms", in_pilot,
                    "--out", str(tmp_path / "carol.pdf"))  # fmt: skip
    assert code == 0 and (tmp_path / "carol.pdf").exists()


def test_bad_usage_is_exit_2(app_settings, capsys):
    for argv in (["pilot", "terms", "not-a-reference"], ["pilot", "terms", "SC-2026-00001",
                 "--iteration", "0"]):  # fmt: skip
        with pytest.raises(SystemExit) as usage:
            cli(capsys, *argv)
        assert usage.value.code == 2
