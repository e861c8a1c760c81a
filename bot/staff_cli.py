"""`python -m bot.staff_cli`: everything staff do in Slack, from a terminal, writing the
same history and sending the same notifications (storage.workflow).

    python -m bot.staff_cli list [--status needs_info]
    python -m bot.staff_cli show SC-2026-00001 [--confidential]
    python -m bot.staff_cli assign SC-2026-00001 [--to U0123ABCD | --to "Ann Lee"]
    python -m bot.staff_cli request-info SC-2026-00001 --question "What would a pilot cost?"
    python -m bot.staff_cli declare SC-2026-00001 --no-conflict
    python -m bot.staff_cli score SC-2026-00001 --alignment 4 --feasibility 3 --value 4 \\
        --equity 5 --risk 3 --procurement 4 [--comment value="cheap to pilot"]
    python -m bot.staff_cli advance SC-2026-00001 [--to evaluation] [--reason "..."]
    python -m bot.staff_cli decline SC-2026-00001 --reason "..." [--note "..."]
    python -m bot.staff_cli block SC-2026-00001 --on legal_review   (or --on none)
    python -m bot.staff_cli snooze SC-2026-00001
    python -m bot.staff_cli report
    python -m bot.staff_cli handoffs [--limit 50]   (posted, summarised or held each)
    python -m bot.staff_cli outbox [--retry 42]
    python -m bot.staff_cli staff add U0123ABCD --role evaluator|lead [--name "Ann Lee"]
    python -m bot.staff_cli staff remove U0123ABCD
    python -m bot.staff_cli staff list

Who acts is `--as NAME`: someone on the staff roster, by Slack user id (U0123ABCD) or
by roster name, with their role's rights. Without --as, the operator acts (recorded as
`cli:operator:<login>`) with a lead's rights: whoever can run this command can already
reach the database. It reads DATABASE_URL like the app. Exit status: 0 done (or nothing
to do), 1 refused (the reason is printed), 2 bad usage.
"""

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence

from sqlmodel import Session

from storage import outbox, reports, repository, roster, service_levels, triage, workflow
from storage.catalogue import text
from storage.db import session_scope
from storage.models import Kind, StaffRole, Status, utcnow
from storage.reference import parse_reference
from storage.settings import get_settings


def _reference(text: str) -> str:
    reference = parse_reference(text)
    if reference is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a reference like SC-2026-00042")
    return reference


def list_submissions(status: Status | None, limit: int) -> list[str]:
    with session_scope(get_settings().database_url) as session:
        rows = triage.list_for_staff(session, status, limit)
        return [
            f"{s.reference}  {s.kind.value:8}  {s.status.value:11}  "
            f"{(s.assignee or '-'):22}  {s.updated_at:%Y-%m-%d}  {s.title}"
            for s in rows
        ]


def show(reference: str, with_confidential: bool, staff: workflow.Staff) -> list[str]:
    with session_scope(get_settings().database_url) as session:
        workflow.role_of(session, staff)
        submission = workflow.find(session, reference)
        if with_confidential and workflow.conflicted(session, submission, staff):
            raise workflow.Refused(text("workflow.conflict_no_decisions", reference=reference))
        if with_confidential and not workflow.may_see_confidential(session, submission, staff):
            raise workflow.Refused(text("workflow.not_yours_to_see", reference=reference))
        found = triage.details(session, submission, with_confidential)
        if with_confidential:
            workflow.record_confidential_view(session, submission, staff)
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


def show_handoffs(limit: int | None) -> list[str]:
    with session_scope(get_settings().database_url) as session:
        return [
            f"#{r.id}  {r.created_at:%Y-%m-%d %H:%M}  {r.channel}  {r.delivery.value}  "
            f"{r.contact or '-'}  "
            f"{r.reference or ''}{' (verified)' if r.reference_verified else ''}  {r.topic}"
            for r in repository.list_handoffs(session, limit)
        ]


def show_outbox(retry: int | None) -> list[str]:
    with session_scope(get_settings().database_url) as session:
        if retry is not None:
            if not outbox.requeue(session, retry):
                until = outbox.in_flight_until(session, retry)
                if until is not None:
                    raise workflow.Refused(
                        text("cli.retry_in_flight", id=retry, until=f"{until:%H:%M:%S} UTC")
                    )
                raise workflow.Refused(text("cli.retry_unknown", id=retry))
            return [f"outbox #{retry}: queued again"]
        counts = outbox.counts(session)
        lines = [", ".join(f"{state}: {count}" for state, count in counts.items())]
        for message in outbox.troubled(session):
            lines.append(
                f"#{message.id}  {message.kind}  {message.state.value}  "
                f"{message.attempts} attempts  next {message.next_attempt_at:%Y-%m-%d %H:%M}  "
                f"{message.last_error}"
            )
        return lines


