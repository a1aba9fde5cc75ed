"""The benchmark's database: SQLite in its own folder by default, or an empty one given by URL."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from clanstats.db.engine import make_engine
from clanstats.db.models import DiscordMessage
from clanstats.db.urls import sqlite_path_from_url
from clanstats.errors import ConfigError, DatabaseError
from clanstats.settings import load_settings


def choose_database(url: str | None, folder: Path) -> str:
    """The URL the stages use: `url` checked to be usable and empty, else a file in `folder`."""
    if url is None:
        return f"sqlite:///{(folder / 'clanstats.db').as_posix()}"
    # The same rules as DATABASE_URL in .env, with the same one-line errors.
    checked = load_settings(
        environ={
            "CLANSTATS_ENV_FILE": str(folder / "absent.env"),
            "CLANSTATS_DATA_DIR": str(folder),
            "DATABASE_URL": url,
        }
    ).database_url.get_secret_value()
    path = sqlite_path_from_url(checked)
    if path is not None:
        if path.exists():
            raise ConfigError(
                f"--database-url: {path} already exists; the benchmark fills its database with "
                "a simulated clan, so name a file that doesn't exist yet"
            )
        return checked
    _require_empty(checked)
    return checked


def _require_empty(url: str) -> None:
    """Refuse a server database that can't be reached or already holds tables."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseError(
            f"--database-url: can't open the database ({reason[:160]}); check the URL, that "
            "the server runs and that the database exists (createdb NAME)"
        ) from None
    finally:
        engine.dispose()
    if tables:
        raise ConfigError(
            f"--database-url: the database already holds {len(tables)} table(s); the benchmark "
            "fills its database with a simulated clan, so give it an empty one (createdb NAME)"
        )


def database_bytes(engine: Engine) -> int:
    """The database's size on disk: the SQLite file with its WAL folded in, or PostgreSQL's."""
    if engine.dialect.name == "sqlite":
        path = sqlite_path_from_url(str(engine.url))
        assert path is not None
        with closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return path.stat().st_size
    with engine.connect() as connection:
        size = connection.scalar(text("SELECT pg_database_size(current_database())"))
    return int(size or 0)


# What the bytes are for: the raw game data (WOM snapshots are the comparable "per member-day"
# figure), the raw chat metadata, what transform derives from them, and run bookkeeping.
STORAGE_PARTS = {
    "wom snapshots": ("snapshots", "snapshot_values", "current_values"),
    "wom events and roster": (
        "players",
        "memberships",
        "membership_events",
        "achievements",
        "name_changes",
        "competitions",
        "competition_participations",
        "gain_windows",
        "window_gains",
        "metrics",
        "wom_groups",
        "backfill_progress",
        "gain_baselines",
    ),
    "discord": ("discord_messages", "discord_users", "discord_channels", "relay_names"),
}
BOOKKEEPING = (
    "pipeline_runs",
    "stage_runs",
    "fetch_log",
    "output_manifest",
    "sync_history",
    "harvest_cursors",
    "transform_state",
    "alembic_version",
)


def storage_by_part(engine: Engine) -> dict[str, int]:
    """Bytes per part of the database (tables with their indexes): raw WOM, Discord, derived."""
    sizes = _table_bytes(engine)
    parts = {part: sum(sizes.pop(t, 0) for t in tables) for part, tables in STORAGE_PARTS.items()}
    parts["bookkeeping"] = sum(sizes.pop(t, 0) for t in BOOKKEEPING)
    parts["derived"] = sum(sizes.values())
    return parts


def _table_bytes(engine: Engine) -> dict[str, int]:
    """Each table's bytes on disk, its indexes included."""
    if engine.dialect.name == "sqlite":
        # dbstat names each b-tree; sqlite_master says which table an index belongs to.
        query = (
            "SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m "
            "ON m.name = d.name GROUP BY m.tbl_name"
        )
    else:
        query = (
            "SELECT relname, pg_total_relation_size(relid) FROM pg_catalog.pg_statio_user_tables"
        )
    with engine.connect() as connection:
        return {str(name): int(size or 0) for name, size in connection.execute(text(query))}


def stored_messages(engine: Engine) -> int:
    """Discord messages in the database, every group."""
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(DiscordMessage)) or 0)
