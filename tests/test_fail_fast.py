"""An unreachable WOM or Discord fails fast, in one line that names the host and the setting.

A refused connection (a closed port on 127.0.0.1) or an unknown host (`.invalid` never
resolves, and the lookup fails at once without network traffic) on the first request is not
retried; later sources of that harvest are skipped without a request. The pipeline then says
its outputs were not refreshed, and a first run with nothing harvested writes no outputs.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from clanstats.db.engine import make_engine
from clanstats.errors import EXIT_OK, EXIT_SOURCE, SourceError
from clanstats.harvest.discord_chat import DiscordHarvest
from clanstats.harvest.wom import WomHarvest
from clanstats.pipeline import PIPELINE
from clanstats.settings import PROJECT_ROOT, load_settings
from clanstats.stage import StageResult
from clanstats.wom.client import WomClient
from simulator.chat import SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from simulator.discord_server import FakeDiscordServer
from simulator.upload_receiver import UploadReceiver
from simulator.wom_server import FakeWomServer
from tests.conftest import SIM_NOW, SQLITE_ONLY
from tests.databases import query

GROUP = 4242
UNKNOWN_HOST = "clanstats-nowhere.invalid"
# The acceptance bound; the absence of retries (request counts) is the robust check.
FAST_SECONDS = 10


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but never listening: every connection to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@pytest.fixture
def live_server() -> Iterator[FakeWomServer]:
    """A clan dated today, so the real clock in the subprocess sees it as current."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    clan = SimulatedClan(SimConfig(seed=9, members=15, days=40, now=today))
    with FakeWomServer(clan, limit_with_key=10_000) as server:
        yield server


@pytest.fixture
def wom_harvested(migrated_url: str, wom_server: FakeWomServer) -> Engine:
    """A database holding the WOM side of the simulated clan, as a harvest leaves it."""
    engine = make_engine(migrated_url)
    client = make_client(wom_server.base_url)
    now = SIM_NOW.replace(tzinfo=None)
    WomHarvest(
        engine=engine, client=client, group_id=GROUP, stage_run_id=None, lookback_days=365, now=now
    ).run()
    return engine


def make_client(base_url: str, **overrides: Any) -> WomClient:
    """A client with the production retry policy; its sleeps are recorded, not slept."""
    options: dict[str, Any] = {
        "base_url": base_url,
        "api_key": "demo-key",
        "user_agent": "ClanStats tests",
        "requests_per_minute": 10_000,
        "timeout": 5,
        **overrides,
    }
    return WomClient(**options)


# -- the WOM client --------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["refused", "unknown host"])
def test_an_unreachable_wom_fails_on_the_first_request_without_retrying(
    closed_port: int, where: str
) -> None:
    host = f"127.0.0.1:{closed_port}" if where == "refused" else UNKNOWN_HOST
    sleeps: list[float] = []
    client = make_client(f"http://{host}/v2", sleep=sleeps.append)

    started = time.monotonic()
    with pytest.raises(SourceError) as caught:
        client.group(GROUP)

    assert time.monotonic() - started < FAST_SECONDS
    message = str(caught.value)
    assert host in message and "WOM_BASE_URL" in message and "\n" not in message
    assert client.stats.requests == 1 and client.stats.retries == 0 and sleeps == []


def test_after_an_unreachable_first_request_later_calls_send_nothing(closed_port: int) -> None:
    client = make_client(f"http://127.0.0.1:{closed_port}/v2", sleep=lambda _: None)
    with pytest.raises(SourceError) as first:
        client.group(GROUP)

    for call in (client.bulk_hiscores, client.group_competitions):
        with pytest.raises(SourceError) as later:
            call(GROUP)
        assert str(later.value) == str(first.value)
    assert client.stats.requests == 1


