"""Copy every table of one ClanStats database into another, in batches, resumably.

Tables go in foreign-key order; each is read in primary-key order a page at a time (keyset
pagination: memory stays at one batch whatever the size of the database) and each batch is
inserted and committed in its own transaction. The rows already in the target are the record of
progress: a batch is in the target completely or not at all, so the target's greatest key is
exactly where an interrupted copy stopped, and a rerun carries on after it. Before copying, the
target's rows are checked to be the start of the source's (same count up to that key, same
last row), so a copy never resumes into some other database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, Table, func, select, text

from clanstats.crashpoints import crash_point
from clanstats.db.checksum import canonical_row
from clanstats.db.keyset import Key, key_columns, key_of, last_key, page_after, rows_up_to

log = logging.getLogger(__name__)

DEFAULT_BATCH_ROWS = 5_000


class TargetMismatchError(Exception):
    """The target's rows in a table are not the start of the source's: another database."""

    def __init__(self, table: str, rows: int) -> None:
        super().__init__(f"{table}: {rows} rows there don't match this database's")
        self.table = table
        self.rows = rows


@dataclass(frozen=True)
class TablePlan:
    """What is left to copy of one table."""

    table: Table
    total: int
    copied: int
    resume_after: Key | None

    @property
    def remaining(self) -> int:
        """Rows still to copy."""
        return self.total - self.copied


def plan_copy(source: Connection, target: Connection, tables: Sequence[Table]) -> list[TablePlan]:
    """Each table's source row count and resume point; refuse a target holding other rows."""
    plans = []
    for table in tables:
        total = _count(source, table)
        resume_after = last_key(target, table)
        copied = 0
        if resume_after is not None:
            copied = _count(target, table)
            if not _is_prefix(source, target, table, resume_after, copied):
                raise TargetMismatchError(table.name, copied)
        plans.append(TablePlan(table, total, copied, resume_after))
    return plans


def copy_table(
    source: Connection,
    target: Engine,
    plan: TablePlan,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    advance: Callable[[int], None] | None = None,
) -> int:
    """Copy the rows after the resume point, one committed batch at a time; return how many."""
    table, after, copied = plan.table, plan.resume_after, 0
    while True:
        rows = source.execute(page_after(table, source.dialect.name, after, batch_rows)).all()
        if not rows:
            return copied
        with target.begin() as conn:
            _insert(conn, table, rows)
        after = key_of(table, rows[-1])
        copied += len(rows)
        if advance is not None:
            advance(len(rows))
        crash_point(f"migrate.after-batch.{table.name}")


def reset_sequences(target: Engine, tables: Sequence[Table]) -> int:
    """Set each PostgreSQL id sequence past the copied ids, so later inserts don't collide."""
    if target.dialect.name != "postgresql":
        return 0  # SQLite gives a new row max(rowid) + 1 by itself
    reset = 0
    with target.begin() as conn:
        for table in tables:
            for column in key_columns(table):
                sequence = conn.execute(
                    text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": table.name, "column": column.name},
                ).scalar()
                if sequence is None:
                    continue
                highest = conn.execute(select(func.max(column))).scalar()
                # is_called=false: the next value handed out is exactly max + 1 (1 when empty).
                conn.execute(select(func.setval(sequence, (highest or 0) + 1, False)))
                reset += 1
    log.info("reset %d id sequences", reset)
    return reset


def _insert(conn: Connection, table: Table, rows: Sequence[Row[Any]]) -> None:
    """Insert rows read with `select(table)`: PostgreSQL's COPY when the target is PostgreSQL."""
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), [dict(row._mapping) for row in rows])
        return
    # COPY is several times faster than INSERT for bulk rows; it runs in the batch's transaction.
    columns = list(table.columns)
    processors = [column.type.bind_processor(conn.dialect) for column in columns]
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(column.name) for column in columns)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(
                [
                    value if value is None or process is None else process(value)
                    for process, value in zip(processors, row, strict=True)
                ]
            )


def _count(conn: Connection, table: Table, up_to: Key | None = None) -> int:
    query = select(func.count()).select_from(table)
    if up_to is not None:
        query = query.where(rows_up_to(table, conn.dialect.name, up_to))
    return int(conn.execute(query).scalar_one())


def _is_prefix(
    source: Connection, target: Connection, table: Table, last: Key, copied: int
) -> bool:
    """Whether the target holds as many rows as the source up to `last`, ending in the same row."""
    if _count(source, table, up_to=last) != copied:
        return False
    ours, theirs = (_row_at(conn, table, last) for conn in (source, target))
    return ours is not None and theirs is not None and ours == theirs


def _row_at(conn: Connection, table: Table, key: Key) -> tuple[str, ...] | None:
    columns = key_columns(table)
    query = select(table).where(
        *(column == value for column, value in zip(columns, key, strict=True))
    )
    row = conn.execute(query).first()
    return None if row is None else canonical_row(table, row)
