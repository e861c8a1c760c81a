"""`pia add | list | close`: public-information requests touching a proposal
(storage/public_information.py). Logging one tells the vendor at once; what the command
prints says how they were told, or that nobody could be."""

from datetime import datetime

import click
from sqlmodel import Session

from bot.staff_cli.command import InOrder, database, pass_staff, reference_argument, staff_command
from storage import public_information
from storage.catalogue import text
from storage.contacts import language_of
from storage.languages import DEFAULT_LANGUAGE, ENGLISH_NAMES, long_date
from storage.models import PublicInformationRequest
from storage.settings import get_settings
from storage.workflow import rules

DATE = click.DateTime(formats=["%Y-%m-%d"])


@click.group(cls=InOrder, help=text("pia.help.group"))
def pia() -> None:
    """The public-information commands (their help is the catalogue's)."""


def _when(moment: datetime) -> str:
    """A moment as City staff read it: the City's clock."""
    return f"{moment.astimezone(get_settings().zone):%Y-%m-%d %H:%M}"


def _logged_lines(logged: public_information.Logged, language: str) -> list[str]:
    request, reference = logged.request, logged.submission.reference
    if not logged.new:
        told = _when(request.notified_at) if request.notified_at else text("pia.list.not_told")
        return [
            text(
                "pia.already_logged",
                reference=reference,
                request=public_information.describe(request),
                logged=_when(request.logged_at),
                by=request.logged_by,
                told=told,
            )
        ]
    lines = [
        text(
            "pia.logged",
            reference=reference,
            request=public_information.describe(request),
            due_words=long_date(request.due, DEFAULT_LANGUAGE),
        )
    ]
    if not logged.reached_by:
        return [*lines, text("pia.not_reached", reference=reference)]
    if logged.reached_by == (public_information.INBOX,):
        lines.append(text("pia.told_inbox_only", vendor_language=ENGLISH_NAMES[language]))
    else:
        channels = text("pia.and").join(text(f"pia.channels.{c}") for c in logged.reached_by)
        lines.append(text("pia.told", channels=channels, vendor_language=ENGLISH_NAMES[language]))
    if request.remind_at is None:
        days = get_settings().public_information_remind_days
        return [*lines, text("pia.no_reminder", days=days)]
    return [*lines, text("pia.reminder", when=_when(request.remind_at))]


@pia.command(help=text("pia.help.add"))
@reference_argument
@click.option("--due", required=True, type=DATE, metavar="YYYY-MM-DD", help=text("pia.help.due"))
@click.option("--note", help=text("pia.help.note"))
@click.option("--request-id", metavar="ID", help=text("pia.help.request_id"))
@click.option("--field", multiple=True, metavar="FIELD", help=text("pia.help.field"))
@staff_command
@pass_staff
def add(
    staff: rules.Staff,
    reference: str,
    due: datetime,
    note: str | None,
    request_id: str | None,
    field: tuple[str, ...],
) -> list[str]:
    with database() as session:
        logged = public_information.log_request(
            session, reference, staff, due.date(), request_id, note, field
        )
        language = language_of(session, logged.submission.contact_id)
        return [*_logged_lines(logged, language), *_duplicate_warning(session, logged)]


def _duplicate_warning(session: Session, logged: public_information.Logged) -> list[str]:
    """Two loggings are one request when they give the same City number, or, without one,
    the same deadline: the same request logged once without its number and once with it
    is two, and the vendor is told twice. Said whenever that may happen."""
    request, reference = logged.request, logged.submission.reference
    due = request.due.isoformat()
    if not request.request_id:
        return [text("pia.no_request_id", reference=reference, due=due)]
    unnamed = [
        other
        for other in public_information.requests_for(session, logged.submission.id)
        if other.id != request.id and not other.request_id and other.due == request.due
    ]
    if logged.new and unnamed:
        return [text("pia.maybe_twice", reference=reference, due=due)]
    return []


def _list_line(request: PublicInformationRequest, reference: str) -> str:
    if request.reminded_at:
        reminder = text("pia.list.reminder_sent", date=_when(request.reminded_at))
    elif request.remind_at:
        reminder = _when(request.remind_at)
    else:
        reminder = text("pia.list.reminder_none")
    return text(
        "pia.list.line",
        reference=reference,
        due=request.due.isoformat(),
        request=request.request_id or "-",
        told=_when(request.notified_at) if request.notified_at else text("pia.list.not_told"),
        reminder=reminder,
        logged=f"{request.logged_at.astimezone(get_settings().zone):%Y-%m-%d}",
        by=request.logged_by,
    )


@pia.command("list", help=text("pia.help.list"))
@staff_command
def list_requests() -> list[str]:
    with database() as session:
        return [
            _list_line(request, reference)
            for request, reference in public_information.open_requests(session)
        ] or [text("pia.list.none")]


@pia.command(help=text("pia.help.close"))
@reference_argument
@click.option(
    "--outcome", type=click.Choice(public_information.OUTCOMES), help=text("pia.help.outcome")
)
@click.option("--request-id", metavar="ID", help=text("pia.help.close_request_id"))
@click.option("--due", type=DATE, metavar="YYYY-MM-DD", help=text("pia.help.close_due"))
@staff_command
@pass_staff
def close(
    staff: rules.Staff,
    reference: str,
    outcome: str | None,
    request_id: str | None,
    due: datetime | None,
) -> list[str]:
    with database() as session:
        closed = public_information.close_request(
            session, reference, staff, outcome, request_id, due.date() if due else None
        )
        return [closed.message]
