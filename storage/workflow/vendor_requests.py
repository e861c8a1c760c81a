"""What a submitter asks of their own submission in chat: to withdraw it, to change an
answer, and, once the City has decided, how it was scored (a debrief). The chat proves
the person is the submitter before it offers any of these (actions/vendor_requests.py);
what they are told here is in `language`, the conversation's."""

from dataclasses import dataclass
from statistics import fmean
from typing import Final

from sqlmodel import Session, col, select

from storage import outbox, procurement_records
from storage.catalogue import text
from storage.languages import DEFAULT_LANGUAGE
from storage.models import Score, Status, StatusChange, Submission, SubmissionAnswer, utcnow
from storage.pilots import plans
from storage.rendering import reason_text
from storage.workflow.evaluation import declaration
from storage.workflow.roles import roster_member
from storage.workflow.rules import RUBRIC, SUBMITTER, Outcome, Refused, Staff, cleaned
from storage.workflow.transitions import change_status
from storage.workflow.versions import bump_version, record_change

# Answers may change until evaluation starts: evaluators score what the submitter wrote.
AMENDABLE: Final = frozenset({Status.received, Status.screening, Status.needs_info})
# Statuses after a decision: only then is there a score to explain.
DECIDED: Final = frozenset({Status.declined, Status.pilot, Status.procurement, Status.closed})
# Statuses a submission can no longer be withdrawn from.
FINISHED: Final = frozenset({Status.declined, Status.withdrawn, Status.closed})
# Answers that decide more than themselves (what is published, the contact, the title and
# category of procurement feedback): changed only by staff, never through a chat request.
NOT_AMENDABLE: Final = frozenset(
    {"idea_publish", "idea_contact", "barrier_step", "barrier_contact"}
)
# What a proven submitter may ask (the code each chat button sends).
WITHDRAW: Final = "withdraw"
AMEND: Final = "amend"
DEBRIEF: Final = "debrief"
PILOT_PLAN: Final = "pilot_plan"
# The outbox kind that tells the owner of the evaluation what the submitter did.
OWNER_NOTE: Final = "owner_note"
# Fewer evaluators than this and an average would be one person's score.
MIN_EVALUATORS: Final = 2
LONGEST_ANSWER: Final = 5000
# The reason Entryway gives for a withdrawal (status.reason.withdrawn_by_submitter).
WITHDRAWN_REASON: Final = "withdrawn_by_submitter"


def contract_signed(session: Session, submission: Submission) -> bool:
    """Whether the procurement record says the City signed a contract, after which the
    submitter can no longer withdraw."""
    record = procurement_records.current_record(session, submission.id)
    return record is not None and record.contract_signed is not None


def tell_owner(session: Session, submission: Submission, news: str, **facts: object) -> None:
    """The owner of the evaluation (if it has one on the roster) hears of what the
    submitter did by DM, once per change: the redrawn card pings nobody."""
    owner = roster_member(session, Staff(submission.assignee or "").slack_user)
    if owner is None:
        return
    outbox.enqueue(
        session,
        OWNER_NOTE,
        {"news": news, "owner": owner.slack_user, **facts},
        submission_id=submission.id,
        dedupe_key=f"{OWNER_NOTE}:{submission.id}:{submission.version}",
    )


def withdraw(
    session: Session, submission: Submission, reason: str | None, language: str = DEFAULT_LANGUAGE
) -> Outcome:
    """The submitter withdraws: from any status before a contract is signed. Their reason
    (optional) is for staff; the submitter is told in the chat, so no DM repeats it."""
    reference = submission.reference
    if submission.status is Status.withdrawn:
        raise Refused(text("vendor_requests.withdraw.already", language, reference=reference))
    if submission.status in FINISHED or contract_signed(session, submission):
        raise Refused(
            text(
                "vendor_requests.withdraw.too_late",
                language,
                reference=reference,
                status=text(f"status.label.{submission.status.value}", language),
            )
        )
    change = change_status(
        session,
        submission,
        Status.withdrawn,
        SUBMITTER,
        None,
        cleaned(reason),
        expected_status=submission.status,
        shown=True,
        reason_code=WITHDRAWN_REASON,
    )
    if isinstance(change, Outcome):  # staff moved it meanwhile: they decide again
        raise Refused(text("vendor_requests.changed_meanwhile", language, reference=reference))
    tell_owner(session, submission, "withdrawn", reason=change.internal_note)
    return Outcome(
        reference, True, text("vendor_requests.withdraw.done", language, reference=reference)
    )


