"""Leaves of absence on member status: away until, and why

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty until the next transform reads rules.yaml's `absences`.
    with op.batch_alter_table('member_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('away_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('away_reason', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('member_status', schema=None) as batch_op:
        batch_op.drop_column('away_reason')
        batch_op.drop_column('away_until')
