"""Who may do what, looked up on the staff roster (StaffMember) each time someone acts,
so Slack and the CLI obey the same rules: evaluators work on what they own, leads
decide, the CLI's operator is a lead, and nobody off the roster does anything."""

from sqlmodel import Session

from storage.catalogue import text
from storage.models import StaffMember, StaffRole
from storage.workflow.rules import OPERATOR_PREFIX, SUBMITTER, Refused, Staff


def roster_member(session: Session, slack_user: str | None) -> StaffMember | None:
    """The roster entry of a Slack user, or None when they are not (or no longer) on it."""
    member = session.get(StaffMember, slack_user) if slack_user else None
    return member if member is not None and member.removed_at is None else None


def role_of(session: Session, staff: Staff) -> StaffRole:
    """What this person may do: their role on the roster (the operator is a lead);
    Refused for anyone else."""
    if staff.identity.startswith(OPERATOR_PREFIX):
        return StaffRole.lead
    member = roster_member(session, staff.slack_user)
    if member is None:
        raise Refused(text("workflow.not_on_roster"))
    return member.role


def require_lead(session: Session, staff: Staff, action: str) -> None:
    if role_of(session, staff) is not StaffRole.lead:
        raise Refused(text("workflow.leads_only", action=text(f"workflow.lead_action.{action}")))


def name_of(session: Session, identity: str) -> str:
    """A person as the workflow's messages name them: their roster name, else their id."""
    if identity == SUBMITTER:
        return text("workflow.the_submitter")
    member = roster_member(session, Staff(identity).slack_user)
    if member is not None and member.name:
        return member.name
    return identity.removeprefix("slack:").removeprefix("cli:")
