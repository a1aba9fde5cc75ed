"""Monthly gains: each player's daily gains summed per calendar month

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 03:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Created empty: the next transform that derives anything fills it from daily_gains.
    op.create_table('monthly_gains',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('player_id', sa.Integer(), nullable=False),
    sa.Column('metric_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('gained', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['metric_id'], ['metrics.id'], name=op.f('fk_monthly_gains_metric_id_metrics')),
    sa.PrimaryKeyConstraint('group_id', 'player_id', 'metric_id', 'month', name=op.f('pk_monthly_gains')),
    sqlite_with_rowid=False
    )
    # After a downgrade and a new upgrade the table is empty again: build it on the next run.
    op.execute(sa.text("DELETE FROM transform_state WHERE key = 'monthly_gains_in_step'"))


def downgrade() -> None:
    op.drop_table('monthly_gains')
