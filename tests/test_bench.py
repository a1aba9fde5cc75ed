"""The benchmark end to end at a tiny size, and its command line's bad inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from clanstats.bench.cli import main
from clanstats.bench.report import print_report
from clanstats.bench.scenarios import DAILY, FIRST
from clanstats.bench.sizes import choose_size
from clanstats.bench.world import BenchWorld
from clanstats.db.engine import make_engine
from clanstats.rules import load_rules
from tests.databases import ENABLE_POSTGRES, PostgresDatabases

MEMBERS, DAYS, MESSAGES = 6, 5, 300
SHORT_DAYS = 2  # the short history a daily transform is also timed on


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One tiny benchmark run's JSON."""
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "bench.json"
    argv = ["--size", "S", "--members", str(MEMBERS), "--days", str(DAYS)]
    argv += ["--messages", str(MESSAGES), "--json", str(out), "--keep", str(folder / "work")]
    argv += ["--compare-history", str(SHORT_DAYS)]
    assert main(argv) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def _runs(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {run["name"].split(" ")[0]: run for run in figures["scenarios"]}


def _stage(run: dict[str, Any], name: str) -> dict[str, Any]:
    return next(stage for stage in run["stages"] if stage["stage"] == name)


def test_every_scenario_runs_every_stage_in_its_own_measured_process(
    figures: dict[str, Any],
) -> None:
    runs = _runs(figures)
    assert [tuple(s["stage"] for s in run["stages"]) for run in runs.values()] == [
        FIRST,
        DAILY,
        DAILY,
    ]
    for run in runs.values():
        assert run["exit_code"] == 0
        assert run["seconds"] >= sum(stage["seconds"] for stage in run["stages"])
        assert run["database_bytes"] > 0
        for stage in run["stages"]:
            assert stage["exit_code"] == 0, stage["error"]
            assert stage["seconds"] > 0
            # A stage process imports Python and SQLAlchemy: tens of MB at least.
            assert stage["peak_memory_mb"] is None or stage["peak_memory_mb"] > 20
    assert figures["size"] == {
        "name": "S (custom)",
        "members": MEMBERS,
        "days": DAYS,
        "messages": MESSAGES,
        "groups": 1,
    }
    assert figures["database"] == "sqlite"


def test_requests_are_counted_per_source(figures: dict[str, Any]) -> None:
    runs = _runs(figures)
    first_harvest = _stage(runs["first"], "harvest")["requests"]
    assert first_harvest["wom"] > 0 and first_harvest["discord"] > 0
    assert first_harvest["wom_per_member"] == 0
    # The backfill is the one place with a request per member.
    assert _stage(runs["first"], "backfill")["requests"]["wom_per_member"] >= MEMBERS * 0.8
    for name in ("daily", "nothing"):
        assert sum(s["requests"]["wom_per_member"] for s in runs[name]["stages"]) == 0
        assert _stage(runs[name], "harvest")["requests"]["wom"] > 0
        for stage in ("transform", "report", "export"):
            requests = _stage(runs[name], stage)["requests"]
            assert requests["wom"] == requests["discord"] == 0
    first_sync = _stage(runs["first"], "sync")["requests"]
    assert first_sync["uploads"] >= 1


def test_discord_volume_and_storage_figures(figures: dict[str, Any]) -> None:
    harvest = figures["discord_harvest"]
    # Every message of the channels the bot may read; a few sit in the one it may not.
    assert 0.8 * harvest["messages_served"] <= harvest["messages_stored"]
    assert harvest["messages_stored"] <= harvest["messages_served"]
    assert abs(harvest["messages_served"] - MESSAGES) < MESSAGES * 0.3
    assert harvest["messages_per_second"] > 0
    storage = figures["storage"]
    assert storage["bytes_per_member_day"] == round(storage["database_bytes"] / (MEMBERS * DAYS), 1)
    parts = storage["bytes_per_member_day_by_part"]
    assert set(parts) == {
        "wom snapshots",
        "wom events and roster",
        "discord",
        "derived",
        "bookkeeping",
    }
    assert all(value > 0 for value in parts.values()), parts
    # The parts are the tables' pages; the file adds only its header and free pages.
    assert sum(parts.values()) <= storage["bytes_per_member_day"] + 1
    outputs = _runs(figures)["daily"]["output_bytes"]
    for name in ("clan_data.json", "clan_dashboard.html", "clan_report_summary_merged.xlsx"):
        assert outputs[name] > 0
    assert figures["dashboard"]["bytes"] == outputs["clan_dashboard.html"]
    assert {"interactive_ms", "skipped"} & set(figures["dashboard"])


def test_a_run_with_nothing_new_stores_and_derives_nothing(figures: dict[str, Any]) -> None:
    nothing = _runs(figures)["nothing"]
    harvest = _stage(nothing, "harvest")["counts"]
    assert harvest["new messages"] == 0
    assert harvest["new snapshots"] == 0
    transform = _stage(nothing, "transform")["counts"]
    assert transform == {
        "snapshots read": 0,
        "days recomputed": 0,
        "derived": "nothing new: tables kept",
    }
    assert _stage(nothing, "report")["counts"] == {"unchanged": "nothing new: workbook kept"}
    assert _stage(nothing, "export")["counts"] == {"unchanged": "nothing new: files kept"}
    assert _stage(nothing, "sync")["requests"]["uploads"] == 0
    # The daily run before it had a new day: everything was derived and written again.
    daily = _runs(figures)["daily"]
    assert "derived" not in _stage(daily, "transform")["counts"]
    assert _stage(daily, "export")["counts"]["files written"] >= 4


def test_targets_are_judged_against_the_figures(figures: dict[str, Any]) -> None:
    targets = {t["target"]: t for t in figures["targets"]}
    assert set(targets) >= {
        "first harvest peak MB",
        "daily run, harvest to sync, s",
        "transform, daily run, s",
        "peak MB of any stage, daily run",
        "per-member WOM requests, daily run",
        "run with nothing new, s",
        "bytes per member-day",
    }
    # A clan of 6 is held to the 500-member targets of issue 17 (copied here by hand).
    limits = {name: t["limit"] for name, t in targets.items()}
    assert limits["daily run, harvest to sync, s"] == 8
    assert limits["run with nothing new, s"] == 4
    assert limits["transform, daily run, s"] == 1.5
    assert limits["first harvest peak MB"] == 150
    assert targets["per-member WOM requests, daily run"]["measured"] == 0
    daily = _runs(figures)["daily"]
    assert targets["daily run, harvest to sync, s"]["measured"] == daily["seconds"]
    assert targets["transform, daily run, s"]["measured"] == _stage(daily, "transform")["seconds"]
    for target in figures["targets"]:
        assert target["met"] == (target["measured"] < target["limit"])


def test_backfill_pacing_is_its_requests_at_wom_s_real_limits(figures: dict[str, Any]) -> None:
    pacing = figures["backfill_pacing"]
    requests = _stage(_runs(figures)["first"], "backfill")["requests"]["wom"]
    assert pacing["requests"] == requests > 0
    assert pacing["minutes_at_20_a_minute"] == round(requests / 20, 1)
    assert pacing["minutes_at_100_a_minute"] == round(requests / 100, 1)


def test_a_daily_transform_is_timed_on_a_short_history_too(
    figures: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    short, full = figures["transform_by_history"]
    assert (short["days"], short["database"]) == (SHORT_DAYS, "sqlite")
    assert (full["days"], full["database"]) == (DAYS, "sqlite")
    daily = _stage(_runs(figures)["daily"], "transform")
    assert full["transform_seconds"] == daily["seconds"]
    assert full["deriving_seconds"] == daily["counts"]["transform seconds"]
    assert short["exit_code"] == 0 and short["transform_seconds"] > short["deriving_seconds"] > 0
    print_report(figures)
    line = next(
        line for line in capsys.readouterr().out.splitlines() if "by days of history" in line
    )
    assert f"{SHORT_DAYS} days {short['transform_seconds']} s" in line
    assert f"{DAYS} days {full['transform_seconds']} s" in line


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--size", "XL"], "--size XL: unknown size; use one of S, M, L"),
        (
            ["--days", "20", "--compare-history", "20"],
            "--compare-history 20: use 2 to 19 (fewer days than the clan's 20), or 0 not to "
            "compare",
        ),
        (["--compare-history", "1"], "--compare-history 1: use 2 to 364"),
        (["--members", "0"], "--members 0: use 1 (one per group) to 50000"),
        (["--days", "1"], "--days 1: use 2 to 3650"),
        (["--groups", "0"], "--groups 0: use 1 to 50"),
        (["--messages", "-5"], "--messages -5: use 0 (no Discord) or more"),
        (["--database-url", "mysql://x/y"], "DATABASE_URL (hidden): mysql is not supported"),
        (["--database-url", "sqlite:///:memory:"], "an in-memory database can't be shared"),
    ],
)
def test_bad_arguments_are_refused_in_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert len(err.splitlines()) == 1


