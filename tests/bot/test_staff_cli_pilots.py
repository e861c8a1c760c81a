"""The pilot from a terminal (`python -m bot.staff_cli pilot ...`) on a real database:
plan, approve, report, show and decide, exit statuses 0/1/2, and bad plan files refused
without a traceback."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
import yaml
from sqlmodel import select

from bot.staff_cli import main as staff_cli
from storage.db import session_scope
from storage.models import Activity, OutboxMessage, Status, SubmitterMessage
from storage.settings import get_settings
from storage.submissions import get_submission
from storage.workflow import evaluation
from storage.workflow.rules import Staff
from tests.storage.pilots.plans import a_plan, in_pilot

NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def city_clock():
    with time_machine.travel(NOW, tick=True):
        yield


def cli(capsys, *argv: str) -> tuple[int, str]:
    code = staff_cli(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def reference(app_settings, capsys) -> str:
    """A proposal in pilot; Lee leads, Eva evaluates."""
    for user, role, name in (("U0LEE", "lead", "Lee"), ("U0EVA", "evaluator", "Eva")):
        assert cli(capsys, "staff", "add", user, "--role", role, "--name", name)[0] == 0
    return in_pilot(app_settings)


def written(tmp_path: Path, document: object, name: str = "plan.yml") -> str:
    path = tmp_path / name
    text = json.dumps(document) if name.endswith(".json") else yaml.safe_dump(document)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_pilot_from_plan_to_scale(app_settings, reference, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:1025")  # the vendor gave an e-mail address
    get_settings.cache_clear()
    hostile = "<script>alert(1)</script> sensors & </td> signs"
    plan = written(tmp_path, a_plan(scope=hostile))
    code, out = cli(capsys, "--as", "eva", "pilot", "plan", reference, "--from", plan)
    assert code == 0 and "iteration 1 is set" in out
    code, out = cli(capsys, "--as", "eva", "pilot", "approve", reference)
    assert code == 1 and "Only a lead can approve the pilot plan" in out
    code, out = cli(capsys, "--as", "lee", "pilot", "approve", reference)
    assert code == 0 and "iteration 1 is approved" in out
    code, out = cli(capsys, "--as", "eva", "pilot", "report", reference,
                    "--metric", "parking_turnover", "--value", "4.6", "--on", "2026-11-30",
                    "--note", "after the signs went up")  # fmt: skip
    assert code == 0 and "4.6 vehicles/space/day recorded (baseline 3.1, target 4.5)" in out
    code, out = cli(capsys, "pilot", "report", reference, "--metric", "speed", "--value", "1")
    assert code == 1 and "its metrics: parking_turnover, cruising_minutes" in out

    code, out = cli(capsys, "--as", "lee", "pilot", "show", reference)
    assert code == 0
    for expected in (
        hostile,
        "parking_turnover (vehicles/space/day): baseline 3.1 -> target 4.5 (increase)",
        "last 4.6 on 2026-11-30",
        "2026-11-30  4.6  (vendor)  after the signs went up",
        "cruising_minutes (minutes): baseline 9 -> target 6 (decrease)",
        "no values yet",
        "20,000 records × $5 per internal record = $100,000: risk medium",
        "city          $2,500 [private]  signage",
        "marked confidential by the vendor: budget",
    ):
        assert expected in out, expected
    code, out = cli(capsys, "pilot", "show", reference, "--json")
    shown = json.loads(out)
    assert code == 0 and shown["scope"] == hostile and shown["state"] == "approved"
    assert shown["metrics"][0]["values"][0] == {
        "on": "2026-11-30",
        "value": 4.6,
        "reported_by": "vendor",
        "note": "after the signs went up",
    }

    code, out = cli(capsys, "--as", "eva", "pilot", "decide", reference, "--outcome", "scale",
                    "--reason", "Turnover rose past the target.")  # fmt: skip
    assert code == 1 and "Only a lead can decide the pilot" in out
    code, out = cli(capsys, "--as", "lee", "pilot", "decide", reference, "--outcome", "scale",
                    "--reason", "Turnover rose past the target.",
                    "--lessons", "Shade the units.")  # fmt: skip
    assert code == 0 and "now procurement" in out and "The vendor has been told" in out
    assert f"procurement {reference} --approach CODE --legal-basis TEXT" in out
    code, out = cli(capsys, "pilot", "show", reference)
    assert code == 0 and f"{reference} is in procurement with no approach recorded" in out
    code, out = cli(capsys, "--as", "lee", "procurement", reference, "--approach",
                    "no_cost_pilot", "--legal-basis", "City Code 2-5-2, pilot agreements",
                    "--contract-value", "0")  # fmt: skip
    assert code == 0
    code, out = cli(capsys, "pilot", "show", reference)
    assert "procurement (moved 2026-12-07): Pilot agreement at no cost to the City" in out
    assert "legal basis: City Code 2-5-2, pilot agreements" in out
    assert "contract value: $0" in out and "awarded not yet" in out
    code, out = cli(capsys, "--as", "lee", "pilot", "decide", reference, "--outcome", "stop",
                    "--reason", "Changed our minds entirely.")  # fmt: skip
    assert code == 1 and "already decided (scale" in out
    shown = json.loads(cli(capsys, "pilot", "show", reference, "--json")[1])
    assert shown["decision"]["lessons"] == "Shade the units."
    assert shown["metrics"][0]["met"] is True and shown["metrics"][1]["met"] is None
    with session_scope(app_settings) as session:
        submission = get_submission(session, reference)
        assert submission.status is Status.procurement
        news = session.exec(
            select(SubmitterMessage).where(SubmitterMessage.submission_id == submission.id)
        ).all()
        decided = [n for n in news if n.facts.get("status") == "procurement"]
        assert len(decided) == 1 and decided[0].facts["reason"] == "Turnover rose past the target."
        emails = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "submitter_email")
        ).all()
        assert [e.payload["message_id"] for e in emails].count(decided[0].id) == 1
        assert session.exec(select(OutboxMessage).where(OutboxMessage.kind == "card_update")).all()


def test_extend_then_a_revised_plan_from_json(app_settings, reference, tmp_path, capsys):
    cli(capsys, "pilot", "plan", reference, "--from", written(tmp_path, a_plan()))
    cli(capsys, "pilot", "approve", reference)
    code, out = cli(capsys, "pilot", "decide", reference, "--outcome", "extend",
                    "--reason", "Promising; winter months still to measure.")  # fmt: skip
    assert code == 0 and "iteration 2 is a draft" in out
    # The view, edited, is a plan file again.
    shown = json.loads(cli(capsys, "pilot", "show", reference, "--json")[1])
    shown["ends"] = "2027-05-31"
    code, out = cli(capsys, "pilot", "plan", reference, "--from",
                    written(tmp_path, shown, "revised.json"))  # fmt: skip
    assert code == 0 and "draft of pilot plan iteration 2 is replaced" in out
    code, out = cli(capsys, "pilot", "approve", reference)
    assert code == 0 and "iteration 2 is approved" in out
    code, out = cli(capsys, "pilot", "show", reference, "--iteration", "1")
    assert code == 0 and "iteration 1 (iterations: 1, 2): decided" in out
    assert "decision: extend" in out
    code, out = cli(capsys, "pilot", "show", reference, "--iteration", "7")
    assert code == 1 and "no pilot plan iteration 7; its iterations: 1, 2" in out


def test_bad_plan_files_and_bad_usage(app_settings, reference, tmp_path, capsys):
    missing = a_plan()
    del missing["metrics"]
    code, out = cli(capsys, "pilot", "plan", reference, "--from", written(tmp_path, missing))
    assert code == 1 and "metrics: is missing" in out and "Traceback" not in out
    code, out = cli(capsys, "pilot", "plan", reference, "--from",
                    written(tmp_path, a_plan(starts="01/09/2026")))  # fmt: skip
    assert code == 1 and "starts: must be a date like 2027-01-04" in out
    huge = tmp_path / "huge.yml"
    huge.write_bytes(b"scope: " + b"x" * (1024 * 1024))
    code, out = cli(capsys, "pilot", "plan", reference, "--from", str(huge))
    assert code == 1 and "a plan is at most 262144" in out
    code, out = cli(capsys, "pilot", "approve", reference)
    assert code == 1 and "no pilot plan yet" in out
    code, out = cli(capsys, "pilot", "show", reference)
    assert code == 1 and "no pilot plan yet" in out
    for argv in (
        ["pilot", "plan", reference, "--from", str(tmp_path / "absent.yml")],
        ["pilot", "decide", reference, "--outcome", "pause", "--reason", "Because."],
        ["pilot", "report", reference, "--metric", "m", "--value", "many"],
        ["pilot", "report", reference, "--metric", "m", "--value", "1", "--on", "yesterday"],
    ):
        with pytest.raises(SystemExit) as usage:
            staff_cli(argv)
        assert usage.value.code == 2, argv
    capsys.readouterr()
    with session_scope(app_settings) as session:
        assert get_submission(session, reference).version == 3  # three moves, nothing since


def test_an_unusable_costs_file_refuses_the_plan(
    app_settings, reference, tmp_path, monkeypatch, capsys
):
    broken = tmp_path / "costs.yml"
    broken.write_text("cost_per_record: {public: 0}\n", encoding="utf-8")
    monkeypatch.setenv("ENTRYWAY_DISCLOSURE_COSTS", str(broken))
    get_settings.cache_clear()
    code, out = cli(capsys, "pilot", "plan", reference, "--from", written(tmp_path, a_plan()))
    assert code == 1 and "disclosure costs cannot be read" in out and "Traceback" not in out
    code, out = cli(capsys, "pilot", "show", reference)
    assert code == 1 and "no pilot plan yet" in out


def test_show_withholds_confidential_terms_from_who_may_not_open_them(
    app_settings, reference, tmp_path, capsys
):
    marked = a_plan(confidential_fields=["starts", "metrics"])  # and a private city line
    assert cli(capsys, "pilot", "plan", reference, "--from", written(tmp_path, marked))[0] == 0

    code, out = cli(capsys, "--as", "eva", "pilot", "show", reference)  # not its evaluator
    assert code == 0
    for expected in ("runs: withheld to 2027-02-28", "metrics: withheld",
                     "  vendor       $40,000 in kind", "  [a private budget line, withheld]",
                     f"withheld: the vendor asked to keep these terms of {reference} confidential",
                     "marked confidential by the vendor: starts, metrics"):  # fmt: skip
        assert expected in out, expected
    for secret in ("2026-09-01", "parking_turnover", "signage", "2,500"):
        assert secret not in out, secret
    code, out = cli(capsys, "--as", "eva", "pilot", "show", reference, "--json")
    shown = json.loads(out)
    assert code == 0 and "signage" not in out and "parking_turnover" not in out
    assert shown["starts"] == shown["metrics"] == shown["budget"][1]
    assert "withheld: the vendor asked" in shown["starts"]["withheld"]
    assert shown["budget"][0]["payer"] == "vendor" and shown["scope"] == marked["scope"]
    with session_scope(app_settings) as session:
        assert viewings(session) == []

    # Fed back, the masked plan would wipe what it hid: refused, whole or in part.
    shown["scope"] = "Sixty spaces."
    code, out = cli(capsys, "--as", "eva", "pilot", "plan", reference, "--from",
                    written(tmp_path, shown, "masked.json"))  # fmt: skip
    assert code == 1 and "holds terms withheld from you" in out
    del shown["starts"], shown["metrics"]
    code, out = cli(capsys, "--as", "eva", "pilot", "plan", reference, "--from",
                    written(tmp_path, shown, "part.json"))  # fmt: skip
    assert code == 1 and "holds terms withheld from you" in out

    # The lead, and then the assigned evaluator, see everything, and it is recorded.
    code, out = cli(capsys, "--as", "lee", "pilot", "show", reference, "--json")
    full = json.loads(out)
    assert code == 0 and full["starts"] == "2026-09-01" and full["budget"][1]["note"] == "signage"
    assert cli(capsys, "--as", "lee", "assign", reference, "--to", "eva")[0] == 0
    code, out = cli(capsys, "--as", "eva", "pilot", "show", reference)
    assert code == 0 and "runs: 2026-09-01 to 2027-02-28" in out and "signage" in out
    with session_scope(app_settings) as session:
        assert [a.actor for a in viewings(session)] == ["slack:U0LEE", "slack:U0EVA"]
        evaluation.declare_conflict(session, reference, Staff("slack:U0EVA"), True, "My brother")
    code, out = cli(capsys, "--as", "eva", "pilot", "show", reference, "--json")
    assert code == 1 and "declared a conflict of interest" in out and "{" not in out
    with session_scope(app_settings) as session:
        assert len(viewings(session)) == 2


def viewings(session) -> list[Activity]:
    found = session.exec(select(Activity).where(Activity.kind == "confidential_viewed"))
    return list(found)


def test_control_characters_in_peoples_words_reach_the_terminal_escaped(
    app_settings, reference, tmp_path, capsys
):
    clipboard = "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\x07"  # OSC 52: set the clipboard
    scope = f"Kerb sensors{clipboard} on \u202e40 spaces\x9b2J"
    plan = written(tmp_path, a_plan(scope=scope), "plan.json")
    assert cli(capsys, "pilot", "plan", reference, "--from", plan)[0] == 0
    code, out = cli(capsys, "pilot", "show", reference)
    assert code == 0 and "Kerb sensors\\u001b]52;c;" in out and "\\u0007 on \\u202e40" in out
    assert not any(c in out for c in "\x1b\x07\u202e\x9b")
    code, out = cli(capsys, "pilot", "show", reference, "--json")
    assert code == 0 and "\x1b" not in out and json.loads(out)["scope"] == scope
    refused = written(tmp_path, a_plan(confidential_fields=["\x1b[2Jbudget"]))
    code, out = cli(capsys, "pilot", "plan", reference, "--from", refused)
    assert code == 1 and "\\u001b[2Jbudget" in out and "\x1b" not in out
