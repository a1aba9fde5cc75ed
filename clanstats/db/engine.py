"""Open the database: SQLite with WAL, foreign keys and a busy timeout, or PostgreSQL.

A PostgreSQL server that can't be reached, a refused login or a missing database is a
DatabaseError (exit code 4) naming the host, the database and the fix, before any work starts.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from clanstats.errors import DatabaseError
from clanstats.settings import Settings

BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_SECONDS = 10


def make_engine(url: str, *, application_name: str = "clanstats", **kwargs: Any) -> Engine:
    """Create an engine; SQLite connections get the pragmas every stage relies on.

    PostgreSQL connections check they are alive before use, give up connecting after
    CONNECT_TIMEOUT_SECONDS, show `application_name` in pg_stat_activity, and run in UTC so
    naive UTC datetimes are stored exactly as SQLite stores them.
    """
    if make_url(url).get_backend_name() == "postgresql":
        connect_args = {
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "application_name": application_name[:63],
            "options": "-c timezone=UTC",
            **kwargs.pop("connect_args", {}),
        }
        kwargs = {"pool_pre_ping": True, "connect_args": connect_args, **kwargs}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def engine_for(settings: Settings, purpose: str = "") -> Engine:
    """The engine for the configured database, checked to answer (PostgreSQL).

    `purpose` (a stage or command name) is shown to the server as `clanstats <purpose>`.
    """
    name = f"clanstats {purpose}".strip()
    engine = make_engine(settings.database_url.get_secret_value(), application_name=name)
    if engine.dialect.name != "sqlite":
        check_connection(engine)
    return engine


def check_connection(engine: Engine) -> None:
    """Connect once; a failure becomes one DatabaseError line naming server, database and fix."""
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        engine.dispose()
        raise DatabaseError(connection_problem(engine.url, exc)) from None


def connection_problem(url: URL, exc: BaseException) -> str:
    """Say in one line why a PostgreSQL connection failed and what to change (no password)."""
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    database, user = url.database or "?", url.username or "?"
    reason = str(getattr(exc, "orig", exc)).lower()
    if "password authentication failed" in reason or "no password supplied" in reason:
        return (
            f"PostgreSQL at {where} refused user {user!r} (wrong or missing password): "
            "fix the user and password in DATABASE_URL"
        )
    if f'role "{user.lower()}" does not exist' in reason:
        return (
            f"PostgreSQL at {where} has no user {user!r}: create it (CREATE USER {user} "
            "PASSWORD '...') or fix the user in DATABASE_URL"
        )
    if "does not exist" in reason and "database" in reason:
        return (
            f"database {database!r} does not exist on PostgreSQL at {where}: create it "
            f"(CREATE DATABASE {database} OWNER {user}) or fix the name in DATABASE_URL"
        )
    if "permission denied" in reason or "not permitted" in reason:
        return (
            f"PostgreSQL at {where} does not let {user!r} connect to {database!r}: "
            f"GRANT CONNECT ON DATABASE {database} TO {user}, or fix DATABASE_URL"
        )
    return (
        f"can't reach PostgreSQL at {where} (database {database!r}): start the server or fix "
        f"the host and port in DATABASE_URL ({_first_line(reason)})"
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:160] if text.strip() else "no answer"


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # WAL lets a report read while a harvest writes; NORMAL sync is safe under WAL and much faster.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()
