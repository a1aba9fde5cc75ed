"""Replace a group's rows in a derived table by writing only what changed.

A derived table is a function of the raw tables; most of its rows come out the same from one
daily run to the next. Deleting and re-inserting all of them (400k period-gain rows at 5,000
members) made transform's time grow with history; comparing with what is stored and writing
only the rows that differ makes the writes grow with what is new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from clanstats.db.models import Base

# Bound-parameter names for the key in UPDATE and DELETE: a column's own name is taken by the
# SET clause.
KEY_PREFIX = "key_"


@dataclass(frozen=True)
class Written:
    """How many rows a replacement inserted, updated and deleted."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.deleted


def replace_rows(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    scope: ColumnElement[bool],
) -> Written:
    """Make the rows of `model` matching `scope` equal to `rows`, writing only the differences.

    Rows are matched on the table's primary key; `rows` must all lie inside `scope` (usually
    "this group") and carry every column.
    """
    table = cast(Table, model.__table__)
    keys = [column.name for column in table.primary_key.columns]
    values = [column.name for column in table.columns if column.name not in keys]
    stored = {
        tuple(row[: len(keys)]): tuple(row[len(keys) :])
        for row in session.execute(
            select(*(table.c[k] for k in keys), *(table.c[v] for v in values)).where(scope)
        )
    }
    wanted = {tuple(row[k] for k in keys): row for row in rows}
    new = [row for key, row in wanted.items() if key not in stored]
    changed = [
        row
        for key, row in wanted.items()
        if key in stored and stored[key] != tuple(row[v] for v in values)
    ]
    gone = [dict(zip(keys, key, strict=True)) for key in stored.keys() - wanted.keys()]
    by_key = and_(*(table.c[k] == bindparam(KEY_PREFIX + k) for k in keys))
    if gone:
        session.execute(
            delete(table).where(by_key),
            [{KEY_PREFIX + k: row[k] for k in keys} for row in gone],
        )
    if changed and values:
        session.execute(
            update(table).where(by_key).values({v: bindparam(v) for v in values}),
            [
                {**{KEY_PREFIX + k: row[k] for k in keys}, **{v: row[v] for v in values}}
                for row in changed
            ],
        )
    if new:
        session.execute(insert(table), new)
    return Written(inserted=len(new), updated=len(changed), deleted=len(gone))
