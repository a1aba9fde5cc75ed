"""Promotions held back; WOM window gains keyed by transform's windows

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('promotions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_back', sa.String(length=200), nullable=True))
    # WOM's week/month/year gains of a first run were frozen; windows are now fetched exactly
    # (7d, 30d, 90d, 365d, custom) on every run that needs them, so the old rows are dropped.
    for table in ('window_gains', 'gain_windows'):
        op.execute(sa.text(f"DELETE FROM {table} WHERE period IN ('week', 'month', 'year')"))


def downgrade() -> None:
    with op.batch_alter_table('promotions', schema=None) as batch_op:
        batch_op.drop_column('held_back')
