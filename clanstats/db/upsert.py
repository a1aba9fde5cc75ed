"""Dialect-aware INSERT ... ON CONFLICT for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from clanstats.db.models import Base


def upsert(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str] | None = None,
) -> int:
    """Insert rows; on a key conflict update the `update` columns (None: all non-key columns).

    An empty `update` list means "insert if new, else leave as is", and the count returned is
    then the number of rows that were new.
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    # A Core insert on the table: the ORM bulk path doesn't report how many rows were new.
    statement = module.insert(model.__table__)
    columns = [c for c in rows[0] if c not in keys] if update is None else list(update)
    if columns:
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={c: statement.excluded[c] for c in columns}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    result = session.execute(statement, list(rows))
    return max(int(getattr(result, "rowcount", 0) or 0), 0)
