"""Migrations keep data: from every earlier revision, with rows in every table, up to head.

The revisions come from Alembic itself, so a new migration is covered the day it is added. Rows
are generated from each revision's reflected schema (two per table, foreign keys pointing at
real rows), so no fixture goes stale when a table changes.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from clanstats.db.engine import make_engine
from clanstats.db.migrate import alembic_config, current_revision, head_revision, upgrade_to_head

ROWS_PER_TABLE = 2


def earlier_revisions() -> list[str]:
    """Every revision but the head, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    newest_first = [rev.revision for rev in script.walk_revisions()]
    return list(reversed(newest_first))[:-1]


def upgrade_to(engine: sa.Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def sample_value(column: sa.Column[Any], index: int) -> Any:
    """A value of the column's type, different for each row index."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return index % 2 == 0
    if isinstance(kind, sa.Integer):
        return 7 + index
    if isinstance(kind, sa.Float | sa.Numeric):
        return 1.5 + index
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 3, 1 + index, 12, 30, 15)
    if isinstance(kind, sa.Date):
        return date(2026, 3, 1 + index)
    if isinstance(kind, sa.JSON):
        return {"kept": index}
    if isinstance(kind, sa.LargeBinary):
        return bytes([index]) * 4
    if isinstance(kind, sa.String):
        length = getattr(kind, "length", None) or 40
        return f"{column.name}-{index}-ü"[:length]
    raise AssertionError(f"no sample for {column.table.name}.{column.name} ({kind!r})")


def generated_rows(metadata: sa.MetaData) -> dict[str, list[dict[str, Any]]]:
    """Rows for every table, parents first, each foreign key pointing at a parent's row."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        made = []
        for index in range(ROWS_PER_TABLE):
            row = {column.name: sample_value(column, index) for column in table.columns}
            for key in table.foreign_keys:
                parent = rows[key.column.table.name][index]
                row[key.parent.name] = parent[key.column.name]
            made.append(row)
        rows[table.name] = made
    return rows


@pytest.mark.parametrize("revision", earlier_revisions())
def test_upgrading_from_an_earlier_revision_keeps_every_row(tmp_path: Path, revision: str) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_to(engine, revision)
    assert current_revision(engine) == revision
    old = sa.MetaData()
    old.reflect(engine)
    rows = generated_rows(old)
    assert rows, f"revision {revision} has no tables to fill"
    with engine.begin() as conn:
        for name, table_rows in rows.items():
            conn.execute(old.tables[name].insert(), table_rows)

    assert upgrade_to_head(engine) is True
    assert current_revision(engine) == head_revision()
    new = sa.MetaData()
    new.reflect(engine)
    with engine.connect() as conn:
        for name, table_rows in rows.items():
            assert name in new.tables, f"table {name} of revision {revision} is gone"
            table = new.tables[name]
            columns = [table.c[column] for column in table_rows[0]]
            stored = [dict(row._mapping) for row in conn.execute(sa.select(*columns))]
            expected = [
                {key: _as_stored(table.c[key], value) for key, value in row.items()}
                for row in table_rows
            ]
            assert sorted(map(repr, stored)) == sorted(map(repr, expected)), name
    engine.dispose()


def _as_stored(column: sa.Column[Any], value: Any) -> Any:
    """What the value reads back as through the upgraded schema (its type may have widened)."""
    if isinstance(column.type, sa.Boolean) and isinstance(value, bool):
        return value
    if isinstance(column.type, sa.Float) and isinstance(value, int | float):
        return float(value)
    return value


def test_every_revision_is_covered() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(earlier_revisions()) == len(list(script.walk_revisions())) - 1 >= 1
