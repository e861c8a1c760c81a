"""outbox: what the channel answered, and a send in doubt

Revision ID: 5d1e0b7a93c4
Revises: 87c184aaf786
Create Date: 2026-12-07 09:50:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '5d1e0b7a93c4'
down_revision = '87c184aaf786'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('answer', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('in_doubt_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('in_doubt_since')
        batch_op.drop_column('answer')
