"""`main.py migrate-db --to URL`: copy a real ClanStats database, resume, verify, refuse.

The source is made by the real harvest (WOM and Discord, against the loopback fakes) and
transform stages. SQLite -> SQLite always runs; the PostgreSQL tests need a server:
set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres (any database the
user may CREATE DATABASE from). Each test makes its own database there and drops it after.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from clanstats.cli import main
from clanstats.db.checksum import table_checksum
from clanstats.db.engine import make_engine
from clanstats.db.models import Base
from clanstats.db.urls import sqlite_path_from_url
from clanstats.errors import EXIT_CONFIG, EXIT_DATABASE, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_OK
from clanstats.lock import run_lock
from clanstats.settings import PROJECT_ROOT
from simulator.chat import SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from simulator.discord_server import FakeDiscordServer
from simulator.wom_server import FakeWomServer

PG_SERVER = os.environ.get("TEST_DATABASE_URL", "")
needs_postgres = pytest.mark.skipif(
    not PG_SERVER.startswith("postgresql"),
    reason="no PostgreSQL server: set TEST_DATABASE_URL=postgresql+psycopg://postgres@"
    "127.0.0.1:5432/postgres to run the PostgreSQL copies",
)
DERIVED = ("member_status", "period_gains", "daily_activity", "promotions", "clan_daily")


def run_main(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """main.py as a user runs it, settings from the environment only."""
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py"), *args],
        env=_environ(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _environ(data_dir: Path, **env: str) -> dict[str, str]:
    return {
        **os.environ,
        "CLANSTATS_ENV_FILE": str(data_dir / "absent.env"),
        "CLANSTATS_DATA_DIR": str(data_dir),
        "RULES_FILE": str(PROJECT_ROOT / "rules.example.yaml"),
        "IDENTITY_FILE": str(PROJECT_ROOT / "identity.example.csv"),
        "PEOPLE_FILE": str(PROJECT_ROOT / "people.example.csv"),
        **env,
    }


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A database filled by the real harvest (WOM + Discord) and transform; the stages' env."""
    folder = tmp_path_factory.mktemp("source")
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    clan = SimulatedClan(SimConfig(seed=5, members=12, days=30, now=today))
    chat = SimulatedChat(clan)
    with (
        FakeWomServer(clan, limit_with_key=10_000) as wom,
        FakeDiscordServer(chat, rate_limit_per_second=10_000) as discord,
    ):
        env = {
            "WOM_BASE_URL": wom.base_url,
            "WOM_GROUP_ID": str(clan.config.group_id),
            "WOM_API_KEY": "demo-key",
            "WOM_REQUESTS_PER_MINUTE": "10000",
            "DISCORD_BOT_TOKEN": chat.bot_token,
            "DISCORD_GUILD_ID": str(chat.guild_id),
            "DISCORD_RELAY_CHANNEL_IDS": str(chat.relay_channel_id),
            "DISCORD_API_BASE": discord.api_base,
        }
        for stage in ("harvest", "backfill", "transform"):
            result = run_main(folder, stage, **env)
            assert result.returncode == EXIT_OK, result.stderr
        yield folder / "clanstats.db", env


