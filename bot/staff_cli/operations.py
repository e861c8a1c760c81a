"""The commands that watch the whole service: where submissions get stuck, who asked
for a person, and the messages that failed to send."""

import click

from bot.slack.answers import language_name
from bot.staff_cli.command import database, staff_command
from storage import outbox, reports, service_levels
from storage.catalogue import text
from storage.handoffs import list_handoffs
from storage.models import Kind, utcnow
from storage.settings import get_settings
from storage.workflow import rules


@click.command(help=text("cli.help.report"))
@staff_command
def report() -> list[str]:
    calendar = service_levels.calendar(get_settings().timezone)
    with database() as session:
        times = reports.time_in_status(session, calendar, utcnow())
        blocked = reports.blocked_now(session)
        barriers = reports.by_month(session, calendar, Kind.feedback)

    def days(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    columns = ("status", "stays", "median", "p90", "now", "overdue")
    lines = [
        text("cli.report.times"),
        text("cli.report.times_header", **{c: text(f"cli.report.columns.{c}") for c in columns}),
    ]
    lines += [
        text(
            "cli.report.times_header",
            status=t.status.value,
            stays=t.stays,
            median=days(t.median),
            p90=days(t.p90),
            now=t.now,
            overdue=t.overdue,
        )
        for t in times
    ]
    lines += ["", text("cli.report.blocked")]
    lines += [text("cli.report.blocked_line", blocker=b, count=n) for b, n in blocked.items()]
    lines += ["", text("cli.report.barriers")]
    lines += [
        text("cli.report.barrier_line", month=month, step=step, count=n)
        for (month, step), n in barriers.items()
    ] or [text("cli.report.none")]
    return lines


@click.command(help=text("cli.help.handoffs"))
@click.option("--limit", type=int, help=text("cli.help.handoffs_limit"))
@staff_command
def handoffs(limit: int | None) -> list[str]:
    with database() as session:
        return [
            text(
                "cli.handoffs.line",
                id=r.id,
                at=f"{r.created_at:%Y-%m-%d %H:%M}",
                channel=r.channel,
                delivery=r.delivery.value,
                answer_in=text(
                    "cli.handoffs.language", submitter_language=language_name(r.language)
                ),
                contact=r.contact or "-",
                reference=r.reference or "",
                verified=text("cli.handoffs.verified") if r.reference_verified else "",
                topic=r.topic,
            )
            for r in list_handoffs(session, limit)
        ] or [text("cli.handoffs.none")]


@click.command("outbox", help=text("cli.help.outbox"))
@click.option("--retry", type=int, metavar="ID", help=text("cli.help.outbox_retry"))
@staff_command
def outbox_messages(retry: int | None) -> list[str]:
    with database() as session:
        if retry is not None:
            if not outbox.requeue(session, retry):
                until = outbox.in_flight_until(session, retry)
                if until is not None:
                    raise rules.Refused(
                        text("cli.retry_in_flight", id=retry, until=f"{until:%H:%M:%S} UTC")
                    )
                raise rules.Refused(text("cli.retry_unknown", id=retry))
            return [text("cli.retried", id=retry)]
        counts = outbox.counts(session)
        lines = [", ".join(f"{state}: {count}" for state, count in counts.items())]
        for message in outbox.troubled(session):
            lines.append(
                text(
                    "cli.outbox.line",
                    id=message.id,
                    kind=message.kind,
                    state=message.state.value,
                    attempts=message.attempts,
                    next=f"{message.next_attempt_at:%Y-%m-%d %H:%M}",
                    error=message.last_error,
                )
            )
        return lines


COMMANDS = (report, handoffs, outbox_messages)
