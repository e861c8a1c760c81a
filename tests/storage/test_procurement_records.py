"""The procurement record on real SQLite and PostgreSQL: a move to procurement needs the
approach and its legal basis and records them with the move; a move by another route
records them afterwards; steps are dated once, in order, never in the future, and every
correction is kept in the history. And its migration, up and down."""

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from alembic import command
from sqlalchemy import create_engine, inspect
from sqlmodel import select

from storage import procurement_records, submissions
from storage.db import session_scope
from storage.migrate import alembic_config
from storage.models import Activity, ProcurementRecord, StaffRole, Status, StatusChange
from storage.workflow import evaluation, rules, transitions
from tests.support.roster import on_roster
from tests.support.submissions import submit

AUSTIN = ZoneInfo("America/Chicago")
ANN = rules.Staff("slack:UANN")  # a lead
BOB = rules.Staff("slack:UBOB")  # an evaluator
RFP = procurement_records.Terms("rfp", "City Charter Art. VII §15; Tex. Loc. Gov't Code 252.021")


@pytest.fixture(autouse=True)
def staff(database_url):
    on_roster(database_url, "UANN")
    on_roster(database_url, "UBOB", role=StaffRole.evaluator)


def act(url: str, work, at: datetime | None = None):
    moment = at or datetime(2026, 11, 2, 10, tzinfo=AUSTIN)
    with time_machine.travel(moment, tick=False), session_scope(url) as session:
        return work(session)


def in_evaluation(url: str) -> str:
    reference = submit(url)
    for _ in range(2):  # received -> screening -> evaluation
        act(url, lambda s: transitions.advance(s, reference, ANN))
    return reference


def record_of(url: str, reference: str) -> ProcurementRecord | None:
    with session_scope(url) as session:
        submission = submissions.get_submission(session, reference)
        found = procurement_records.current_record(session, submission.id)
        if found is not None:
            session.expunge(found)
        return found


def activity(url: str, reference: str) -> list[tuple[str, dict]]:
    with session_scope(url) as session:
        submission = submissions.get_submission(session, reference)
        rows = session.exec(
            select(Activity).where(Activity.submission_id == submission.id).order_by(Activity.id)
        )
        return [(a.kind, a.detail) for a in rows if a.kind.startswith("procurement")]


def to_procurement(url: str, reference: str, terms=RFP, at: datetime | None = None):
    return act(
        url,
        lambda s: transitions.advance(s, reference, ANN, Status.procurement, procurement=terms),
        at,
    )


def test_a_move_to_procurement_records_the_approach_with_the_move(database_url):
    reference = in_evaluation(database_url)
    moved_at = datetime(2026, 11, 4, 9, 30, tzinfo=AUSTIN)
    assert to_procurement(database_url, reference, at=moved_at).changed
    record = record_of(database_url, reference)
    assert (record.approach, record.legal_basis, record.recorded_by) == (
        "rfp",
        RFP.legal_basis,
        ANN.identity,
    )
    assert record.moved_to_procurement == moved_at
    with session_scope(database_url) as session:
        move = session.get(StatusChange, record.status_change_id)
        assert (move.to_status, move.at) == (Status.procurement, moved_at)
    assert activity(database_url, reference)[0][0] == "procurement_recorded"


def test_an_approach_given_with_another_target_is_refused(database_url):
    reference = in_evaluation(database_url)
    with pytest.raises(rules.Refused, match="not with a move to pilot"):
        act(
            database_url,
            lambda s: transitions.advance(s, reference, ANN, Status.pilot, procurement=RFP),
        )
    with session_scope(database_url) as session:
        assert submissions.get_submission(session, reference).status is Status.evaluation
    # Other targets need nothing new.
    assert act(database_url, lambda s: transitions.advance(s, reference, ANN, Status.pilot)).changed


