"""Transform's watermarks: how far it has read each raw table, so a rerun does only what's new."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.db.models import TransformState
from clanstats.db.upsert import upsert


def read_state(session: Session, group_id: int, key: str, default: str = "") -> str:
    """A stored watermark, or `default`."""
    value = session.scalar(
        select(TransformState.value).where(
            TransformState.group_id == group_id, TransformState.key == key
        )
    )
    return value if value is not None else default


def write_state(session: Session, group_id: int, key: str, value: str) -> None:
    """Store a watermark in the caller's transaction."""
    upsert(
        session,
        TransformState,
        [{"group_id": group_id, "key": key, "value": value}],
        keys=("group_id", "key"),
    )
