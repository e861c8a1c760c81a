"""`python -m bot.staff_cli`: everything staff do in Slack, from a terminal (`--help` lists
the commands, `COMMAND --help` what each takes). Each command is one click command, in
the module of its group: `submissions` (the triage card's buttons), `operations` (report,
handoffs, outbox), `staff_roster` (`staff add | remove | list`), `understanding`
(`understand`: how the assistant reads a text); `command` is what they share: how a
command runs, who acts (--as), the reference argument. Every text it prints, help
included, is in catalogue/staff/cli.yml."""

from collections.abc import Sequence

import click

from bot.staff_cli import (
    operations,
    pilots,
    procurement,
    public_information,
    staff_roster,
    submissions,
    understanding,
)
from bot.staff_cli.command import InOrder, echo
from storage import service_levels
from storage.catalogue import text
from storage.workflow import rules

PROG = "python -m bot.staff_cli"


@click.group(
    cls=InOrder,
    commands=[
        *submissions.COMMANDS,
        procurement.procurement,
        *operations.COMMANDS,
        staff_roster.staff,
        public_information.pia,
        understanding.understand,
        pilots.pilot,
    ],
    context_settings={"help_option_names": ["-h", "--help"]},
    help=text("cli.help.main"),
)
@click.option("--as", "actor", metavar="NAME", help=text("cli.help.as"))
def staff_cli(actor: str | None) -> None:
    """The group (its help is the catalogue's). --as is resolved by each command once its
    own arguments are understood (command.staff_command), so that bad usage is told
    before any database look-up."""


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one command; bad usage exits (SystemExit 2) as a command-line parser does, a
    refusal, an unreachable assistant or a service-level error is printed and returned
    as the exit status."""
    try:
        staff_cli.main(
            args=None if argv is None else list(argv), prog_name=PROG, standalone_mode=False
        )
    except click.ClickException as usage:
        usage.show()
        raise SystemExit(usage.exit_code) from None
    except service_levels.ServiceLevelError as problem:
        echo(text("cli.service_level_error", problem=problem), error=True)
        return 2
    except (rules.Refused, understanding.AssistantUnreachable) as refused:
        echo(str(refused), error=True)  # a refusal may quote what someone typed
        return 1
    return 0
