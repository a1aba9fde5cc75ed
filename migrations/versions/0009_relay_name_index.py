"""Index the names heard in relay chat (relay lines only)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 06:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every transform lists the distinct relay names: without this it reads every message.
    op.create_index(
        'ix_discord_messages_relay_name',
        'discord_messages',
        ['group_id', 'relay_name'],
        unique=False,
        sqlite_where=sa.text('relay_name IS NOT NULL'),
        postgresql_where=sa.text('relay_name IS NOT NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_discord_messages_relay_name', table_name='discord_messages')
