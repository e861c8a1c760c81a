"""service levels, blockers, snoozes, reminder messages

Revision ID: 4fe4ef5e93f7
Revises: c0a3b4bf83c1
Create Date: 2026-11-28 06:36:33.009236
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '4fe4ef5e93f7'
down_revision = 'c0a3b4bf83c1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows: status_since is when the current status began, which is what
    # updated_at records (it changes only with the status); reminder messages get keys.
    # Other tables refer to submission, so SQLite adds the columns in place.
    with op.batch_alter_table('submission', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('status_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False, server_default=sa.text("'1970-01-01 00:00:00'")))
        batch_op.add_column(sa.Column('blocked_by', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('snoozed_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('snoozes', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE submission SET status_since = updated_at")

    with op.batch_alter_table('submittermessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
    op.execute("UPDATE submittermessage SET key = 'status:' || status_change_id")
    with op.batch_alter_table('submittermessage', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False)
        batch_op.alter_column('status_change_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_unique_constraint('uq_submittermessage_key', ['key'])


def downgrade() -> None:
    op.execute("DELETE FROM submittermessage WHERE status_change_id IS NULL")
    with op.batch_alter_table('submittermessage', schema=None) as batch_op:
        batch_op.drop_constraint('uq_submittermessage_key', type_='unique')
        batch_op.alter_column('status_change_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('key')

    # Other tables refer to submission, so SQLite drops the columns in place.
    with op.batch_alter_table('submission', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('snoozes')
        batch_op.drop_column('snoozed_until')
        batch_op.drop_column('blocked_by')
        batch_op.drop_column('status_since')
