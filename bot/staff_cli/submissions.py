"""The commands on submissions: the triage card's buttons, from a terminal."""

from collections.abc import Callable

import click
from sqlmodel import Session

from bot.staff_cli.command import (
    act,
    database,
    member,
    pass_staff,
    reference_argument,
    staff_command,
)
from storage import triage
from storage.catalogue import text
from storage.models import Status
from storage.workflow import evaluation, holds, roles, rules, transitions, versions

STATUS = click.Choice(Status)
INTERNAL_NOTE = "internal note, never shown to the submitter"


@click.command("list")
@click.option("--status", type=STATUS, help="only those in this status")
@click.option("--limit", type=int, default=50, show_default=True, help="the newest N")
@staff_command
def list_submissions(status: Status | None, limit: int) -> list[str]:
    """submissions, newest first"""
    with database() as session:
        rows = triage.list_for_staff(session, status, limit)
        return [
            f"{s.reference}  {s.kind.value:8}  {s.status.value:11}  "
            f"{(s.assignee or '-'):22}  {s.updated_at:%Y-%m-%d}  {s.title}"
            for s in rows
        ] or ["no submissions"]


@click.command()
@reference_argument
@click.option("--confidential", is_flag=True, help="include confidential answers (recorded)")
@staff_command
@pass_staff
def show(staff: rules.Staff, reference: str, confidential: bool) -> list[str]:
    """one submission with its whole record"""
    with database() as session:
        roles.role_of(session, staff)
        submission = versions.find(session, reference)
        if confidential and evaluation.conflicted(session, submission, staff):
            raise rules.Refused(text("workflow.conflict_no_decisions", reference=reference))
        if confidential and not evaluation.may_see_confidential(session, submission, staff):
            raise rules.Refused(text("workflow.not_yours_to_see", reference=reference))
        found = triage.details(session, submission, confidential)
        if confidential:
            evaluation.record_confidential_view(session, submission, staff)
        facts = found.facts
        summary = facts.scores
        lines = [
            f"{facts.reference}  {facts.kind}  {facts.status.value}  "
            f"assigned to {facts.assignee or 'nobody'}",
            f"title: {facts.title}",
            f"category: {facts.category or '-'}",
            f"procurement path: {facts.procurement_path or '-'} ({facts.procurement_reason or ''})",
            f"flags: {', '.join(facts.flags) or 'none'}",
            f"scores: {summary.evaluators} evaluators"
            + (f", mean {summary.mean:.2f}, spread {summary.spread:.2f}" if summary.mean else "")
            + (f", {summary.conflicts} declared a conflict" if summary.conflicts else ""),
            "",
            "answers:",
        ]
        for answer in found.answers:
            marker = " [confidential]" if answer.confidential else ""
            lines.append(f"  {answer.field}{marker}: {answer.value}")
        if found.hidden_confidential:
            lines.append(
                f"  ({found.hidden_confidential} confidential answers hidden; "
                "add --confidential to see them)"
            )
        if found.info_requests:
            lines.append("information requests:")
            for request in found.info_requests:
                lines.append(
                    f"  {request.asked_at:%Y-%m-%d} {request.asked_by}: {request.question}"
                )
                if request.answered_at:
                    lines.append(f"    answered {request.answered_at:%Y-%m-%d}: {request.answer}")
        lines.append("history:")
        for change in found.history:
            lines.append(
                f"  {change.at:%Y-%m-%d %H:%M} {change.actor}: "
                f"{change.from_status.value if change.from_status else '-'} -> "
                f"{change.to_status.value}"
                + (f" | public: {change.public_reason}" if change.public_reason else "")
                + (f" | internal: {change.internal_note}" if change.internal_note else "")
            )
        lines.append("activity:")
        for entry in found.activity:
            lines.append(f"  {entry.at:%Y-%m-%d %H:%M} {entry.actor}: {entry.kind} {entry.detail}")
        for score in found.scores:
            lines.append(f"score by {score.evaluator}: {score.scores} {score.comments or ''}")
        return lines


@click.command()
@reference_argument
@click.option("--to", help="a roster member's Slack id or name (default: yourself)")
@staff_command
@pass_staff
def assign(staff: rules.Staff, reference: str, to: str | None) -> list[str]:
    """make someone the evaluator"""
    evaluator = member(to) if to else None
    return act(lambda session: evaluation.assign(session, reference, staff, evaluator))


@click.command("request-info")
@reference_argument
@click.option("--question", required=True, help="what the submitter is asked")
@click.option("--note", help=INTERNAL_NOTE)
@staff_command
@pass_staff
def request_info(staff: rules.Staff, reference: str, question: str, note: str | None) -> list[str]:
    """ask the submitter a question"""
    return act(lambda session: transitions.request_info(session, reference, staff, question, note))


