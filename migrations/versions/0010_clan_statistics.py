"""Clan statistics: the members' totals, levels, maxed accounts and account types by day

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Filled by the next transform from the stored snapshots.
    op.create_table(
        'clan_statistics',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('members', sa.Integer(), nullable=False),
        sa.Column('measured', sa.Integer(), nullable=False),
        sa.Column('xp', sa.Float(), nullable=False),
        sa.Column('ehp', sa.Float(), nullable=False),
        sa.Column('ehb', sa.Float(), nullable=False),
        sa.Column('maxed_total', sa.Integer(), nullable=False),
        sa.Column('maxed_combat', sa.Integer(), nullable=False),
        sa.Column('skills_99', sa.Integer(), nullable=False),
        sa.Column('skills_200m', sa.Integer(), nullable=False),
        sa.Column('total_level_average', sa.Float(), nullable=True),
        sa.Column('total_level_median', sa.Float(), nullable=True),
        sa.Column('combat_level_average', sa.Float(), nullable=True),
        sa.Column('combat_level_median', sa.Float(), nullable=True),
        sa.Column('regular', sa.Integer(), nullable=True),
        sa.Column('ironman', sa.Integer(), nullable=True),
        sa.Column('hardcore', sa.Integer(), nullable=True),
        sa.Column('ultimate', sa.Integer(), nullable=True),
        sa.Column('other_type', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('group_id', 'day', name=op.f('pk_clan_statistics')),
    )


def downgrade() -> None:
    op.drop_table('clan_statistics')
