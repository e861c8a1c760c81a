"""The commands on submissions: the triage card's buttons, from a terminal."""

from collections.abc import Callable

import click
from sqlmodel import Session

from bot.slack.answers import answer_value, field_label, language_name, submitter_language
from bot.staff_cli.command import (
    act,
    database,
    member,
    pass_staff,
    reference_argument,
    staff_command,
)
from bot.staff_cli.procurement import approach_options, given_terms
from storage import public_information, rendering, triage
from storage.catalogue import text
from storage.models import Status
from storage.workflow import evaluation, holds, roles, rules, transitions, versions

STATUS = click.Choice(Status)
INTERNAL_NOTE = text("cli.help.internal_note")


@click.command("list", help=text("cli.help.list"))
@click.option("--status", type=STATUS, help=text("cli.help.list_status"))
@click.option("--limit", type=int, default=50, show_default=True, help=text("cli.help.list_limit"))
@staff_command
def list_submissions(status: Status | None, limit: int) -> list[str]:
    with database() as session:
        rows = triage.list_for_staff(session, status, limit)
        return [
            text(
                "cli.list.line",
                reference=s.reference,
                kind=s.kind.value,
                status=s.status.value,
                assignee=s.assignee or "-",
                updated=f"{s.updated_at:%Y-%m-%d}",
                title=rendering.title_text(s.title),
            )
            for s in rows
        ] or [text("cli.list.none")]


@click.command(help=text("cli.help.show"))
@reference_argument
@click.option("--confidential", is_flag=True, help=text("cli.help.show_confidential"))
@staff_command
@pass_staff
def show(staff: rules.Staff, reference: str, confidential: bool) -> list[str]:
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
        return _record(found, submitter_language(session, submission))


def _record(found: triage.Details, language: str | None) -> list[str]:
    """A submission's whole record as `show` prints it: each answer under the form's own
    question label, the submitter's words as written, in `language` (theirs; None when
    anonymous)."""
    facts = found.facts
    summary = facts.scores
    scores = text("cli.show.scores", count=summary.evaluators)
    if summary.mean:
        scores += text(
            "cli.show.score_mean", mean=f"{summary.mean:.2f}", spread=f"{summary.spread:.2f}"
        )
    if summary.conflicts:
        scores += text("cli.show.score_conflicts", count=summary.conflicts)
    category = answer_value(facts.kind, "category", facts.category) if facts.category else "-"
    lines = [
        text(
            "cli.show.heading",
            reference=facts.reference,
            kind=facts.kind,
            status=facts.status.value,
            assignee=facts.assignee or text("cli.show.nobody"),
        ),
        text("cli.show.language", submitter_language=language_name(language))
        if language
        else text("cli.show.no_language"),
        text("cli.show.title", title=facts.title),
        text("cli.show.category", category=category),
        text(
            "cli.show.path",
            path=facts.procurement_path or "-",
            reason=facts.procurement_reason or "",
        ),
        text("cli.show.flags", flags=", ".join(facts.flags) or text("cli.show.no_flags")),
        scores,
        "",
        text("cli.show.answers"),
    ]
    for answer in found.answers:
        marker = text("cli.show.confidential_marker") if answer.confidential else ""
        lines.append(
            text(
                "cli.show.answer",
                field=field_label(facts.kind, answer.field),
                marker=marker,
                value=answer_value(facts.kind, answer.field, answer.value),
            )
        )
    if found.hidden_confidential:
        lines.append(text("cli.show.hidden", count=found.hidden_confidential))
    if found.info_requests:
        lines.append(text("cli.show.info_requests"))
        for request in found.info_requests:
            lines.append(
                text(
                    "cli.show.asked",
                    date=f"{request.asked_at:%Y-%m-%d}",
                    who=request.asked_by,
                    question=request.question,
                )
            )
            if request.answered_at:
                lines.append(
                    text(
                        "cli.show.answered",
                        date=f"{request.answered_at:%Y-%m-%d}",
                        answer=request.answer,
                    )
                )
    if found.public_information:
        lines.append(text("pia.record.heading"))
        lines += [f"  {public_information.summary(r)}" for r in found.public_information]
    lines.append(text("cli.show.history"))
    for change in found.history:
        public = (
            text("cli.show.public", reason=reason)
            if (reason := rendering.reason_text(change))
            else ""
        )
        internal = (
            text("cli.show.internal", note=change.internal_note) if change.internal_note else ""
        )
        lines.append(
            text(
                "cli.show.change",
                at=f"{change.at:%Y-%m-%d %H:%M}",
                actor=change.actor,
                from_status=change.from_status.value if change.from_status else "-",
                to_status=change.to_status.value,
                public=public,
                internal=internal,
            )
        )
    lines.append(text("cli.show.activity"))
    for entry in found.activity:
        lines.append(
            text(
                "cli.show.activity_line",
                at=f"{entry.at:%Y-%m-%d %H:%M}",
                actor=entry.actor,
                kind=entry.kind,
                detail=entry.detail,
            )
        )
    for score in found.scores:
        lines.append(
            text(
                "cli.show.score_line",
                evaluator=score.evaluator,
                scores=score.scores,
                comments=score.comments or "",
            )
        )
    return lines


