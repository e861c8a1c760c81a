"""Where submissions get stuck: time in each status (from the status history), what they
are blocked by, procurement-barrier feedback by step and month, time to contract by
procurement approach, pilots by outcome, and the weekly digest.

Durations are in business days (service_levels.BusinessCalendar). The `public_*`
functions are the only figures that leave for the public page and the open data: they
are aggregates whose small cells are suppressed (below MIN_CELL), so no figure can
single out one submission, such as a resident's unpublished idea."""

import statistics
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage.languages import language_or_default
from storage.models import (
    Contact,
    Kind,
    ProcurementRecord,
    Status,
    StatusChange,
    Submission,
    utcnow,
)
from storage.pilots.models import Outcome as PilotOutcome
from storage.pilots.models import PilotDecision, PilotIteration
from storage.pilots.register import RUNNING
from storage.procurement_records import APPROACHES
from storage.rendering import title_text
from storage.service_levels import BusinessCalendar
from storage.workflow.rules import BLOCKERS, CLOSED

MIN_CELL = 3
# A median or a 90th percentile over few stays is close to one stay's own length: they
# are published over at least this many.
MIN_FOR_MEDIAN = 5
MIN_FOR_P90 = 10
OPEN = [status for status in Status if status not in CLOSED]
SYSTEM = "entryway"


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (the value at or below which `share` of them lie)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil(n * share), at least 1
    return ordered[int(rank) - 1]


@dataclass(frozen=True)
class StatusTime:
    status: Status
    stays: int  # completed stays in this status
    median: float | None  # business days
    p90: float | None
    now: int  # submissions in this status now
    overdue: int  # ... of which past their due date


def time_in_status(session: Session, calendar: BusinessCalendar, now: datetime) -> list[StatusTime]:
    """For each status: how long completed stays in it took, and who is in it now."""
    durations: dict[Status, list[int]] = defaultdict(list)
    entered: dict[int, tuple[Status, datetime]] = {}
    history = session.exec(
        select(StatusChange.submission_id, StatusChange.to_status, StatusChange.at).order_by(
            col(StatusChange.submission_id), col(StatusChange.id)
        )
    )
    for submission_id, status, at in history:
        previous = entered.get(submission_id)
        if previous is not None:
            durations[previous[0]].append(
                calendar.between(calendar.local_date(previous[1]), calendar.local_date(at))
            )
        entered[submission_id] = (status, at)
    today = calendar.local_date(now)
    current = session.exec(
        select(Submission.status, Submission.next_decision_by).where(
            col(Submission.status).in_(OPEN)
        )
    ).all()
    result = []
    for status in OPEN:
        spent = durations.get(status, [])
        here = [due for state, due in current if state is status]
        result.append(
            StatusTime(
                status=status,
                stays=len(spent),
                median=float(statistics.median(spent)) if spent else None,
                p90=float(percentile(spent, 0.9)) if spent else None,
                now=len(here),
                overdue=sum(1 for due in here if due is not None and due < today),
            )
        )
    return result


def blocked_now(session: Session) -> dict[str, int]:
    """Open submissions by what they wait on (every blocker listed, zeros included)."""
    rows = session.exec(
        select(Submission.blocked_by).where(
            col(Submission.status).in_(OPEN), col(Submission.blocked_by).is_not(None)
        )
    ).all()
    found = Counter(rows)
    return {blocker: found.get(blocker, 0) for blocker in BLOCKERS}


def _month(moment: datetime, calendar: BusinessCalendar) -> str:
    return calendar.local_date(moment).strftime("%Y-%m")


def by_month(
    session: Session, calendar: BusinessCalendar, kind: Kind | None = None
) -> dict[tuple[str, str], int]:
    """Submissions per (month, kind), or per (month, coded step) for feedback."""
    query = select(Submission.kind, Submission.category, Submission.submitted_at)
    if kind is not None:
        query = query.where(Submission.kind == kind)
    counts: Counter[tuple[str, str]] = Counter()
    for found_kind, category, submitted in session.exec(query):
        label = (category or "other") if kind is Kind.feedback else found_kind.value
        counts[(_month(submitted, calendar), label)] += 1
    return dict(sorted(counts.items()))


# --- procurement approaches as experiments, and pilots by outcome ------------------------

NOT_RECORDED = "not_recorded"


@dataclass(frozen=True)
class ContractTime:
    approach: str  # a code of procurement_records.APPROACHES, or NOT_RECORDED
    signed: int  # contracts signed after a move to procurement with this approach
    median: float | None  # business days from the move to the signed contract
    still_open: int  # in procurement now, no contract yet
    ended_without_contract: int  # left procurement without one (back to pilot, closed...)