def test_a_connection_lost_after_earlier_answers_is_retried(
    sim_clan: SimulatedClan, closed_port: int
) -> None:
    server = FakeWomServer(sim_clan, limit_with_key=10_000).start()
    port = server.port
    restarted: list[FakeWomServer] = []

    def come_back(_: float) -> None:
        # The backoff before the first retry: WOM is back (a restart, a network blip).
        if not restarted:
            restarted.append(FakeWomServer(sim_clan, limit_with_key=10_000, port=port).start())

    client = make_client(server.base_url, sleep=come_back)
    try:
        client.group(GROUP)
        server.stop()
        assert len(client.bulk_hiscores(GROUP)) == 12
    finally:
        server.stop()
        for again in restarted:
            again.stop()
    assert client.stats.retries == 1


def test_a_connection_lost_for_good_ends_every_later_call_at_once(
    sim_clan: SimulatedClan,
) -> None:
    sleeps: list[float] = []
    with FakeWomServer(sim_clan, limit_with_key=10_000) as server:
        client = make_client(server.base_url, sleep=sleeps.append, max_retries=2)
        client.group(GROUP)
        host = f"127.0.0.1:{server.port}"
    with pytest.raises(SourceError) as caught:
        client.bulk_hiscores(GROUP)
    # The setting worked a moment ago: the line names the host and says to try again later.
    message = str(caught.value)
    assert host in message and "stopped answering" in message and "\n" not in message
    assert client.stats.retries == 2 and len(sleeps) == 2
    with pytest.raises(SourceError) as later:
        client.group_competitions(GROUP)
    assert str(later.value) == message
    assert client.stats.requests == 4


# -- the Discord harvest ---------------------------------------------------------------------


@pytest.mark.parametrize("where", ["refused", "unknown host"])
def test_an_unreachable_discord_is_one_line_naming_the_host_and_setting(
    migrated_engine: Engine, closed_port: int, where: str
) -> None:
    host = f"127.0.0.1:{closed_port}" if where == "refused" else UNKNOWN_HOST
    environ = {
        "CLANSTATS_DATA_DIR": str(PROJECT_ROOT),
        "DATABASE_URL": "sqlite:///unused.db",
        "DISCORD_BOT_TOKEN": "any-token",
        "DISCORD_CHANNEL_IDS": "700015099494006786,700030198988406786,700045298482806786",
        "DISCORD_API_BASE": f"http://{host}/api/v10",
    }
    settings = load_settings(PROJECT_ROOT / "no such .env", environ)
    result = StageResult()
    harvest = DiscordHarvest(migrated_engine, settings, GROUP, None)

    started = time.monotonic()
    harvest.run(result)

    assert time.monotonic() - started < FAST_SECONDS
    assert len(result.failures) == 1, result.failures
    [line] = result.failures
    assert host in line and "DISCORD_API_BASE" in line and "\n" not in line
    assert harvest.requests == 1, "the channels are not tried one by one"


class StopServerWhenLogged(logging.Handler):
    """Stop a server the moment a log line containing `text` is written (mid-harvest)."""

    def __init__(self, server: FakeDiscordServer, text: str) -> None:
        super().__init__()
        self.server, self.text = server, text

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.server.stop()


