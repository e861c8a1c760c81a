"""public titles once screened

Revision ID: 47b3d0569373
Revises: 4fe4ef5e93f7
Create Date: 2026-11-28 07:17:22.655789
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '47b3d0569373'
down_revision = '4fe4ef5e93f7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Other tables refer to submission, so SQLite adds the column in place. Titles that
    # were public stay public only where staff had passed the submission through
    # screening; feedback titles are Entryway's own and always public.
    with op.batch_alter_table('submission', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('title_public', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE submission SET title_public = TRUE WHERE kind = 'feedback' "
        "OR status IN ('evaluation', 'pilot', 'procurement', 'closed') "
        "OR id IN (SELECT submission_id FROM statuschange "
        "WHERE to_status IN ('evaluation', 'pilot', 'procurement', 'closed'))"
    )


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('title_public')
