"""The submitter's own requests (storage/workflow/vendor_requests.py) on real SQLite and
PostgreSQL: withdraw before a contract, change an answer before evaluation, and a
debrief after a decision that never shows one evaluator's scores."""

import pytest
from sqlmodel import select

from storage import procurement_records, rendering, service_levels, submissions
from storage.catalogue import text
from storage.db import session_scope
from storage.models import (
    Activity,
    OutboxMessage,
    Status,
    SubmissionAnswer,
    SubmitterMessage,
    utcnow,
)
from storage.settings import get_settings
from storage.workflow import evaluation, rules, transitions, vendor_requests
from storage.workflow.submitter_news import worded
from tests.support.roster import on_roster
from tests.support.submissions import submit

LEAD = rules.Staff.operator("carol")
EVALUATORS = [rules.Staff("slack:UANN"), rules.Staff("slack:UBOB"), rules.Staff("slack:UCAT")]


@pytest.fixture(autouse=True)
def staff(database_url):
    on_roster(database_url, "UANN", "UBOB", "UCAT")


def act(url: str, work):
    with session_scope(url) as session:
        return work(session)


def on(url: str, reference: str, work):
    """`work(session, submission)` on the stored submission, in one transaction."""
    return act(url, lambda session: work(session, submissions.get_submission(session, reference)))


def brought_to(url: str, status: Status) -> str:
    """A submission staff moved to `status` by the usual route."""
    reference = submit(url)
    route = {
        Status.received: [],
        Status.screening: [Status.screening],
        Status.evaluation: [Status.screening, Status.evaluation],
        Status.pilot: [Status.screening, Status.evaluation, Status.pilot],
        Status.procurement: [Status.screening, Status.evaluation, Status.procurement],
        Status.closed: [Status.screening, Status.evaluation, Status.pilot, Status.closed],
    }
    for step in route.get(status, []):
        act(url, lambda s, step=step: transitions.advance(s, reference, LEAD, step))
    if status is Status.needs_info:
        act(url, lambda s: transitions.request_info(s, reference, LEAD, "Who owns the data?"))
    if status is Status.declined:
        act(url, lambda s: transitions.decline(s, reference, LEAD, "It does not fit our plans."))
    return reference


def news_of(url: str, reference: str) -> list[SubmitterMessage]:
    def read(session, submission):
        return list(
            session.exec(
                select(SubmitterMessage).where(SubmitterMessage.submission_id == submission.id)
            )
        )

    return on(url, reference, read)


def outbox_kinds(url: str) -> list[str]:
    with session_scope(url) as session:
        return [m.kind for m in session.exec(select(OutboxMessage).order_by(OutboxMessage.id))]


# --- withdraw ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        Status.received,
        Status.screening,
        Status.needs_info,
        Status.evaluation,
        Status.pilot,
        Status.procurement,
    ],
)
def test_a_submission_is_withdrawn_from_any_status_before_a_contract(database_url, status):
    reference = brought_to(database_url, status)
    told_before = len(news_of(database_url, reference))
    outcome = on(
        database_url,
        reference,
        lambda s, sub: vendor_requests.withdraw(s, sub, "  We found another partner. ", "es"),
    )
    assert outcome.changed
    assert outcome.message == text("vendor_requests.withdraw.done", "es", reference=reference)

    def last_change(session, submission):
        change = submissions.status_history(session, submission.id)[-1]
        return (
            submission.status,
            change.actor,
            change.from_status,
            rendering.reason_text(change),
            change.internal_note,
        )

    assert on(database_url, reference, last_change) == (
        Status.withdrawn,
        rules.SUBMITTER,
        status,
        "Withdrawn by its submitter in chat.",
        "We found another partner.",  # their reason, for staff
    )
    # Told once, as shown: they read it in the chat they withdrew in.
    news = news_of(database_url, reference)
    assert len(news) == told_before + 1
    assert news[-1].facts["status"] == "withdrawn" and news[-1].shown_at is not None
    assert outbox_kinds(database_url)[-1] == "card_update"


def test_withdrawing_twice_or_after_the_end_is_refused_and_changes_nothing(database_url):
    reference = brought_to(database_url, Status.screening)
    on(database_url, reference, lambda s, sub: vendor_requests.withdraw(s, sub, None))
    told = len(news_of(database_url, reference))
    with pytest.raises(rules.Refused) as refused:
        on(database_url, reference, lambda s, sub: vendor_requests.withdraw(s, sub, None, "es"))
    assert str(refused.value) == text("vendor_requests.withdraw.already", "es", reference=reference)
    assert len(news_of(database_url, reference)) == told
    for status in (Status.declined, Status.closed):
        ended = brought_to(database_url, status)
        with pytest.raises(rules.Refused) as refused:
            on(database_url, ended, lambda s, sub: vendor_requests.withdraw(s, sub, "bye"))
        assert str(refused.value) == text(
            "vendor_requests.withdraw.too_late",
            reference=ended,
            status=text(f"status.label.{status.value}"),
        )
        assert on(database_url, ended, lambda s, sub: sub.status) is status


