"""`procurement REF`: what the City did once a submission moved to procurement, recorded
after the move (when it came another way than `advance --to procurement`) or corrected:
the approach and its legal basis, or the date of a step up to the signed contract."""

from datetime import date

import click

from bot.staff_cli.command import act, pass_staff, reference_argument, staff_command
from storage import procurement_records
from storage.catalogue import text
from storage.workflow import rules

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
