"""Recording the procurement from the terminal, on a real database: advance into
procurement with the approach and its legal basis, or record it afterwards; steps dated;
and every refusal says what is wrong and changes nothing (exit 1), bad usage exit 2."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.staff_cli import main as staff_cli
from storage import contacts, procurement_records, submissions
from storage.db import session_scope
from storage.models import Kind, StaffRole, Status
from storage.workflow import rules, transitions
from tests.support.roster import on_roster

AUSTIN = ZoneInfo("America/Chicago")
BASIS = "Tex. Loc. Gov't Code 252.021"
TODAY = datetime(2026, 12, 1, 11, tzinfo=AUSTIN)


@pytest.fixture
def reference(app_settings) -> str:
    """A proposal in evaluation, with Carol (a lead) and Erin (an evaluator) on the roster."""
    on_roster(app_settings, "U0CAROL")
    on_roster(app_settings, "U0ERIN", role=StaffRole.evaluator)
    new = submissions.NewSubmission(
        kind=Kind.proposal,
        title="Curb sensors",
        category="Mobility",
        answers={"timeline": "spring"},
        confidential_fields=frozenset(),
        contact=contacts.ContactDetails(sender_id="web-v", email="v@x.example"),
    )
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=AUSTIN), tick=False):
        with session_scope(app_settings) as session:
            found = submissions.create_submission(session, new, AUSTIN).reference
        for _ in range(2):
            with session_scope(app_settings) as session:
                transitions.advance(session, found, rules.Staff.operator("tests"))
    return found


def cli(capsys, *argv: str) -> tuple[int, str]:
    with time_machine.travel(TODAY, tick=False):
        code = staff_cli(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def state(url: str, reference: str) -> tuple:
    with session_scope(url) as session:
        submission = submissions.get_submission(session, reference)
        record = procurement_records.current_record(session, submission.id)
        return submission.status, record and (
            record.approach,
            record.justification,
            record.awarded,
            record.contract_signed,
        )


def test_advance_to_procurement_asks_for_the_approach_and_records_it(
    app_settings, reference, capsys
):
    code, out = cli(
        capsys, "advance", reference, "--to", "procurement", "--legal-basis", BASIS
    )  # fmt: skip
    assert code == 1 and "Give the procurement approach, one of small_purchase, cooperative" in out
    code, out = cli(
        capsys, "advance", reference, "--to", "procurement", "--approach", "lease",
        "--legal-basis", BASIS,
    )  # fmt: skip
    assert code == 1 and "“lease” is not a procurement approach" in out
    code, out = cli(
        capsys, "advance", reference, "--to", "procurement", "--approach", "sole_source",
        "--legal-basis", "Tex. Loc. Gov't Code 252.022(a)(7)",
    )  # fmt: skip
    assert code == 1 and "Sole source, with justification needs a justification" in out
    assert state(app_settings, reference) == (Status.evaluation, None)

    code, out = cli(
        capsys, "advance", reference, "--to", "procurement", "--approach", "sole_source",
        "--legal-basis", "Tex. Loc. Gov't Code 252.022(a)(7)",
        "--justification", "Only this vendor's controllers speak the City's signal protocol.",
    )  # fmt: skip
    assert code == 0 and f"{reference} is now procurement" in out
    assert "procurement approach recorded (Sole source, with justification)" in out
    assert state(app_settings, reference) == (
        Status.procurement,
        ("sole_source", "Only this vendor's controllers speak the City's signal protocol.", None,
         None),
    )  # fmt: skip


def test_the_procurement_command_records_afterwards_and_dates_the_steps(
    app_settings, reference, capsys
):
    # Moved to procurement another way (a pilot decided "scale"): nothing recorded yet.
    moved = datetime(2026, 11, 3, 10, tzinfo=AUSTIN)
    code, out = cli(capsys, "procurement", reference)
    assert code == 1 and f"{reference} has never moved to procurement" in out
    with time_machine.travel(moved, tick=False), session_scope(app_settings) as session:
        submission = submissions.get_submission(session, reference)
        transitions.change_status(
            session, submission, Status.procurement, "slack:U0CAROL", None, None, rules.ANY
        )
    code, out = cli(capsys, "procurement", reference)
    assert code == 0 and f"{reference} is in procurement with no approach recorded" in out
    assert f"procurement {reference} --approach CODE --legal-basis TEXT" in out
    code, out = cli(capsys, "procurement", reference, "--event", "awarded", "--on", "2026-11-20")
    assert code == 1 and "no procurement approach recorded" in out
    code, out = cli(
        capsys, "--as", "U0ERIN", "procurement", reference, "--approach", "rfp",
        "--legal-basis", BASIS,
    )  # fmt: skip
    assert code == 1 and "Only a lead can record the procurement approach" in out
    code, out = cli(
        capsys, "--as", "U0CAROL", "procurement", reference, "--approach", "rfp",
        "--legal-basis", BASIS,
    )  # fmt: skip
    assert code == 0 and "procurement approach recorded (Request for proposals (RFP))" in out

    refusals = [
        (("--event", "contract_signed", "--on", "2026-11-25"), "Date the awarded step before"),
        (("--event", "awarded", "--on", "2026-12-02"), "is in the future (today is 2026-12-01)"),
        (("--event", "awarded", "--on", "2026-10-30"), "before the move to procurement"),
    ]
    for arguments, refusal in refusals:
        code, out = cli(capsys, "procurement", reference, *arguments)
        assert code == 1 and refusal in out, arguments
    code, out = cli(capsys, "procurement", reference, "--event", "awarded", "--on", "2026-11-20")
    assert code == 0 and "awarded on 2026-11-20" in out
    code, out = cli(
        capsys, "procurement", reference, "--event", "contract_signed", "--on", "2026-11-19"
    )
    assert code == 1 and "out of order with awarded on 2026-11-20" in out
    code, out = cli(capsys, "procurement", reference, "--event", "awarded", "--on", "2026-11-23")
    assert code == 1 and "already dated 2026-11-20; to change it, give --correct" in out
    code, out = cli(
        capsys, "procurement", reference, "--event", "awarded", "--on", "2026-11-23", "--correct"
    )
    assert code == 0 and "corrected to 2026-11-23" in out
    code, out = cli(
        capsys, "procurement", reference, "--event", "contract_signed", "--on", "2026-11-30"
    )
    assert code == 0
    assert state(app_settings, reference)[1][2:] == (
        datetime(2026, 11, 23).date(),
        datetime(2026, 11, 30).date(),
    )
    # The record as it stands, with no option given (`pilot show` prints the same lines).
    code, out = cli(capsys, "procurement", reference)
    assert code == 0
    assert out.splitlines() == [
        "procurement (moved 2026-11-03): Request for proposals (RFP) [rfp]; recorded by "
        "slack:U0CAROL",
        f"  legal basis: {BASIS}",
        "  steps: solicitation issued not yet; awarded 2026-11-23; contract signed 2026-11-30",
    ]


@pytest.mark.parametrize(
    "arguments",
    [
        ["--contract-value", "5000"],  # a value without the approach it belongs to
        ["--event", "awarded"],  # a step without its date
        ["--event", "awarded", "--on", "30/11/2026"],
        ["--event", "signed", "--on", "2026-11-30"],
        ["--approach", "rfp", "--legal-basis", BASIS, "--event", "awarded", "--on", "2026-11-30"],
    ],
)
def test_bad_usage_of_the_procurement_command_is_exit_2(app_settings, reference, arguments):
    with pytest.raises(SystemExit) as exit_status:
        staff_cli(["procurement", reference, *arguments])
    assert exit_status.value.code == 2


def test_advance_to_procurement_without_an_approach_moves_and_says_what_to_record(
    app_settings, reference, capsys
):
    code, out = cli(capsys, "advance", reference, "--to", "procurement")
    assert code == 0 and f"{reference} is now procurement" in out
    assert f"procurement {reference} --approach CODE --legal-basis TEXT" in out
    assert state(app_settings, reference) == (Status.procurement, None)