@pytest.fixture
def source(populated: tuple[Path, dict[str, str]], tmp_path: Path) -> Path:
    """A private copy of the populated database, in this test's data folder."""
    target = tmp_path / "clanstats.db"
    with sqlite3.connect(populated[0]) as original, sqlite3.connect(target) as copy:
        original.backup(copy)
    original.close()
    copy.close()
    return target


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, uniquely named PostgreSQL database on the test server; dropped after."""
    if not PG_SERVER.startswith("postgresql"):
        pytest.skip("no TEST_DATABASE_URL")
    name = f"clanstats_copy_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield (
        make_url(PG_SERVER)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def checksums(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and checksum, computed by the code under test's own method."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: (found.rows, found.digest)
                for table in Base.metadata.sorted_tables
                for found in [table_checksum(conn, table)]
            }
    finally:
        engine.dispose()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.as_posix()}"


def count(url: str, sql: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def migrate(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_main(data_dir, "migrate-db", *args, **env)


# --- copies that work --------------------------------------------------------------------------


def test_a_sqlite_copy_is_verified_and_names_the_next_step(
    source: Path, in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = in_folder / "copy.db"
    assert main(["migrate-db", "--to", sqlite_url(target), "--batch-size", "700"]) == EXIT_OK
    err = capsys.readouterr().err
    assert checksums(sqlite_url(target)) == checksums(sqlite_url(source))
    assert count(sqlite_url(target), "SELECT count(*) FROM daily_gains") > 1_000
    assert "DIFFERS" not in err and "snapshot_values" in err
    assert f"\nDATABASE_URL={sqlite_url(target)}\n" in err
    # A second run finds everything there: nothing copied twice, still verified.
    assert main(["migrate-db", "--to", sqlite_url(target)]) == EXIT_OK
    assert checksums(sqlite_url(target)) == checksums(sqlite_url(source))
    assert main(["migrate-db", "--to", sqlite_url(target), "--verify-only"]) == EXIT_OK
    assert "Verified. Next step" in capsys.readouterr().err


@needs_postgres
def test_a_postgres_copy_matches_and_the_stages_run_on_it(
    source: Path, tmp_path: Path, pg_url: str, populated: tuple[Path, dict[str, str]]
) -> None:
    # The server's own password where it asks for one (CI's does); on a trust-authentication
    # server a made-up one, which it ignores. Either way it must never be printed.
    secret = make_url(pg_url).password or "Sup3r-secret"
    with_password = make_url(pg_url).set(password=secret).render_as_string(False)
    result = migrate(tmp_path, "--to", with_password, "--batch-size", "1000")
    assert result.returncode == EXIT_OK, result.stderr
    output = result.stdout + result.stderr + (tmp_path / "app.log").read_text(encoding="utf-8")
    assert str(secret) not in output
    shown = make_url(with_password).render_as_string(hide_password=True)
    assert f"DATABASE_URL={shown}\n" in result.stderr and ":***@" in shown
    assert checksums(pg_url) == checksums(sqlite_url(source))
    # The sequences were moved past the copied ids: a new row gets the next id.
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        highest = conn.execute(text("SELECT max(id) FROM fetch_log")).scalar_one()
        new_id = conn.execute(
            text(
                "INSERT INTO fetch_log (source, started_at, finished_at, requests, rows, outcome)"
                " VALUES ('test', now(), now(), 0, 0, 'ok') RETURNING id"
            )
        ).scalar_one()
        conn.execute(text("DELETE FROM fetch_log WHERE id = :id"), {"id": new_id})
    engine.dispose()
    assert new_id == highest + 1
    # The stages run on the copy after DATABASE_URL changes, and derive the same tables.
    env = populated[1]
    for url in (sqlite_url(source), pg_url):
        done = run_main(tmp_path, "transform", DATABASE_URL=url, **env)
        assert done.returncode == EXIT_OK, done.stderr
    ours, theirs = checksums(sqlite_url(source)), checksums(pg_url)
    assert {t: ours[t] for t in DERIVED} == {t: theirs[t] for t in DERIVED}
    report = run_main(tmp_path, "report", DATABASE_URL=pg_url, **env)
    assert report.returncode == EXIT_OK, report.stderr
    assert (tmp_path / "output" / "clan_report_summary_merged.xlsx").exists()


def _has_rows(engine: Engine, sql: str) -> bool:
    """Whether the query counts rows yet (False while the file or table isn't made)."""
    path = sqlite_path_from_url(engine.url.render_as_string(hide_password=False))
    if path is not None and not path.exists():
        return False  # opening it here would make the file before the copy does
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one()) > 0
    except DBAPIError:
        return False