def time_to_contract(session: Session, calendar: BusinessCalendar) -> list[ContractTime]:
    """For each procurement approach (every one listed, zeros included): how long from
    the move to procurement to the signed contract, and how many are still open or ended
    without one. Submissions in procurement now whose approach nobody recorded yet are
    counted as NOT_RECORDED, so a gap in the record shows instead of hiding."""
    records = session.exec(select(ProcurementRecord).order_by(col(ProcurementRecord.id))).all()
    # In procurement now: there, or waiting on the submitter's answer to come back to it.
    in_procurement = set(
        session.exec(
            select(Submission.id).where(
                (Submission.status == Status.procurement)
                | (
                    (Submission.status == Status.needs_info)
                    & (Submission.resume_status == Status.procurement)
                )
            )
        ).all()
    )
    latest_move: dict[int, int] = {}
    for submission_id, change_id in session.exec(
        select(StatusChange.submission_id, StatusChange.id)
        .where(
            StatusChange.to_status == Status.procurement,
            col(StatusChange.from_status).is_distinct_from(Status.needs_info),
        )
        .order_by(col(StatusChange.id))
    ):
        latest_move[submission_id] = change_id
    durations: dict[str, list[int]] = defaultdict(list)
    still_open: Counter[str] = Counter()
    ended: Counter[str] = Counter()
    for record in records:
        if record.contract_signed is not None:
            moved = calendar.local_date(record.moved_to_procurement)
            durations[record.approach].append(calendar.between(moved, record.contract_signed))
        elif (
            record.submission_id in in_procurement
            and latest_move.get(record.submission_id) == record.status_change_id
        ):
            still_open[record.approach] += 1
        else:
            ended[record.approach] += 1
    recorded_moves = {record.status_change_id for record in records}
    unrecorded = sum(
        1
        for submission_id in in_procurement
        if latest_move.get(submission_id) not in recorded_moves
    )
    rows = [
        ContractTime(
            approach=approach,
            signed=len(durations[approach]),
            median=float(statistics.median(durations[approach])) if durations[approach] else None,
            still_open=still_open[approach],
            ended_without_contract=ended[approach],
        )
        for approach in APPROACHES
    ]
    rows.append(ContractTime(NOT_RECORDED, 0, None, unrecorded, 0))
    return rows


PILOT_OUTCOMES = (RUNNING, *(outcome.value for outcome in PilotOutcome))


def pilots_by_outcome(session: Session) -> dict[str, int]:
    """Pilots (submissions with an approved plan) by where their newest approved
    iteration stands: still running, or its go/no-go (scale, extend, stop); every outcome
    listed, zeros included. A pilot extended and running again on its next iteration
    counts as running; one that left `pilot` without a go/no-go is not counted."""
    newest: dict[int, int] = {}
    for submission_id, iteration_id in session.exec(
        select(PilotIteration.submission_id, PilotIteration.id)
        .where(col(PilotIteration.approved_at).is_not(None))
        .order_by(col(PilotIteration.number))
    ):
        newest[submission_id] = iteration_id
    decided = dict(
        session.exec(
            select(PilotDecision.iteration_id, PilotDecision.outcome).where(
                col(PilotDecision.iteration_id).in_(list(newest.values()))
            )
        ).all()
    )
    in_pilot = set(
        session.exec(
            select(Submission.id).where(
                col(Submission.id).in_(list(newest)), Submission.status == Status.pilot
            )
        ).all()
    )
    counts = Counter(
        decided[iteration_id].value if iteration_id in decided else RUNNING
        for submission_id, iteration_id in newest.items()
        if iteration_id in decided or submission_id in in_pilot
    )
    return {outcome: counts.get(outcome, 0) for outcome in PILOT_OUTCOMES}


# --- the weekly digest ----------------------------------------------------------------


@dataclass(frozen=True)
class Overdue:
    reference: str
    title: str
    status: Status
    assignee: str | None
    days: int  # business days past the due date
    # The submitter's language (their contact's), so staff who pick it up write in it; None
    # when nobody can be written to, and in digests planned before it was kept.
    language: str | None = None


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    new: dict[str, int]  # by kind
    by_status: dict[str, int]  # open submissions now
    overdue: list[Overdue]
    first_response_median: float | None  # business days, for first responses this week
    first_responses: int
    awaiting_first_response: int  # open submissions no staff member has moved yet
    oldest_awaiting: int | None  # business days the oldest of those has waited
    barriers: dict[str, int]  # this week's procurement-barrier feedback, by step

    def to_payload(self) -> dict:
        """The digest as JSON (it waits in the outbox, computed when it was planned)."""
        found = asdict(self)
        found["since"], found["until"] = self.since.isoformat(), self.until.isoformat()
        for item in found["overdue"]:
            item["status"] = item["status"].value
        return found

    @classmethod
    def from_payload(cls, payload: dict) -> "Digest":
        return cls(
            **{
                **payload,
                "since": datetime.fromisoformat(payload["since"]),
                "until": datetime.fromisoformat(payload["until"]),
                "overdue": [
                    Overdue(**{**item, "status": Status(item["status"])})
                    for item in payload["overdue"]
                ],
            }
        )


