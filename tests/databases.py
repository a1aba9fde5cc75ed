"""Fresh test databases on both engines: a SQLite file, or a database on a PostgreSQL server.

The PostgreSQL variants run when TEST_DATABASE_URL names a server (any database on it the user
may connect to, e.g. `postgresql+psycopg://postgres@127.0.0.1:5432/postgres`, by a user allowed
to CREATE DATABASE). Each test gets its own database, copied from a template that was migrated
once per session, and dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text

from clanstats.db.engine import make_engine
from clanstats.db.migrate import upgrade_to_head
from clanstats.db.urls import sqlite_path_from_url
from clanstats.settings import PROJECT_ROOT

TEST_DATABASE_URL_ENV = "TEST_DATABASE_URL"
ENABLE_POSTGRES = (
    f"PostgreSQL variant: set {TEST_DATABASE_URL_ENV}=postgresql+psycopg://user@host:port/postgres "
    "(a server where the user may CREATE DATABASE) to run it"
)


def server_url() -> str | None:
    """The PostgreSQL server the tests may use, or None."""
    return os.environ.get(TEST_DATABASE_URL_ENV, "").strip() or None


class PostgresDatabases:
    """Create and drop uniquely named databases on the test server."""

    def __init__(self, url: str) -> None:
        self._url = make_url(url)
        self._prefix = f"clanstats_test_{uuid.uuid4().hex[:8]}"
        self._count = 0
        self._admin = create_engine(self._url, isolation_level="AUTOCOMMIT")
        self._template: str | None = None
        self._live: list[str] = []

    def url_of(self, name: str) -> str:
        """The URL of database `name` on the server (password included)."""
        return self._url.set(database=name).render_as_string(hide_password=False)

    def create(self, *, migrated: bool, copy_of: str | None = None) -> str:
        """A new database: empty, at the newest schema, or a copy of database `copy_of`."""
        self._count += 1
        name = f"{self._prefix}_{self._count}"
        template = copy_of or (self.migrated_template() if migrated else "template0")
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self._live.append(name)
        return name

    def drop(self, name: str) -> None:
        """Drop a database, closing whatever connections a test left open to it."""
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self._live:
            self._live.remove(name)

    def migrated_template(self) -> str:
        """A database migrated to head once per session, the template of `create(migrated=True)`."""
        if self._template is None:
            name = f"{self._prefix}_template"
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
            engine = make_engine(self.url_of(name))
            try:
                upgrade_to_head(engine)
            finally:
                engine.dispose()  # a template must have no open connections when copied
            self._template = name
        return self._template

    def close(self) -> None:
        """Drop every database still there (session-wide ones, the template); disconnect."""
        for name in [*self._live, *([self._template] if self._template else [])]:
            self.drop(name)
        self._admin.dispose()

    def _execute(self, sql: str) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(sql))


class SqliteTemplate:
    """A SQLite file migrated once per session; tests get copies of it."""

    def __init__(self, folder: Path) -> None:
        self._path = folder / "template.db"
        engine = make_engine(f"sqlite:///{self._path.as_posix()}")
        try:
            upgrade_to_head(engine)
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()

    def copy_to(self, target: Path) -> None:
        """Put a migrated database at `target`."""
        shutil.copyfile(self._path, target)


class DatabaseFactory:
    """Makes new databases of one kind for a test and drops them after it."""

    def __init__(self, request: pytest.FixtureRequest, kind: str, folder: Path) -> None:
        self.kind = kind
        self._request = request
        self._folder = folder
        self._made: list[str] = []

    def __call__(self, *, migrated: bool = True) -> str:
        """The URL of a new database (SQLite: the first is `clanstats.db` in tmp_path)."""
        if self.kind == "sqlite":
            number = len(self._made) + 1
            path = self._folder / ("clanstats.db" if number == 1 else f"clanstats-{number}.db")
            self._made.append(str(path))
            if migrated:
                self._request.getfixturevalue("sqlite_template").copy_to(path)
            return f"sqlite:///{path.as_posix()}"
        name = self._postgres().create(migrated=migrated)
        self._made.append(name)
        return self._postgres().url_of(name)

    def drop_all(self) -> None:
        """Drop the PostgreSQL databases made (SQLite files go with tmp_path)."""
        if self.kind == "postgresql":
            for name in self._made:
                self._postgres().drop(name)

    def _postgres(self) -> PostgresDatabases:
        databases: PostgresDatabases = self._request.getfixturevalue("postgres_databases")
        return databases


@dataclass(frozen=True)
class SharedDatabase:
    """A database built once and shared read-only (the demo's, say), and its data folder."""

    kind: str
    url: str
    folder: Path
    postgres: PostgresDatabases | None = None

    def copy(self, target: Path) -> str:
        """A copy a test may change (SQLite: the file at `target`); its URL.

        On PostgreSQL the source must have no open connections: dispose its engines first.
        """
        if self.postgres is None:
            source = sqlite_path_from_url(self.url)
            assert source is not None
            shutil.copyfile(source, target)
            return f"sqlite:///{target.as_posix()}"
        name = self.postgres.create(migrated=False, copy_of=make_url(self.url).database)
        return self.postgres.url_of(name)


def run_stage_script(
    data_dir: Path, stage: str, database_url: str, group_id: int
) -> subprocess.CompletedProcess[str]:
    """`python -m scripts.<stage>` alone (no .env, no rules file) on the given database."""
    env = {
        **os.environ,
        "CLANSTATS_ENV_FILE": str(data_dir / "absent.env"),
        "CLANSTATS_DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "WOM_GROUP_ID": str(group_id),
        "RULES_FILE": "",
    }
    return subprocess.run(
        [sys.executable, "-m", f"scripts.{stage}"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_demo_pipeline(folder: Path, database_url: str | None = None) -> None:
    """`main.py --demo` into `folder` (its database: `folder/clanstats.db` or `database_url`)."""
    env = {**os.environ, "CLANSTATS_DEMO_DIR": str(folder)}
    if database_url is not None:
        env["CLANSTATS_DEMO_DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "main.py", "--demo"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def query(url: str, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Run one statement on the database at `url` and return its rows as tuples (commits)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params or {})
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def execute(url: str, *statements: str) -> None:
    """Run statements in one transaction on the database at `url`."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for sql in statements:
                conn.execute(text(sql))
    finally:
        engine.dispose()
