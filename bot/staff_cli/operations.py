"""The commands that watch the whole service: where submissions get stuck, who asked
for a person, and the messages that failed to send."""

import click

from bot.staff_cli.command import database, staff_command
from storage import outbox, reports, service_levels
from storage.catalogue import text
from storage.handoffs import list_handoffs
from storage.models import Kind, utcnow
from storage.settings import get_settings
from storage.workflow import rules


@click.command()
@staff_command
def report() -> list[str]:
    """where submissions get stuck

    Time in each status (business days), what open submissions wait on, and
    procurement-barrier feedback by month and step."""
    calendar = service_levels.calendar(get_settings().timezone)
    with database() as session:
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


@click.command()
@click.option("--limit", type=int, help="the newest N only (default: every one)")
@staff_command
def handoffs(limit: int | None) -> list[str]:
    """who asked for a person, newest first

    Each request with how it reached staff: posted, summarised or held."""
    with database() as session:
        return [
            f"#{r.id}  {r.created_at:%Y-%m-%d %H:%M}  {r.channel}  {r.delivery.value}  "
            f"{r.contact or '-'}  "
            f"{r.reference or ''}{' (verified)' if r.reference_verified else ''}  {r.topic}"
            for r in list_handoffs(session, limit)
        ] or ["no handoffs yet"]


@click.command("outbox")
@click.option("--retry", type=int, metavar="ID", help="send message ID again")
@staff_command
def outbox_messages(retry: int | None) -> list[str]:
    """messages that failed to send, and retrying them"""
    with database() as session:
        if retry is not None:
            if not outbox.requeue(session, retry):
                until = outbox.in_flight_until(session, retry)
                if until is not None:
                    raise rules.Refused(
                        text("cli.retry_in_flight", id=retry, until=f"{until:%H:%M:%S} UTC")
                    )
                raise rules.Refused(text("cli.retry_unknown", id=retry))
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


COMMANDS = (report, handoffs, outbox_messages)