def digest(
    session: Session, calendar: BusinessCalendar, since: datetime, until: datetime
) -> Digest:
    today = calendar.local_date(until)
    new = Counter(
        session.exec(
            select(Submission.kind).where(
                Submission.submitted_at >= since, Submission.submitted_at < until
            )
        ).all()
    )
    barriers = Counter(
        session.exec(
            select(Submission.category).where(
                Submission.kind == Kind.feedback,
                Submission.submitted_at >= since,
                Submission.submitted_at < until,
            )
        ).all()
    )
    open_now = session.exec(select(Submission).where(col(Submission.status).in_(OPEN))).all()
    late = [s for s in open_now if s.next_decision_by is not None and s.next_decision_by < today]
    languages = _contact_languages(session, {s.contact_id for s in late} - {None})
    overdue = sorted(
        (
            Overdue(
                s.reference,
                title_text(s.title),
                s.status,
                s.assignee,
                calendar.between(s.next_decision_by, today),
                languages.get(s.contact_id),
            )
            for s in late
        ),
        key=lambda item: (-item.days, item.reference),
    )
    responses = _first_responses(session, calendar, since, until)
    answered = set(
        session.exec(select(StatusChange.submission_id).where(StatusChange.actor != SYSTEM)).all()
    )
    waiting = [s for s in open_now if s.id not in answered]
    return Digest(
        since=since,
        until=until,
        new={kind.value: new.get(kind, 0) for kind in Kind},
        by_status={status.value: sum(1 for s in open_now if s.status is status) for status in OPEN},
        overdue=overdue,
        first_response_median=float(statistics.median(responses)) if responses else None,
        first_responses=len(responses),
        awaiting_first_response=len(waiting),
        oldest_awaiting=max(
            (calendar.between(calendar.local_date(s.submitted_at), today) for s in waiting),
            default=None,
        ),
        barriers={step or "other": count for step, count in sorted(barriers.items(), key=str)},
    )


def _contact_languages(session: Session, contact_ids: set[int]) -> dict[int, str]:
    """Each contact's language, in one query however many submissions are overdue."""
    if not contact_ids:
        return {}
    rows = session.exec(
        select(Contact.id, Contact.language).where(col(Contact.id).in_(contact_ids))
    )
    return {contact_id: language_or_default(language) for contact_id, language in rows}


def _first_responses(
    session: Session, calendar: BusinessCalendar, since: datetime, until: datetime
) -> list[int]:
    """Business days from submission to the first change staff made, for every first
    change made in [since, until)."""
    first: dict[int, datetime] = {}
    for submission_id, at in session.exec(
        select(StatusChange.submission_id, StatusChange.at)
        .where(StatusChange.actor != SYSTEM)
        .order_by(col(StatusChange.id))
    ):
        first.setdefault(submission_id, at)
    submitted = dict(session.exec(select(Submission.id, Submission.submitted_at)).all())
    return [
        calendar.between(calendar.local_date(submitted[sid]), calendar.local_date(at))
        for sid, at in first.items()
        if since <= at < until and sid in submitted
    ]


# --- what the public sees -----------------------------------------------------------------


def suppressed(count: int) -> int | None:
    """A count as published: None (shown as "fewer than 3") when it could single someone out."""
    return None if 0 < count < MIN_CELL else count


@dataclass(frozen=True)
class PublicStatusTime:
    status: str
    stays: int | None
    median_business_days: float | None
    p90_business_days: float | None
    in_status_now: int | None
    overdue_now: int | None


def public_time_in_status(
    session: Session, calendar: BusinessCalendar, now: datetime | None = None
) -> list[PublicStatusTime]:
    rows = []
    for row in time_in_status(session, calendar, now or utcnow()):
        rows.append(
            PublicStatusTime(
                status=row.status.value,
                stays=suppressed(row.stays),
                median_business_days=row.median if row.stays >= MIN_FOR_MEDIAN else None,
                p90_business_days=row.p90 if row.stays >= MIN_FOR_P90 else None,
                in_status_now=suppressed(row.now),
                overdue_now=suppressed(row.overdue),
            )
        )
    return rows


def public_counts(counts: dict) -> dict:
    return {key: suppressed(value) for key, value in counts.items()}


@dataclass(frozen=True)
class PublicContractTime:
    approach: str
    contracts_signed: int | None
    median_business_days: float | None
    still_open: int | None
    ended_without_contract: int | None


def public_time_to_contract(
    session: Session, calendar: BusinessCalendar
) -> list[PublicContractTime]:
    return [
        PublicContractTime(
            approach=row.approach,
            contracts_signed=suppressed(row.signed),
            median_business_days=row.median if row.signed >= MIN_FOR_MEDIAN else None,
            still_open=suppressed(row.still_open),
            ended_without_contract=suppressed(row.ended_without_contract),
        )
        for row in time_to_contract(session, calendar)
    ]
