"""Shared pytest fixtures."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from filelock import FileLock
from sqlalchemy import Engine

from clanstats.db.engine import make_engine
from simulator.chat import ChatConfig, SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from tests.databases import (
    ENABLE_POSTGRES,
    DatabaseFactory,
    PostgresDatabases,
    SharedDatabase,
    SqliteTemplate,
    run_demo_pipeline,
    server_url,
)
from tests.faults import FaultyDiscordServer, FaultyWomServer

SIM_NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)

# Every pipeline the tests start retries a failed request after 0.05 s, doubling, instead of a
# user's 1 s: the same retries and outcomes, without minutes of the suite spent asleep. Tests of
# the default set their own environment.
os.environ.setdefault("HTTP_RETRY_SECONDS", "0.05")
# The suite starts over a thousand stage processes. Where the environment forbids writing
# bytecode (PYTHONDONTWRITEBYTECODE, to keep the tree clean), each would compile every module it
# imports again: they keep their compiled modules in a folder of their own outside the tree.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
    os.environ.setdefault(
        "PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "clanstats-tests-pycache")
    )


@pytest.fixture
def sim_clan() -> SimulatedClan:
    """Return a small deterministic clan: 12 members, 30 days of history, now fixed."""
    return SimulatedClan(SimConfig(seed=7, members=12, days=30, now=SIM_NOW))


@pytest.fixture
def wom_server(sim_clan: SimulatedClan) -> Iterator[FaultyWomServer]:
    """Serve `sim_clan` on loopback with limits too high to hit; stop after the test.

    It answers as the simulated WOM does until a test injects a fault (tests/faults/).
    """
    with FaultyWomServer(sim_clan, limit_with_key=10_000, limit_without_key=10_000) as server:
        yield server


@pytest.fixture
def sim_chat(sim_clan: SimulatedClan) -> SimulatedChat:
    """Return the Discord of `sim_clan`: deterministic, its clock is the clan's."""
    return SimulatedChat(sim_clan, ChatConfig(seed=11))


@pytest.fixture
def discord_server(sim_chat: SimulatedChat) -> Iterator[FaultyDiscordServer]:
    """Serve `sim_chat` over Discord's REST API on loopback, limits too high to hit.

    It answers as the simulated Discord does until a test injects a fault (tests/faults/).
    """
    with FaultyDiscordServer(sim_chat, rate_limit_per_second=10_000) as server:
        yield server


# --- databases: every database test runs on SQLite, and on PostgreSQL when one is configured ---

ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


# For tests of what the database engine can't change (main.py running stages, HTTP faults, what
# the terminal shows): the PostgreSQL variant would add minutes to the suite and prove nothing
# more, since the truth test, the stage tests and the migrate-db tests run every query there.
SQLITE_ONLY = pytest.mark.parametrize("database_kind", [ENGINES[0]], indirect=True)


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases | None]:
    """The PostgreSQL server of TEST_DATABASE_URL (None when unset); cleaned up at the end."""
    url = server_url()
    if url is None:
        yield None
        return
    databases = PostgresDatabases(url)
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    """A SQLite file migrated once per session."""
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


def engine_kind(request: pytest.FixtureRequest) -> str:
    """The engine a parametrized fixture runs on; skip PostgreSQL without TEST_DATABASE_URL."""
    kind = str(request.param)
    if kind == "postgresql" and server_url() is None:
        pytest.skip(ENABLE_POSTGRES)
    return kind


@pytest.fixture(params=ENGINES)
def database_kind(request: pytest.FixtureRequest) -> str:
    """Which engine this test runs on; the PostgreSQL variant skips without TEST_DATABASE_URL."""
    return engine_kind(request)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> SharedDatabase:
    """The whole demo pipeline run once per session on SQLite (read-only for tests).

    On SQLite only (see SQLITE_ONLY): its tests read the outputs, and the truth test checks
    clan_data.json and the workbook on PostgreSQL too.
    """
    database = sqlite_demo_database(tmp_path_factory)
    return SharedDatabase("sqlite", f"sqlite:///{database.as_posix()}", database.parent)


def sqlite_demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo pipeline's SQLite database, made once per session (the browser tests use it).

    Once for all xdist workers: the first to ask makes it under the session's shared temp
    folder while the others wait on a lock; a marker says it was finished.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "clanstats-demo"
    done = shared / "clanstats-demo.done"
    with FileLock(str(shared / "clanstats-demo.lock")):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a worker that died half-way
            run_demo_pipeline(folder)
            done.touch()
    return folder / "clanstats.db"


@pytest.fixture
def new_database(
    request: pytest.FixtureRequest, database_kind: str, tmp_path: Path
) -> Iterator[DatabaseFactory]:
    """Make databases of this test's kind: `new_database()` (migrated) or `(migrated=False)`."""
    factory = DatabaseFactory(request, database_kind, tmp_path)
    yield factory
    factory.drop_all()


@pytest.fixture
def database_url(new_database: DatabaseFactory) -> str:
    """The URL of a new, empty database (SQLite: `tmp_path/clanstats.db`, not created yet)."""
    return new_database(migrated=False)


@pytest.fixture
def migrated_url(new_database: DatabaseFactory) -> str:
    """The URL of a new database at the newest schema (SQLite: `tmp_path/clanstats.db`)."""
    return new_database()


@pytest.fixture
def migrated_engine(migrated_url: str) -> Iterator[Engine]:
    """An engine on a new database at the newest schema; disposed after the test."""
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


# End-to-end modules: they run main.py and its stages, setup, a browser or LibreOffice in
# subprocesses. They are marked `slow`: `pytest -m "not slow"` is the quick loop while coding
# (README, Development); CI runs everything.
END_TO_END = frozenset(
    {
        "test_truth_end_to_end.py",
        "test_disk_faults.py",
        "test_main_cli.py",
        "test_groups_pipeline.py",
        "test_terminal_output.py",
        "test_runs_view.py",
        "test_fail_fast.py",
        "test_setup_scripts.py",
        "test_bench.py",
        "test_refresh.py",
        "test_migrate_db.py",
        "test_postgres.py",
        "test_harvest_discord.py",
        "test_doctor.py",
        "test_backup_and_lock.py",
        "test_dashboard_browser.py",
        "test_alliance_browser.py",
        "test_phone_and_print_dashboard.py",
        "test_phone_and_print_site.py",
        "test_phone_and_print_workbook.py",
        "test_discord_optional_steps.py",
        "test_code_quality.py",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the end-to-end tests `slow`, and run them first so parallel workers (-n) finish
    together."""
    for item in items:
        if item.path.name in END_TO_END or "reliability" in item.path.parts:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