def _stop_part_way(tmp_path: Path, target_url: str, table: str, stop: str) -> tuple[int, str]:
    """Copy in tiny batches, stopped (`KILL` or `INT`) right after `table`'s third batch.

    The stop comes from a named crash point, not a timer: the same batch whatever the load.
    """
    command = ["migrate-db", "--to", target_url, "--batch-size", "5"]
    crash = f"migrate.after-batch.{table}@3" + (":INT" if stop == "INT" else "")
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py"), *command],
        env=_environ(tmp_path, CLANSTATS_CRASH_AT=crash),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.returncode, result.stderr


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX only")
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=needs_postgres)])
def test_a_killed_copy_resumes_without_duplicates(
    source: Path, tmp_path: Path, kind: str, request: pytest.FixtureRequest
) -> None:
    target_url = (
        request.getfixturevalue("pg_url")
        if kind == "postgres"
        else sqlite_url(tmp_path / "copy.db")
    )
    # daily_gains has thousands of rows: the kill lands after its third batch of 5.
    _stop_part_way(tmp_path, target_url, "daily_gains", "KILL")
    copied = count(target_url, "SELECT count(*) FROM daily_gains")
    assert 0 < copied < count(sqlite_url(source), "SELECT count(*) FROM daily_gains")
    result = migrate(tmp_path, "--to", target_url, "--batch-size", "500")
    assert result.returncode == EXIT_OK, result.stderr
    assert "Resuming:" in result.stderr
    assert checksums(target_url) == checksums(sqlite_url(source))


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT to a child, POSIX only")
def test_ctrl_c_keeps_the_batches_copied_and_says_how_to_continue(
    source: Path, tmp_path: Path
) -> None:
    target_url = sqlite_url(tmp_path / "copy.db")
    code, stderr = _stop_part_way(tmp_path, target_url, "daily_gains", "INT")
    assert code == EXIT_INTERRUPTED
    assert "Interrupted: every batch copied so far is kept" in stderr
    assert count(target_url, "SELECT count(*) FROM daily_gains") > 0
    result = migrate(tmp_path, "--to", target_url)
    assert result.returncode == EXIT_OK, result.stderr
    assert checksums(target_url) == checksums(sqlite_url(source))


# --- refusals --------------------------------------------------------------------------------


