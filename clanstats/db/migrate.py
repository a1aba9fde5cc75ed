"""Bring a database to the newest schema with Alembic, and tell whether it is there.

Every run asks whether the database is at the newest revision, and it nearly always is:
that question is answered without importing Alembic (about 0.1 s of each run's start), from
the migration files' `revision` lines and the database's `alembic_version` row. Anything
those don't answer plainly (a branch, a merge) goes to Alembic itself.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from clanstats.errors import DatabaseError
from clanstats.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
VERSIONS = PROJECT_ROOT / "migrations" / "versions"
# `revision: str = "0014"` and `down_revision: str | None = '0013'` (or None).
REVISION_LINE = re.compile(
    r"""^(down_)?revision\b[^=\n]*=\s*(?:["']([^"'\n]+)["']|None)\s*$""", re.M
)


def alembic_config() -> Config:
    """The Alembic config of this project, independent of the working directory."""
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return config


def head_revision() -> str:
    """The newest revision the code knows: the one no migration names as the one before it."""
    return _plain_head() or _alembic_head()


def _plain_head() -> str | None:
    """The head from a plain chain of migration files; None for anything else."""
    revisions: set[str] = set()
    before: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        found = REVISION_LINE.findall(path.read_text(encoding="utf-8"))
        mine = [value for down, value in found if not down]
        if len(mine) != 1 or len(found) != 2:
            return None  # not the one revision and one plain parent this reading knows
        revisions.add(mine[0])
        before.update(value for down, value in found if down and value)
    heads = revisions - before
    return heads.pop() if len(heads) == 1 and before <= revisions else None


def _alembic_head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "migrations/versions holds no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, None for an empty database."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            if len(versions) <= 1:
                return versions[0] if versions else None
            from alembic.runtime.migration import MigrationContext

            return MigrationContext.configure(conn).get_current_revision()  # several heads
    except SQLAlchemyError as exc:
        raise DatabaseError(f"can't read the database's schema version: {_short(exc)}") from None


def upgrade_to_head(engine: Engine) -> bool:
    """Upgrade the database to head; return True when a migration ran."""
    before = current_revision(engine)
    head = head_revision()
    if before == head:
        return False
    from alembic import command

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
