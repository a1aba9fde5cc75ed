"""Refresh intervals: a fresh source costs no request; --force and interval 0 always fetch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clanstats.freshness import stale_after_hours
from clanstats.rules import RefreshRules
from simulator.chat import SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from tests.faults import Fault, FaultyDiscordServer, FaultyWomServer
from tests.test_main_cli import run_main, wom_env

FRESH = "refresh: {wom_state_hours: 6, wom_events_hours: 6, discord_hours: 6}\n"


@pytest.fixture
def servers() -> Iterator[tuple[FaultyWomServer, FaultyDiscordServer, SimulatedChat]]:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    clan = SimulatedClan(SimConfig(seed=4, members=12, days=20, now=today))
    chat = SimulatedChat(clan)
    with (
        FaultyWomServer(clan, limit_with_key=10_000) as wom,
        FaultyDiscordServer(chat, rate_limit_per_second=10_000) as discord_server,
    ):
        yield wom, discord_server, chat


def harvest(folder: Path, servers: tuple, rules: str, *args: str) -> str:
    wom, discord_server, chat = servers
    (folder / "rules.yaml").write_text(rules, encoding="utf-8")
    command = list(args) if "harvest" in args else [*args, "harvest"]
    result = run_main(
        folder,
        *command,
        **wom_env(wom),
        RULES_FILE=str(folder / "rules.yaml"),
        DISCORD_BOT_TOKEN=chat.bot_token,
        DISCORD_GUILD_ID=str(chat.guild_id),
        DISCORD_API_BASE=discord_server.api_base,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_a_second_run_within_the_interval_makes_no_request(tmp_path: Path, servers: tuple) -> None:
    wom, discord_server, _ = servers
    harvest(tmp_path, servers, FRESH)
    wom.reset_requests()
    discord_server.reset_requests()
    output = harvest(tmp_path, servers, FRESH)
    assert wom.requests == [] and discord_server.requests == []
    assert "skipped: fetched" in output


def test_force_and_interval_zero_fetch_anyway(tmp_path: Path, servers: tuple) -> None:
    wom, discord_server, _ = servers
    harvest(tmp_path, servers, FRESH)
    wom.reset_requests()
    harvest(tmp_path, servers, FRESH, "--force")
    assert any(r.path.endswith("/bulk-hiscores") for r in wom.requests)
    # After the stage, as users type it, --force means the same (it was "unrecognized").
    wom.reset_requests()
    harvest(tmp_path, servers, FRESH, "harvest", "--force")
    assert any(r.path.endswith("/bulk-hiscores") for r in wom.requests)
    wom.reset_requests()
    discord_server.reset_requests()
    # Only the events are due: the state (roster, hiscores) and Discord stay skipped.
    harvest(tmp_path, servers, "refresh: {wom_events_hours: 0}\n")
    paths = [r.path for r in wom.requests]
    assert any("/achievements" in p for p in paths)
    assert not any(p.endswith("/bulk-hiscores") for p in paths)
    assert discord_server.requests == []


def test_a_source_that_failed_last_time_is_fetched_again(tmp_path: Path, servers: tuple) -> None:
    wom, _, _ = servers
    rules = FRESH
    # A broken answer fails the source at once (a 503 would be retried for 15 s first).
    wom.inject(Fault("wrong_type", path_pattern="competitions", times=50))
    (tmp_path / "rules.yaml").write_text(rules, encoding="utf-8")
    first = run_main(tmp_path, "harvest", **wom_env(wom), RULES_FILE=str(tmp_path / "rules.yaml"))
    assert first.returncode == 3
    wom.clear_faults()
    wom.reset_requests()
    second = run_main(tmp_path, "harvest", **wom_env(wom), RULES_FILE=str(tmp_path / "rules.yaml"))
    assert second.returncode == 0, second.stderr
    paths = [r.path for r in wom.requests]
    assert any(p.endswith("/competitions") for p in paths)  # the failed family is due again
    assert not any(p.endswith("/bulk-hiscores") for p in paths)  # the state stayed fresh


def test_outputs_call_data_stale_past_the_longest_interval_but_never_before_a_day() -> None:
    assert stale_after_hours(RefreshRules()) == 26  # 6 h intervals, scheduled daily: calm
    assert stale_after_hours(RefreshRules(wom_events_hours=168)) == 170  # weekly events
    assert (
        stale_after_hours(RefreshRules(wom_state_hours=0, wom_events_hours=0, discord_hours=0))
        == 26
    )
