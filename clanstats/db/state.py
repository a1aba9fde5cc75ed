"""Transform's watermarks: how far it has read each raw table, so a rerun does only what's new."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from clanstats.db.models import TransformState
from clanstats.db.upsert import insert_rows, upsert


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


def read_keyed(session: Session, group_id: int, prefix: str) -> dict[str, str]:
    """The stored values whose keys start with `prefix`, by the rest of the key."""
    return {
        key.removeprefix(prefix): value
        for key, value in session.execute(
            select(TransformState.key, TransformState.value).where(
                TransformState.group_id == group_id,
                TransformState.key.startswith(prefix, autoescape=True),
            )
        )
    }


def write_keyed(session: Session, group_id: int, prefix: str, values: Mapping[str, str]) -> None:
    """Make the values under `prefix` exactly `values` (in the caller's transaction)."""
    session.execute(
        delete(TransformState).where(
            TransformState.group_id == group_id,
            TransformState.key.startswith(prefix, autoescape=True),
        )
    )
    rows = [{"group_id": group_id, "key": prefix + k, "value": v} for k, v in values.items()]
    if rows:
        insert_rows(session, TransformState, rows)
