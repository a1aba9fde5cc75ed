"""A checksum of a table's rows that comes out the same on SQLite and PostgreSQL.

Rows are read in key order (see `keyset`), streamed, and each value is written in one canonical
text form decided by its column's type, so what differs between the engines (booleans as 0/1 or
true/false, a whole number read back from a REAL column, a timestamp's time zone) doesn't.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Float, Integer, Table, TypeDecorator
from sqlalchemy.types import JSON, TypeEngine

from clanstats.db.keyset import rows_in_key_order

STREAM_ROWS = 5_000
NULL = "\x00"  # no canonical text of a value is this


@dataclass(frozen=True)
class TableSum:
    """A table's row count and the SHA-256 of its rows in key order."""

    table: str
    rows: int
    digest: str


def table_checksum(
    conn: Connection, table: Table, progress: Callable[[int], None] | None = None
) -> TableSum:
    """Stream the table in key order and checksum it; `progress` hears how many rows went by."""
    writers = [_canonical_writer(column.type) for column in table.columns]
    digest = hashlib.sha256()
    rows = 0
    for batch in _batches(conn, table):
        for row in batch:
            for write, value in zip(writers, row, strict=True):
                text = NULL if value is None else write(value)
                encoded = text.encode("utf-8")
                # Length-prefixed, so ("ab", "c") and ("a", "bc") can't collide.
                digest.update(b"%d:" % len(encoded) + encoded)
            digest.update(b"\n")
        rows += len(batch)
        if progress is not None:
            progress(len(batch))
    return TableSum(table.name, rows, digest.hexdigest())


def canonical_row(table: Table, row: Any) -> tuple[str, ...]:
    """A row in canonical text form, for comparing one row across engines."""
    return tuple(
        NULL if value is None else _canonical_writer(column.type)(value)
        for column, value in zip(table.columns, row, strict=True)
    )


def _batches(conn: Connection, table: Table) -> Iterator[list[Any]]:
    # A server-side cursor on PostgreSQL; SQLite's cursor steps through the file anyway.
    result = conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(
        rows_in_key_order(table, conn.dialect.name)
    )
    for partition in result.partitions():
        yield list(partition)


def _canonical_writer(kind: TypeEngine[Any]) -> Callable[[Any], str]:
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, Boolean):
        return lambda value: "1" if value else "0"
    if isinstance(kind, Float):
        return lambda value: repr(float(value))
    if isinstance(kind, Integer):
        return lambda value: _date_or_int(value)
    if isinstance(kind, DateTime):
        return _datetime_text
    if isinstance(kind, Date):
        return lambda value: value.isoformat()
    if isinstance(kind, JSON):
        return lambda value: json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str


def _date_or_int(value: Any) -> str:
    # DayNumber is an Integer column that Python sees as a date.
    return value.isoformat() if isinstance(value, date) else str(int(value))


def _datetime_text(value: Any) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return str(value.isoformat(sep=" "))
