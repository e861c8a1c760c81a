"""The plan view: one iteration of a submission's pilot plan as a JSON-ready dict, the
contract the staff CLI (`pilot show --json`), the term sheet and what comes later
(Slack's pilot card, the register) read. Its shape is described in docs/pilots.md: dates
ISO, moments ISO with offset, amounts numbers (USD), people's words as written."""

from datetime import UTC, date, datetime

from sqlmodel import Session, col, select

from storage import rendering
from storage.catalogue import text
from storage.contacts import get_contact
from storage.pilots.models import (
    PilotBudgetLine,
    PilotDataTerms,
    PilotDecision,
    PilotMilestone,
    PilotReading,
)
from storage.pilots.plans import iterations, metrics
from storage.submissions import get_submission


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: datetime | None) -> str | None:
    """A stored moment with its offset (SQLite gives it back without one: it is UTC)."""
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.replace(microsecond=0).isoformat()


def _number(value: float | None) -> int | float | None:
    """A whole amount as an integer (40000, not 40000.0)."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _rows(session: Session, table: type, iteration_id: int) -> list:
    return list(
        session.exec(
            select(table).where(table.iteration_id == iteration_id).order_by(col(table.position))
        )
    )


def disclosure_view(terms: PilotDataTerms | None) -> dict:
    """The disclosure assessment with its method in words; every figure None until a
    classification and a number of records are given."""
    if terms is None or terms.classification is None:
        return {
            "classification": None,
            "records": None,
            "cost_per_record": None,
            "estimated_cost": None,
            "risk_level": None,
            "method": text("pilots.disclosure.not_assessed"),
            "lead_note_required": False,
        }
    return {
        "classification": terms.classification,
        "records": terms.records,
        "cost_per_record": _number(terms.cost_per_record),
        "estimated_cost": _number(terms.estimated_cost),
        "risk_level": terms.risk_level,
        "method": text(
            "pilots.disclosure.method",
            records=f"{terms.records:,}",
            cost=f"{_number(terms.cost_per_record):,}",
            classification=terms.classification,
        ),
        "lead_note_required": terms.lead_note_required,
    }


def _data_view(terms: PilotDataTerms | None) -> dict | None:
    if terms is None:
        return None
    return {
        "collected": list(terms.collected),
        "personal": terms.personal,
        "location": terms.location,
        "images": terms.images,
        "raw_owner": terms.raw_owner,
        "derived_owner": terms.derived_owner,
        "city_licence": terms.city_licence,
        "retention_until": _day(terms.retention_until),
        "deletion_by": _day(terms.deletion_by),
        "stored_where": terms.stored_where,
        "open_data": terms.open_data,
    }


def _metrics_view(session: Session, iteration_id: int) -> list[dict]:
    found = []
    for metric in metrics(session, iteration_id):
        readings = session.exec(
            select(PilotReading)
            .where(PilotReading.metric_id == metric.id)
            .order_by(col(PilotReading.measured_on))
        )
        found.append(
            {
                "name": metric.name,
                "unit": metric.unit,
                "baseline": _number(metric.baseline),
                "target": _number(metric.target),
                "direction": metric.direction,
                "method": metric.method,
                "cadence": metric.cadence,
                "reported_by": metric.reported_by,
                "values": [
                    {
                        "on": reading.measured_on.isoformat(),
                        "value": _number(reading.value),
                        "reported_by": reading.reported_by,
                        "note": reading.note,
                    }
                    for reading in readings
                ],
                "met": metric.met,
            }
        )
    return found


def _decision_view(decision: PilotDecision | None) -> dict | None:
    if decision is None:
        return None
    return {
        "outcome": decision.outcome.value,
        "reason": decision.reason,
        "by": decision.decided_by,
        "at": _moment(decision.decided_at),
        "lessons": decision.lessons,
    }


def has_confidential_terms(view: dict) -> bool:
    """Whether a plan view holds anything the vendor asked to keep confidential: a key
    they marked, or a budget line they made private."""
    return bool(view["confidential_fields"]) or any(line["private"] for line in view["budget"])


def plan_view(session: Session, reference: str, iteration: int | None = None) -> dict | None:
    """Iteration `iteration` (default: the newest) of the submission's plan; None when
    there is no such submission, plan or iteration."""
    submission = get_submission(session, reference)
    if submission is None:
        return None
    every = iterations(session, submission.id)
    wanted = every[-1].number if every and iteration is None else iteration
    chosen = next((i for i in every if i.number == wanted), None)
    if chosen is None:
        return None
    contact = get_contact(session, submission.contact_id) if submission.contact_id else None
    terms = session.get(PilotDataTerms, chosen.id)
    cost = chosen.cost_after_pilot
    return {
        "reference": submission.reference,
        "title": rendering.title_text(submission.title),
        "organisation": contact.organisation if contact else None,
        "status": submission.status.value,
        "procurement_path": submission.procurement_path,
        "iteration": chosen.number,
        "iterations": [i.number for i in every],
        "state": chosen.state.value,
        "proposed_by": chosen.proposed_by,
        "approved_by": chosen.approved_by,
        "approved_at": _moment(chosen.approved_at),
        "approval_note": chosen.approval_note,
        "scope": chosen.scope,
        "sites": list(chosen.sites),
        "starts": _day(chosen.starts),
        "ends": _day(chosen.ends),
        "metrics": _metrics_view(session, chosen.id),
        "milestones": [
            {"name": m.name, "due": _day(m.due), "done_on": _day(m.done_on)}
            for m in _rows(session, PilotMilestone, chosen.id)
        ],
        "budget": [
            {
                "payer": line.payer,
                "amount": _number(line.amount),
                "in_kind": line.in_kind,
                "private": line.private,
                "note": line.note,
            }
            for line in _rows(session, PilotBudgetLine, chosen.id)
        ],
        "cost_after_pilot": {**cost, "amount": _number(cost.get("amount"))},
        "data": _data_view(terms),
        "disclosure": disclosure_view(terms),
        "exit_plan": dict(chosen.exit_plan),
        "equity": {
            **chosen.equity,
            "neighbourhoods": list(chosen.equity.get("neighbourhoods", [])),
        },
        "risks": list(chosen.risks),
        "confidential_fields": list(chosen.confidential_fields),
        "decision": _decision_view(session.get(PilotDecision, chosen.id)),
    }
