"""PostgreSQL as a user meets it: connection problems in one line, readers never blocked.

The concurrency test runs on both engines; the rest need a PostgreSQL server (TEST_DATABASE_URL).
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import make_url, text

from clanstats.db.engine import engine_for, make_engine
from clanstats.doctor import run_doctor
from clanstats.errors import EXIT_DATABASE, EXIT_OK
from clanstats.settings import load_settings
from tests.databases import ENABLE_POSTGRES, query, run_stage_script, server_url
from tests.test_report_safety import GROUP, hostile_clan, write

pg_only = pytest.mark.parametrize("database_kind", ["postgresql"], indirect=True)


def run_stage(data_dir: Path, stage: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return run_stage_script(data_dir, stage, database_url, GROUP)


def server() -> str:
    url = server_url()
    if url is None:
        pytest.skip(ENABLE_POSTGRES)
    return url


@pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
def test_reading_is_never_blocked_by_an_open_write_transaction(
    migrated_url: str, tmp_path: Path
) -> None:
    engine = hostile_clan(migrated_url)
    writer = make_engine(migrated_url)
    with writer.connect() as conn:
        conn.execute(text("UPDATE players SET display_name = 'uncommitted' WHERE player_id = 1"))
        conn.execute(
            text(
                "INSERT INTO fetch_log (group_id, source, started_at, finished_at, requests, "
                "rows, outcome) VALUES (:g, 'wom:roster', :t, :t, 1, 1, 'ok')"
            ),
            {"g": GROUP, "t": "2026-11-20 17:00:00"},
        )
        # The write transaction stays open while the workbook is read from the same tables.
        path = tmp_path / "out" / "report.xlsx"
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(write, engine, path).result(timeout=20)
        members = load_workbook(path, read_only=True)["Members"]
        names = {row[0] for row in members.iter_rows(min_row=5, max_col=1, values_only=True)}
        assert "uncommitted" not in names and len(names) > 3
        if engine.dialect.name == "postgresql":
            # A whole stage, its own bookkeeping writes included, runs beside the writer.
            done = run_stage(tmp_path, "report", migrated_url)
            assert done.returncode == EXIT_OK, done.stderr
        conn.rollback()
    writer.dispose()
    engine.dispose()


@pg_only
def test_stages_name_themselves_to_the_server(migrated_url: str, tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path / "absent.env", {"CLANSTATS_DATA_DIR": str(tmp_path), "DATABASE_URL": migrated_url}
    )
    engine = engine_for(settings, "report")
    with engine.connect() as conn:
        assert conn.execute(text("SHOW application_name")).scalar() == "clanstats report"
        assert conn.execute(text("SHOW TimeZone")).scalar() == "UTC"
    assert engine.pool._pre_ping  # type: ignore[attr-defined]
    engine.dispose()


def problem_urls(base: str) -> list[tuple[str, str]]:
    """(URL, what the one line must say) for each way a connection goes wrong."""
    url = make_url(base)
    return [
        (
            url.set(host="127.0.0.1", port=1).render_as_string(hide_password=False),
            "can't reach PostgreSQL at 127.0.0.1:1",
        ),
        (
            url.set(database="clanstats_no_such_db").render_as_string(hide_password=False),
            "database 'clanstats_no_such_db' does not exist",
        ),
        (
            url.set(username="clanstats_nobody", password="pw").render_as_string(
                hide_password=False
            ),
            "clanstats_nobody",
        ),
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("case", [0, 1, 2], ids=["unreachable", "no database", "no user"])
def test_connection_problems_are_one_line_with_exit_code_4(tmp_path: Path, case: int) -> None:
    url, expected = problem_urls(server())[case]
    done = run_stage(tmp_path, "report", url)
    assert done.returncode == EXIT_DATABASE, done.stderr
    assert expected in done.stderr and "DATABASE_URL" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr + (tmp_path / "app.log").read_text()


def test_the_short_postgres_scheme_reaches_the_server_question(tmp_path: Path) -> None:
    """`postgres://` to a closed port: the stage's one connection line and exit 4, as for
    postgresql+psycopg:// (it was an unexpected error, exit 1). No server needed."""
    done = run_stage(tmp_path, "report", "postgres://clan:hunter2@127.0.0.1:1/clan")
    assert done.returncode == EXIT_DATABASE, done.stderr
    assert "can't reach PostgreSQL at 127.0.0.1:1" in done.stderr
    assert "hunter2" not in done.stderr + (tmp_path / "app.log").read_text()


@pytest.mark.postgres
def test_a_wrong_password_is_named_without_showing_it(tmp_path: Path) -> None:
    url = make_url(server())
    if not url.password:
        pytest.skip("needs a TEST_DATABASE_URL with a password (a server with password auth)")
    wrong = url.set(password="not-the-password-123").render_as_string(hide_password=False)
    done = run_stage(tmp_path, "report", wrong)
    assert done.returncode == EXIT_DATABASE
    assert "wrong or missing password" in done.stderr
    assert "not-the-password-123" not in done.stderr + (tmp_path / "app.log").read_text()


@pg_only
def test_doctor_reports_the_server_and_the_schema(migrated_url: str, tmp_path: Path) -> None:
    environ = {
        "CLANSTATS_ENV_FILE": str(tmp_path / "absent.env"),
        "CLANSTATS_DATA_DIR": str(tmp_path),
        "DATABASE_URL": migrated_url,
        "RULES_FILE": "",
    }
    checks = {c.name: c for c in run_doctor(load_settings(None, environ), environ=environ)}
    [(version,)] = query(migrated_url, "SHOW server_version")
    assert checks["database"].ok is True and f"PostgreSQL {version}" in checks["database"].detail
    assert checks["database schema"].ok is True and "newest revision" in (
        checks["database schema"].detail
    )
    assert checks["backup tools"].ok is True

    environ["DATABASE_URL"] = problem_urls(server())[1][0]
    checks = {c.name: c for c in run_doctor(load_settings(None, environ), environ=environ)}
    assert checks["database"].ok is False and "does not exist" in checks["database"].detail
