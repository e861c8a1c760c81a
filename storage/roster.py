"""The staff roster: who acts as City staff, and as what (evaluator or lead). Only people
on it may press a staff button, submit a staff form or be named by the CLI's --as;
storage/workflow/roles.py looks their role up each time they act. Every change is written to
RosterChange, which is append-only."""

import re
from typing import Final

from sqlmodel import Session, col, func, select

from storage.catalogue import text
from storage.models import RosterChange, StaffMember, StaffRole, Submission, utcnow
from storage.workflow import evaluation, roles
from storage.workflow.rules import CLOSED, Refused, Staff

# Slack user ids: U… for people, W… for Enterprise Grid users.
SLACK_USER: Final = re.compile(r"^[UW][A-Z0-9]{2,39}$")
MAX_NAME: Final = 120
# Who the roster history names for changes that follow the Slack user groups.
USERGROUP_SYNC: Final = "sync:slack-usergroups"


def slack_user_id(raw: str) -> str:
    """A Slack user id as typed (`U0123ABCD`, `<@U0123ABCD>`, `slack:U0123ABCD`), checked."""
    user = raw.strip().removeprefix("slack:").removeprefix("<@").removesuffix(">").upper()
    if not SLACK_USER.match(user):
        raise Refused(text("cli.not_a_slack_user", user=raw.strip()[:60]))
    return user


def _check_lead(session: Session, actor: Staff) -> None:
    if roles.role_of(session, actor) is not StaffRole.lead:
        raise Refused(text("workflow.roster_leads_only"))


def members(session: Session) -> list[StaffMember]:
    """Everyone on the roster now, leads first, then by name."""
    return list(
        session.exec(
            select(StaffMember)
            .where(col(StaffMember.removed_at).is_(None))
            .order_by(
                col(StaffMember.role).desc(), col(StaffMember.name), col(StaffMember.slack_user)
            )
        )
    )


def add(session: Session, raw_user: str, role: StaffRole, name: str | None, actor: Staff) -> str:
    """Puts someone on the roster (or changes their role or name). Leads only."""
    _check_lead(session, actor)
    user = slack_user_id(raw_user)
    name = (name or "").strip()[:MAX_NAME] or None
    member = session.get(StaffMember, user)
    if member is not None and member.removed_at is None:
        if member.role is role and (name is None or member.name == name):
            return text("cli.roster_unchanged", user=user, role=role.value)
        member.role, member.name = role, name or member.name
        _write(session, member, "changed", actor.identity)
        return text("cli.roster_changed", user=user, role=role.value)
    member = member or StaffMember(slack_user=user, role=role, added_by=actor.identity)
    member.role, member.name = role, name or member.name
    member.added_by, member.added_at = actor.identity, utcnow()
    member.removed_by = member.removed_at = None
    _write(session, member, "added", actor.identity)
    return text("cli.roster_added", user=user, role=role.value)


def remove(session: Session, raw_user: str, actor: Staff) -> str:
    """Takes someone off the roster. What they owned and is still open goes back to
    nobody (the card says so), so no reminder is sent to someone no longer on staff."""
    _check_lead(session, actor)
    user = slack_user_id(raw_user)
    member = roles.roster_member(session, user)
    if member is None:
        raise Refused(text("cli.roster_not_member", user=user))
    member.removed_by, member.removed_at = actor.identity, utcnow()
    _write(session, member, "removed", actor.identity)
    released = _release_all(session, user, actor.identity)
    return text("cli.roster_removed", user=user, released=released)


def _write(session: Session, member: StaffMember, change: str, actor: str) -> None:
    session.add(member)
    session.add(
        RosterChange(
            at=utcnow(), actor=actor, slack_user=member.slack_user, change=change,
            role=member.role, name=member.name,
        )
    )  # fmt: skip


def sync(session: Session, leads: set[str], evaluators: set[str]) -> int:
    """Keeps the roster in step with the Slack user groups: their members are on it (a
    member of both is a lead), and those the groups put on it and who left them come
    off. People added with the CLI stay until a lead removes them. Returns how many
    changes were made."""
    wanted = {user: StaffRole.lead for user in leads if SLACK_USER.match(user)}
    for user in evaluators:
        if SLACK_USER.match(user):
            wanted.setdefault(user, StaffRole.evaluator)
    changes = 0
    for user, role in wanted.items():
        member = session.get(StaffMember, user)
        if member is not None and member.removed_at is None:
            if member.role is role:
                continue
            member.role = role
            _write(session, member, "changed", USERGROUP_SYNC)
        else:
            member = member or StaffMember(slack_user=user, role=role, added_by=USERGROUP_SYNC)
            member.role, member.added_by, member.added_at = role, USERGROUP_SYNC, utcnow()
            member.removed_by = member.removed_at = None
            _write(session, member, "added", USERGROUP_SYNC)
        changes += 1
    for member in members(session):
        if member.added_by == USERGROUP_SYNC and member.slack_user not in wanted:
            member.removed_by, member.removed_at = USERGROUP_SYNC, utcnow()
            _write(session, member, "removed", USERGROUP_SYNC)
            _release_all(session, member.slack_user, USERGROUP_SYNC)
            changes += 1
    return changes


def _release_all(session: Session, user: str, actor: str) -> int:
    """What someone leaving the roster owned, still open, goes back to nobody."""
    owned = session.exec(
        select(Submission).where(
            Submission.assignee == f"slack:{user}", col(Submission.status).not_in(list(CLOSED))
        )
    ).all()
    return sum(evaluation.release(session, s, actor, "left the roster") for s in owned)


def resolve(session: Session, name: str) -> Staff:
    """The roster member someone named (their Slack id, or their roster name), for the
    CLI's --as and --to; Refused when nobody on the roster answers to it."""
    wanted = name.strip()
    user = wanted.removeprefix("slack:").removeprefix("<@").removesuffix(">").upper()
    if SLACK_USER.match(user) and roles.roster_member(session, user) is not None:
        return Staff(f"slack:{user}")
    named = session.exec(
        select(StaffMember.slack_user).where(
            col(StaffMember.removed_at).is_(None),
            func.lower(StaffMember.name) == wanted.lower(),
        )
    ).all()
    if len(named) > 1:
        raise Refused(text("cli.name_ambiguous", name=wanted[:60]))
    if not named:
        raise Refused(text("cli.as_unknown", name=wanted[:60]))
    return Staff(f"slack:{named[0]}")
