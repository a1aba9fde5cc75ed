"""`main.py` as a user runs it: subprocess stages, exit codes, one-line errors, lock, records."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clanstats.cli import build_parser
from clanstats.errors import (
    EXIT_CONFIG,
    EXIT_DATABASE,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_SOURCE,
    EXIT_TIMEOUT,
)
from clanstats.lock import run_lock
from clanstats.pipeline import PIPELINE
from clanstats.settings import PROJECT_ROOT
from simulator.clan import SimConfig, SimulatedClan
from simulator.wom_server import FakeWomServer
from tests.conftest import SQLITE_ONLY
from tests.databases import execute
from tests.databases import query as query_url
from tests.faults import Fault, FaultyWomServer


@pytest.fixture
def live_server() -> Iterator[FaultyWomServer]:
    """A clan dated today, so the real clock in the subprocess sees it as current."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    clan = SimulatedClan(SimConfig(seed=9, members=15, days=40, now=today))
    with FaultyWomServer(clan, limit_with_key=10_000) as server:
        yield server


def run_main(
    data_dir: Path, *args: str, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "CLANSTATS_ENV_FILE": str(data_dir / "absent.env"),
        "CLANSTATS_DATA_DIR": str(data_dir),
        "RULES_FILE": str(PROJECT_ROOT / "rules.example.yaml"),
        **env,
    }
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py"), *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def wom_env(server: FakeWomServer, group: int = 4242) -> dict[str, str]:
    return {
        "WOM_BASE_URL": server.base_url,
        "WOM_GROUP_ID": str(group),
        "WOM_API_KEY": "demo-key",
        "WOM_REQUESTS_PER_MINUTE": "10000",
    }


def query(db: Path | str, sql: str) -> list[tuple]:
    """Rows from the database at a URL, or from a SQLite file."""
    return query_url(db if isinstance(db, str) else f"sqlite:///{db.as_posix()}", sql)


def test_help_lists_stages_and_exit_codes(tmp_path: Path) -> None:
    result = run_main(tmp_path, "--help")
    assert result.returncode == 0
    assert "harvest" in result.stdout and "backfill" in result.stdout
    assert "exit codes" in result.stdout


@pytest.mark.parametrize(
    ("argv", "force", "demo"),
    [
        (["harvest", "--force"], True, False),
        (["--force", "harvest"], True, False),
        (["harvest"], False, False),
        (["transform", "--demo"], False, True),
        (["--demo", "--force", "report", "--force"], True, True),
        (["sync", "--dry-run", "--force"], True, False),
        (["runs", "--demo", "show", "1"], False, True),
        (["identity", "--demo"], False, True),
        (["doctor", "--demo"], False, True),
    ],
)
def test_the_pipeline_options_work_after_the_command_too(
    argv: list[str], force: bool, demo: bool
) -> None:
    """`main.py harvest --force` was refused ("unrecognized arguments"); given on both sides,
    or left out after the command, a flag keeps what was said before it."""
    args = build_parser().parse_args(argv)
    assert (args.force, args.demo) == (force, demo)


# SQLite only: pg_dump backups through main.py are test_backup_then_restore_through_main's.
@SQLITE_ONLY
def test_a_run_records_itself_and_backs_up_first(
    tmp_path: Path, database_url: str, live_server: FaultyWomServer
) -> None:
    data = tmp_path / "clan data with spaces"
    data.mkdir()
    first = run_main(data, **wom_env(live_server), DATABASE_URL=database_url)
    assert first.returncode == EXIT_OK, first.stderr
    second = run_main(data, "harvest", **wom_env(live_server), DATABASE_URL=database_url)
    assert second.returncode == EXIT_OK, second.stderr
    db = database_url
    runs = query(db, "SELECT status, stages, exit_code FROM pipeline_runs ORDER BY id")
    pipeline = ",".join(stage.name for stage in PIPELINE)
    assert runs == [("ok", pipeline, 0), ("ok", "harvest", 0)]
    stages = query(db, "SELECT stage, status, counts FROM stage_runs ORDER BY id")
    assert [s[:2] for s in stages] == [
        *((stage.name, "ok") for stage in PIPELINE),
        ("harvest", "ok"),
    ]
    assert '"members": 15' in stages[0][2]
    # SQLite is copied before each run (none before the first); PostgreSQL before migrations.
    backups = list((data / "backups").glob("clanstats-*"))
    assert len(backups) == (1 if database_url.startswith("sqlite") else 0)
    assert "stage harvest finished with exit code 0" in (data / "app.log").read_text()


