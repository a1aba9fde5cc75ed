"""Get the database ready for a run: back it up, then migrate it to head.

SQLite is checked and copied before every run, the two side by side (`checked_backup`).
PostgreSQL, whose own backups are the operator's business and whose dumps of a big database
take a while, is dumped (pg_dump -Fc) only before a migration.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine

from clanstats.db.backup import (
    backup_sqlite,
    checked_backup,
    integrity_ok,
    unhealthy_database,
)
from clanstats.db.migrate import current_revision, head_revision, upgrade_to_head
from clanstats.db.pg_dump import dump_postgres
from clanstats.settings import Settings

log = logging.getLogger(__name__)


def prepare_database(settings: Settings, engine: Engine, *, backup: bool = True) -> Path | None:
    """Back up the database (see above) and upgrade the schema; return the backup's path."""
    path = settings.sqlite_path
    copy = None
    if path is None:
        current = current_revision(engine)
        if current is not None and current != head_revision():
            copy = dump_postgres(
                settings.database_url.get_secret_value(),
                settings.backup_dir,
                keep=settings.backup_keep,
                label="pre-migration",
            )
    elif path.exists():
        if backup:
            copy = checked_backup(path, settings.backup_dir, keep=settings.backup_keep)
        elif not integrity_ok(path):
            raise unhealthy_database(path, settings.backup_dir)
        elif current_revision(engine) != head_revision():
            copy = backup_sqlite(
                path, settings.backup_dir, keep=settings.backup_keep, label="pre-migration"
            )
    upgrade_to_head(engine)
    return copy