def open_requests(session: Session, submission: Submission) -> list[str]:
    """What the submitter may ask of the submission now (WITHDRAW, AMEND, DEBRIEF,
    PILOT_PLAN)."""
    found = []
    if plans.open_to_vendor(session, submission):
        found.append(PILOT_PLAN)
    if submission.status not in FINISHED and not contract_signed(session, submission):
        found.append(WITHDRAW)
    if amendable_answers(session, submission):
        found.append(AMEND)
    if submission.status in DECIDED:
        found.append(DEBRIEF)
    return found


def amendable_answers(session: Session, submission: Submission) -> list[SubmissionAnswer]:
    """The answers the submitter may change now (none once evaluation started)."""
    if submission.status not in AMENDABLE:
        return []
    answers = session.exec(
        select(SubmissionAnswer).where(SubmissionAnswer.submission_id == submission.id)
    )
    return [answer for answer in answers if answer.field not in NOT_AMENDABLE]


def amend(
    session: Session,
    submission: Submission,
    field: str,
    value: str,
    language: str = DEFAULT_LANGUAGE,
) -> Outcome:
    """Changes one answer the form asked, until evaluation starts. The change is in the
    record with the old and new value (a confidential answer's values stay out of it:
    the record is read by staff who may not see them), and the card is redrawn, so its
    owner sees it and a decision drawn on the old answers is refused as stale."""
    reference = submission.reference
    if submission.status not in AMENDABLE:
        raise Refused(
            text(
                "vendor_requests.amend.too_late",
                language,
                reference=reference,
                status=text(f"status.label.{submission.status.value}", language),
            )
        )
    answer = session.get(SubmissionAnswer, (submission.id, field))
    if answer is None or field in NOT_AMENDABLE:
        raise Refused(text("vendor_requests.amend.not_asked", language))
    new = (value or "").strip()
    if not new:
        raise Refused(text("vendor_requests.amend.empty", language))
    if len(new) > LONGEST_ANSWER:
        raise Refused(text("vendor_requests.amend.too_long", language, limit=LONGEST_ANSWER))
    if new == answer.value:
        return Outcome(reference, False, text("vendor_requests.amend.same", language))
    old = answer.value
    if not bump_version(
        session, submission, Submission.status == submission.status, updated_at=utcnow()
    ):
        raise Refused(text("vendor_requests.changed_meanwhile", language, reference=reference))
    answer.value = new
    session.add(answer)
    detail = {"field": field, "confidential": True}
    if not answer.confidential:
        detail = {"field": field, "old": old, "new": new}
    record_change(session, submission, SUBMITTER, "answer_amended", **detail)
    tell_owner(session, submission, "answer_amended", field=field)
    return Outcome(
        reference, True, text("vendor_requests.amend.done", language, reference=reference)
    )


@dataclass(frozen=True)
class Debrief:
    """How a decided submission was scored, as the submitter may read it: the average per
    rubric criterion (None when fewer than MIN_EVALUATORS scored: one evaluator's score
    would show through) and the public reason of the decision."""

    reference: str
    status: Status
    evaluators: int
    averages: dict[str, float] | None
    reason: str


def counted_scores(session: Session, submission: Submission) -> list[Score]:
    """The scores that count: those of evaluators without a declared conflict."""
    scores = session.exec(select(Score).where(Score.submission_id == submission.id)).all()
    return [
        score
        for score in scores
        if not getattr(declaration(session, submission.id, score.evaluator), "has_conflict", False)
    ]


def debrief(session: Session, submission: Submission, language: str = DEFAULT_LANGUAGE) -> Debrief:
    """The debrief of a decided submission, its reason in `language`."""
    if submission.status not in DECIDED:
        raise Refused(
            text(
                "vendor_requests.debrief.not_decided",
                language,
                reference=submission.reference,
                status=text(f"status.label.{submission.status.value}", language),
            )
        )
    scores = counted_scores(session, submission)
    averages = (
        {criterion: fmean(score.scores[criterion] for score in scores) for criterion in RUBRIC}
        if len(scores) >= MIN_EVALUATORS
        else None
    )
    decision = session.exec(
        select(StatusChange)
        .where(
            StatusChange.submission_id == submission.id,
            StatusChange.to_status == submission.status,
        )
        .order_by(col(StatusChange.id).desc())
    ).first()
    return Debrief(
        submission.reference,
        submission.status,
        len(scores),
        averages,
        reason_text(decision, language) if decision else "",
    )
