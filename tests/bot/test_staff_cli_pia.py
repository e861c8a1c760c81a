"""`staff_cli pia`: staff log a public-information request touching a proposal from the
terminal, and read how its vendor was told (or that nobody could be); the same request
logged twice tells nobody twice; `list` shows what is open and `close` ends it; what
cannot be logged is refused with the reason (exit 1), bad usage exits 2. On a real
database, with the clock held."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from bot.slack.blocks import modals
from bot.staff_cli import main as staff_cli
from storage import contacts, submissions, triage
from storage.db import session_scope
from storage.identity import channel_of
from storage.models import Kind, SubmitterMessage

AUSTIN = ZoneInfo("America/Chicago")
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=AUSTIN)  # a Monday
DUE = "2026-12-21"


@pytest.fixture(autouse=True)
def held_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def submit(url: str, sender: str | None, kind: Kind = Kind.proposal, language: str = "en") -> str:
    new = submissions.NewSubmission(
        kind=kind,
        title="Curb sensors",
        category=None,
        answers={"solution": "s", "estimated_cost": "$300 a sensor"},
        confidential_fields=frozenset({"estimated_cost"}),
        contact=contacts.ContactDetails(
            sender_id=sender, channel=channel_of(sender), language=language
        )
        if sender
        else None,
    )
    with session_scope(url) as session:
        return submissions.create_submission(session, new, AUSTIN).reference


def cli(capsys, *argv: str) -> tuple[int, str]:
    try:
        code = staff_cli(list(argv))
    except SystemExit as usage:  # bad usage exits as a command-line parser does
        code = usage.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def told(url: str, reference: str) -> list[str]:
    with session_scope(url) as session:
        submission = submissions.get_submission(session, reference)
        return list(
            session.exec(
                select(SubmitterMessage.news).where(SubmitterMessage.submission_id == submission.id)
            )
        )


def test_staff_log_list_and_close_a_request_and_read_how_the_vendor_was_told(app_settings, capsys):
    on_slack = submit(app_settings, "slack-T0001-UVENDOR", language="es")
    on_the_web = submit(app_settings, "web-vendor")
    anonymous = submit(app_settings, None)

    code, out = cli(capsys, "pia", "add", on_slack, "--due", DUE, "--request-id", "PIR-412",
                    "--field", "estimated_cost", "--note", "from a competitor")  # fmt: skip
    assert code == 0, out
    assert f"{on_slack}: public-information request PIR-412 (due 2026-12-21) logged" in out
    assert "the vendor may object until December 21, 2026" in out
    assert "told at once by Slack DM, in Spanish" in out
    assert "reminded on 2026-12-16 09:00" in out

    assert "Warning" not in out
    code, out = cli(capsys, "pia", "add", on_the_web, "--due", DUE)
    assert code == 0 and "only in their web chat inbox, in English" in out
    # Without the City's number, staff are told how a second logging is judged.
    assert "Warning: no --request-id given" in out and f"only by its deadline ({DUE})" in out
    assert "logging it with the City's number later counts as a new request" in out
    code, out = cli(capsys, "pia", "add", anonymous, "--due", "2026-12-08")
    assert code == 0 and "could not be reached" in out and "has no contact" in out

    # The same request again (its number typed otherwise): nobody is told twice.
    code, out = cli(capsys, "pia", "add", on_slack, "--due", DUE, "--request-id", "pir-412")
    assert code == 0 and "nobody was told again" in out
    assert told(app_settings, on_slack).count("public_information") == 1

    code, out = cli(capsys, "pia", "list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert (
        lines[0].startswith(f"{anonymous}  due 2026-12-08") and "could not be reached" in lines[0]
    )
    assert "reminder: none" in lines[0]
    assert on_slack in out and "PIR-412" in out and "2026-12-16 09:00" in out

    code, out = cli(capsys, "show", on_slack)
    assert "public_information_logged" in out and "'due': '2026-12-21'" in out
    assert (
        "  PIR-412 (due 2026-12-21): logged 2026-12-07 10:00 by cli:operator:"
    ) in out and "vendor told 2026-12-07 10:00; reminder due 2026-12-16 09:00; open" in out

    code, out = cli(capsys, "pia", "close", on_slack, "--outcome", "withheld")
    assert code == 0 and "PIR-412 (due 2026-12-21) closed (withheld)" in out
    code, out = cli(capsys, "pia", "close", on_slack)
    assert code == 1 and "no open public-information request" in out
    code, out = cli(capsys, "pia", "list")
    assert on_slack not in out and on_the_web in out

    # Slack's Details list every request that touched the proposal, closed ones too.
    with session_scope(app_settings) as session:
        submission = submissions.get_submission(session, on_slack)
        modal = modals.details(triage.details(session, submission, False), "es")
    said = json.dumps(modal)
    assert "Public-information requests:" in said
    assert "PIR-412 (due 2026-12-21)" in said and "closed 2026-12-07 10:00 (withheld)" in said
    with session_scope(app_settings) as session:
        submission = submissions.get_submission(session, anonymous)
        said = json.dumps(modals.details(triage.details(session, submission, False), None))
    assert "vendor could not be reached; no reminder; open" in said


def test_what_cannot_be_logged_is_refused_and_bad_usage_is_told(app_settings, capsys):
    proposal = submit(app_settings, "web-vendor")
    idea = submit(app_settings, "web-resident", kind=Kind.idea)
    refusals = [
        (("SC-2026-09999", "--due", DUE), 1, "There is no submission SC-2026-09999"),
        ((proposal, "--due", "2026-12-04"), 1, "already past (today is 2026-12-07"),
        ((idea, "--due", DUE), 1, "is not a proposal (its kind: idea)"),
        ((proposal, "--due", DUE, "--field", "budget"), 1, "its answers are: "),
        ((proposal, "--due", "21/12/2026"), 2, "does not match the format"),
        ((proposal,), 2, "Missing option '--due'"),
        (("not-a-ref", "--due", DUE), 2, "is not a reference"),
    ]
    for arguments, status, said in refusals:
        code, out = cli(capsys, "pia", "add", *arguments)
        assert (code, said in out) == (status, True), out
    code, out = cli(capsys, "pia", "close", proposal, "--outcome", "lost")
    assert code == 2 and "Invalid value for '--outcome'" in out
    code, out = cli(capsys, "--as", "UNOBODY", "pia", "list")
    assert code == 1 and "nobody of that Slack id or name is on the staff roster" in out
    assert told(app_settings, proposal) == [] and told(app_settings, idea) == []
    code, out = cli(capsys, "pia", "list")
    assert code == 0 and "no open public-information requests" in out


def test_a_request_logged_without_then_with_its_number_is_told_to_staff(app_settings, capsys):
    """Judged by the deadline without a number, by the number with one: the same request
    logged both ways is two, and the vendor hears twice; staff are warned each time."""
    reference = submit(app_settings, "web-vendor")
    code, out = cli(capsys, "pia", "add", reference, "--due", DUE)
    assert code == 0 and "Warning: no --request-id given" in out
    code, out = cli(capsys, "pia", "add", reference, "--due", DUE, "--request-id", "PIR-9")
    assert code == 0 and f"also has a request due {DUE} logged without a number" in out
    assert "the vendor has now been told twice" in out
    assert told(app_settings, reference).count("public_information") == 2
    # The same number again: one request, nobody told, no warning.
    code, out = cli(capsys, "pia", "add", reference, "--due", DUE, "--request-id", "pir-9")
    assert code == 0 and "nobody was told again" in out and "Warning" not in out
