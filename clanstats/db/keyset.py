"""Read a table in primary-key order, a page at a time, the same order on SQLite and PostgreSQL.

SQLite compares text byte by byte (BINARY); PostgreSQL by its locale unless told otherwise. Text
key columns are compared under PostgreSQL's "C" collation, which is byte order too, so a copy
and its source list their rows in exactly the same order and a resume point means the same
thing on both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Connection, Select, String, Table, bindparam, select, tuple_
from sqlalchemy.sql.elements import ColumnElement

Key = tuple[Any, ...]


def key_columns(table: Table) -> list[Column[Any]]:
    """The table's primary-key columns, in key order."""
    return list(table.primary_key.columns)


def ordered_keys(table: Table, dialect: str) -> list[ColumnElement[Any]]:
    """The key columns as expressions that sort the same way on every dialect."""
    columns: list[ColumnElement[Any]] = []
    for column in key_columns(table):
        if dialect == "postgresql" and isinstance(column.type, String):
            columns.append(column.collate("C"))
        else:
            columns.append(column)
    return columns


def rows_in_key_order(table: Table, dialect: str) -> Select[Any]:
    """Every row of the table, in key order."""
    return select(table).order_by(*ordered_keys(table, dialect))


def page_after(table: Table, dialect: str, after: Key | None, limit: int) -> Select[Any]:
    """The next `limit` rows after key `after` (None: from the start), in key order."""
    query = rows_in_key_order(table, dialect)
    if after is not None:
        query = query.where(_beyond(table, dialect, after))
    return query.limit(limit)


def rows_up_to(table: Table, dialect: str, last: Key) -> ColumnElement[bool]:
    """The condition: key <= `last`, in key order."""
    return ~_beyond(table, dialect, last)


def last_key(conn: Connection, table: Table) -> Key | None:
    """The greatest key in the table (in key order), or None when it is empty."""
    order = ordered_keys(table, conn.dialect.name)
    query = select(*key_columns(table)).order_by(*(c.desc() for c in order)).limit(1)
    row = conn.execute(query).first()
    return None if row is None else tuple(row)


def key_of(table: Table, row: Any) -> Key:
    """The key of a row read from the table."""
    return tuple(row._mapping[column.name] for column in key_columns(table))


def _beyond(table: Table, dialect: str, after: Sequence[Any]) -> ColumnElement[bool]:
    # Each value is bound with its column's type, so a DayNumber date becomes its day count.
    values = [
        bindparam(None, value, type_=column.type)
        for column, value in zip(key_columns(table), after, strict=True)
    ]
    return tuple_(*ordered_keys(table, dialect)) > tuple_(*values)