def test_a_move_without_an_approach_is_made_and_asks_for_it(database_url):
    """`advance REF --to procurement` keeps working as it did before approaches were
    recorded: the move is made, staff are told what to record, and nothing is recorded
    until they do."""
    reference = in_evaluation(database_url)
    moved = act(database_url, lambda s: transitions.advance(s, reference, ANN, Status.procurement))
    assert moved.changed
    assert f"procurement {reference} --approach" in moved.message
    assert "sole_source, no_cost_pilot, partnership" in moved.message
    with session_scope(database_url) as session:
        assert submissions.get_submission(session, reference).status is Status.procurement
    assert record_of(database_url, reference) is None
    act(database_url, lambda s: procurement_records.set_approach(s, reference, ANN, RFP))
    assert record_of(database_url, reference).approach == "rfp"


@pytest.mark.parametrize(
    ("given", "refusal"),
    [
        (("lease", "Code 2-7", None), "“lease” is not a procurement approach; use one of"),
        ((None, "Code 2-7", None), "Give the procurement approach, one of small_purchase"),
        (("rfp", " ", None), "Give the legal basis"),
        (("sole_source", "Tex. Loc. Gov't Code 252.022(a)(7)", None), "needs a justification"),
        (("other", "Council resolution 2026-11", "too short"), "needs a justification"),
    ],
)
def test_bad_terms_are_refused_with_what_is_missing(given, refusal):
    with pytest.raises(rules.Refused, match=refusal):
        procurement_records.terms(*given)


def test_a_move_by_another_route_is_recorded_afterwards_and_corrected_with_history(
    database_url,
):
    reference = in_evaluation(database_url)
    act(database_url, lambda s: transitions.advance(s, reference, ANN, Status.pilot))
    with pytest.raises(rules.Refused, match="never moved to procurement"):
        act(database_url, lambda s: procurement_records.set_approach(s, reference, ANN, RFP))
    # A pilot decided "scale" moves it on without the advance modal.
    with session_scope(database_url) as session:
        submission = submissions.get_submission(session, reference)
        transitions.change_status(
            session, submission, Status.procurement, "slack:UANN", None, None, rules.ANY
        )
    assert record_of(database_url, reference) is None
    with pytest.raises(rules.Refused, match="Only a lead"):
        act(database_url, lambda s: procurement_records.set_approach(s, reference, BOB, RFP))
    assert act(
        database_url, lambda s: procurement_records.set_approach(s, reference, ANN, RFP)
    ).changed
    again = act(database_url, lambda s: procurement_records.set_approach(s, reference, ANN, RFP))
    assert not again.changed and "already says that" in again.message

    valued = procurement_records.terms("rfp", RFP.legal_basis, contract_value=120_000)
    act(database_url, lambda s: procurement_records.set_approach(s, reference, ANN, valued))
    sole = procurement_records.terms(
        "sole_source",
        "Tex. Loc. Gov't Code 252.022(a)(7)(A)",
        "The only sensor network compatible with the City's existing traffic controllers.",
    )
    corrected = act(
        database_url, lambda s: procurement_records.set_approach(s, reference, ANN, sole)
    )
    assert "corrected (Sole source, with justification)" in corrected.message
    record = record_of(database_url, reference)
    assert (record.approach, record.contract_value) == ("sole_source", 120_000)  # value kept
    kinds = activity(database_url, reference)
    assert [k for k, _ in kinds] == [
        "procurement_recorded",
        "procurement_corrected",
        "procurement_corrected",
    ]
    assert kinds[1][1]["after"]["contract_value"] == 120_000
    assert kinds[2][1]["before"]["approach"] == "rfp"
    assert kinds[2][1]["after"]["justification"].startswith("The only sensor network")


