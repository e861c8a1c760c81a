"""The pilot tables. A submission in `pilot` has a plan made of numbered iterations, every
one kept: a plan set again once approved is a new iteration, as is an extension. Metrics,
milestones and budget lines are rows of their own (check-ins and the public register
query them); the data terms and their disclosure assessment are one row per iteration;
readings belong to a metric of the iteration they were reported against."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from storage.models import utcnow


class PlanState(StrEnum):
    draft = "draft"  # set, waiting for a lead's approval
    approved = "approved"  # the plan the pilot runs on
    superseded = "superseded"  # a later iteration replaced it
    decided = "decided"  # go/no-go recorded on it (PilotDecision)


class Outcome(StrEnum):
    scale = "scale"
    extend = "extend"
    stop = "stop"


def _enum(enum: type[StrEnum]) -> SAEnum:
    # Checked strings, as storage.models stores its codes: a new value is a plain migration.
    return SAEnum(enum, native_enum=False, length=20, validate_strings=True)


class PilotIteration(SQLModel, table=True):
    """One iteration of a submission's pilot plan: what is tried, where, when, and on
    what terms. Nested documents people write as a whole (cost after the pilot, exit
    plan, equity, risks) are JSON."""

    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    number: int
    state: PlanState = Field(sa_type=_enum(PlanState))
    # "vendor", or the staff identity who set it.
    proposed_by: str = Field(max_length=120)
    proposed_at: datetime = Field(default_factory=utcnow)
    approved_by: str | None = Field(default=None, max_length=120)
    approved_at: datetime | None = None
    approval_note: str | None = None
    scope: str = Field(sa_column=Column(Text, nullable=False))
    sites: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    starts: date
    ends: date
    cost_after_pilot: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    exit_plan: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    equity: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    risks: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Top-level plan keys the vendor asked to keep out of anything public.
    confidential_fields: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class PilotMetric(SQLModel, table=True):
    """A success metric of one iteration; `met` is set when the pilot is decided."""

    __table_args__ = (UniqueConstraint("iteration_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    iteration_id: int = Field(foreign_key="pilotiteration.id", index=True)
    position: int
    name: str = Field(max_length=80)
    unit: str = Field(max_length=80)
    baseline: float
    target: float
    direction: str = Field(max_length=10)  # increase | decrease
    method: str
    cadence: str = Field(max_length=20)
    reported_by: str = Field(max_length=10)  # vendor | city
    met: bool | None = None


class PilotReading(SQLModel, table=True):
    """A metric's value on a date, one per date: a later report for the same date
    corrects it (the activity log keeps what it said before)."""

    __table_args__ = (UniqueConstraint("metric_id", "measured_on"),)

    id: int | None = Field(default=None, primary_key=True)
    metric_id: int = Field(foreign_key="pilotmetric.id", index=True)
    measured_on: date
    value: float
    reported_by: str = Field(max_length=10)  # vendor | city
    note: str | None = None
    recorded_by: str = Field(max_length=120)
    recorded_at: datetime = Field(default_factory=utcnow)


class PilotMilestone(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    iteration_id: int = Field(foreign_key="pilotiteration.id", index=True)
    position: int
    name: str = Field(max_length=200)
    due: date = Field(index=True)
    done_on: date | None = None


class PilotBudgetLine(SQLModel, table=True):
    """Who pays what (USD); `private`: the vendor asked to keep this line unpublished."""

    id: int | None = Field(default=None, primary_key=True)
    iteration_id: int = Field(foreign_key="pilotiteration.id", index=True)
    position: int
    payer: str = Field(max_length=10)  # vendor | city | grant | other
    amount: float
    in_kind: bool = False
    private: bool = False
    note: str | None = None


class PilotDataTerms(SQLModel, table=True):
    """The data and IP terms of one iteration, and the assessment of what an unauthorized
    disclosure of the data would cost (storage/pilots/disclosure.py), as assessed when
    the plan was set: the figures used are kept even if the configured costs change."""

    iteration_id: int = Field(foreign_key="pilotiteration.id", primary_key=True)
    collected: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    personal: bool
    location: bool
    images: bool
    raw_owner: str = Field(max_length=10)  # city | vendor | shared
    derived_owner: str = Field(max_length=10)
    city_licence: str | None = None
    retention_until: date | None = None
    deletion_by: date | None = Field(default=None, index=True)
    stored_where: str | None = None
    open_data: bool = False
    # The disclosure assessment; all None until a classification and records are given.
    classification: str | None = Field(default=None, max_length=20)
    records: int | None = None
    cost_per_record: float | None = None
    estimated_cost: float | None = None
    risk_level: str | None = Field(default=None, max_length=10)
    lead_note_required: bool = False


class PilotDecision(SQLModel, table=True):
    """The go/no-go on one iteration: at most one (the primary key makes a second
    decision impossible, also when two leads decide at once)."""

    iteration_id: int = Field(foreign_key="pilotiteration.id", primary_key=True)
    outcome: Outcome = Field(sa_type=_enum(Outcome))
    reason: str
    lessons: str | None = None
    decided_by: str = Field(max_length=120)
    decided_at: datetime = Field(default_factory=utcnow)


class CheckinState(StrEnum):
    open = "open"  # due (or coming), waiting for the values it asks for
    answered = "answered"
    cancelled = "cancelled"  # its iteration was superseded or decided before it was answered


class PilotCheckin(SQLModel, table=True):
    """One check-in of an approved iteration (storage/pilots/checkins.py): at a milestone,
    at the end of a metric cadence's period, or at the pilot's end, the vendor is asked for
    `metrics`' values over `period_start`..`due`. `slot` names which one, so computing the
    check-ins again stores none twice; `received` lists the metrics whose values came.
    `next_stage_at`: when the next stage (asked, reminded, owner, escalated) falls due."""

    __table_args__ = (UniqueConstraint("iteration_id", "slot"),)

    id: int | None = Field(default=None, primary_key=True)
    iteration_id: int = Field(foreign_key="pilotiteration.id", index=True)
    slot: str = Field(max_length=60)  # milestone:<position> | <cadence>:<period end> | end
    milestone_id: int | None = Field(default=None, foreign_key="pilotmilestone.id")
    period_start: date
    due: date  # a business day
    metrics: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    received: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    progress: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    state: CheckinState = Field(sa_type=_enum(CheckinState))
    answered_by: str | None = Field(default=None, max_length=120)
    answered_at: datetime | None = None
    next_stage_at: datetime | None = Field(default=None, index=True)
