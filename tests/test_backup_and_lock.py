"""Online backups of the SQLite file with retention, its integrity check, and the run lock.

SQLite only: these are about the file. PostgreSQL dumps are tested in test_db_care.py.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from clanstats.db.backup import backup_sqlite, checked_backup, integrity_ok, prune_backups
from clanstats.errors import DatabaseError, RunLockedError
from clanstats.lock import run_lock


def make_db(path: Path, rows: int = 3) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(rows)])
    conn.close()


def test_backup_copies_a_consistent_database(tmp_path: Path) -> None:
    db = tmp_path / "live db.sqlite"
    make_db(db)
    copy = backup_sqlite(db, tmp_path / "back ups", keep=5)
    assert copy is not None and integrity_ok(copy)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 3
    conn.close()


def test_no_database_means_no_backup(tmp_path: Path) -> None:
    assert backup_sqlite(tmp_path / "absent.db", tmp_path / "b", keep=5) is None


def test_retention_keeps_the_newest(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    make_db(db)
    made = [backup_sqlite(db, tmp_path / "b", keep=0) for _ in range(5)]
    removed = prune_backups(tmp_path / "b", keep=2)
    assert sorted(removed) == sorted(made[:3])
    assert sorted((tmp_path / "b").glob("*.db")) == sorted(made[3:])


def test_corrupt_database_fails_the_check_and_the_backup(tmp_path: Path) -> None:
    db = tmp_path / "broken.db"
    db.write_bytes(b"this is not a database" * 100)
    assert not integrity_ok(db)
    with pytest.raises(DatabaseError, match="may be corrupt"):
        backup_sqlite(db, tmp_path / "b", keep=5)
    assert not list((tmp_path / "b").glob("*"))


def test_second_holder_is_refused_at_once(tmp_path: Path) -> None:
    lock = tmp_path / "clanstats.lock"
    with run_lock(lock):
        code = (
            "import sys; from pathlib import Path; from clanstats.lock import run_lock\n"
            "from clanstats.errors import RunLockedError\n"
            "try:\n"
            f"    with run_lock(Path({str(lock)!r})): sys.exit(0)\n"
            "except RunLockedError: sys.exit(5)\n"
        )
        other = subprocess.run([sys.executable, "-c", code], timeout=60, check=False)
        assert other.returncode == 5
        with (
            pytest.raises(RunLockedError, match="another ClanStats run is in progress"),
            run_lock(lock),
        ):
            pass
    with run_lock(lock):
        pass


def _scribble_over_a_page(db: Path, page: int = 3) -> None:
    raw = bytearray(db.read_bytes())
    raw[4096 * (page - 1) : 4096 * page] = b"\xde\xad\xbe\xef" * 1024
    db.write_bytes(bytes(raw))


def test_a_checked_backup_keeps_the_newest_copies(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    make_db(db, rows=2000)
    made = [checked_backup(db, tmp_path / "b", keep=2) for _ in range(3)]
    assert sorted((tmp_path / "b").glob("*.db")) == sorted(made[1:])
    assert all(copy is not None and integrity_ok(copy) for copy in made[1:])
    assert checked_backup(tmp_path / "none yet.db", tmp_path / "b", keep=2) is None


def test_a_damaged_database_is_never_copied_over_the_good_backups(tmp_path: Path) -> None:
    """The check runs beside the copy: a copy of damage is dropped, and nothing is pruned."""
    db = tmp_path / "c.db"
    make_db(db, rows=2000)
    good = [checked_backup(db, tmp_path / "b", keep=2) for _ in range(2)]
    _scribble_over_a_page(db)
    assert not integrity_ok(db)
    with pytest.raises(DatabaseError, match=r"is not a healthy SQLite database.*restore"):
        checked_backup(db, tmp_path / "b", keep=2)
    assert sorted((tmp_path / "b").iterdir()) == sorted(good)