@SQLITE_ONLY
def test_discord_lost_mid_pass_ends_the_pass_in_one_line(
    wom_harvested: Engine, sim_chat: SimulatedChat
) -> None:
    server = FakeDiscordServer(sim_chat, rate_limit_per_second=10_000).start()
    host = f"127.0.0.1:{server.port}"
    environ = {
        "CLANSTATS_DATA_DIR": str(PROJECT_ROOT),
        "DATABASE_URL": "sqlite:///unused.db",
        "DISCORD_BOT_TOKEN": sim_chat.bot_token,
        "DISCORD_GUILD_ID": str(sim_chat.guild_id),
        "DISCORD_API_BASE": server.api_base,
    }
    settings = load_settings(PROJECT_ROOT / "no such .env", environ)
    result = StageResult()
    # Channels are read by position; the staff room (hidden from the bot) comes before the relay.
    handler = StopServerWhenLogged(server, "skipped #staff-only")
    logger = logging.getLogger("clanstats.harvest.discord_chat")
    logger.addHandler(handler)
    try:
        DiscordHarvest(wom_harvested, settings, GROUP, None, now=SIM_NOW.replace(tzinfo=None)).run(
            result
        )
    finally:
        logger.removeHandler(handler)
        server.stop()

    assert len(result.failures) == 1, result.failures
    assert host in result.failures[0] and "stopped answering" in result.failures[0]
    relay = sim_chat.relay_channel_id
    [(stored,)] = query(
        wom_harvested.url.render_as_string(hide_password=False),
        f"SELECT count(*) FROM discord_messages WHERE channel_id = {relay}",
    )
    assert stored == 0
    before = [
        c for c in sim_chat.channel_ids.values() if c < relay and sim_chat.count_messages([c])
    ]
    for channel in before:
        if channel != sim_chat.forbidden_channel_id:
            [(count,)] = query(
                wom_harvested.url.render_as_string(hide_password=False),
                f"SELECT count(*) FROM discord_messages WHERE channel_id = {channel}",
            )
            assert count == sim_chat.count_messages([channel])
    [(outcome,)] = query(
        wom_harvested.url.render_as_string(hide_password=False),
        "SELECT outcome FROM fetch_log WHERE source = 'discord:pass' ORDER BY id DESC LIMIT 1",
    )
    assert outcome == "error", "an interrupted pass is not a complete one"


# -- main.py ---------------------------------------------------------------------------------


def run_main(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "CLANSTATS_ENV_FILE": str(data_dir / "absent.env"),
        "CLANSTATS_DATA_DIR": str(data_dir),
        "RULES_FILE": str(PROJECT_ROOT / "rules.example.yaml"),
        "TIMEZONE": "UTC",
        "COLUMNS": "300",  # one failure, one line: no wrapping by the console
        **env,
    }
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py"), *args],
        env=environ,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


def wom_env(base_url: str) -> dict[str, str]:
    return {"WOM_BASE_URL": base_url, "WOM_GROUP_ID": str(GROUP), "WOM_API_KEY": "demo-key"}


def failure_lines(stderr: str) -> list[str]:
    """The harvest's one-line failures, as the stage prints them."""
    return [line for line in stderr.splitlines() if line.startswith("harvest: ")]


def harvest_counts(database_url: str) -> dict[str, Any]:
    [(counts,)] = query(database_url, "SELECT counts FROM stage_runs WHERE stage = 'harvest'")
    return dict(json.loads(counts))


@pytest.mark.parametrize("where", ["refused", "unknown host"])
@SQLITE_ONLY
def test_main_harvest_against_an_unreachable_wom_ends_fast_in_one_line(
    tmp_path: Path, database_url: str, closed_port: int, where: str
) -> None:
    host = f"127.0.0.1:{closed_port}" if where == "refused" else UNKNOWN_HOST

    started = time.monotonic()
    result = run_main(
        tmp_path, "harvest", **wom_env(f"http://{host}/v2"), DATABASE_URL=database_url
    )
    seconds = time.monotonic() - started

    assert result.returncode == EXIT_SOURCE, result.stderr
    lines = failure_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert host in lines[0] and "WOM_BASE_URL" in lines[0]
    assert harvest_counts(database_url)["WOM requests"] == 1, "no retry, no later source"
    assert "Traceback" not in result.stderr
    assert seconds < FAST_SECONDS, f"took {seconds:.1f} s"


@SQLITE_ONLY
def test_main_harvest_with_both_sources_unreachable_says_so_once_each(
    tmp_path: Path, database_url: str, closed_port: int
) -> None:
    base = f"http://127.0.0.1:{closed_port}"

    started = time.monotonic()
    result = run_main(
        tmp_path,
        "harvest",
        **wom_env(f"{base}/v2"),
        DISCORD_BOT_TOKEN="any-token",
        DISCORD_GUILD_ID="700000000000000001",
        DISCORD_API_BASE=f"{base}/api/v10",
        DATABASE_URL=database_url,
    )
    seconds = time.monotonic() - started

    assert result.returncode == EXIT_SOURCE, result.stderr
    lines = failure_lines(result.stderr)
    assert len(lines) == 2, result.stderr
    assert sum("WOM_BASE_URL" in line for line in lines) == 1
    assert sum("DISCORD_API_BASE" in line for line in lines) == 1
    counts = harvest_counts(database_url)
    assert counts["WOM requests"] == 1 and counts["Discord requests"] == 1
    assert seconds < FAST_SECONDS, f"took {seconds:.1f} s"
    log = (tmp_path / "app.log").read_text(encoding="utf-8")
    assert "WOM_BASE_URL" in log and "DISCORD_API_BASE" in log


