"""Database care: manual backup, restore, optimize and when optimize is due."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from clanstats.clock import utcnow
from clanstats.db import backup as backup_module
from clanstats.db.backup import integrity_ok
from clanstats.db.care import (
    list_backups,
    make_backup,
    optimize,
    optimize_due,
    record_optimize,
    restore_backup,
)
from clanstats.db.engine import make_engine
from clanstats.db.models import FetchLog
from clanstats.db.pg_dump import dump_ok
from clanstats.errors import EXIT_WRITE, ConfigError, DatabaseError, RunLockedError, WriteError
from clanstats.lock import run_lock
from clanstats.settings import Settings, load_settings
from tests.databases import query


@pytest.fixture
def settings(tmp_path: Path, migrated_url: str) -> Settings:
    """Settings on a fresh migrated database, data in a folder with a space in its name."""
    folder = tmp_path / "data dir"
    folder.mkdir()
    environ = {"CLANSTATS_DATA_DIR": str(folder), "DATABASE_URL": migrated_url}
    return load_settings(tmp_path / "absent.env", environ)


def db(settings: Settings) -> Path:
    path = settings.sqlite_path
    assert path is not None
    return path


def execute(settings: Settings, sql: str, **params: object) -> list[tuple]:
    return query(settings.database_url.get_secret_value(), sql, params)


def add_fetch_rows(settings: Settings, count: int, *, days_ago: int, source: str = "wom") -> None:
    started = utcnow() - timedelta(days=days_ago)
    row = {
        "group_id": 1,
        "source": source,
        "started_at": started,
        "finished_at": started,
        "requests": 0,
        "rows": 0,
        "outcome": "ok",
        "error": "x" * 500,
    }
    engine = make_engine(settings.database_url.get_secret_value())
    with engine.begin() as conn:
        conn.execute(insert(FetchLog), [row] * count)
    engine.dispose()


def count_fetch_rows(settings: Settings) -> int:
    return int(execute(settings, "SELECT count(*) FROM fetch_log")[0][0])


def backup_ok(path: Path) -> bool:
    return dump_ok(path) if path.suffix == ".dump" else integrity_ok(path)


def test_backup_is_made_and_listed(settings: Settings) -> None:
    copy = make_backup(settings)
    suffix = ".db" if settings.is_sqlite else ".dump"
    assert copy.name.endswith(f"-manual{suffix}") and copy.parent == settings.backup_dir
    assert backup_ok(copy)
    assert list_backups(settings) == [copy]


def test_backup_refuses_while_a_run_holds_the_lock(settings: Settings) -> None:
    with run_lock(settings.lock_file), pytest.raises(RunLockedError):
        make_backup(settings)
    assert list_backups(settings) == []


@pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)
def test_postgres_without_pg_dump_says_what_to_install(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(settings.data_dir))  # a PATH with no PostgreSQL tools
    with pytest.raises(ConfigError, match="pg_dump is not on PATH") as caught:
        make_backup(settings)
    assert "postgresql-client" in str(caught.value) and "\n" not in str(caught.value)
    assert list_backups(settings) == []


@pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)
def test_postgres_backup_of_an_empty_database_is_refused(tmp_path: Path, database_url: str) -> None:
    environ = {"CLANSTATS_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url}
    with pytest.raises(ConfigError, match="no ClanStats tables yet"):
        make_backup(load_settings(tmp_path / "absent.env", environ))


def test_restore_picks_the_newest_and_keeps_the_replaced_database(settings: Settings) -> None:
    add_fetch_rows(settings, 1, days_ago=0, source="old")
    make_backup(settings)
    execute(settings, "UPDATE fetch_log SET source = 'middle'")
    newest = make_backup(settings)
    execute(settings, "UPDATE fetch_log SET source = 'changed'")

    before = restore_backup(settings, None)

    assert execute(settings, "SELECT source FROM fetch_log") == [("middle",)]
    assert before is not None and before.name.startswith("clanstats-")
    assert before.stem.endswith("-before-restore") and backup_ok(before)
    assert newest in list_backups(settings)
    restore_backup(settings, before)  # undo
    assert execute(settings, "SELECT source FROM fetch_log") == [("changed",)]


def test_restore_a_named_file_outside_the_backup_folder(settings: Settings, tmp_path: Path) -> None:
    add_fetch_rows(settings, 1, days_ago=0, source="kept")
    made = make_backup(settings)
    elsewhere = tmp_path / "usb stick" / f"copy{made.suffix}"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(made.read_bytes())
    execute(settings, "DELETE FROM fetch_log")
    restore_backup(settings, elsewhere)
    assert execute(settings, "SELECT source FROM fetch_log") == [("kept",)]
    with pytest.raises(ConfigError, match="no such backup file"):
        restore_backup(settings, tmp_path / "missing.db")
    with pytest.raises(ConfigError, match="no such backup file"):
        restore_backup(settings, tmp_path / "usb stick")


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # a file can be corrupt
def test_restore_over_a_corrupt_database(settings: Settings) -> None:
    add_fetch_rows(settings, 1, days_ago=0, source="good")
    make_backup(settings)
    path = db(settings)
    path.write_bytes(b"garbage" * 2000)
    before = restore_backup(settings, None)
    assert before is not None and "corrupt" in before.name
    assert not path.with_name(path.name + "-wal").exists()
    assert execute(settings, "SELECT source FROM fetch_log") == [("good",)]


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # SQLite's side files
def test_a_restore_leaves_no_side_files_in_the_backup_folder(settings: Settings) -> None:
    """The live database runs in WAL mode; its backups once did too, and reading one for a
    restore left its -wal and -shm files behind in BACKUP_DIR."""
    add_fetch_rows(settings, 1, days_ago=0, source="kept")
    made = make_backup(settings)
    execute(settings, "DELETE FROM fetch_log")
    restore_backup(settings, made)
    assert execute(settings, "SELECT source FROM fetch_log") == [("kept",)]
    names = sorted(p.name for p in settings.backup_dir.iterdir())
    assert [n for n in names if n.endswith(("-wal", "-shm", "-journal"))] == [], names
    assert len(names) == 2  # the backup, and the database it replaced


def test_restore_refuses_while_a_run_holds_the_lock(settings: Settings) -> None:
    make_backup(settings)
    with run_lock(settings.lock_file), pytest.raises(RunLockedError):
        restore_backup(settings, None)


def test_restore_refuses_a_corrupt_backup(settings: Settings) -> None:
    settings.backup_dir.mkdir(parents=True, exist_ok=True)
    suffix, problem = (
        (".db", "not a healthy SQLite database")
        if settings.is_sqlite
        else (".dump", "not a readable pg_dump file")
    )
    bad = settings.backup_dir / f"clanstats-29990101-000000-000000-manual{suffix}"
    bad.write_bytes(b"not a database" * 500)
    add_fetch_rows(settings, 1, days_ago=0, source="kept")
    with pytest.raises(DatabaseError, match=problem) as caught:
        restore_backup(settings, None)
    assert execute(settings, "SELECT source FROM fetch_log") == [("kept",)]
    assert "\n" not in str(caught.value)
    assert list_backups(settings) == [bad]  # nothing was backed up or replaced


def test_restore_without_backups_is_one_line(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="no backups in") as caught:
        restore_backup(settings, None)
    assert "\n" not in str(caught.value)


def test_optimize_prunes_old_fetch_log_rows_but_keeps_the_newest_per_source(
    settings: Settings,
) -> None:
    add_fetch_rows(settings, 5, days_ago=400)
    add_fetch_rows(settings, 1, days_ago=400, source="wom:gains")
    add_fetch_rows(settings, 3, days_ago=10)
    result = optimize(settings, fetch_log_days=180)
    # 5 old "wom" rows go but for none: the newest "wom" row is recent. The lone gains row stays.
    assert result["fetch_log_pruned"] == 5
    assert count_fetch_rows(settings) == 4
    assert ("wom:gains",) in execute(settings, "SELECT source FROM fetch_log")


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # SQLite's free pages
def test_optimize_vacuums_only_when_worthwhile(settings: Settings) -> None:
    first = optimize(settings)
    assert first["vacuumed"] is False

    add_fetch_rows(settings, 3000, days_ago=0)
    execute(settings, "DELETE FROM fetch_log")
    second = optimize(settings)
    assert second["vacuumed"] is True
    assert int(second["bytes_after"]) < int(second["bytes_before"])
    assert execute(settings, "PRAGMA freelist_count") == [(0,)]


def test_optimize_is_due_weekly(settings: Settings) -> None:
    assert optimize_due(settings)  # never ran
    today = date(2026, 3, 10)
    record_optimize(settings, day=today - timedelta(days=6))
    assert not optimize_due(settings, today=today)
    record_optimize(settings, day=today - timedelta(days=7))
    assert optimize_due(settings, today=today)
    with run_lock(settings.lock_file):  # as the pipeline calls it, inside its own run lock
        optimize(settings, take_lock=False)
    assert not optimize_due(settings)
    with run_lock(settings.lock_file), pytest.raises(RunLockedError):
        optimize(settings)


@pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)
def test_optimize_on_postgres_vacuums_and_analyzes(settings: Settings) -> None:
    add_fetch_rows(settings, 50, days_ago=400)
    add_fetch_rows(settings, 1, days_ago=1)
    result = optimize(settings)
    assert result["fetch_log_pruned"] == 50 and result["vacuumed"] is True
    assert int(result["bytes_before"]) > 0 and int(result["bytes_after"]) > 0
    assert "pages" not in result  # SQLite's page counts mean nothing here
    [(vacuumed, analyzed)] = execute(
        settings,
        "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL FROM pg_stat_user_tables "
        "WHERE relname = 'fetch_log'",
    )
    assert vacuumed and analyzed
    assert not optimize_due(settings)


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # SQLite's own backups
def test_a_full_backup_disk_is_one_line_with_exit_7_not_a_corrupt_database(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite says "database or disk is full" when the backup folder's disk fills; that was
    reported as "the database may be corrupt" (exit 4)."""
    add_fetch_rows(settings, 50, days_ago=0)
    real_connect = sqlite3.connect

    def small_disk(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = real_connect(database, *args, **kwargs)
        if str(database).endswith(".partial"):
            connection.execute("PRAGMA max_page_count = 2")  # a disk with room for two pages
        return connection

    monkeypatch.setattr(backup_module.sqlite3, "connect", small_disk)
    with pytest.raises(WriteError) as caught:
        make_backup(settings)
    message = str(caught.value)
    assert caught.value.exit_code == EXIT_WRITE
    assert message.startswith(f"can't write a backup into {settings.backup_dir}: the disk is full")
    assert "BACKUP_DIR" in message and "corrupt" not in message
    assert list(settings.backup_dir.glob("*")) == []  # no partial copy left
    assert execute(settings, "SELECT count(*) FROM fetch_log") == [(50,)]
