"""In-game join dates (WOM's clientSyncJoinedAt) and where each tenure comes from

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 03:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Filled by the next harvest's roster read; the transform after it derives tenures again.
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_game_joined_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('member_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tenure_source', sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('member_status', schema=None) as batch_op:
        batch_op.drop_column('tenure_source')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('in_game_joined_at')
