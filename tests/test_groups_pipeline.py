"""Several WOM groups in one database: `main.py` end to end against multi-group fake servers.

Three small clans (one with a hostile name) are served by one FakeWomServer and, for two of
them, one FakeDiscordServer; rules.yaml lists them under `groups:`. The real pipeline runs in
subprocesses; outputs land per group under output/<slug>/ with an alliance overview on top.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clanstats.errors import EXIT_CONFIG, EXIT_OK, EXIT_SOURCE
from simulator.alliance import alliance_configs, build_alliance
from simulator.chat import SimulatedChat
from simulator.clan import SimulatedClan
from tests.conftest import ENGINES, engine_kind
from tests.databases import PostgresDatabases
from tests.faults import Fault, FaultyDiscordServer, FaultyWomServer
from tests.test_main_cli import query, run_main

HOSTILE = '<img src=x onerror="alert(1)"> & Co'
NAMES = ["Iron Sim", HOSTILE, "Quiet Folk"]
SLUGS = ["iron-sim", "img-src-x-onerror-alert-1-co", "quiet"]


@dataclass
class Alliance:
    clans: list[SimulatedClan]
    chats: list[SimulatedChat]
    wom: FaultyWomServer
    discord: FaultyDiscordServer


@pytest.fixture(scope="module")
def alliance() -> Iterator[Alliance]:
    """Three clans dated today (the subprocesses use the real clock); guilds for two."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    configs = alliance_configs(3, members=[7, 9, 5], days=30, now=today, names=NAMES)
    clans, chats = build_alliance(configs, message_scale=0.2)
    with (
        FaultyWomServer(clans, limit_with_key=100_000) as wom,
        FaultyDiscordServer(chats[:2], rate_limit_per_second=100_000) as discord,
    ):
        yield Alliance(clans, chats, wom, discord)


def rules_text(alliance: Alliance, extra_group: str = "", drive: Path | None = None) -> str:
    """rules.yaml listing the three groups (Discord for the first two), plus sync targets."""
    guild0 = alliance.chats[0].guild_id
    channel = alliance.chats[1].channel_ids["general"]
    targets = (
        f"sync_targets:\n"
        f"  - {{name: drive, kind: folder, path: '{drive.as_posix()}'}}\n"
        f"  - {{name: post, kind: discord, webhook_env: CLAN_WEBHOOK, attach_workbook: false}}\n"
        if drive
        else ""
    )
    return (
        "groups:\n"
        f"  - id: 4242\n    name: Iron Sim\n    discord: {{guild_id: {guild0}}}\n"
        f"  - id: 4243\n    name: {json.dumps(HOSTILE)}\n"
        f"    discord: {{channel_ids: [{channel}]}}\n"
        f"  - {{id: 4244, name: Quiet Folk, slug: quiet}}\n" + extra_group + targets
    )


def env(alliance: Alliance, rules: Path, **extra: str) -> dict[str, str]:
    return {
        "RULES_FILE": str(rules),
        "WOM_BASE_URL": alliance.wom.base_url,
        "WOM_API_KEY": "demo-key",
        "WOM_REQUESTS_PER_MINUTE": "100000",
        "DISCORD_BOT_TOKEN": alliance.discord.chat.bot_token,
        "DISCORD_API_BASE": alliance.discord.api_base,
        "CLAN_WEBHOOK": alliance.discord.webhook_url,
        **extra,
    }


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class FullRun:
    """One whole pipeline run over the three groups, on one engine."""

    data: Path
    drive: Path
    result: Any
    database: str  # its URL
    webhook_posts: list[Any]


# SQLite only: see SQLITE_ONLY in tests/conftest.py.
@pytest.fixture(scope="module", params=ENGINES[:1])
def full_run(
    request: pytest.FixtureRequest, alliance: Alliance, tmp_path_factory: pytest.TempPathFactory
) -> FullRun:
    """The whole pipeline over the three groups, once per engine."""
    kind = engine_kind(request)
    data = tmp_path_factory.mktemp("alliance")
    drive = data / "drive"
    drive.mkdir()
    rules = data / "rules.yaml"
    rules.write_text(rules_text(alliance, drive=drive), encoding="utf-8")
    database = f"sqlite:///{(data / 'clanstats.db').as_posix()}"
    if kind == "postgresql":
        databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
        database = databases.url_of(databases.create(migrated=False))
    posts_before = len(alliance.discord.webhook_posts)
    result = run_main(data, timeout=300, DATABASE_URL=database, **env(alliance, rules))
    posts = alliance.discord.webhook_posts[posts_before:]
    return FullRun(data, drive, result, database, posts)


def test_the_whole_pipeline_runs_per_group(full_run: FullRun) -> None:
    data, result = full_run.data, full_run.result
    assert result.returncode == EXIT_OK, result.stderr + result.stdout
    out = data / "output"
    for slug in SLUGS:
        for name in (
            "clan_report_summary_merged.xlsx",
            "clan_data.json",
            "clan_dashboard.html",
            "public_summary.json",
            "site/_data/clanstats.json",
        ):
            assert (out / slug / name).is_file(), f"{slug}/{name}"
    assert (out / "alliance.html").is_file() and (out / "alliance.json").is_file()
    assert not (out / "clan_data.json").exists()  # nothing of a group at the top