def test_steps_are_dated_once_in_order_never_in_the_future(database_url):
    reference = in_evaluation(database_url)
    to_procurement(database_url, reference, at=datetime(2026, 11, 4, 9, tzinfo=AUSTIN))
    today = datetime(2026, 12, 1, 12, tzinfo=AUSTIN)

    def step(event: str, on: date, correct: bool = False, who=ANN):
        return act(
            database_url,
            lambda s: procurement_records.date_step(s, reference, who, event, on, correct),
            today,
        )

    refusals = [
        (("contract_signed", date(2026, 11, 20)), "Date the awarded step before contract signed"),
        (("awarded", date(2026, 12, 2)), "is in the future (today is 2026-12-01)"),
        (("awarded", date(2026, 11, 3)), "before the move to procurement on 2026-11-04"),
        (("awarded", date(2026, 11, 9), True), "nothing to correct"),
    ]
    for arguments, refusal in refusals:
        with pytest.raises(rules.Refused, match=re.escape(refusal)):
            step(*arguments)
    assert step("solicitation_issued", date(2026, 11, 5), who=BOB).changed  # any staff
    assert step("awarded", date(2026, 11, 20)).changed
    # The signature ends the vendor's right to withdraw: a lead's to date.
    with pytest.raises(rules.Refused, match="Only a lead can date the contract signature"):
        step("contract_signed", date(2026, 11, 25), who=BOB)
    with pytest.raises(rules.Refused, match="out of order with awarded on 2026-11-20"):
        step("contract_signed", date(2026, 11, 19))
    with pytest.raises(rules.Refused, match="already dated 2026-11-20; to change it"):
        step("awarded", date(2026, 11, 21))
    assert step("contract_signed", date(2026, 11, 25)).changed
    with pytest.raises(rules.Refused, match="out of order with contract signed"):
        step("awarded", date(2026, 11, 26), correct=True)
    corrected = step("awarded", date(2026, 11, 23), correct=True)
    assert "corrected to 2026-11-23" in corrected.message
    record = record_of(database_url, reference)
    assert (record.solicitation_issued, record.awarded, record.contract_signed) == (
        date(2026, 11, 5),
        date(2026, 11, 23),
        date(2026, 11, 25),
    )
    assert activity(database_url, reference)[-1] == (
        "procurement_step_corrected",
        {"event": "awarded", "on": "2026-11-23", "before": "2026-11-20"},
    )


def test_each_move_to_procurement_has_its_own_record_a_question_does_not_start_one(
    database_url,
):
    reference = in_evaluation(database_url)
    to_procurement(database_url, reference)
    first = record_of(database_url, reference)
    act(
        database_url,
        lambda s: transitions.request_info(s, reference, ANN, "Which cooperative contract?"),
    )
    act(database_url, lambda s: transitions.answer_info(s, reference, "web-vendor", "TIPS 230105"))
    with session_scope(database_url) as session:
        assert submissions.get_submission(session, reference).status is Status.procurement
    assert record_of(database_url, reference).id == first.id  # the same stay
    assert act(
        database_url, lambda s: procurement_records.date_step(
            s, reference, ANN, "awarded", date(2026, 11, 2)
        )
    ).changed  # fmt: skip

    act(database_url, lambda s: transitions.advance(s, reference, ANN, Status.pilot))
    pilot = procurement_records.Terms("no_cost_pilot", "Administrative Manual 5.4 (no-cost pilots)")
    to_procurement(database_url, reference, pilot)
    second = record_of(database_url, reference)
    assert second.id != first.id and second.approach == "no_cost_pilot"
    assert second.awarded is None


def test_the_migration_creates_the_table_and_takes_it_away(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    config = alembic_config(url)
    command.upgrade(config, "a3c9e5d1f274")
    engine = create_engine(url)
    columns = {c["name"] for c in inspect(engine).get_columns("procurementrecord")}
    assert {"approach", "legal_basis", "justification", "moved_to_procurement"} <= columns
    assert {"solicitation_issued", "awarded", "contract_signed", "contract_value"} <= columns
    command.downgrade(config, "a1e7c3d5f920")
    assert "procurementrecord" not in inspect(create_engine(url)).get_table_names()
    command.upgrade(config, "head")
    assert "procurementrecord" in inspect(create_engine(url)).get_table_names()


def test_someone_with_a_declared_conflict_dates_no_step(database_url):
    reference = in_evaluation(database_url)
    to_procurement(database_url, reference, at=datetime(2026, 11, 4, 9, tzinfo=AUSTIN))
    act(database_url, lambda s: evaluation.declare_conflict(s, reference, BOB, True, "Cousin"))
    with pytest.raises(rules.Refused, match="You declared a conflict of interest"):
        act(
            database_url,
            lambda s: procurement_records.date_step(
                s, reference, BOB, "solicitation_issued", date(2026, 11, 5)
            ),
            datetime(2026, 12, 1, 12, tzinfo=AUSTIN),
        )
    assert record_of(database_url, reference).solicitation_issued is None