@click.command(help=text("cli.help.assign"))
@reference_argument
@click.option("--to", help=text("cli.help.assign_to"))
@staff_command
@pass_staff
def assign(staff: rules.Staff, reference: str, to: str | None) -> list[str]:
    evaluator = member(to) if to else None
    return act(lambda session: evaluation.assign(session, reference, staff, evaluator))


@click.command("request-info", help=text("cli.help.request_info"))
@reference_argument
@click.option("--question", required=True, help=text("cli.help.question"))
@click.option("--note", help=INTERNAL_NOTE)
@staff_command
@pass_staff
def request_info(staff: rules.Staff, reference: str, question: str, note: str | None) -> list[str]:
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
        raise click.BadOptionUsage("conflict", text("cli.conflict_exclusive"), context)
    return given[0]


@click.command(help=text("cli.help.declare"))
@reference_argument
@click.option(
    "--conflict/--no-conflict",
    multiple=True,
    callback=_one_of_the_two,
    help=text("cli.help.conflict"),
)
@click.option("--statement", help=text("cli.help.statement"))
@staff_command
@pass_staff
def declare(staff: rules.Staff, reference: str, conflict: bool, statement: str | None) -> list[str]:
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


@click.command(help=text("cli.help.score"))
@reference_argument
@_rubric_options
@click.option("--comment", multiple=True, metavar="CRITERION=TEXT", help=text("cli.help.comment"))
@click.option("--no-conflict", is_flag=True, help=text("cli.help.score_no_conflict"))
@staff_command
@pass_staff
def score(
    staff: rules.Staff,
    reference: str,
    comment: tuple[str, ...],
    no_conflict: bool,
    **scores: int,
) -> list[str]:
    comments = _comments(comment)

    def declare_and_score(session: Session) -> rules.Outcome:
        if no_conflict:
            evaluation.declare_conflict(session, reference, staff, False)
        return evaluation.score(session, reference, staff, scores, comments)

    return act(declare_and_score)


@click.command(help=text("cli.help.advance"))
@reference_argument
@click.option("--to", type=STATUS, help=text("cli.help.advance_to"))
@click.option("--reason", help=text("cli.help.public_reason"))
@click.option("--note", help=INTERNAL_NOTE)
@approach_options
@staff_command
@pass_staff
def advance(
    staff: rules.Staff,
    reference: str,
    to: Status | None,
    reason: str | None,
    note: str | None,
    approach: str | None,
    legal_basis: str | None,
    justification: str | None,
    contract_value: int | None,
) -> list[str]:
    terms = given_terms(approach, legal_basis, justification, contract_value)
    return act(
        lambda session: transitions.advance(
            session, reference, staff, to, reason, note, procurement=terms
        )
    )


@click.command(help=text("cli.help.decline"))
@reference_argument
@click.option("--reason", required=True, help=text("cli.help.public_reason"))
@click.option("--note", help=INTERNAL_NOTE)
@staff_command
@pass_staff
def decline(staff: rules.Staff, reference: str, reason: str, note: str | None) -> list[str]:
    return act(lambda session: transitions.decline(session, reference, staff, reason, note))


@click.command(help=text("cli.help.block"))
@reference_argument
@click.option(
    "--on",
    required=True,
    type=click.Choice([*rules.BLOCKERS, "none"]),
    help=text("cli.help.block_on"),
)
@staff_command
@pass_staff
def block(staff: rules.Staff, reference: str, on: str) -> list[str]:
    blocker = None if on == "none" else on
    return act(lambda session: holds.set_blocked(session, reference, staff, blocker))


@click.command(help=text("cli.help.snooze", days=rules.SNOOZE_BUSINESS_DAYS))
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
