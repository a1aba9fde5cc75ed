"""Competition attendance: each member's competitions joined, best place and 90-day rate

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Filled by the next transform from competitions and competition_participations.
    op.create_table(
        'competition_attendance',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('player_id', sa.Integer(), nullable=False),
        sa.Column('joined', sa.Integer(), nullable=False),
        sa.Column('best_rank', sa.Integer(), nullable=True),
        sa.Column('last_joined_on', sa.Date(), nullable=True),
        sa.Column('held_90', sa.Integer(), nullable=False),
        sa.Column('joined_90', sa.Integer(), nullable=False),
        sa.Column('rate_90', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('group_id', 'player_id', name=op.f('pk_competition_attendance')),
    )


def downgrade() -> None:
    op.drop_table('competition_attendance')
