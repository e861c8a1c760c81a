"""Staff without Slack: the CLI does everything the triage card does, writing the same
history and sending the same notifications, on a real database."""

from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.staff_cli import main as staff_cli
from storage import repository, workflow
from storage.db import session_scope
from storage.models import Activity, Kind, OutboxMessage, Status

AUSTIN = ZoneInfo("America/Chicago")
RUBRIC_ARGS = [
    "--alignment", "4", "--feasibility", "3", "--value", "5",
    "--equity", "4", "--risk", "2", "--procurement", "3",
]  # fmt: skip


@pytest.fixture
def reference(app_settings) -> str:
    new = repository.NewSubmission(
        kind=Kind.proposal,
        title="Curb sensors",
        category="Mobility",
        answers={"solution": "TOPSECRET-SAUCE", "timeline": "spring"},
        confidential_fields=frozenset({"solution"}),
        contact=repository.ContactDetails(sender_id="web-v", email="v@x.example"),
    )
    with session_scope(app_settings) as session:
        return repository.create_submission(session, new, AUSTIN).reference


def cli(capsys, *argv: str) -> tuple[int, str]:
    code = staff_cli(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_whole_evaluation_from_the_terminal(app_settings, reference, capsys):
    code, out = cli(capsys, "list")
    assert code == 0 and reference in out and "received" in out
    code, out = cli(capsys, "--as", "carol", "show", reference)
    assert "TOPSECRET-SAUCE" not in out and "1 confidential answers hidden" in out
    code, out = cli(capsys, "--as", "carol", "assign", reference, "--to", "U0DANA")
    assert code == 0 and "now assigned" in out
    code, out = cli(capsys, "--as", "dana", "advance", reference)
    assert code == 0 and "now screening" in out
    code, out = cli(capsys, "--as", "dana", "request-info", reference, "--question", "Unit price?")
    assert code == 0 and "needs_info" in out
    with session_scope(app_settings) as session:
        workflow.answer_info(session, reference, "web-v", "$300 a sensor")
    code, out = cli(capsys, "--as", "dana", "score", reference, *RUBRIC_ARGS)
    assert code == 1 and "declare any conflict" in out
    code, out = cli(capsys, "--as", "dana", "score", reference, "--no-conflict", *RUBRIC_ARGS,
                    "--comment", "value=cheap")  # fmt: skip
    assert code == 0 and "scores for" in out
    code, out = cli(
        capsys, "--as", "erin", "declare", reference, "--conflict", "--statement", "ex-employer"
    )
    assert code == 0 and "conflict of interest" in out
    code, out = cli(capsys, "--as", "erin", "score", reference, *RUBRIC_ARGS)
    assert code == 1 and "cannot score" in out
    code, out = cli(capsys, "--as", "dana", "advance", reference, "--to", "pilot")
    assert code == 1 and "cannot go from screening to pilot" in out
    code, out = cli(capsys, "--as", "dana", "advance", reference, "--reason", "Good fit")
    assert code == 0 and "now evaluation" in out
    reason = "Budget is committed this year."
    code, out = cli(
        capsys,
        "--as",
        "dana",
        "decline",
        reference,
        "--reason",
        reason,
        "--note",
        "revisit in FY28",
    )
    assert code == 0 and "now declined" in out

    code, out = cli(capsys, "--as", "U0DANA", "show", reference, "--confidential")
    assert "TOPSECRET-SAUCE" in out and "[confidential]" in out
    for expected in (
        "cli:carol", "slack:U0DANA", "cli:dana: received -> screening",
        "submitter: needs_info -> screening", "public: Budget is committed this year.",
        "internal: revisit in FY28", "$300 a sensor", "score by cli:dana", "1 declared a conflict",
    ):  # fmt: skip
        assert expected in out, expected
    with session_scope(app_settings) as session:
        viewed = session.exec(select(Activity).where(Activity.kind == "confidential_viewed")).all()
        assert [v.actor for v in viewed] == ["slack:U0DANA"]
        kinds = [m.kind for m in session.exec(select(OutboxMessage))]
    assert kinds.count("card_update") >= 1 and "triage_card" in kinds


def test_bad_usage_is_exit_2_and_refusals_exit_1(app_settings, reference, capsys):
    with pytest.raises(SystemExit) as usage:
        staff_cli(["advance", "not-a-reference"])
    assert usage.value.code == 2
    capsys.readouterr()
    code, out = cli(capsys, "advance", "SC-2026-99999")
    assert code == 1 and "no submission SC-2026-99999" in out
    code, out = cli(capsys, "outbox", "--retry", "424242")
    assert code == 1
    code, out = cli(capsys, "list", "--status", "declined")
    assert code == 0 and out.strip() == "no submissions"
    with session_scope(app_settings) as session:
        assert repository.get_submission(session, reference).status is Status.received