def report() -> list[str]:
    """Where submissions get stuck: time per status, what they wait on, barriers by step."""
    calendar = service_levels.calendar(get_settings().timezone)
    with session_scope(get_settings().database_url) as session:
        times = reports.time_in_status(session, calendar, utcnow())
        blocked = reports.blocked_now(session)
        barriers = reports.by_month(session, calendar, Kind.feedback)

    def days(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    lines = [
        "Time in each status (business days; completed stays)",
        f"{'status':13} {'stays':>6} {'median':>7} {'p90':>6} {'now':>5} {'overdue':>8}",
    ]
    lines += [
        f"{t.status.value:13} {t.stays:>6} {days(t.median):>7} {days(t.p90):>6} {t.now:>5} "
        f"{t.overdue:>8}"
        for t in times
    ]
    lines += ["", "Open submissions waiting on", *(f"{b:24} {n:>4}" for b, n in blocked.items())]
    lines += ["", "Procurement-barrier feedback by month and step"]
    lines += [f"{month}  {step:26} {n:>4}" for (month, step), n in barriers.items()] or ["none"]
    return lines


def staff_roster(args: argparse.Namespace, actor: workflow.Staff) -> list[str]:
    with session_scope(get_settings().database_url) as session:
        match args.roster_command:
            case "add":
                return [roster.add(session, args.user, StaffRole(args.role), args.name, actor)]
            case "remove":
                return [roster.remove(session, args.user, actor)]
        return [
            f"{m.slack_user:12}  {m.role.value:9}  {m.name or '-':24}  "
            f"added {m.added_at:%Y-%m-%d} by {m.added_by}"
            for m in roster.members(session)
        ] or [text("cli.roster_empty")]


def acting(name: str | None) -> workflow.Staff:
    """Who acts: the roster member --as names, or the operator."""
    if name is None:
        return workflow.Staff.operator(getpass.getuser())
    with session_scope(get_settings().database_url) as session:
        return roster.resolve(session, name)


def _member(name: str) -> workflow.Staff:
    with session_scope(get_settings().database_url) as session:
        return roster.resolve(session, name)


def _act(work: Callable[[Session], workflow.Outcome]) -> list[str]:
    with session_scope(get_settings().database_url) as session:
        return [work(session).message]


def _comments(pairs: list[str]) -> dict[str, str]:
    comments = {}
    for pair in pairs:
        criterion, _, comment = pair.partition("=")
        if criterion not in workflow.RUBRIC or not comment:
            raise workflow.Refused(text("cli.comment_format", criteria=", ".join(workflow.RUBRIC)))
        comments[criterion] = comment
    return comments


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot.staff_cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--as",
        dest="actor",
        help="a roster member's Slack id or name (default: the operator, as a lead)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="submissions, newest first")
    listing.add_argument("--status", type=Status, choices=list(Status))
    listing.add_argument("--limit", type=int, default=50)
    showing = commands.add_parser("show", help="one submission with its whole record")
    showing.add_argument("reference", type=_reference)
    showing.add_argument(
        "--confidential", action="store_true", help="include confidential answers (recorded)"
    )
    assigning = commands.add_parser("assign", help="make someone the evaluator")
    assigning.add_argument("reference", type=_reference)
    assigning.add_argument("--to", help="a roster member's Slack id or name (default: yourself)")
    asking = commands.add_parser("request-info", help="ask the submitter a question")
    asking.add_argument("reference", type=_reference)
    asking.add_argument("--question", required=True)
    asking.add_argument("--note", help="internal note, never shown to the submitter")
    declaring = commands.add_parser("declare", help="declare a conflict of interest, or none")
    declaring.add_argument("reference", type=_reference)
    choice = declaring.add_mutually_exclusive_group(required=True)
    choice.add_argument("--conflict", action="store_true")
    choice.add_argument("--no-conflict", action="store_true")
    declaring.add_argument("--statement")
    scoring = commands.add_parser("score", help="score against the rubric (1-5 each)")
    scoring.add_argument("reference", type=_reference)
    for criterion in workflow.RUBRIC:
        scoring.add_argument(f"--{criterion}", type=int, required=True, choices=range(1, 6))
    scoring.add_argument("--comment", action="append", default=[], metavar="CRITERION=TEXT")
    scoring.add_argument(
        "--no-conflict", action="store_true", help="declare no conflict of interest first"
    )
    advancing = commands.add_parser("advance", help="move forward (or back from needs_info)")
    advancing.add_argument("reference", type=_reference)
    advancing.add_argument("--to", type=Status, choices=list(Status))
    advancing.add_argument("--reason", help="public reason, shown to the submitter")
    advancing.add_argument("--note", help="internal note")
    declining = commands.add_parser("decline", help="decline, with a public reason")
    declining.add_argument("reference", type=_reference)
    declining.add_argument("--reason", required=True, help="shown to the submitter")
    declining.add_argument("--note", help="internal note")
    blocking = commands.add_parser("block", help="record what a submission waits on")
    blocking.add_argument("reference", type=_reference)
    blocking.add_argument("--on", required=True, choices=[*workflow.BLOCKERS, "none"])
    snoozing = commands.add_parser("snooze", help="hold its reminders for 3 business days")
    snoozing.add_argument("reference", type=_reference)
    commands.add_parser("report", help="where submissions get stuck")
    handoffs = commands.add_parser("handoffs", help="who asked for a person, newest first")
    handoffs.add_argument("--limit", type=int, help="the newest N only (default: every one)")
    box = commands.add_parser("outbox", help="messages that failed to send, and retrying them")
    box.add_argument("--retry", type=int, metavar="ID")
    staff = commands.add_parser("staff", help="the staff roster: who acts as staff, and as what")
    staff_commands = staff.add_subparsers(dest="roster_command", required=True)
    adding = staff_commands.add_parser("add", help="put someone on the roster (or change it)")
    adding.add_argument("user", metavar="SLACK_USER_ID")
    adding.add_argument("--role", required=True, choices=[r.value for r in StaffRole])
    adding.add_argument("--name", help="how they are named (and can be named with --as)")
    removing = staff_commands.add_parser("remove", help="take someone off the roster")
    removing.add_argument("user", metavar="SLACK_USER_ID")
    staff_commands.add_parser("list", help="everyone on the roster")
    return parser


def run(args: argparse.Namespace) -> list[str]:
    staff = acting(args.actor)
    match args.command:
        case "list":
            return list_submissions(args.status, args.limit) or ["no submissions"]
        case "show":
            return show(args.reference, args.confidential, staff)
        case "assign":
            to = _member(args.to) if args.to else None
            return _act(lambda s: workflow.assign(s, args.reference, staff, to))
        case "request-info":
            return _act(
                lambda s: workflow.request_info(s, args.reference, staff, args.question, args.note)
            )
        case "declare":
            return _act(
                lambda s: workflow.declare_conflict(
                    s, args.reference, staff, args.conflict, args.statement
                )
            )
        case "score":
            scores = {criterion: getattr(args, criterion) for criterion in workflow.RUBRIC}
            comments = _comments(args.comment)

            def score(session: Session) -> workflow.Outcome:
                if args.no_conflict:
                    workflow.declare_conflict(session, args.reference, staff, False)
                return workflow.score(session, args.reference, staff, scores, comments)

            return _act(score)
        case "advance":
            return _act(
                lambda s: workflow.advance(
                    s, args.reference, staff, args.to, args.reason, args.note
                )
            )
        case "decline":
            return _act(
                lambda s: workflow.decline(s, args.reference, staff, args.reason, args.note)
            )
        case "block":
            blocker = None if args.on == "none" else args.on
            return _act(lambda s: workflow.set_blocked(s, args.reference, staff, blocker))
        case "snooze":
            return _act(lambda s: workflow.snooze(s, args.reference, staff))
        case "report":
            return report()
        case "handoffs":
            return show_handoffs(args.limit) or ["no handoffs yet"]
        case "outbox":
            return show_outbox(args.retry)
        case "staff":
            return staff_roster(args, staff)
    raise AssertionError(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        service_levels.in_force()
    except service_levels.ServiceLevelError as problem:
        print(f"staff_cli: {problem}", file=sys.stderr)
        return 2
    try:
        lines = run(args)
    except workflow.Refused as refused:
        print(refused, file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
