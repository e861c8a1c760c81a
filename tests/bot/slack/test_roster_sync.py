"""The staff roster kept in step with Slack user groups, against the fake Slack (a real
HTTP server) and a real database: members come and go with the groups, people added
by hand stay, and a group that cannot be read changes nothing."""

import pytest
from sqlmodel import select

from bot.slack import roster_sync
from storage import roster, submissions
from storage.db import session_scope
from storage.models import RosterChange, StaffRole
from storage.settings import get_settings
from storage.workflow import evaluation, rules
from tests.support import sending
from tests.support.roster import on_roster
from tests.support.submissions import submit


@pytest.fixture
def configured(monkeypatch, database_url, slack, mail):
    yield sending.configure(
        monkeypatch,
        database_url,
        slack,
        mail,
        ENTRYWAY_STAFF_USERGROUP_LEADS="S0LEADS",
        ENTRYWAY_STAFF_USERGROUP_EVALUATORS="S0EVALS",
    )
    get_settings.cache_clear()


def on_the_roster(url: str) -> dict[str, StaffRole]:
    with session_scope(url) as session:
        return {m.slack_user: m.role for m in roster.members(session)}


def test_the_roster_follows_the_user_groups(configured, slack):
    on_roster(configured, "UBYHAND", role=StaffRole.evaluator)
    slack.usergroups = {"S0LEADS": ["ULEA", "UBOTH"], "S0EVALS": ["UEVA", "UBOTH", "not-a-user"]}
    assert roster_sync.sync_once(get_settings()) == 3
    assert on_the_roster(configured) == {
        "ULEA": StaffRole.lead, "UBOTH": StaffRole.lead, "UEVA": StaffRole.evaluator,
        "UBYHAND": StaffRole.evaluator,
    }  # fmt: skip
    assert roster_sync.sync_once(get_settings()) == 0  # in step: nothing to write
    reference = submit(configured)
    with session_scope(configured) as session:
        evaluation.assign(session, reference, rules.Staff("slack:UEVA"))
    # UEVA leaves the group, UBOTH stays an evaluator only; UBYHAND stays (added by hand).
    slack.usergroups = {"S0LEADS": ["ULEA"], "S0EVALS": ["UBOTH"]}
    assert roster_sync.sync_once(get_settings()) == 2
    assert on_the_roster(configured) == {
        "ULEA": StaffRole.lead, "UBOTH": StaffRole.evaluator, "UBYHAND": StaffRole.evaluator,
    }  # fmt: skip
    with session_scope(configured) as session:
        assert submissions.get_submission(session, reference).assignee is None
        changes = session.exec(select(RosterChange).order_by(RosterChange.id)).all()
        synced = [(c.slack_user, c.change) for c in changes if c.actor == roster.USERGROUP_SYNC]
    assert sorted(synced[-2:]) == [("UBOTH", "changed"), ("UEVA", "removed")]
    with pytest.raises(rules.Refused, match="roster"), session_scope(configured) as session:
        evaluation.assign(session, reference, rules.Staff("slack:UEVA"))


def test_a_group_that_cannot_be_read_changes_nothing(configured, slack):
    slack.usergroups = {"S0LEADS": ["ULEA"], "S0EVALS": ["UEVA"]}
    roster_sync.sync_once(get_settings())
    slack.usergroups = {"S0LEADS": ["ULEA"]}  # the evaluators' group id no longer exists
    assert roster_sync.sync_once(get_settings()) is None
    slack.usergroups = {"S0LEADS": ["ULEA"], "S0EVALS": ["UEVA"]}
    slack.fail("usergroups.users.list", error="internal_error")
    assert roster_sync.sync_once(get_settings()) is None
    assert on_the_roster(configured) == {"ULEA": StaffRole.lead, "UEVA": StaffRole.evaluator}
