"""What staff see of a submission: the facts on its triage card and in its details.
Read models only; every change goes through storage.workflow."""

import statistics
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from storage import contacts, submissions
from storage.models import (
    Activity,
    ConflictDeclaration,
    InfoRequest,
    PublicInformationRequest,
    Score,
    Status,
    StatusChange,
    Submission,
    SubmissionAnswer,
)
from storage.pilots.models import PlanState
from storage.pilots.plans import iterations
from storage.pilots.views import plan_view
from storage.rendering import title_text
from storage.workflow.info_requests import open_info_request
from storage.workflow.rules import advance_targets, allowed_transitions

# Answers shown on the card itself (when not marked confidential); the rest are in the
# details, which only staff open.
CARD_FIELDS = ("departments", "city_ask")


@dataclass(frozen=True)
class ScoreSummary:
    evaluators: int
    mean: float | None
    spread: float | None  # highest evaluator mean minus lowest
    conflicts: int


@dataclass(frozen=True)
class CardFacts:
    reference: str
    kind: str
    title: str
    category: str | None
    status: Status
    assignee: str | None
    fields: dict[str, str | None]  # CARD_FIELDS; None when the answer is confidential
    procurement_path: str | None
    procurement_reason: str | None
    flags: list[str]
    scores: ScoreSummary
    open_question: str | None
    last_answer_at: datetime | None
    confidential_count: int
    advance_to: tuple[Status, ...]
    may_move: bool
    card_channel: str | None
    card_ts: str | None
    due: date | None
    blocked_by: str | None
    snoozes: int
    version: int
    # The language the submitter is written to in (`Contact.language`): staff write their
    # question or public reason in it. None when nobody can be written to (anonymous).
    language: str | None = None
    # The pilot plan the card shows (storage.pilots.views.plan_view), when there is one.
    pilot: "PilotFacts | None" = None


@dataclass(frozen=True)
class PilotFacts:
    """What the card's pilot section shows: the iteration the pilot runs on (the newest
    approved one; else the last decided, with its decision; else the draft), and a newer
    draft waiting for a lead's approval, if any."""

    plan: dict
    waiting_draft: int | None


def pilot_facts(session: Session, submission: Submission) -> PilotFacts | None:
    found = iterations(session, submission.id)
    if not found:
        return None
    approved = [i for i in found if i.state is PlanState.approved]
    decided = [i for i in found if i.state is PlanState.decided]
    shown = (approved or decided or found)[-1]
    draft = found[-1] if found[-1].state is PlanState.draft and found[-1] is not shown else None
    plan = plan_view(session, submission.reference, shown.number)
    return PilotFacts(plan, draft.number if draft else None) if plan else None


def score_summary(session: Session, submission_id: int) -> ScoreSummary:
    """Average and spread of the evaluators' mean scores; scores of anyone who has since
    declared a conflict do not count."""
    conflicted = set(
        session.exec(
            select(ConflictDeclaration.evaluator).where(
                ConflictDeclaration.submission_id == submission_id,
                col(ConflictDeclaration.has_conflict).is_(True),
            )
        ).all()
    )
    means = [
        statistics.fmean(score.scores.values())
        for score in session.exec(select(Score).where(Score.submission_id == submission_id))
        if score.evaluator not in conflicted and score.scores
    ]
    if not means:
        return ScoreSummary(0, None, None, len(conflicted))
    return ScoreSummary(
        len(means), statistics.fmean(means), max(means) - min(means), len(conflicted)
    )


def card_facts(session: Session, submission: Submission) -> CardFacts:
    answers = {a.field: a for a in submissions.get_answers(session, submission.id)}
    fields = {
        name: (None if answers[name].confidential else answers[name].value)
        for name in CARD_FIELDS
        if name in answers
    }
    request = (
        open_info_request(session, submission.id)
        if submission.status is Status.needs_info
        else None
    )
    last_answer = session.exec(
        select(InfoRequest.answered_at)
        .where(
            InfoRequest.submission_id == submission.id, col(InfoRequest.answered_at).is_not(None)
        )
        .order_by(col(InfoRequest.id).desc())
    ).first()
    return CardFacts(
        reference=submission.reference,
        kind=submission.kind.value,
        title=title_text(submission.title),
        category=submission.category,
        status=submission.status,
        assignee=submission.assignee,
        fields=fields,
        procurement_path=submission.procurement_path,
        procurement_reason=submission.procurement_reason,
        flags=list(submission.flags or []),
        scores=score_summary(session, submission.id),
        open_question=request.question if request else None,
        last_answer_at=last_answer,
        confidential_count=sum(1 for a in answers.values() if a.confidential),
        advance_to=advance_targets(submission),
        may_move=bool(allowed_transitions(submission)),
        card_channel=submission.card_channel,
        card_ts=submission.card_ts,
        due=submission.next_decision_by,
        blocked_by=submission.blocked_by,
        snoozes=submission.snoozes,
        version=submission.version,
        language=contacts.language_of(session, submission.contact_id)
        if submission.contact_id
        else None,
        pilot=pilot_facts(session, submission),
    )


@dataclass(frozen=True)
class Details:
    """Everything staff may read about a submission; confidential answers only when the
    reader may see them (the assigned evaluator, or the CLI with an explicit flag)."""

    facts: CardFacts
    answers: list[SubmissionAnswer]
    hidden_confidential: int
    info_requests: list[InfoRequest]
    history: list[StatusChange]
    activity: list[Activity]
    scores: list[Score]
    declarations: list[ConflictDeclaration]
    # Public-information requests that touched it (storage/public_information.py).
    public_information: list[PublicInformationRequest]


def details(session: Session, submission: Submission, with_confidential: bool) -> Details:
    answers = submissions.get_answers(session, submission.id)
    shown = [a for a in answers if with_confidential or not a.confidential]
    return Details(
        facts=card_facts(session, submission),
        answers=shown,
        hidden_confidential=len(answers) - len(shown),
        info_requests=list(
            session.exec(
                select(InfoRequest)
                .where(InfoRequest.submission_id == submission.id)
                .order_by(col(InfoRequest.id))
            )
        ),
        history=submissions.status_history(session, submission.id),
        activity=list(
            session.exec(
                select(Activity)
                .where(Activity.submission_id == submission.id)
                .order_by(col(Activity.id))
            )
        ),
        scores=list(session.exec(select(Score).where(Score.submission_id == submission.id))),
        declarations=list(
            session.exec(
                select(ConflictDeclaration).where(
                    ConflictDeclaration.submission_id == submission.id
                )
            )
        ),
        public_information=list(
            session.exec(
                select(PublicInformationRequest)
                .where(PublicInformationRequest.submission_id == submission.id)
                .order_by(col(PublicInformationRequest.id))
            )
        ),
    )


def record_card(session: Session, submission_id: int, channel: str, ts: str) -> None:
    """Remembers where the triage card was posted, so later changes update it."""
    submission = session.get(Submission, submission_id)
    if submission is not None:
        submission.card_channel, submission.card_ts = channel, ts
        session.add(submission)


def list_for_staff(
    session: Session, status: Status | None = None, limit: int = 50
) -> list[Submission]:
    query = select(Submission).order_by(col(Submission.id).desc()).limit(limit)
    if status is not None:
        query = query.where(Submission.status == status)
    return list(session.exec(query))