def test_staff_cannot_decide_on_a_withdrawn_submission(database_url):
    reference = brought_to(database_url, Status.evaluation)
    on(database_url, reference, lambda s, sub: vendor_requests.withdraw(s, sub, None))
    with pytest.raises(rules.Refused):
        act(database_url, lambda s: transitions.advance(s, reference, LEAD, Status.pilot))


# --- amend ------------------------------------------------------------------------------


def answers_of(url: str, reference: str) -> dict[str, tuple[str, bool]]:
    def read(session, submission):
        return {
            a.field: (a.value, a.confidential)
            for a in session.exec(
                select(SubmissionAnswer).where(SubmissionAnswer.submission_id == submission.id)
            )
        }

    return on(url, reference, read)


def amendments(url: str, reference: str) -> list[tuple[str, dict, int | None]]:
    def read(session, submission):
        return [
            (a.actor, a.detail, a.version)
            for a in session.exec(
                select(Activity)
                .where(Activity.submission_id == submission.id, Activity.kind == "answer_amended")
                .order_by(Activity.id)
            )
        ]

    return on(url, reference, read)


@pytest.mark.parametrize("status", [Status.received, Status.screening, Status.needs_info])
def test_an_answer_is_changed_before_evaluation_with_old_and_new_in_the_record(
    database_url, status
):
    reference = brought_to(database_url, status)
    version = on(database_url, reference, lambda s, sub: sub.version)
    outcome = on(
        database_url,
        reference,
        lambda s, sub: vendor_requests.amend(s, sub, "departments", " Parks and Transportation "),
    )
    assert outcome.changed
    assert answers_of(database_url, reference)["departments"] == ("Parks and Transportation", False)
    assert amendments(database_url, reference) == [
        (
            rules.SUBMITTER,
            {"field": "departments", "old": "Parks", "new": "Parks and Transportation"},
            version + 1,
        )
    ]
    assert on(database_url, reference, lambda s, sub: (sub.status, sub.version)) == (
        status,
        version + 1,
    )
    assert outbox_kinds(database_url)[-1] == "card_update"
    # A decision drawn on the old answers is refused, saying what changed.
    stale = act(
        database_url,
        lambda s: transitions.decline(
            s, reference, LEAD, "Not for us this year.", expected_version=version
        ),
    )
    assert not stale.changed and "the submitter changed an answer" in stale.message


def test_a_confidential_answer_stays_confidential_and_its_values_stay_out_of_the_record(
    database_url,
):
    reference = brought_to(database_url, Status.received)
    on(
        database_url,
        reference,
        lambda s, sub: vendor_requests.amend(s, sub, "solution", "Benches v2"),
    )
    assert answers_of(database_url, reference)["solution"] == ("Benches v2", True)
    [(_, detail, _)] = amendments(database_url, reference)
    assert detail == {"field": "solution", "confidential": True}


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("organisation", "Acme", "vendor_requests.amend.not_asked"),  # a contact, no answer
        ("departments", "   ", "vendor_requests.amend.empty"),
        ("departments", "x" * 5001, "vendor_requests.amend.too_long"),
    ],
)
def test_a_change_that_cannot_be_made_is_refused_and_changes_nothing(
    database_url, field, value, key
):
    reference = brought_to(database_url, Status.received)
    before = answers_of(database_url, reference)
    with pytest.raises(rules.Refused) as refused:
        on(
            database_url,
            reference,
            lambda s, sub: vendor_requests.amend(s, sub, field, value, "es"),
        )
    assert str(refused.value) == text(key, "es", limit=5000)
    assert answers_of(database_url, reference) == before
    assert amendments(database_url, reference) == []