def test_a_pipeline_run_starts_each_later_stage_ahead(
    tmp_path: Path, live_server: FaultyWomServer
) -> None:
    """Each stage's process starts while the one before it runs (`clanstats.warm_start`)."""
    result = run_main(tmp_path, **wom_env(live_server))
    assert result.returncode == EXIT_OK, result.stderr
    log = (tmp_path / "app.log").read_text(encoding="utf-8")
    end = r"stage (\w+) exited 0 after .*?s \(its process: .*?s(.*?)\)$"
    ends = dict(re.findall(end, log, re.MULTILINE))
    assert list(ends) == [stage.name for stage in PIPELINE]
    assert ends["harvest"] == ""  # the first stage: nothing ran before it
    for stage in PIPELINE[1:]:
        assert ends[stage.name] == ", started ahead while the stage before it ran"
    # Only the stages that ran have records: none was run twice, none left half-started.
    assert query(tmp_path / "clanstats.db", "SELECT stage, status FROM stage_runs") == [
        (stage.name, "ok") for stage in PIPELINE
    ]


@SQLITE_ONLY
def test_a_stage_runs_alone_as_a_module(
    tmp_path: Path, database_url: str, live_server: FaultyWomServer
) -> None:
    environ = {
        **os.environ,
        "CLANSTATS_ENV_FILE": str(tmp_path / "absent.env"),
        "CLANSTATS_DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        **wom_env(live_server),
    }
    result = subprocess.run(
        [sys.executable, "-m", "scripts.harvest"],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert query(database_url, "SELECT stage, status FROM stage_runs") == [("harvest", "ok")]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WOM_GROUP_ID": "twelve"}, "WOM_GROUP_ID='twelve' is not valid"),
        ({"TIMEZONE": "Nowhere/Land"}, "TIMEZONE='Nowhere/Land' is not valid"),
        ({"CLANSTATS_DATA_DIR": "/definitely/not/here"}, "doesn't exist; create the folder"),
    ],
)
def test_bad_settings_stop_with_one_line_and_code_2(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    result = run_main(tmp_path, **env)
    assert result.returncode == EXIT_CONFIG
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_a_bad_rules_file_stops_with_its_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("activity:\n  inactive_after_days: soon\n", encoding="utf-8")
    result = run_main(tmp_path, RULES_FILE=str(rules), WOM_GROUP_ID="1")
    assert result.returncode == EXIT_CONFIG
    assert "line 2: activity.inactive_after_days = 'soon'" in result.stderr
    assert not (tmp_path / "clanstats.db").exists()


@SQLITE_ONLY
def test_a_bad_rules_file_keeps_the_previous_derived_tables(
    tmp_path: Path, database_url: str, live_server: FaultyWomServer
) -> None:
    assert (
        run_main(tmp_path, **wom_env(live_server), DATABASE_URL=database_url).returncode == EXIT_OK
    )
    db = database_url
    before = query(db, "SELECT * FROM period_gains ORDER BY player_id, period, metric")
    assert before
    rules = tmp_path / "rules.yaml"
    rules.write_text("goals:\n  - name: XP\n    metric: overall\n    target: -5\n")
    result = run_main(
        tmp_path,
        "transform",
        RULES_FILE=str(rules),
        **wom_env(live_server),
        DATABASE_URL=database_url,
    )
    assert result.returncode == EXIT_CONFIG
    assert "line 4: goals.0.target = -5" in result.stderr
    assert query(db, "SELECT * FROM period_gains ORDER BY player_id, period, metric") == before
    # The people file too: an alt that names two mains is one line, exit 2, nothing changed.
    people = tmp_path / "people.csv"
    people.write_text("alt,main\nIron Bob,Bob\nIron Bob,Al\n", encoding="utf-8")
    result = run_main(
        tmp_path, "transform", PEOPLE_FILE=str(people), **wom_env(live_server), DATABASE_URL=db
    )
    assert result.returncode == EXIT_CONFIG
    assert "people.csv: line 3: 'Iron Bob' is already an alt on line 2" in result.stderr
    assert query(db, "SELECT * FROM period_gains ORDER BY player_id, period, metric") == before


@SQLITE_ONLY
def test_transform_rebuild_derives_the_same_tables_again(
    tmp_path: Path, database_url: str, live_server: FaultyWomServer
) -> None:
    env = {**wom_env(live_server), "DATABASE_URL": database_url}
    assert run_main(tmp_path, **env).returncode == EXIT_OK
    assert run_main(tmp_path, "backfill", **env).returncode == EXIT_OK
    assert run_main(tmp_path, "transform", **env).returncode == EXIT_OK
    # Tables that do not depend on the day the run is made (a run at midnight stays equal).
    tables = ("daily_gains", "daily_activity", "gain_baselines", "identity_links")
    before = {t: query(database_url, f"SELECT * FROM {t} ORDER BY 1, 2, 3, 4") for t in tables}
    assert before["daily_gains"]

    again = run_main(tmp_path, "transform", **env)
    assert again.returncode == EXIT_OK, again.stderr
    rebuilt = run_main(tmp_path, "transform", "--rebuild", **env)
    assert rebuilt.returncode == EXIT_OK, rebuilt.stderr

    counts = [
        json.loads(row[0])
        for row in query(
            database_url, "SELECT counts FROM stage_runs WHERE stage = 'transform' ORDER BY id"
        )
    ]
    assert "rebuilt" not in counts[2] and counts[2].get("snapshots read", 0) == 0
    assert counts[3]["rebuilt"] and counts[3]["snapshots read"] > 0
    after = {t: query(database_url, f"SELECT * FROM {t} ORDER BY 1, 2, 3, 4") for t in tables}
    assert after == before


def test_a_corrupt_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "clanstats.db"
    db.write_bytes(b"garbage, not SQLite" * 500)
    result = run_main(tmp_path, WOM_GROUP_ID="1")
    assert result.returncode == EXIT_DATABASE
    assert "is not a healthy SQLite database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert db.read_bytes() == b"garbage, not SQLite" * 500


def test_unknown_stage_and_from(tmp_path: Path) -> None:
    assert run_main(tmp_path, "reticulate").returncode == EXIT_CONFIG
    result = run_main(tmp_path, "--from", "backfill", WOM_GROUP_ID="1")
    assert result.returncode == EXIT_CONFIG
    assert "--from backfill: not a pipeline stage" in result.stderr


def test_wrong_group_is_a_config_error(tmp_path: Path, live_server: FaultyWomServer) -> None:
    result = run_main(tmp_path, **wom_env(live_server, group=999))
    assert result.returncode == EXIT_CONFIG
    assert "WOM_GROUP_ID=999" in result.stderr
    assert "demo-key" not in result.stderr + (tmp_path / "app.log").read_text()


@SQLITE_ONLY
def test_a_source_failure_is_a_partial_run(
    tmp_path: Path, database_url: str, live_server: FaultyWomServer
) -> None:
    # An answer of the wrong type fails the source at once (a 503 would be retried for 15 s).
    live_server.inject(Fault("wrong_type", path_pattern="competitions", times=100))
    result = run_main(tmp_path, **wom_env(live_server), timeout=300, DATABASE_URL=database_url)
    assert result.returncode == EXIT_SOURCE
    assert "wom:competitions" in result.stderr
    db = database_url
    assert query(db, "SELECT count(*) FROM memberships WHERE left_at IS NULL")[0][0] == 15
    assert query(db, "SELECT stage, status FROM stage_runs") == [
        ("harvest", "partial"),
        *((stage.name, "ok") for stage in PIPELINE[1:]),
    ]


def test_a_second_run_exits_at_once_while_one_holds_the_lock(tmp_path: Path) -> None:
    with run_lock(tmp_path / "clanstats.lock"):
        result = run_main(tmp_path, WOM_GROUP_ID="1")
    assert result.returncode == EXIT_LOCKED
    assert "another ClanStats run is in progress" in result.stderr


def test_a_stage_past_its_timeout_is_stopped(tmp_path: Path, live_server: FaultyWomServer) -> None:
    # The timeout is main.py's, whatever the database: one engine (SQLite) is enough.
    live_server.inject(Fault("timeout", path_pattern="groups", delay=60, times=100))
    result = run_main(tmp_path, **wom_env(live_server), STAGE_TIMEOUT_SECONDS="10", timeout=120)
    assert result.returncode == EXIT_TIMEOUT
    assert query(tmp_path / "clanstats.db", "SELECT status, exit_code FROM stage_runs") == [
        ("timeout", EXIT_TIMEOUT)
    ]


def test_the_demo_runs_offline_into_its_own_folder(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    result = run_main(tmp_path, "--demo", CLANSTATS_DEMO_DIR=str(demo), timeout=300)
    assert result.returncode == EXIT_OK, result.stderr
    db = demo / "clanstats.db"
    assert query(db, "SELECT count(*) FROM memberships WHERE left_at IS NULL")[0][0] > 0
    assert query(db, "SELECT count(*) FROM backfill_progress")[0][0] > 0
    assert query(db, "SELECT count(*) FROM discord_messages")[0][0] > 0
    assert query(db, "SELECT count(*) FROM identity_links WHERE source = 'manual'") == [(1,)]
    assert not (tmp_path / "clanstats.db").exists()
    # The demo's leaves of absence: one member away now (off the removal list), one back.
    data = json.loads((demo / "output" / "clan_data.json").read_text(encoding="utf-8"))
    away = [m for m in data["members"] if m["away"]]
    assert [m["away"]["reason"] for m in away] == ["exams"]
    assert away[0]["player_id"] not in {c["player_id"] for c in data["removal_candidates"]}
    public = (demo / "output" / "public_summary.json").read_text(encoding="utf-8")
    assert "exams" not in public and "away" not in public
    shown = run_main(tmp_path, "--demo", "identity", CLANSTATS_DEMO_DIR=str(demo))
    assert shown.returncode == EXIT_OK, shown.stderr
    assert "Members without a Discord link" in shown.stderr + shown.stdout
    # Sync delivered to the stand-in Drive folder; status and a dry run work on that demo.
    assert (demo / "drive" / "clan_report_summary_merged.xlsx").exists()
    status = run_main(tmp_path, "--demo", "sync", "--status", CLANSTATS_DEMO_DIR=str(demo))
    assert status.returncode == EXIT_OK, status.stderr
    assert "drive" in status.stdout + status.stderr and "website" in status.stdout + status.stderr
    before = sorted(p.stat().st_mtime_ns for p in (demo / "drive").rglob("*") if p.is_file())
    dry = run_main(tmp_path, "--demo", "sync", "--dry-run", CLANSTATS_DEMO_DIR=str(demo))
    assert dry.returncode == EXIT_OK, dry.stderr
    assert "drive: would change 0" in dry.stdout + dry.stderr
    after = sorted(p.stat().st_mtime_ns for p in (demo / "drive").rglob("*") if p.is_file())
    assert after == before
    # The run viewer sees the demo's runs (the full one and the dry-run sync).
    listed = run_main(tmp_path, "--demo", "runs", "--json", CLANSTATS_DEMO_DIR=str(demo))
    assert listed.returncode == EXIT_OK, listed.stderr
    runs = json.loads(listed.stdout)
    assert [run["exit_code"] for run in runs] == [0, 0]
    bad = run_main(tmp_path, "--demo", "runs", "compare", "1", CLANSTATS_DEMO_DIR=str(demo))
    assert bad.returncode == EXIT_CONFIG
    assert "expected 2 run number(s): `main.py runs compare A B`" in bad.stderr
    # Backup and restore work on the demo's database ("--demo restore" was a KeyError, exit 1),
    # and a restore leaves no -wal/-shm files beside the backups.
    backed = run_main(tmp_path, "--demo", "backup", CLANSTATS_DEMO_DIR=str(demo))
    assert backed.returncode == EXIT_OK, backed.stderr
    restored = run_main(tmp_path, "restore", "--demo", CLANSTATS_DEMO_DIR=str(demo))
    assert restored.returncode == EXIT_OK, restored.stderr
    backups = sorted(p.name for p in (demo / "backups").iterdir())
    assert not [name for name in backups if name.endswith(("-wal", "-shm"))], backups
    assert query(db, "SELECT count(*) FROM memberships WHERE left_at IS NULL")[0][0] > 0
    elsewhere = run_main(tmp_path, "--demo", "schedule", "show", CLANSTATS_DEMO_DIR=str(demo))
    assert elsewhere.returncode == EXIT_CONFIG
    assert "acts on your own configuration, not the demo's" in elsewhere.stderr


def test_identity_needs_a_database(tmp_path: Path) -> None:
    result = run_main(tmp_path, "identity", WOM_GROUP_ID="5")
    assert result.returncode == EXIT_CONFIG
    assert "there is no database at" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("schedule", "install", "--every", "99h"), "--every '99h' is not valid"),
        (("schedule", "install", "--daily", "6am"), "--daily '6am' is not valid"),
        (("restore",), "no backups"),
        (("runs", "show", "x"), "there is no database at"),
    ],
)
def test_operations_commands_refuse_bad_input_in_one_line(
    tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    result = run_main(tmp_path, *args, WOM_GROUP_ID="7")
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_backup_then_restore_through_main(
    tmp_path: Path, database_url: str, live_server: FaultyWomServer
) -> None:
    assert (
        run_main(tmp_path, "harvest", **wom_env(live_server), DATABASE_URL=database_url).returncode
        == EXIT_OK
    )
    made = run_main(tmp_path, "backup", **wom_env(live_server), DATABASE_URL=database_url)
    assert made.returncode == EXIT_OK, made.stderr
    members = query(database_url, "SELECT count(*) FROM memberships")
    execute(
        database_url, "DELETE FROM membership_events", "UPDATE memberships SET role = 'changed'"
    )
    restored = run_main(tmp_path, "restore", **wom_env(live_server), DATABASE_URL=database_url)
    assert restored.returncode == EXIT_OK, restored.stderr
    assert query(database_url, "SELECT count(*) FROM memberships") == members
    assert query(database_url, "SELECT count(*) FROM memberships WHERE role = 'changed'") == [(0,)]