def test_a_database_that_already_exists_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "clan.db"
    existing.write_bytes(b"")
    assert main(["--database-url", f"sqlite:///{existing.as_posix()}"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert existing.read_bytes() == b""


def test_an_unreachable_server_database_is_a_database_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Port 9 on loopback: nothing listens there.
    code = main(["--database-url", "postgresql+psycopg://bench@127.0.0.1:9/none"])
    assert code == 4
    err = capsys.readouterr().err.strip()
    assert err.startswith("bench: --database-url: can't open the database")
    assert len(err.splitlines()) == 1


def test_json_and_keep_folders_are_checked_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--json", str(tmp_path / "missing" / "out.json")]) == 2
    assert "its folder doesn't exist" in capsys.readouterr().err
    assert main(["--keep", str(tmp_path)]) == 2
    assert "already exists; name a new folder" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_option_is_an_argument_error() -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--members", "many"])
    assert stop.value.code == 2


def test_a_server_database_with_tables_is_refused(
    capsys: pytest.CaptureFixture[str], postgres_databases: PostgresDatabases | None
) -> None:
    if postgres_databases is None:
        pytest.skip(ENABLE_POSTGRES)
    name = postgres_databases.create(migrated=False)
    url = postgres_databases.url_of(name)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE officers_notes (id integer)"))
        assert main(["--database-url", url]) == 2
        err = capsys.readouterr().err
        assert "the database already holds 1 table(s)" in err
        with engine.connect() as connection:
            tables = connection.scalar(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            )
        assert tables == 1  # nothing was added or dropped
    finally:
        engine.dispose()
        postgres_databases.drop(name)


def test_a_size_without_messages_sets_up_no_discord(tmp_path: Path) -> None:
    size = choose_size("S", members=4, days=3, messages=0)
    with BenchWorld(size, tmp_path, "sqlite:///unused.db") as world:
        assert world.discord is None and world.chats == []
        assert world.env["DISCORD_BOT_TOKEN"] == ""
        rules = Path(world.env["RULES_FILE"]).read_text(encoding="utf-8")
    assert "kind: http" in rules and "kind: discord" not in rules
    assert "groups:" not in rules


def test_several_groups_each_get_their_own_discord_server_in_the_rules(tmp_path: Path) -> None:
    size = choose_size("S", members=6, days=20, messages=600, groups=3)
    with BenchWorld(size, tmp_path, "sqlite:///unused.db") as world:
        assert len(world.groups) == 3 and len(world.chats) == 3
        assert world.env["WOM_GROUP_ID"] == ""
        rules = load_rules(Path(world.env["RULES_FILE"]))
    assert [g.id for g in rules.groups] == [g.clan.config.group_id for g in world.groups]
    guilds = {g.discord.guild_id for g in rules.groups if g.discord is not None}
    assert guilds == {chat.guild_id for chat in world.chats}