def test_each_group_holds_only_its_own_members(alliance: Alliance, full_run: FullRun) -> None:
    data = full_run.data
    for clan, slug in zip(alliance.clans, SLUGS, strict=True):
        own = {m["player"]["displayName"] for m in clan.group_details()["memberships"]}
        clan_data = read(data / "output" / slug / "clan_data.json")
        current = {m["name"] for m in clan_data["members"] if m["status"] != "left"}
        assert current == own
        assert clan_data["group"]["id"] == clan.config.group_id
        public = read(data / "output" / slug / "public_summary.json")
        assert {m["name"] for m in public["members"]} <= own
    # Discord was read for the two groups that have it, and only those.
    sql = "SELECT group_id FROM discord_messages"
    groups_with_messages = {row[0] for row in query(full_run.database, sql)}
    assert groups_with_messages == {4242, 4243}


def test_alliance_numbers_match_the_groups_data(full_run: FullRun) -> None:
    data = full_run.data
    alliance = read(data / "output" / "alliance.json")
    assert [g["slug"] for g in alliance["groups"]] == SLUGS
    assert alliance["groups"][1]["name"] == HOSTILE
    for row in alliance["groups"]:
        clan_data = read(data / "output" / row["slug"] / "clan_data.json")
        kpis = clan_data["kpis"]
        assert row["available"] and row["members"] == kpis["members"]
        assert row["status_counts"]["quiet"] == kpis["status_counts"]["quiet"]
        assert row["gains"]["7d"]["xp"] == kpis["clan_gains"]["7d"]["xp"]
        assert row["gains"]["30d"]["ehb"] == kpis["clan_gains"]["30d"]["ehb"]
        assert row["gains"]["30d"]["messages"] == kpis["clan_gains"]["30d"]["messages"]
        assert row["promotions_due"] == kpis["promotions_due"]
        top = clan_data["gainers"]["7d"]["xp"]
        assert row["top_gainer"] == (
            {"name": top[0]["name"], "xp": top[0]["gained"]} if top else None
        )
        assert (data / "output" / row["dashboard"]).is_file()
    assert alliance["totals"]["members"] == sum(g["members"] for g in alliance["groups"])
    page = (data / "output" / "alliance.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page  # the hostile name travels only as escaped JSON


def test_manifest_and_sync_carry_every_group(full_run: FullRun) -> None:
    drive = full_run.drive
    rows = query(full_run.database, "SELECT DISTINCT group_id, path FROM output_manifest")
    by_group: dict[int, set[str]] = {}
    for group_id, path in rows:
        by_group.setdefault(group_id, set()).add(path)
    assert by_group[0] == {"alliance.html", "alliance.json"}
    for group_id, slug in zip((4242, 4243, 4244), SLUGS, strict=True):
        assert f"{slug}/clan_dashboard.html" in by_group[group_id]
        assert all(path.startswith(f"{slug}/") for path in by_group[group_id])
        assert (drive / slug / "site" / "clanstats.md").is_file()
    assert (drive / "alliance.html").is_file()
    titles = [post.payload["embeds"][0]["title"] for post in full_run.webhook_posts]
    assert sorted(titles) == sorted(f"{name} — weekly summary" for name in NAMES)


def test_one_failing_group_leaves_the_others_complete(alliance: Alliance, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    missing = "  - {id: 4300, name: Gone Clan}\n"  # WOM answers 404 for this group
    rules.write_text(rules_text(alliance, extra_group=missing), encoding="utf-8")
    guild = alliance.chats[0].guild_id
    alliance.discord.inject(Fault("403", path_pattern=f"/guilds/{guild}/", times=50))
    try:
        result = run_main(tmp_path, timeout=300, **env(alliance, rules))
    finally:
        alliance.discord.clear_faults()
    assert result.returncode == EXIT_SOURCE, result.stderr + result.stdout
    assert "gone-clan:" in result.stdout + result.stderr
    out = tmp_path / "output"
    for slug in SLUGS:
        assert (out / slug / "clan_dashboard.html").is_file()
    overview = read(out / "alliance.json")
    gone = overview["groups"][-1]
    assert gone["slug"] == "gone-clan" and gone["members"] == 0
    stored = {row[0] for row in query(tmp_path / "clanstats.db", "SELECT group_id FROM players")}
    assert stored == {4242, 4243, 4244}


def test_group_option_runs_one_group(alliance: Alliance, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(rules_text(alliance), encoding="utf-8")
    result = run_main(tmp_path, "harvest", "--group", "quiet", **env(alliance, rules))
    assert result.returncode == EXIT_OK, result.stderr
    stored = {row[0] for row in query(tmp_path / "clanstats.db", "SELECT group_id FROM players")}
    assert stored == {4244}
    unknown = run_main(tmp_path, "harvest", "--group", "nope", **env(alliance, rules))
    assert unknown.returncode == EXIT_CONFIG
    assert "--group nope: no such group" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("extra_env", "expected"),
    [
        ({"WOM_GROUP_ID": "999"}, "WOM_GROUP_ID=999 is not one of the groups"),
        ({"DISCORD_BOT_TOKEN": ""}, "DISCORD_BOT_TOKEN is not set"),
        ({"DISCORD_GUILD_ID": "700000000000000001"}, "need WOM_GROUP_ID to say whose"),
    ],
)
def test_settings_that_clash_with_groups_stop_the_run(
    alliance: Alliance, tmp_path: Path, extra_env: dict[str, str], expected: str
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(rules_text(alliance), encoding="utf-8")
    result = run_main(tmp_path, "harvest", **env(alliance, rules, **extra_env))
    assert result.returncode == EXIT_CONFIG
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
