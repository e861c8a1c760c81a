"""pilot plans: iterations, metrics and their readings, milestones, budget lines, data
terms with their disclosure assessment, and the go/no-go decision (storage/pilots).

Revision ID: a7c2e4f60b13
Revises: a3c9e5d1f274
Create Date: 2026-12-07 18:31:22
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "a7c2e4f60b13"
down_revision = "a3c9e5d1f274"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pilotiteration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "approved",
                "superseded",
                "decided",
                name="planstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("proposed_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("proposed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("approved_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("approval_note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("sites", sa.JSON(), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("cost_after_pilot", sa.JSON(), nullable=False),
        sa.Column("exit_plan", sa.JSON(), nullable=False),
        sa.Column("equity", sa.JSON(), nullable=False),
        sa.Column("risks", sa.JSON(), nullable=False),
        sa.Column("confidential_fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("submission_id", "number"),
    )
    with op.batch_alter_table("pilotiteration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pilotiteration_submission_id"), ["submission_id"], unique=False
        )

    op.create_table(
        "pilotbudgetline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("iteration_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("payer", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("in_kind", sa.Boolean(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["iteration_id"],
            ["pilotiteration.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pilotbudgetline", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pilotbudgetline_iteration_id"), ["iteration_id"], unique=False
        )

    op.create_table(
        "pilotdataterms",
        sa.Column("iteration_id", sa.Integer(), nullable=False),
        sa.Column("collected", sa.JSON(), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("location", sa.Boolean(), nullable=False),
        sa.Column("images", sa.Boolean(), nullable=False),
        sa.Column("raw_owner", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("derived_owner", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("city_licence", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("retention_until", sa.Date(), nullable=True),
        sa.Column("deletion_by", sa.Date(), nullable=True),
        sa.Column("stored_where", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("open_data", sa.Boolean(), nullable=False),
        sa.Column("classification", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("records", sa.Integer(), nullable=True),
        sa.Column("cost_per_record", sa.Float(), nullable=True),
        sa.Column("estimated_cost", sa.Float(), nullable=True),
        sa.Column("risk_level", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("lead_note_required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["iteration_id"],
            ["pilotiteration.id"],
        ),
        sa.PrimaryKeyConstraint("iteration_id"),
    )
    with op.batch_alter_table("pilotdataterms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pilotdataterms_deletion_by"), ["deletion_by"], unique=False
        )

    op.create_table(
        "pilotdecision",
        sa.Column("iteration_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum("scale", "extend", "stop", name="outcome", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("lessons", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["iteration_id"],
            ["pilotiteration.id"],
        ),
        sa.PrimaryKeyConstraint("iteration_id"),
    )
    op.create_table(
        "pilotmetric",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("iteration_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("cadence", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reported_by", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["iteration_id"],
            ["pilotiteration.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("iteration_id", "name"),
    )
    with op.batch_alter_table("pilotmetric", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pilotmetric_iteration_id"), ["iteration_id"], unique=False
        )

    op.create_table(
        "pilotmilestone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("iteration_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["iteration_id"],
            ["pilotiteration.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pilotmilestone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pilotmilestone_due"), ["due"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pilotmilestone_iteration_id"), ["iteration_id"], unique=False
        )

    op.create_table(
        "pilotreading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("metric_id", sa.Integer(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("reported_by", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["metric_id"],
            ["pilotmetric.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("metric_id", "measured_on"),
    )
    with op.batch_alter_table("pilotreading", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pilotreading_metric_id"), ["metric_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pilotreading", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pilotreading_metric_id"))

    op.drop_table("pilotreading")
    with op.batch_alter_table("pilotmilestone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pilotmilestone_iteration_id"))
        batch_op.drop_index(batch_op.f("ix_pilotmilestone_due"))

    op.drop_table("pilotmilestone")
    with op.batch_alter_table("pilotmetric", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pilotmetric_iteration_id"))

    op.drop_table("pilotmetric")
    op.drop_table("pilotdecision")
    with op.batch_alter_table("pilotdataterms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pilotdataterms_deletion_by"))

    op.drop_table("pilotdataterms")
    with op.batch_alter_table("pilotbudgetline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pilotbudgetline_iteration_id"))

    op.drop_table("pilotbudgetline")
    with op.batch_alter_table("pilotiteration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pilotiteration_submission_id"))

    op.drop_table("pilotiteration")
