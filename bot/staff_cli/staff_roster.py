"""`staff add | remove | list`: the staff roster, who acts as staff and as what."""

import click

from bot.staff_cli.command import InOrder, database, pass_staff, staff_command
from storage import roster
from storage.catalogue import text
from storage.models import StaffRole
from storage.workflow import rules

SLACK_USER_ID = click.argument("user", metavar="SLACK_USER_ID")


@click.group(cls=InOrder)
def staff() -> None:
    """the staff roster: who acts as staff, and as what"""


@staff.command()
@SLACK_USER_ID
@click.option("--role", required=True, type=click.Choice(StaffRole), help="what they may do")
@click.option("--name", help="how they are named (and can be named with --as)")
@staff_command
@pass_staff
def add(actor: rules.Staff, user: str, role: StaffRole, name: str | None) -> list[str]:
    """put someone on the roster (or change it)"""
    with database() as session:
        return [roster.add(session, user, role, name, actor)]


@staff.command()
@SLACK_USER_ID
@staff_command
@pass_staff
def remove(actor: rules.Staff, user: str) -> list[str]:
    """take someone off the roster"""
    with database() as session:
        return [roster.remove(session, user, actor)]


@staff.command("list")
@staff_command
def list_members() -> list[str]:
    """everyone on the roster"""
    with database() as session:
        return [
            f"{m.slack_user:12}  {m.role.value:9}  {m.name or '-':24}  "
            f"added {m.added_at:%Y-%m-%d} by {m.added_by}"
            for m in roster.members(session)
        ] or [text("cli.roster_empty")]
