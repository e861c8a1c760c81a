"""Putting people on the staff roster for a test, as an operator would with
`staff_cli staff add`: only roster members act as staff."""

from storage import roster
from storage.db import session_scope
from storage.models import StaffRole
from storage.workflow.rules import Staff

TEST_OPERATOR = Staff.operator("tests")


def on_roster(database_url: str, *users: str, role: StaffRole = StaffRole.lead) -> None:
    """Adds each Slack user id (U…, or a `slack:U…` identity) with `role`."""
    with session_scope(database_url) as session:
        for user in users:
            roster.add(session, user, role, None, TEST_OPERATOR)