@SQLITE_ONLY
def test_a_first_run_with_nothing_harvested_writes_no_outputs(
    tmp_path: Path, database_url: str, closed_port: int
) -> None:
    result = run_main(
        tmp_path, **wom_env(f"http://127.0.0.1:{closed_port}/v2"), DATABASE_URL=database_url
    )

    assert result.returncode == EXIT_SOURCE, result.stderr
    notes = [line for line in result.stderr.splitlines() if "outputs not refreshed" in line]
    assert len(notes) == 1, result.stderr
    assert "no data harvested yet" in notes[0]
    stages = [stage for (stage,) in query(database_url, "SELECT stage FROM stage_runs")]
    assert "report" not in stages and "export" not in stages and "sync" not in stages
    output = tmp_path / "output"
    assert not output.exists() or not any(output.rglob("*.*")), list(output.rglob("*"))
    assert "outputs not refreshed" in (tmp_path / "app.log").read_text(encoding="utf-8")


@SQLITE_ONLY
def test_a_run_where_every_source_failed_says_which_data_the_outputs_show(
    tmp_path: Path, database_url: str, live_server: FakeWomServer, closed_port: int
) -> None:
    # An upload target: a run whose sources all failed must not publish (nothing is new).
    rules = (PROJECT_ROOT / "rules.example.yaml").read_text(encoding="utf-8")
    receiver = UploadReceiver(secret="site-secret").start()
    target = (
        "sync_targets:\n"
        f"  - {{name: site, kind: http, url: '{receiver.url}', secret_env: SITE_SECRET}}\n"
    )
    (tmp_path / "rules.yaml").write_text(
        rules.replace("sync_targets: []\n", target), encoding="utf-8"
    )
    synced = {"RULES_FILE": str(tmp_path / "rules.yaml"), "SITE_SECRET": "site-secret"}
    good = run_main(tmp_path, **wom_env(live_server.base_url), DATABASE_URL=database_url, **synced)
    assert good.returncode == EXIT_OK, good.stderr
    assert len(receiver.accepted) == 1
    [(last_good,)] = query(
        database_url, "SELECT max(finished_at) FROM fetch_log WHERE outcome = 'ok'"
    )
    last_good = last_good if isinstance(last_good, datetime) else datetime.fromisoformat(last_good)

    # --force: the sources fetched a moment ago are due again despite rules.yaml's intervals.
    result = run_main(
        tmp_path,
        "--force",
        **wom_env(f"http://127.0.0.1:{closed_port}/v2"),
        DATABASE_URL=database_url,
        **synced,
    )
    receiver.stop()

    assert result.returncode == EXIT_SOURCE, result.stderr
    assert len(receiver.accepted) == 1, "the upload went out though every source failed"
    [(counts,)] = query(
        database_url,
        "SELECT counts FROM stage_runs WHERE pipeline_run_id = 2 AND stage = 'sync'",
    )
    assert "skipped: every source failed, nothing new" in str(counts)
    notes = [line for line in result.stderr.splitlines() if "outputs not refreshed" in line]
    assert len(notes) == 1, result.stderr
    assert "every source failed" in notes[0]
    assert last_good.strftime("%Y-%m-%d %H:%M") in notes[0]
    stages = query(
        database_url, "SELECT stage FROM stage_runs WHERE pipeline_run_id = 2 ORDER BY id"
    )
    assert [stage for (stage,) in stages] == [stage.name for stage in PIPELINE]
