"""Bring a database to the newest schema with Alembic, and tell whether it is there."""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from clanstats.errors import DatabaseError
from clanstats.settings import PROJECT_ROOT

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    """The Alembic config of this project, independent of the working directory."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return config


def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "migrations/versions holds no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, None for an empty database."""
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise DatabaseError(f"can't read the database's schema version: {_short(exc)}") from None


def upgrade_to_head(engine: Engine) -> bool:
    """Upgrade the database to head; return True when a migration ran."""
    before = current_revision(engine)
    head = head_revision()
    if before == head:
        return False
    config = alembic_config()
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"migrating the database from {before or 'empty'} to {head} failed: {_short(exc)}; "
            "the backup taken before the run is in the backups folder"
        ) from None
    log.info("database migrated from %s to %s", before or "empty", head)
    return True


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200]
