"""Alts on member status: an alt's main account, from the people file

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 14:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty until the next transform reads people.csv.
    with op.batch_alter_table('member_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('main_player_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('member_status', schema=None) as batch_op:
        batch_op.drop_column('main_player_id')