@pytest.fixture
def in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run main() in this process with settings from tmp_path; put logging back after."""
    for key, value in _environ(tmp_path).items():
        if key.startswith(("CLANSTATS_", "RULES_", "IDENTITY_", "DATABASE_")):
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    handlers = list(logging.getLogger().handlers)
    yield tmp_path
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """main.py migrate-db in this process: its exit code and its one error line."""
    code = main(["migrate-db", *args])
    err = capsys.readouterr().err.strip()
    assert code != EXIT_OK
    assert len(err.splitlines()) == 1, err
    return code, err


def test_bad_arguments_are_refused(in_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert refused(capsys, "--to", "mysql://u:pw@host/db") == (
        EXIT_CONFIG,
        "error: --to mysql://u:***@host/db: mysql is not supported; use "
        "postgresql+psycopg://user:password@host/dbname or sqlite:///file.db",
    )
    code, err = refused(capsys, "--to", "not a url")
    assert code == EXIT_CONFIG and "--to is not a database URL" in err
    code, err = refused(capsys, "--to", "postgresql+psycopg://u:pw@host")
    assert code == EXIT_CONFIG and "names no database" in err and "pw" not in err
    code, err = refused(capsys, "--to", "sqlite:///no/such/folder/x.db")
    assert code == EXIT_CONFIG and "which doesn't exist; create the folder" in err
    code, err = refused(capsys, "--to", "sqlite:///x.db", "--batch-size", "0")
    assert code == EXIT_CONFIG and "--batch-size 0 is not valid" in err


def test_the_source_itself_is_refused(
    source: Path, in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for same in (sqlite_url(source), "sqlite:///clanstats.db"):
        code, err = refused(capsys, "--to", same)
        assert code == EXIT_CONFIG and "is the database ClanStats uses now" in err


def test_no_source_or_a_source_behind_the_schema_is_refused(
    in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = sqlite_url(in_folder / "copy.db")
    code, err = refused(capsys, "--to", target)
    assert code == EXIT_CONFIG and "there is no database at" in err
    sqlite3.connect(in_folder / "clanstats.db").close()
    with sqlite3.connect(in_folder / "clanstats.db") as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('0003')")
    conn.close()
    code, err = refused(capsys, "--to", target)
    assert code == EXIT_DATABASE
    assert "is at schema 0003, not" in err and "run `python main.py` (or any stage) first" in err
    assert not (in_folder / "copy.db").exists()


def test_a_run_holding_the_lock_stops_it(
    source: Path, in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with run_lock(in_folder / "clanstats.lock"):
        code, err = refused(capsys, "--to", sqlite_url(in_folder / "copy.db"))
    assert code == EXIT_LOCKED and "another ClanStats run is in progress" in err
    assert not (in_folder / "copy.db").exists()


def test_an_unreachable_server_is_named_without_its_password(
    source: Path, in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing listens on port 9 of loopback: the connection is refused at once.
    code, err = refused(capsys, "--to", "postgresql+psycopg://clan:Hunter2pw@127.0.0.1:9/clan")
    assert code == EXIT_DATABASE
    assert err.startswith("error: can't reach the target database 127.0.0.1:9/clan (")
    assert "check the server is running" in err and "Hunter2pw" not in err
    assert "Hunter2pw" not in (in_folder / "app.log").read_text(encoding="utf-8")
    # The short postgres:// scheme some hosts hand out is understood.
    code, err = refused(capsys, "--to", "postgres://u:pw@127.0.0.1:9/db")
    assert code == EXIT_DATABASE and "can't reach the target database 127.0.0.1:9/db" in err


@needs_postgres
def test_a_missing_postgres_database_says_to_create_it(
    source: Path, in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"clanstats_absent_{uuid.uuid4().hex[:8]}"
    missing = make_url(PG_SERVER).set(drivername="postgresql+psycopg", database=name)
    code, err = refused(capsys, "--to", missing.render_as_string(hide_password=False))
    assert code == EXIT_DATABASE and f"`createdb {name}`" in err


def _other_clans_database(path: Path) -> None:
    """A ClanStats database at the newest schema holding some other group."""
    engine = make_engine(sqlite_url(path))
    from clanstats.db.migrate import upgrade_to_head

    upgrade_to_head(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO wom_groups (id, name, member_count, fetched_at) "
                "VALUES (999999, 'Other clan', 0, '2026-01-01 00:00:00')"
            )
        )
    engine.dispose()


def test_a_target_holding_another_database_is_refused(
    source: Path, in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = in_folder / "other.db"
    _other_clans_database(other)
    before = checksums(sqlite_url(other))
    code, err = refused(capsys, "--to", sqlite_url(other))
    assert code == EXIT_DATABASE
    assert "already holds a different ClanStats database (wom_groups: 1 rows there" in err
    assert checksums(sqlite_url(other)) == before
    # Tables with ClanStats' names but no schema version, and an older schema: refused too.
    for sql, expected in (
        ("DROP TABLE alembic_version", "but no ClanStats schema version"),
        (
            "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY); "
            "INSERT INTO alembic_version VALUES ('0002')",
            "a ClanStats database at schema 0002",
        ),
    ):
        with sqlite3.connect(other) as conn:
            conn.executescript(sql)
        conn.close()
        code, err = refused(capsys, "--to", sqlite_url(other))
        assert code == EXIT_DATABASE and expected in err


def test_a_changed_copy_fails_verification_naming_the_table(
    source: Path, in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = in_folder / "copy.db"
    assert main(["migrate-db", "--to", sqlite_url(target)]) == EXIT_OK
    capsys.readouterr()
    with sqlite3.connect(target) as conn:
        conn.execute(
            "UPDATE players SET exp = exp + 1 WHERE player_id = "
            "(SELECT max(player_id) FROM players)"
        )
    conn.close()
    assert main(["migrate-db", "--to", sqlite_url(target), "--verify-only"]) == EXIT_DATABASE
    err = capsys.readouterr().err
    assert "DIFFERS" in err
    last = err.strip().splitlines()[-1]
    assert (
        last.startswith("error: the copy in ") and "differs from this database in players;" in last
    )


def test_verify_only_needs_a_copy(
    source: Path, in_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = refused(capsys, "--to", sqlite_url(in_folder / "copy.db"), "--verify-only")
    assert code == EXIT_DATABASE and "holds no copy of this database yet" in err
    assert not (in_folder / "copy.db").exists()