def test_once_evaluation_starts_answers_stay_as_they_were(database_url):
    for status in (Status.evaluation, Status.pilot, Status.declined, Status.withdrawn):
        reference = (
            brought_to(database_url, status)
            if status is not Status.withdrawn
            else brought_to(database_url, Status.received)
        )
        if status is Status.withdrawn:
            on(database_url, reference, lambda s, sub: vendor_requests.withdraw(s, sub, None))
        assert on(database_url, reference, vendor_requests.amendable_answers) == []
        with pytest.raises(rules.Refused) as refused:
            on(
                database_url,
                reference,
                lambda s, sub: vendor_requests.amend(s, sub, "departments", "IT"),
            )
        assert str(refused.value).startswith(f"The answers of {reference} can no longer be changed")
        assert answers_of(database_url, reference)["departments"] == ("Parks", False)


def test_the_same_answer_again_changes_nothing(database_url):
    reference = brought_to(database_url, Status.received)
    outcome = on(
        database_url,
        reference,
        lambda s, sub: vendor_requests.amend(s, sub, "departments", "Parks"),
    )
    assert not outcome.changed
    assert amendments(database_url, reference) == []


# --- debrief ----------------------------------------------------------------------------


def scored(url: str, reference: str, *by: tuple[rules.Staff, dict[str, int]]) -> None:
    for evaluator, scores in by:
        act(url, lambda s, e=evaluator: evaluation.declare_conflict(s, reference, e, False))
        act(url, lambda s, e=evaluator, sc=scores: evaluation.score(s, reference, e, sc))


def flat(value: int, **overrides: int) -> dict[str, int]:
    return {criterion: overrides.get(criterion, value) for criterion in rules.RUBRIC}


def test_a_debrief_gives_the_average_per_criterion_and_the_public_reason(database_url):
    reference = submit(database_url)
    ann, bob, cat = EVALUATORS
    scored(
        database_url,
        reference,
        (ann, flat(4, risk=2)),
        (bob, flat(3, risk=5)),
        (cat, flat(1)),
    )
    # A conflict declared after scoring: that evaluator's scores no longer count.
    act(database_url, lambda s: evaluation.declare_conflict(s, reference, cat, True, "My cousin"))
    act(database_url, lambda s: transitions.decline(s, reference, LEAD, "Out of scope this year."))
    found = on(database_url, reference, lambda s, sub: vendor_requests.debrief(s, sub, "es"))
    assert found.evaluators == 2
    assert found.averages == {**{c: 3.5 for c in rules.RUBRIC}, "risk": 3.5}
    assert found.reason == "Out of scope this year."  # staff's words, as written


def test_one_evaluators_scores_are_never_shown_only_the_reason(database_url):
    reference = submit(database_url)
    scored(database_url, reference, (EVALUATORS[0], flat(2)))
    for step in (Status.screening, Status.evaluation, Status.pilot):
        act(database_url, lambda s, step=step: transitions.advance(s, reference, LEAD, step))
    found = on(database_url, reference, lambda s, sub: vendor_requests.debrief(s, sub, "es"))
    assert (found.evaluators, found.averages, found.status) == (1, None, Status.pilot)
    assert found.reason == text("status.reason.advanced_to.pilot", "es")


@pytest.mark.parametrize("status", [Status.received, Status.needs_info, Status.evaluation])
def test_there_is_no_debrief_before_a_decision(database_url, status):
    reference = brought_to(database_url, status)
    with pytest.raises(rules.Refused) as refused:
        on(database_url, reference, lambda s, sub: vendor_requests.debrief(s, sub, "es"))
    assert str(refused.value) == text(
        "vendor_requests.debrief.not_decided",
        "es",
        reference=reference,
        status=text(f"status.label.{status.value}", "es"),
    )


def test_a_withdrawal_reaches_the_submitters_inbox_in_their_language(database_url):
    reference = brought_to(database_url, Status.received)
    on(database_url, reference, lambda s, sub: vendor_requests.withdraw(s, sub, None))
    [*_, message] = news_of(database_url, reference)
    assert "Retirado desde el chat por quien lo envió." in worded(message, "es").text


def test_withdrawing_is_refused_once_the_contract_is_signed(database_url):
    reference = brought_to(database_url, Status.procurement)
    terms = procurement_records.Terms("rfp", "Tex. Loc. Gov't Code 252.021")
    act(database_url, lambda s: procurement_records.set_approach(s, reference, LEAD, terms))
    today = service_levels.calendar(get_settings().timezone).local_date(utcnow())
    for event in ("solicitation_issued", "awarded", "contract_signed"):
        act(
            database_url,
            lambda s, event=event: procurement_records.date_step(s, reference, LEAD, event, today),
        )
    with pytest.raises(rules.Refused):
        on(database_url, reference, lambda s, sub: vendor_requests.withdraw(s, sub, None, "en"))
    assert on(database_url, reference, lambda s, sub: sub.status) is Status.procurement
