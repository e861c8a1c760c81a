"""`staff add | remove | list`: the staff roster, who acts as staff and as what."""

import click

from bot.staff_cli.command import InOrder, database, pass_staff, staff_command
from storage import roster
from storage.catalogue import text
from storage.models import StaffRole
from storage.workflow import rules

SLACK_USER_ID = click.argument("user", metavar="SLACK_USER_ID")


@click.group(cls=InOrder, help=text("cli.help.staff"))
def staff() -> None:
    """The roster's commands (their help is the catalogue's)."""


@staff.command(help=text("cli.help.staff_add"))
@SLACK_USER_ID
@click.option(
    "--role", required=True, type=click.Choice(StaffRole), help=text("cli.help.staff_role")
)
@click.option("--name", help=text("cli.help.staff_name"))
@staff_command
@pass_staff
def add(actor: rules.Staff, user: str, role: StaffRole, name: str | None) -> list[str]:
    with database() as session:
        return [roster.add(session, user, role, name, actor)]


@staff.command(help=text("cli.help.staff_remove"))
@SLACK_USER_ID
@staff_command
@pass_staff
def remove(actor: rules.Staff, user: str) -> list[str]:
    with database() as session:
        return [roster.remove(session, user, actor)]


@staff.command("list", help=text("cli.help.staff_list"))
@staff_command
def list_members() -> list[str]:
    with database() as session:
        return [
            text(
                "cli.roster.line",
                user=m.slack_user,
                role=m.role.value,
                name=m.name or "-",
                added=f"{m.added_at:%Y-%m-%d}",
                by=m.added_by,
            )
            for m in roster.members(session)
        ] or [text("cli.roster_empty")]
