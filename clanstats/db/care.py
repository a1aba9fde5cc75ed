"""Database care an officer runs by hand: backup, restore, optimize.

Each command holds the run lock while it works, so it never races a pipeline run, and refuses at
once (RunLockedError) while a run holds it. SQLite only: for PostgreSQL use pg_dump / pg_restore
and autovacuum.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from contextlib import closing, nullcontext
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select, text

from clanstats.db.backup import BACKUP_GLOB, backup_sqlite, integrity_ok, prune_backups
from clanstats.db.engine import engine_for
from clanstats.db.models import FetchLog
from clanstats.errors import ConfigError, DatabaseError
from clanstats.lock import run_lock
from clanstats.runlog import utcnow
from clanstats.settings import Settings

log = logging.getLogger(__name__)

OPTIMIZE_EVERY_DAYS = 7
VACUUM_FREE_SHARE = 0.10
LAST_OPTIMIZE_FILE = ".last_optimize"


@dataclass(frozen=True)
class OptimizeResult:
    """What `optimize` did."""

    bytes_before: int
    bytes_after: int
    fetch_log_pruned: int
    vacuumed: bool
    free_pages: int
    pages: int

    def as_dict(self) -> dict[str, int | bool]:
        """The counts as a plain dict (for printing or JSON)."""
        return {
            "bytes_before": self.bytes_before,
            "bytes_after": self.bytes_after,
            "fetch_log_pruned": self.fetch_log_pruned,
            "vacuumed": self.vacuumed,
            "free_pages": self.free_pages,
            "pages": self.pages,
        }


def list_backups(settings: Settings) -> list[Path]:
    """The backups in BACKUP_DIR, newest first (names carry a UTC timestamp)."""
    if not settings.backup_dir.is_dir():
        return []
    return sorted(settings.backup_dir.glob(BACKUP_GLOB), key=lambda p: p.name, reverse=True)


def make_backup(settings: Settings) -> Path:
    """Back the database up now (label "manual"); return the new file."""
    database = _sqlite_file(settings, "backup")
    with run_lock(settings.lock_file):
        copy = backup_sqlite(
            database, settings.backup_dir, keep=settings.backup_keep, label="manual"
        )
    if copy is None:
        raise ConfigError(f"there is no database at {database} yet: nothing to back up")
    return copy


def restore_backup(settings: Settings, backup: Path | None) -> Path | None:
    """Put a backup (None: the newest in BACKUP_DIR) in place of the database.

    The current database is backed up first (label "before-restore"); that copy is returned,
    or None when there was no database to replace.
    """
    database = _sqlite_file(settings, "restore")
    with run_lock(settings.lock_file):
        chosen = _choose_backup(settings, backup)
        if not integrity_ok(chosen):
            raise DatabaseError(f"{chosen} is not a healthy SQLite database; pick another backup")
        # keep=0 here: pruning now could delete the very backup being restored.
        before = _save_current(database, settings.backup_dir)
        if before is not None and integrity_ok(database):
            _copy_into_live(chosen, database)
        else:
            _replace_file(chosen, database)
        prune_backups(settings.backup_dir, keep=max(settings.backup_keep, 0))
    log.info("restored %s from %s (previous database kept as %s)", database, chosen, before)
    return before


def optimize(
    settings: Settings, *, fetch_log_days: int = 180, take_lock: bool = True
) -> dict[str, int | bool]:
    """ANALYZE, prune old fetch-log rows, VACUUM when over 10% of pages are free; record the day.

    The newest fetch-log row of each (group, source, outcome) is always kept: freshness and
    "was this ever fetched" answers depend on it. The pipeline, which already holds the run
    lock, passes take_lock=False.
    """
    database = _sqlite_file(settings, "optimize")
    if fetch_log_days < 1:
        raise ConfigError(f"fetch_log_days={fetch_log_days} is not valid: expected 1 or more")
    if not database.exists():
        raise ConfigError(f"there is no database at {database} yet: nothing to optimize")
    with run_lock(settings.lock_file) if take_lock else nullcontext():
        before = _size(database)
        pruned = _prune_fetch_log(settings, days=fetch_log_days)
        with closing(sqlite3.connect(database, isolation_level=None)) as conn:
            conn.execute("ANALYZE")
            pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
            free = int(conn.execute("PRAGMA freelist_count").fetchone()[0])
            vacuum = pages > 0 and free > pages * VACUUM_FREE_SHARE
            if vacuum:
                conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        record_optimize(settings)
        after = _size(database)
    result = OptimizeResult(before, after, pruned, vacuum, free, pages)
    log.info("optimized %s: %s", database.name, result.as_dict())
    return result.as_dict()


def optimize_due(settings: Settings, *, today: date | None = None) -> bool:
    """Whether the last optimize is OPTIMIZE_EVERY_DAYS or more ago (or never ran)."""
    marker = settings.data_dir / LAST_OPTIMIZE_FILE
    try:
        last = date.fromisoformat(marker.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return True
    today = today or utcnow().date()
    return (today - last).days >= OPTIMIZE_EVERY_DAYS


def record_optimize(settings: Settings, *, day: date | None = None) -> None:
    """Remember the day of the last optimize in `<data_dir>/.last_optimize`."""
    marker = settings.data_dir / LAST_OPTIMIZE_FILE
    marker.write_text((day or utcnow().date()).isoformat() + "\n", encoding="utf-8")


# --- helpers ---------------------------------------------------------------------------------


def _sqlite_file(settings: Settings, what: str) -> Path:
    path = settings.sqlite_path
    if path is None:
        tool = {"backup": "pg_dump", "restore": "pg_restore"}.get(what, "VACUUM ANALYZE")
        raise ConfigError(f"{what} works on SQLite only; for PostgreSQL use {tool}")
    return path


def _choose_backup(settings: Settings, backup: Path | None) -> Path:
    if backup is None:
        found = list_backups(settings)
        if not found:
            raise ConfigError(f"no backups in {settings.backup_dir}: nothing to restore")
        return found[0]
    if not backup.is_absolute() and not backup.exists():
        # A bare name from `backup` or the listing means the file in BACKUP_DIR.
        backup = settings.backup_dir / backup
    if not backup.is_file():
        raise ConfigError(f"{backup}: no such backup file; run without a name for the newest")
    return backup


def _save_current(database: Path, backup_dir: Path) -> Path | None:
    """Back up the live database; a corrupt one is copied as it is, for the record."""
    if not database.exists():
        return None
    if integrity_ok(database):
        return backup_sqlite(database, backup_dir, keep=0, label="before-restore")
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S-%f")
    target = backup_dir / f"clanstats-{stamp}-before-restore-corrupt.db"
    shutil.copy2(database, target)
    return target


def _copy_into_live(source: Path, database: Path) -> None:
    """Overwrite a healthy live database page by page with the backup API (safe with WAL)."""
    try:
        with (
            closing(sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)) as src,
            closing(sqlite3.connect(database)) as live,
        ):
            src.backup(live)
    except sqlite3.Error as exc:
        raise DatabaseError(
            f"restoring into {database} failed ({exc}); nothing was lost: "
            "the previous database is in the backups folder"
        ) from None


def _replace_file(source: Path, database: Path) -> None:
    """Put a copy of `source` at `database` by rename, dropping a stale WAL and shared memory."""
    partial = database.with_name(database.name + ".restoring")
    shutil.copyfile(source, partial)
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    partial.replace(database)


def _prune_fetch_log(settings: Settings, *, days: int) -> int:
    cutoff = utcnow() - timedelta(days=days)
    newest = (
        select(func.max(FetchLog.id))
        .group_by(FetchLog.group_id, FetchLog.source, FetchLog.outcome)
        .scalar_subquery()
    )
    engine = engine_for(settings)
    try:
        with engine.begin() as conn:
            if not conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = 'fetch_log'")
            ).first():
                return 0
            result = conn.execute(
                delete(FetchLog).where(FetchLog.started_at < cutoff, FetchLog.id.not_in(newest))
            )
            return int(result.rowcount or 0)
    finally:
        engine.dispose()


def _size(database: Path) -> int:
    wal = database.with_name(database.name + "-wal")
    return database.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
