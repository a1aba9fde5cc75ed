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


@dataclass(frozen=True)
class RowDiff:
    """What it takes to make a table's rows in a scope equal the wanted ones.

    Keys are primary-key tuples in the table's key order; values are the other columns' values
    in table order.
    """

    table: Table
    keys: list[str]
    values: list[str]
    stored: dict[tuple[Any, ...], tuple[Any, ...]]
    new: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    gone: list[tuple[Any, ...]]

    def key_of(self, row: dict[str, Any]) -> tuple[Any, ...]:
        """A wanted row's primary key."""
        return tuple(row[k] for k in self.keys)

    def values_of(self, row: dict[str, Any]) -> tuple[Any, ...]:
        """A wanted row's other columns."""
        return tuple(row[v] for v in self.values)


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
    return write_diff(session, diff_rows(session, model, rows, scope=scope))


def diff_rows(
    session: Session,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    scope: ColumnElement[bool],
) -> RowDiff:
    """Compare `rows` with what `model` stores in `scope` (see `replace_rows`); write nothing."""
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
    return RowDiff(
        table=table,
        keys=keys,
        values=values,
        stored=stored,
        new=[row for key, row in wanted.items() if key not in stored],
        changed=[
            row
            for key, row in wanted.items()
            if key in stored and stored[key] != tuple(row[v] for v in values)
        ],
        gone=list(stored.keys() - wanted.keys()),
    )


def write_diff(session: Session, diff: RowDiff) -> Written:
    """Write a diff's deletions, updates and inserts in the caller's transaction."""
    table, keys, values = diff.table, diff.keys, diff.values
    by_key = and_(*(table.c[k] == bindparam(KEY_PREFIX + k) for k in keys))
    if diff.gone:
        session.execute(
            delete(table).where(by_key),
            [{KEY_PREFIX + k: v for k, v in zip(keys, key, strict=True)} for key in diff.gone],
        )
    if diff.changed and values:
        session.execute(
            update(table).where(by_key).values({v: bindparam(v) for v in values}),
            [
                {**{KEY_PREFIX + k: row[k] for k in keys}, **{v: row[v] for v in values}}
                for row in diff.changed
            ],
        )
    if diff.new:
        session.execute(insert(table), diff.new)
    return Written(inserted=len(diff.new), updated=len(diff.changed), deleted=len(diff.gone))
