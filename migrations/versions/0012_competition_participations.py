"""Competition standings: who took part in each group competition, what they gained, their place

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Filled by the next harvest: every stored competition's details_fetched_at starts NULL, so
    # each one that has started (within the look-back) is read once.
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details_fetched_at', sa.DateTime(), nullable=True))
    op.create_table(
        'competition_participations',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('competition_id', sa.Integer(), nullable=False),
        sa.Column('player_id', sa.Integer(), nullable=False),
        sa.Column('team_name', sa.String(length=60), nullable=True),
        sa.Column('gained', sa.Float(), nullable=True),
        sa.Column('start_value', sa.Float(), nullable=True),
        sa.Column('end_value', sa.Float(), nullable=True),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('fetched_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['group_id', 'competition_id'],
            ['competitions.group_id', 'competitions.id'],
            name=op.f('fk_competition_participations_group_id_competitions'),
        ),
        sa.ForeignKeyConstraint(
            ['group_id', 'player_id'],
            ['players.group_id', 'players.player_id'],
            name=op.f('fk_competition_participations_group_id_players'),
        ),
        sa.PrimaryKeyConstraint(
            'group_id', 'competition_id', 'player_id', name=op.f('pk_competition_participations')
        ),
    )


def downgrade() -> None:
    op.drop_table('competition_participations')
    with op.batch_alter_table('competitions', schema=None) as batch_op:
        batch_op.drop_column('details_fetched_at')
