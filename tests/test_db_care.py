"""Database care: manual backup, restore, optimize and when optimize is due."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from clanstats.db.backup import integrity_ok
from clanstats.db.care import (
    list_backups,
    make_backup,
    optimize,
    optimize_due,
    record_optimize,
    restore_backup,
)
from clanstats.db.engine import engine_for
from clanstats.db.migrate import upgrade_to_head
from clanstats.errors import ConfigError, DatabaseError, RunLockedError
from clanstats.lock import run_lock
from clanstats.runlog import utcnow
from clanstats.settings import Settings, load_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh migrated database in a folder with a space in its name."""
    folder = tmp_path / "data dir"
    folder.mkdir()
    loaded = load_settings(tmp_path / "absent.env", {"CLANSTATS_DATA_DIR": str(folder)})
    engine = engine_for(loaded)
    upgrade_to_head(engine)
    engine.dispose()
    return loaded


def db(settings: Settings) -> Path:
    path = settings.sqlite_path
    assert path is not None
    return path


def execute(settings: Settings, sql: str, params: tuple[object, ...] = ()) -> list[tuple]:
    with sqlite3.connect(db(settings)) as conn:
        rows = conn.execute(sql, params).fetchall()
    conn.close()
    return rows


def add_fetch_rows(settings: Settings, count: int, *, days_ago: int, source: str = "wom") -> None:
    started = (utcnow() - timedelta(days=days_ago)).isoformat(sep=" ")
    rows = [(1, source, started, started, 0, 0, "ok", "x" * 500) for _ in range(count)]
    with sqlite3.connect(db(settings)) as conn:
        conn.executemany(
            "INSERT INTO fetch_log (group_id, source, started_at, finished_at, requests, rows,"
            " outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    conn.close()


def count_fetch_rows(settings: Settings) -> int:
    return int(execute(settings, "SELECT count(*) FROM fetch_log")[0][0])


def test_backup_is_made_and_listed(settings: Settings) -> None:
    copy = make_backup(settings)
    assert copy.name.endswith("-manual.db") and copy.parent == settings.backup_dir
    assert integrity_ok(copy)
    assert list_backups(settings) == [copy]


def test_backup_refuses_while_a_run_holds_the_lock(settings: Settings) -> None:
    with run_lock(settings.lock_file), pytest.raises(RunLockedError):
        make_backup(settings)
    assert list_backups(settings) == []


def test_postgres_points_at_pg_dump(tmp_path: Path) -> None:
    pg = load_settings(
        tmp_path / "absent.env",
        {"CLANSTATS_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u:p@localhost/db"},
    )
    with pytest.raises(ConfigError, match="pg_dump"):
        make_backup(pg)


def test_restore_picks_the_newest_and_keeps_the_replaced_database(settings: Settings) -> None:
    add_fetch_rows(settings, 1, days_ago=0, source="old")
    make_backup(settings)
    execute(settings, "UPDATE fetch_log SET source = 'middle'")
    newest = make_backup(settings)
    execute(settings, "UPDATE fetch_log SET source = 'changed'")

    before = restore_backup(settings, None)

    assert execute(settings, "SELECT source FROM fetch_log") == [("middle",)]
    assert before is not None and before.name.endswith("-before-restore.db")
    assert newest in list_backups(settings)
    with sqlite3.connect(before) as conn:
        assert conn.execute("SELECT source FROM fetch_log").fetchall() == [("changed",)]
    conn.close()
    assert integrity_ok(db(settings))


def test_restore_a_named_file_outside_the_backup_folder(settings: Settings, tmp_path: Path) -> None:
    add_fetch_rows(settings, 1, days_ago=0, source="kept")
    elsewhere = tmp_path / "usb stick" / "copy.db"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(make_backup(settings).read_bytes())
    execute(settings, "DELETE FROM fetch_log")
    restore_backup(settings, elsewhere)
    assert execute(settings, "SELECT source FROM fetch_log") == [("kept",)]
    with pytest.raises(ConfigError, match="no such backup file"):
        restore_backup(settings, tmp_path / "missing.db")
    with pytest.raises(ConfigError, match="no such backup file"):
        restore_backup(settings, tmp_path / "usb stick")


def test_restore_over_a_corrupt_database(settings: Settings) -> None:
    add_fetch_rows(settings, 1, days_ago=0, source="good")
    make_backup(settings)
    path = db(settings)
    path.write_bytes(b"garbage" * 2000)
    before = restore_backup(settings, None)
    assert before is not None and "corrupt" in before.name
    assert not path.with_name(path.name + "-wal").exists()
    assert execute(settings, "SELECT source FROM fetch_log") == [("good",)]


def test_restore_refuses_while_a_run_holds_the_lock(settings: Settings) -> None:
    make_backup(settings)
    with run_lock(settings.lock_file), pytest.raises(RunLockedError):
        restore_backup(settings, None)


def test_restore_refuses_a_corrupt_backup(settings: Settings) -> None:
    settings.backup_dir.mkdir(parents=True, exist_ok=True)
    bad = settings.backup_dir / "clanstats-29990101-000000-000000-manual.db"
    bad.write_bytes(b"not a database" * 500)
    with pytest.raises(DatabaseError, match="not a healthy SQLite database") as caught:
        restore_backup(settings, None)
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
