"""staff roster and submission versions

Revision ID: 5d1e0c7a9b42
Revises: 5e1f0c2a9d41
Create Date: 2026-12-07 09:45:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

# The roster's history is append-only like the status history (see the first migration).
APPEND_ONLY_SQLITE = """
CREATE TRIGGER rosterchange_no_{op} BEFORE {OP} ON rosterchange
BEGIN SELECT RAISE(ABORT, 'rosterchange is append-only'); END
"""
APPEND_ONLY_POSTGRES_FUNCTION = """
CREATE FUNCTION rosterchange_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'rosterchange is append-only'; END
$$ LANGUAGE plpgsql
"""
ROLE = sa.Enum('evaluator', 'lead', name='staffrole', native_enum=False, length=20)


revision = '5d1e0c7a9b42'
down_revision = '5e1f0c2a9d41'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staffmember',
    sa.Column('slack_user', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('role', ROLE, nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('added_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('added_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('removed_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('removed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('slack_user')
    )
    op.create_table('rosterchange',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('slack_user', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('change', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('role', ROLE, nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rosterchange', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rosterchange_slack_user'), ['slack_user'], unique=False)
    # Other tables refer to submission, so SQLite adds the columns in place.
    with op.batch_alter_table('submission', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='0'))
    # The history tables carry append-only triggers: columns added in place, never rebuilt.
    for table in ('statuschange', 'activity'):
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_POSTGRES_FUNCTION)
        op.execute(
            "CREATE TRIGGER rosterchange_append_only BEFORE UPDATE OR DELETE ON rosterchange "
            "FOR EACH ROW EXECUTE FUNCTION rosterchange_append_only()"
        )
    else:
        for name in ("update", "delete"):
            op.execute(APPEND_ONLY_SQLITE.format(op=name, OP=name.upper()))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER rosterchange_append_only ON rosterchange")
        op.execute("DROP FUNCTION rosterchange_append_only()")
    else:
        for name in ("update", "delete"):
            op.execute(f"DROP TRIGGER rosterchange_no_{name}")
    for table in ('activity', 'statuschange'):
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.drop_column('version')
    with op.batch_alter_table('submission', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('rosterchange', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rosterchange_slack_user'))
    op.drop_table('rosterchange')
    op.drop_table('staffmember')
