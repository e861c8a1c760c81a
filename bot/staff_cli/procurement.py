"""`procurement REF`: what the City did once a submission moved to procurement, recorded
after the move (when it came another way than `advance --to procurement`) or corrected:
the approach and its legal basis, or the date of a step up to the signed contract; with
neither, the record as it stands (also printed by `pilot show`)."""

from datetime import date

import click
from sqlmodel import Session

from bot.staff_cli.command import act, database, pass_staff, reference_argument, staff_command
from storage import procurement_records, service_levels
from storage.catalogue import text
from storage.models import Status, Submission
from storage.settings import get_settings
from storage.workflow import roles, rules, versions

APPROACH = click.Choice(procurement_records.APPROACHES)
EVENT = click.Choice(procurement_records.EVENTS)


def approach_options(command):
    """--approach, --legal-basis, --justification and --contract-value, shared with
    `advance`; the approach is checked by storage (a clear refusal naming the options)."""
    for option in reversed(
        (
            click.option("--approach", metavar="CODE", help=text("procurement.help.approach")),
            click.option("--legal-basis", help=text("procurement.help.legal_basis")),
            click.option("--justification", help=text("procurement.help.justification")),
            click.option(
                "--contract-value",
                type=click.IntRange(min=0),
                metavar="DOLLARS",
                help=text("procurement.help.contract_value"),
            ),
        )
    ):
        command = option(command)
    return command


def given_terms(
    approach: str | None,
    legal_basis: str | None,
    justification: str | None,
    contract_value: int | None,
) -> procurement_records.Terms | None:
    """The terms as given (checked), or None when none of them was."""
    if approach is None and legal_basis is None and justification is None:
        return None
    return procurement_records.terms(approach, legal_basis, justification, contract_value)


@click.command(help=text("procurement.help.command"), short_help=text("procurement.help.summary"))
@reference_argument
@approach_options
@click.option("--event", type=EVENT, help=text("procurement.help.event"))
@click.option(
    "--on",
    type=click.DateTime(["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help=text("procurement.help.on"),
)
@click.option("--correct", is_flag=True, help=text("procurement.help.correct"))
@staff_command
@pass_staff
def procurement(
    staff: rules.Staff,
    reference: str,
    approach: str | None,
    legal_basis: str | None,
    justification: str | None,
    contract_value: int | None,
    event: str | None,
    on: object,
    correct: bool,
) -> list[str]:
    terms = given_terms(approach, legal_basis, justification, contract_value)
    if terms is None and event is None and on is None and contract_value is None:
        return shown(staff, reference)
    if (terms is None) == (event is None) or (event is None) != (on is None):
        raise click.UsageError(text("procurement.help.either"))
    if terms is not None:
        return act(
            lambda session: procurement_records.set_approach(session, reference, staff, terms)
        )
    day: date = on.date()  # type: ignore[attr-defined]
    return act(
        lambda session: procurement_records.date_step(
            session, reference, staff, event, day, correct
        )
    )


def shown(staff: rules.Staff, reference: str) -> list[str]:
    with database() as session:
        roles.role_of(session, staff)
        submission = versions.find(session, reference)
        lines = record_lines(session, submission)
    if not lines:
        raise rules.Refused(text("procurement.refused.never_in_procurement", reference=reference))
    return lines


def record_lines(session: Session, submission: Submission) -> list[str]:
    """The procurement record of the submission's latest move to procurement, for people;
    in procurement without one, what is still to record; nothing when it never got there."""
    record = procurement_records.current_record(session, submission.id)
    if record is None:
        if submission.status is not Status.procurement:
            return []
        return [
            text("procurement.record.none", reference=submission.reference),
            text(
                "procurement.approach_to_record",
                reference=submission.reference,
                options=procurement_records.approach_options(),
            ),
        ]
    calendar = service_levels.calendar(get_settings().timezone)
    lines = [
        text(
            "procurement.record.heading",
            moved=calendar.local_date(record.moved_to_procurement),
            approach=text(f"procurement.approach.{record.approach}"),
            code=record.approach,
            by=record.recorded_by,
        ),
        text("procurement.record.legal_basis", basis=record.legal_basis),
    ]
    if record.justification:
        lines.append(text("procurement.record.justification", justification=record.justification))
    if record.contract_value is not None:
        lines.append(text("procurement.record.contract_value", value=f"{record.contract_value:,}"))
    not_yet = text("procurement.record.not_yet")
    steps = {step: (getattr(record, step) or not_yet) for step in procurement_records.EVENTS}
    lines.append(text("procurement.record.steps", **steps))
    return lines
