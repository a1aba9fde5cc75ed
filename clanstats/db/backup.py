"""Consistent online backups of the SQLite database, with retention."""

from __future__ import annotations

import logging
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from clanstats.errors import (
    DISK_FULL,
    IO_ERROR,
    READ_ONLY,
    DatabaseError,
    WriteError,
    sqlite_disk_problem,
)

log = logging.getLogger(__name__)

BACKUP_GLOB = "clanstats-*.db"
# What to do when the backup folder's disk can't take the copy.
BACKUP_DISK = {
    DISK_FULL: "the disk is full; free some space or point BACKUP_DIR in .env at another disk",
    READ_ONLY: "the folder is read-only; make it writable or point BACKUP_DIR in .env elsewhere",
    IO_ERROR: "the disk reported an input/output error; check it or point BACKUP_DIR elsewhere",
}


def checked_backup(database: Path, backup_dir: Path, *, keep: int) -> Path | None:
    """Check the database's integrity while copying it (see `backup_sqlite`); keep the copy,
    and prune to `keep` copies, only when the check passes.

    The two run side by side (SQLite works outside Python's lock), so a run waits for the
    longer of them rather than both: at 500 members the check takes about 0.85 s and the copy
    0.4 s. A damaged database raises DatabaseError and leaves the backups as they were.
    """
    if not database.exists():
        return None
    with ThreadPoolExecutor(max_workers=1) as pool:
        check = pool.submit(integrity_ok, database)
        try:
            copy: Path | None = backup_sqlite(database, backup_dir, keep=0)
            failure = None
        except DatabaseError as exc:
            copy, failure = None, exc
        healthy = check.result()
    if not healthy:
        if copy is not None:
            copy.unlink(missing_ok=True)  # a copy of damage must not push out a good backup
        raise unhealthy_database(database, backup_dir)
    if failure is not None:
        raise failure
    prune_backups(backup_dir, keep=keep)
    return copy


def unhealthy_database(database: Path, backup_dir: Path) -> DatabaseError:
    """The error for a database that fails SQLite's integrity check."""
    return DatabaseError(
        f"{database} is not a healthy SQLite database (integrity check failed); restore the "
        f"newest good copy from {backup_dir} or move the file away to start anew"
    )


def backup_sqlite(database: Path, backup_dir: Path, *, keep: int, label: str = "") -> Path | None:
    """Copy a live SQLite database into `backup_dir` with the backup API; prune to `keep` copies
    (0 prunes nothing).

    Returns the new file, or None when there is no database yet (nothing to lose).
    """
    if not database.exists():
        return None
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    target = backup_dir / f"clanstats-{stamp}{'-' + label if label else ''}.db"
    partial = target.with_suffix(".db.partial")
    try:
        # The backup API copies a consistent state even while another process writes (WAL).
        with (
            closing(sqlite3.connect(database)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
            # A backup is one self-contained file: in WAL mode (the live database's), every
            # later read of it, a restore's included, would leave -wal and -shm files beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        partial.replace(target)
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        problem = sqlite_disk_problem(exc)
        if problem is not None:
            raise WriteError(
                f"can't write a backup into {backup_dir}: {BACKUP_DISK[problem]} ({exc}); "
                "then run again (the database itself is unchanged)"
            ) from None
        raise DatabaseError(
            f"backing up {database} failed ({exc}); the database may be corrupt: "
            f"restore one from {backup_dir}"
        ) from None
    prune_backups(backup_dir, keep=keep)
    log.info("backed up %s to %s", database.name, target)
    return target


def prune_backups(backup_dir: Path, *, keep: int, pattern: str = BACKUP_GLOB) -> list[Path]:
    """Delete all but the newest `keep` backups (keep=0 keeps everything); return what went."""
    if keep <= 0:
        return []
    backups = sorted(backup_dir.glob(pattern), key=lambda p: p.name, reverse=True)
    removed = backups[keep:]
    for path in removed:
        path.unlink(missing_ok=True)
        remove_side_files(path)
    return removed


def remove_side_files(database: Path) -> None:
    """Delete the -wal and -shm files SQLite may have left beside a closed database file (a
    backup from before backups were written in rollback mode, opened read-only)."""
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)


def integrity_ok(database: Path) -> bool:
    """Whether SQLite's quick integrity check passes on the file."""
    try:
        with closing(sqlite3.connect(database.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
            return bool(conn.execute("PRAGMA quick_check").fetchone()[0] == "ok")
    except sqlite3.Error:
        return False
