"""`python -m bot.staff_cli`: everything staff do in Slack, from a terminal (`--help` lists
the commands, `COMMAND --help` what each takes). Each command is one click command, in
the module of its group: `submissions` (the triage card's buttons), `operations` (report,
handoffs, outbox), `staff_roster` (`staff add | remove | list`); `command` is what they
share: how a command runs, who acts (--as), the reference argument."""

import sys
from collections.abc import Sequence

import click

from bot.staff_cli import operations, staff_roster, submissions
from bot.staff_cli.command import InOrder
from storage import service_levels
from storage.workflow import rules

PROG = "python -m bot.staff_cli"


@click.group(
    cls=InOrder,
    commands=[*submissions.COMMANDS, *operations.COMMANDS, staff_roster.staff],
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--as",
    "actor",
    metavar="NAME",
    help="a roster member's Slack id or name (default: the operator, as a lead)",
)
def staff_cli(actor: str | None) -> None:
    """Everything staff do in Slack, from a terminal, writing the same history and
    sending the same notifications (storage.workflow). It reads DATABASE_URL like the app.

    Who acts is --as NAME: someone on the staff roster, by Slack user id (U0123ABCD) or
    by roster name, with their role's rights. Without --as, the operator acts (recorded
    as cli:operator:<login>) with a lead's rights: whoever can run this command can
    already reach the database.

    Exit status: 0 done (or nothing to do), 1 refused (the reason is printed), 2 bad
    usage.
    """
    # --as is resolved by each command once its own arguments are understood
    # (command.staff_command), so that bad usage is told before any database look-up.


def main(argv: Sequence[str] | None = None) -> int:
    """Runs one command; bad usage exits (SystemExit 2) as a command-line parser does, a
    refusal or a service-level error is printed and returned as the exit status."""
    try:
        staff_cli.main(
            args=None if argv is None else list(argv), prog_name=PROG, standalone_mode=False
        )
    except click.ClickException as usage:
        usage.show()
        raise SystemExit(usage.exit_code) from None
    except service_levels.ServiceLevelError as problem:
        print(f"staff_cli: {problem}", file=sys.stderr)
        return 2
    except rules.Refused as refused:
        print(refused, file=sys.stderr)
        return 1
    return 0
