"""Migrations: a fresh database upgrades to head and matches the models exactly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from clanstats.db.engine import make_engine
from clanstats.db.migrate import current_revision, head_revision, upgrade_to_head
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
