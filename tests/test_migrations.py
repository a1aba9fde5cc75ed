"""Migrations: a fresh database upgrades to head and matches the models exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from clanstats.db import migrate
from clanstats.db.engine import make_engine
from clanstats.db.migrate import alembic_config, current_revision, head_revision, upgrade_to_head
from clanstats.db.models import Base


def test_models_match_the_migrations(database_url: str) -> None:
    engine = make_engine(database_url)
    assert upgrade_to_head(engine) is True
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def test_upgrade_is_idempotent_and_reaches_head(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    assert upgrade_to_head(engine) is False
    assert current_revision(engine) == head_revision()


def test_the_quick_revision_reading_agrees_with_alembic(database_url: str) -> None:
    """Every run reads the revisions without Alembic: Alembic's own answers are the reference."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert (
            current_revision(engine)
            is None
            is MigrationContext.configure(conn).get_current_revision()
        )
    upgrade_to_head(engine)
    with engine.connect() as conn:
        assert current_revision(engine) == MigrationContext.configure(conn).get_current_revision()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head_revision() == head == current_revision(engine)


def test_a_branched_history_is_left_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, revision, before in (
        ("a", "0001", None),
        ("b", "0002", "0001"),
        ("c", "0003", "0001"),
    ):
        (tmp_path / f"{name}.py").write_text(
            f"revision: str = '{revision}'\ndown_revision: str | None = {before!r}\n",
            encoding="utf-8",
        )
    monkeypatch.setattr(migrate, "VERSIONS", tmp_path)
    assert migrate._plain_head() is None  # two heads: Alembic says what that means
    (tmp_path / "c.py").unlink()
    assert migrate._plain_head() == "0002"


def test_sqlite_pragmas_and_sparse_tables(tmp_path: Path) -> None:  # SQLite's own settings
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    upgrade_to_head(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        ddl = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'snapshot_values'"
        ).scalar()
    assert "WITHOUT ROWID" in ddl


def test_every_clan_data_table_carries_the_group_id(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    bookkeeping = {"alembic_version", "metrics", "pipeline_runs", "stage_runs", "wom_groups"}
    inspector = inspect(engine)
    for table in set(inspector.get_table_names()) - bookkeeping:
        columns = {column["name"] for column in inspector.get_columns(table)}
        assert "group_id" in columns, table