def _one_of_the_two(
    context: click.Context, parameter: click.Parameter, given: tuple[bool, ...]
) -> bool:
    """--conflict or --no-conflict, exactly one: a declaration is kept on the record, so
    neither, or both, is bad usage rather than a guess."""
    if not given:
        raise click.MissingParameter(
            ctx=context, param=parameter, param_hint="'--conflict' / '--no-conflict'"
        )
    if len(set(given)) > 1:
        raise click.BadOptionUsage(
            "conflict", "--conflict and --no-conflict exclude each other", context
        )
    return given[0]


@click.command()
@reference_argument
@click.option(
    "--conflict/--no-conflict",
    multiple=True,
    callback=_one_of_the_two,
    help="whether you have a conflict of interest (one of the two is required)",
)
@click.option("--statement", help="what the conflict is")
@staff_command
@pass_staff
def declare(staff: rules.Staff, reference: str, conflict: bool, statement: str | None) -> list[str]:
    """declare a conflict of interest, or none"""
    return act(
        lambda session: evaluation.declare_conflict(session, reference, staff, conflict, statement)
    )


def _rubric_options(command: Callable[..., list[str]]) -> Callable[..., list[str]]:
    """A required --CRITERION option for each criterion of the rubric, in its order."""
    scores = click.IntRange(rules.SCORE_RANGE.start, rules.SCORE_RANGE.stop - 1)
    for criterion in reversed(rules.RUBRIC):
        label = text(f"rubric.{criterion}.label")
        command = click.option(f"--{criterion}", type=scores, required=True, help=label)(command)
    return command


def _comments(pairs: tuple[str, ...]) -> dict[str, str]:
    comments = {}
    for pair in pairs:
        criterion, _, comment = pair.partition("=")
        if criterion not in rules.RUBRIC or not comment:
            raise rules.Refused(text("cli.comment_format", criteria=", ".join(rules.RUBRIC)))
        comments[criterion] = comment
    return comments


@click.command()
@reference_argument
@_rubric_options
@click.option(
    "--comment",
    multiple=True,
    metavar="CRITERION=TEXT",
    help="a comment on one criterion (repeatable)",
)
@click.option("--no-conflict", is_flag=True, help="declare no conflict of interest first")
@staff_command
@pass_staff
def score(
    staff: rules.Staff,
    reference: str,
    comment: tuple[str, ...],
    no_conflict: bool,
    **scores: int,
) -> list[str]:
    """score against the rubric (1-5 each)"""
    comments = _comments(comment)

    def declare_and_score(session: Session) -> rules.Outcome:
        if no_conflict:
            evaluation.declare_conflict(session, reference, staff, False)
        return evaluation.score(session, reference, staff, scores, comments)

    return act(declare_and_score)


@click.command()
@reference_argument
@click.option("--to", type=STATUS, help="the status to move to (default: the next one)")
@click.option("--reason", help="public reason, shown to the submitter")
@click.option("--note", help=INTERNAL_NOTE)
@staff_command
@pass_staff
def advance(
    staff: rules.Staff,
    reference: str,
    to: Status | None,
    reason: str | None,
    note: str | None,
) -> list[str]:
    """move forward (or back from needs_info)"""
    return act(lambda session: transitions.advance(session, reference, staff, to, reason, note))


@click.command()
@reference_argument
@click.option("--reason", required=True, help="shown to the submitter")
@click.option("--note", help=INTERNAL_NOTE)
@staff_command
@pass_staff
def decline(staff: rules.Staff, reference: str, reason: str, note: str | None) -> list[str]:
    """decline, with a public reason"""
    return act(lambda session: transitions.decline(session, reference, staff, reason, note))


@click.command()
@reference_argument
@click.option(
    "--on",
    required=True,
    type=click.Choice([*rules.BLOCKERS, "none"]),
    help="what it waits on; none: nothing any more",
)
@staff_command
@pass_staff
def block(staff: rules.Staff, reference: str, on: str) -> list[str]:
    """record what a submission waits on"""
    blocker = None if on == "none" else on
    return act(lambda session: holds.set_blocked(session, reference, staff, blocker))


@click.command(help=f"hold its reminders for {rules.SNOOZE_BUSINESS_DAYS} business days")
@reference_argument
@staff_command
@pass_staff
def snooze(staff: rules.Staff, reference: str) -> list[str]:
    return act(lambda session: holds.snooze(session, reference, staff))


COMMANDS = (
    list_submissions,
    show,
    assign,
    request_info,
    declare,
    score,
    advance,
    decline,
    block,
    snooze,
)
