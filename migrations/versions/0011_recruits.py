"""Recruits and their monthly cohorts: who stayed, and stayed active, 30, 90 and 180 days on

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 09:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAYS = (30, 90, 180)


def upgrade() -> None:
    # Both filled by the next transform from member_status and daily_activity.
    op.create_table(
        'recruits',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('player_id', sa.Integer(), nullable=False),
        sa.Column('joined_on', sa.Date(), nullable=False),
        sa.Column('cohort', sa.Date(), nullable=False),
        sa.Column('left_on', sa.Date(), nullable=True),
        sa.Column('first_game_on', sa.Date(), nullable=True),
        sa.Column('first_message_on', sa.Date(), nullable=True),
        *(sa.Column(f'stayed_{n}', sa.Boolean(), nullable=True) for n in DAYS),
        *(sa.Column(f'active_{n}', sa.Boolean(), nullable=True) for n in DAYS),
        sa.Column('welcome', sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint('group_id', 'player_id', name=op.f('pk_recruits')),
    )
    op.create_table(
        'recruit_cohorts',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('recruits', sa.Integer(), nullable=False),
        sa.Column('still_in', sa.Integer(), nullable=False),
        *(
            sa.Column(f'{what}_{n}', sa.Integer(), nullable=False)
            for n in DAYS
            for what in ('reached', 'stayed', 'active', 'unknown')
        ),
        sa.PrimaryKeyConstraint('group_id', 'month', name=op.f('pk_recruit_cohorts')),
    )


def downgrade() -> None:
    op.drop_table('recruit_cohorts')
    op.drop_table('recruits')
