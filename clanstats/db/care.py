"""Database care an officer runs by hand: backup, restore, optimize.

Each command holds the run lock while it works, so it never races a pipeline run, and refuses at
once (RunLockedError) while a run holds it. SQLite is copied with its backup API; PostgreSQL is
dumped with `pg_dump -Fc` and restored with `pg_restore` (`clanstats.db.pg_dump`).
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from contextlib import closing, nullcontext
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, delete, func, inspect, select, text

from clanstats.clock import utcnow
from clanstats.db.backup import (
    BACKUP_GLOB,
    backup_sqlite,
    integrity_ok,
    prune_backups,
    remove_side_files,
)
from clanstats.db.engine import engine_for
from clanstats.db.migrate import current_revision
from clanstats.db.models import FetchLog
from clanstats.db.pg_dump import DUMP_GLOB, dump_ok, dump_postgres, restore_postgres
from clanstats.errors import ConfigError, DatabaseError
from clanstats.lock import run_lock
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
    free_pages: int | None = None  # SQLite's page counts; PostgreSQL has none to report
    pages: int | None = None

    def as_dict(self) -> dict[str, int | bool]:
        """The counts as a plain dict (for printing or JSON)."""
        counts: dict[str, int | bool | None] = {
            "bytes_before": self.bytes_before,
            "bytes_after": self.bytes_after,
            "fetch_log_pruned": self.fetch_log_pruned,
            "vacuumed": self.vacuumed,
            "free_pages": self.free_pages,
            "pages": self.pages,
        }
        return {key: value for key, value in counts.items() if value is not None}


def list_backups(settings: Settings) -> list[Path]:
    """This engine's backups in BACKUP_DIR, newest first (names carry a UTC timestamp)."""
    if not settings.backup_dir.is_dir():
        return []
    pattern = BACKUP_GLOB if settings.is_sqlite else DUMP_GLOB
    return sorted(settings.backup_dir.glob(pattern), key=lambda p: p.name, reverse=True)


def make_backup(settings: Settings) -> Path:
    """Back the database up now (label "manual"); return the new file."""
    database = settings.sqlite_path
    if database is None:
        url = settings.database_url.get_secret_value()
        with run_lock(settings.lock_file):
            _require_schema(settings, "back up")
            return dump_postgres(
                url, settings.backup_dir, keep=settings.backup_keep, label="manual"
            )
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
    database = settings.sqlite_path
    if database is None:
        return _restore_postgres(settings, backup)
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
        remove_side_files(chosen)  # every connection to it is closed by now
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
    if fetch_log_days < 1:
        raise ConfigError(f"fetch_log_days={fetch_log_days} is not valid: expected 1 or more")
    database = settings.sqlite_path
    if database is None:
        with run_lock(settings.lock_file) if take_lock else nullcontext():
            counts = _optimize_postgres(settings, fetch_log_days=fetch_log_days)
            record_optimize(settings)
        return counts
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


def _require_schema(settings: Settings, what: str) -> None:
    engine = engine_for(settings, what)
    try:
        if current_revision(engine) is None:
            raise ConfigError(f"the database has no ClanStats tables yet: nothing to {what}")
    finally:
        engine.dispose()


def _restore_postgres(settings: Settings, backup: Path | None) -> Path | None:
    """Restore a pg_dump file after dumping the current database (label "before-restore")."""
    url = settings.database_url.get_secret_value()
    with run_lock(settings.lock_file):
        chosen = _choose_backup(settings, backup)
        if not dump_ok(chosen):
            raise DatabaseError(f"{chosen} is not a readable pg_dump file; pick another backup")
        engine = engine_for(settings, "restore")
        try:
            has_schema = current_revision(engine) is not None
        finally:
            engine.dispose()
        before = (
            dump_postgres(url, settings.backup_dir, keep=0, label="before-restore")
            if has_schema
            else None
        )
        restore_postgres(url, chosen)
        prune_backups(settings.backup_dir, keep=max(settings.backup_keep, 0), pattern=DUMP_GLOB)
    log.info("restored the database from %s (previous one kept as %s)", chosen, before)
    return before


def _optimize_postgres(settings: Settings, *, fetch_log_days: int) -> dict[str, int | bool]:
    """Prune the fetch log, then VACUUM (ANALYZE): space for reuse and fresh statistics."""
    _require_schema(settings, "optimize")
    engine = engine_for(settings, "optimize")
    try:
        before = _postgres_size(engine)
        pruned = _prune_fetch_log(settings, days=fetch_log_days)
        # VACUUM can't run inside a transaction block.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
        after = _postgres_size(engine)
    finally:
        engine.dispose()
    result = OptimizeResult(before, after, pruned, vacuumed=True)
    log.info("optimized the PostgreSQL database: %s", result.as_dict())
    return result.as_dict()


def _postgres_size(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


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
    engine = engine_for(settings, "optimize")
    try:
        with engine.begin() as conn:
            if not inspect(conn).has_table(FetchLog.__tablename__):
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
