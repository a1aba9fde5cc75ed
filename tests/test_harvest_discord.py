"""The Discord harvest: the real discord.py client against the loopback Discord server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from clanstats.chat.features import name_key
from clanstats.db.engine import make_engine
from clanstats.db.models import (
    DiscordChannel,
    DiscordMessage,
    FetchLog,
    HarvestCursor,
    IdentityLink,
)
from clanstats.db.urls import sqlite_path_from_url
from clanstats.errors import ConfigError
from clanstats.harvest.discord_chat import DiscordHarvest
from clanstats.harvest.wom import WomHarvest
from clanstats.settings import PROJECT_ROOT, load_settings
from clanstats.stage import StageResult
from clanstats.transform.identity import link_identities
from clanstats.wom.client import WomClient
from simulator.chat import TEXT_MARKER, ChatConfig, SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from simulator.discord_server import FakeDiscordServer
from simulator.wom_server import FakeWomServer
from tests.conftest import SIM_NOW
from tests.databases import query
from tests.faults import Fault, FaultyDiscordServer, FaultyWomServer

GROUP = 4242
NOW = SIM_NOW.replace(tzinfo=None)


@pytest.fixture
def engine(migrated_url: str, wom_server: FakeWomServer) -> Engine:
    """A database holding the WOM side of the clan, as a harvest leaves it."""
    engine = make_engine(migrated_url)
    client = WomClient(
        base_url=wom_server.base_url,
        api_key="demo-key",
        user_agent="tests",
        requests_per_minute=10_000,
    )
    WomHarvest(
        engine=engine, client=client, group_id=GROUP, stage_run_id=None, lookback_days=365, now=NOW
    ).run()
    return engine


def harvest(
    engine: Engine, server: FakeDiscordServer, chat: SimulatedChat, **env: str
) -> StageResult:
    environ = {
        "CLANSTATS_DATA_DIR": str(PROJECT_ROOT),
        "DATABASE_URL": "sqlite:///unused.db",
        "DISCORD_BOT_TOKEN": chat.bot_token,
        "DISCORD_GUILD_ID": str(chat.guild_id),
        "DISCORD_RELAY_CHANNEL_IDS": str(chat.relay_channel_id),
        "DISCORD_API_BASE": server.api_base,
        **env,
    }
    settings = load_settings(PROJECT_ROOT / "no such .env", environ)
    result = StageResult()
    DiscordHarvest(engine, settings, GROUP, None, now=NOW).run(result)
    return result


def stored_counts(engine: Engine) -> Counter[int | str]:
    """Messages per author id, relay lines per in-game name: the ground truth's shape."""
    with Session(engine) as session:
        rows = session.execute(select(DiscordMessage.author_id, DiscordMessage.relay_name)).all()
    return Counter(relay if relay is not None else author for author, relay in rows)


def message_total(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(DiscordMessage)) or 0


def test_first_run_stores_every_readable_message_once(
    engine: Engine, sim_chat: SimulatedChat, discord_server: FakeDiscordServer
) -> None:
    result = harvest(engine, discord_server, sim_chat)
    assert stored_counts(engine) == sim_chat.expected_counts()
    assert result.counts["new messages"] == sim_chat.count_messages(sim_chat.readable_channel_ids())
    with Session(engine) as session:
        channels = set(session.scalars(select(DiscordMessage.channel_id).distinct()))
    assert set(sim_chat.thread_ids.values()) & channels, "thread messages were read"


def test_no_message_text_reaches_the_database(
    engine: Engine, sim_chat: SimulatedChat, discord_server: FakeDiscordServer, tmp_path: Path
) -> None:
    harvest(engine, discord_server, sim_chat)
    engine.dispose()
    marker = re.compile(TEXT_MARKER.pattern.encode())
    for path in tmp_path.glob("discord test.db*"):
        assert not marker.search(path.read_bytes()), f"message text found in {path.name}"
    assert any(True for _ in sim_chat.text_markers()), "the server did send text"


def test_a_hidden_channel_in_the_server_is_skipped_in_one_line(
    engine: Engine,
    sim_chat: SimulatedChat,
    discord_server: FakeDiscordServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    result = harvest(engine, discord_server, sim_chat)
    assert result.failures == []  # staff rooms hidden from the bot are normal in a server
    assert result.counts["channels the bot can't read"] == 1
    lines = [r.getMessage() for r in caplog.records if "can't read it" in r.getMessage()]
    assert len(lines) == 1
    assert str(sim_chat.forbidden_channel_id) in lines[0] and "403" in lines[0]
    assert "Read Message History" in lines[0] and "\n" not in lines[0]
    with Session(engine) as session:
        outcome = session.scalar(
            select(DiscordChannel.last_outcome).where(
                DiscordChannel.channel_id == sim_chat.forbidden_channel_id
            )
        )
    assert outcome is not None and outcome in lines[0]


def test_runs_are_incremental_and_never_double_count(
    engine: Engine,
    sim_clan: SimulatedClan,
    sim_chat: SimulatedChat,
    discord_server: FakeDiscordServer,
) -> None:
    harvest(engine, discord_server, sim_chat)
    before = message_total(engine)
    assert harvest(engine, discord_server, sim_chat).counts["new messages"] == 0
    sim_clan.advance(days=1)
    later = harvest(engine, discord_server, sim_chat, DISCORD_LOOKBACK_DAYS="400")
    assert later.counts["new messages"] == message_total(engine) - before > 0
    assert stored_counts(engine) == sim_chat.expected_counts()
    # Forget every cursor: a full re-read stores nothing twice.
    with Session(engine) as session, session.begin():
        session.execute(delete(HarvestCursor).where(HarvestCursor.source.like("discord:%")))
    harvest(engine, discord_server, sim_chat)
    assert stored_counts(engine) == sim_chat.expected_counts()


def test_relay_lines_count_for_the_player_not_the_bot(
    engine: Engine, sim_chat: SimulatedChat, discord_server: FakeDiscordServer
) -> None:
    harvest(engine, discord_server, sim_chat)
    relay_only = {
        s["name"] for s in sim_chat.relay_speakers() if s["discord_user_id"] is None and s["speaks"]
    }
    with Session(engine) as session:
        heard = set(session.scalars(select(DiscordMessage.relay_name).distinct()))
        relay_bot_lines = session.scalar(
            select(func.count()).where(
                DiscordMessage.channel_id == sim_chat.relay_channel_id,
                DiscordMessage.author_id.is_not(None),
                DiscordMessage.is_bot.is_(False),
            )
        )
    assert relay_only and relay_only <= heard
    assert relay_bot_lines == 0


def test_questions_and_answers_by_others(
    engine: Engine, sim_chat: SimulatedChat, discord_server: FakeDiscordServer
) -> None:
    harvest(engine, discord_server, sim_chat)
    with Session(engine) as session:
        flagged = set(
            session.scalars(
                select(DiscordMessage.message_id).where(DiscordMessage.is_question.is_(True))
            )
        )
        replies = {
            m: (to, to_author)
            for m, to, to_author in session.execute(
                select(
                    DiscordMessage.message_id,
                    DiscordMessage.reply_to_message_id,
                    DiscordMessage.reply_to_author_id,
                )
            )
        }
    questions = sim_chat.questions()
    assert questions and {q["message_id"] for q in questions} <= flagged
    answers = sim_chat.question_replies()
    assert answers
    for answer in answers:
        assert replies[answer["message_id"]] == (
            answer["question_id"],
            answer["question_author_id"],
        )


def test_server_nicknames_link_members_by_their_in_game_name(migrated_url: str) -> None:
    clan = SimulatedClan(SimConfig(seed=7, members=50, days=20, now=SIM_NOW))
    chat = SimulatedChat(clan)
    members = {
        m["playerId"]: m["player"]["displayName"] for m in clan.group_details()["memberships"]
    }
    # Members whose only name that fits their in-game name is the server nickname.
    by_nick = [
        u
        for u in chat.users()
        if u["kind"] == "member"
        and u["player_id"] in members
        and u["nick"]
        and name_key(u["nick"]) == name_key(members[u["player_id"]])
        and name_key(u["global_name"] or "") != name_key(members[u["player_id"]])
        and name_key(u["username"]) != name_key(members[u["player_id"]])
    ]
    assert by_nick, "the simulated server has members known only by nickname"
    engine = make_engine(migrated_url)
    with (
        FakeWomServer(clan, limit_with_key=10_000) as wom,
        FakeDiscordServer(chat, rate_limit_per_second=10_000) as server,
    ):
        client = WomClient(
            base_url=wom.base_url,
            api_key="demo-key",
            user_agent="tests",
            requests_per_minute=10_000,
        )
        WomHarvest(
            engine=engine,
            client=client,
            group_id=GROUP,
            stage_run_id=None,
            lookback_days=365,
            now=NOW,
        ).run()
        result = harvest(engine, server, chat)
    assert result.counts["server members"] > 0
    with Session(engine) as session, session.begin():
        link_identities(session, GROUP, [])
    with Session(engine) as session:
        linked = dict(
            session.execute(select(IdentityLink.discord_user_id, IdentityLink.player_id)).all()
        )
    for user in by_nick:
        assert linked.get(user["id"]) == user["player_id"], user


def test_without_the_members_intent_the_harvest_carries_on(
    engine: Engine,
    sim_chat: SimulatedChat,
    discord_server: FaultyDiscordServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    discord_server.inject(Fault("403", path_pattern="/members", times=10))
    result = harvest(engine, discord_server, sim_chat)
    assert "server members" not in result.counts
    assert any("Server Members intent" in r.getMessage() for r in caplog.records)
    assert stored_counts(engine) == sim_chat.expected_counts()


def test_rate_limits_are_waited_out(
    engine: Engine, sim_chat: SimulatedChat, discord_server: FaultyDiscordServer
) -> None:
    discord_server.inject(Fault("429", path_pattern="/messages", times=3, retry_after=0.05))
    result = harvest(engine, discord_server, sim_chat)
    assert stored_counts(engine) == sim_chat.expected_counts()
    assert result.failures == []
    assert sum(r.status == 429 for r in discord_server.requests) == 3


def test_a_bad_token_is_a_config_error(
    engine: Engine, sim_chat: SimulatedChat, discord_server: FakeDiscordServer
) -> None:
    with pytest.raises(ConfigError, match="DISCORD_BOT_TOKEN is not accepted") as caught:
        harvest(engine, discord_server, sim_chat, DISCORD_BOT_TOKEN="not-the-token")
    assert "not-the-token" not in str(caught.value)
    assert message_total(engine) == 0


def test_without_message_content_counts_still_work(engine: Engine, sim_chat: SimulatedChat) -> None:
    with FakeDiscordServer(sim_chat, message_content=False, rate_limit_per_second=10_000) as server:
        result = harvest(engine, server, sim_chat)
    assert result.counts["message text"] == "not sent by Discord"
    assert message_total(engine) == sim_chat.count_messages(sim_chat.readable_channel_ids())
    with Session(engine) as session:
        known_questions = session.scalar(
            select(func.count()).where(DiscordMessage.is_question.is_not(None))
        )
    assert known_questions == 0  # unknown, not "no"


def test_configured_channels_missing_or_forbidden_are_skipped(
    engine: Engine, sim_chat: SimulatedChat, discord_server: FakeDiscordServer
) -> None:
    general = sim_chat.channel_ids["general"]
    missing = 700999999999999999
    result = harvest(
        engine,
        discord_server,
        sim_chat,
        DISCORD_GUILD_ID="",
        DISCORD_CHANNEL_IDS=f"{missing},{general},{sim_chat.forbidden_channel_id}",
    )
    assert len(result.failures) == 2
    assert any(str(missing) in f and "404" in f for f in result.failures)
    assert any(str(sim_chat.forbidden_channel_id) in f and "403" in f for f in result.failures)
    with Session(engine) as session:
        read = set(session.scalars(select(DiscordMessage.channel_id).distinct()))
    assert general in read


@pytest.mark.parametrize("kind", ["malformed", "503"])
def test_a_broken_channel_keeps_what_was_stored_and_heals(
    engine: Engine, sim_chat: SimulatedChat, discord_server: FaultyDiscordServer, kind: str
) -> None:
    pvm = sim_chat.channel_ids["pvm"]
    discord_server.inject(Fault(kind, path_pattern=f"/channels/{pvm}/messages", times=50))  # type: ignore[arg-type]
    result = harvest(engine, discord_server, sim_chat)
    assert any("#pvm" in f for f in result.failures)
    with Session(engine) as session:
        log = session.scalars(select(FetchLog).where(FetchLog.source == f"discord:{pvm}")).all()
        cursor = session.scalar(
            select(HarvestCursor.position).where(HarvestCursor.source == f"discord:{pvm}")
        )
    assert [entry.outcome for entry in log] == ["error"] and cursor is None
    discord_server.clear_faults()
    harvest(engine, discord_server, sim_chat)
    assert stored_counts(engine) == sim_chat.expected_counts()


@pytest.fixture
def busy_servers() -> Iterator[tuple[SimulatedChat, FaultyWomServer, FaultyDiscordServer]]:
    """A chatty clan dated today (the subprocess uses the real clock for its look-back)."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    clan = SimulatedClan(SimConfig(seed=5, members=40, days=40, now=today))
    chat = SimulatedChat(clan, ChatConfig(seed=3, message_scale=6))
    with (
        FaultyWomServer(clan, limit_with_key=10_000) as wom,
        FaultyDiscordServer(chat, rate_limit_per_second=10_000) as discord_server,
    ):
        yield chat, wom, discord_server


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_stage_killed_mid_channel_never_moves_the_cursor_past_stored_rows(
    tmp_path: Path,
    database_url: str,
    busy_servers: tuple[SimulatedChat, FaultyWomServer, FaultyDiscordServer],
) -> None:
    chat, wom, discord_server = busy_servers
    general = chat.channel_ids["general"]
    assert chat.count_messages([general]) > 2_000, "general needs several batches"
    # Every page of #general is slow, so the kill lands mid-channel after a batch or two.
    discord_server.inject(
        Fault("timeout", path_pattern=f"/channels/{general}/messages", times=100_000, delay=0.15)
    )
    env = {
        **os.environ,
        "CLANSTATS_ENV_FILE": str(tmp_path / "absent.env"),
        "CLANSTATS_DATA_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "WOM_BASE_URL": wom.base_url,
        "WOM_GROUP_ID": str(GROUP),
        "WOM_API_KEY": "demo-key",
        "WOM_REQUESTS_PER_MINUTE": "10000",
        "DISCORD_BOT_TOKEN": chat.bot_token,
        "DISCORD_CHANNEL_IDS": str(general),
        "DISCORD_API_BASE": discord_server.api_base,
    }
    stage = subprocess.Popen(
        [sys.executable, "-m", "scripts.harvest"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _stored(database_url, general) == 0:
            time.sleep(0.05)
        stored_before_kill = _stored(database_url, general)
        assert 0 < stored_before_kill < chat.count_messages([general]), "kill must land mid-channel"
    finally:
        stage.send_signal(signal.SIGKILL)
        stage.wait(timeout=30)
    if database_url.startswith("sqlite"):
        assert query(database_url, "PRAGMA integrity_check") == [("ok",)]
    [(newest,)] = query(
        database_url,
        "SELECT max(message_id) FROM discord_messages WHERE channel_id = :c",
        {"c": general},
    )
    cursor = query(
        database_url,
        "SELECT position FROM harvest_cursors WHERE source = :s",
        {"s": f"discord:{general}"},
    )
    assert cursor and int(cursor[0][0]) == newest
    discord_server.clear_faults()
    finished = subprocess.run(
        [sys.executable, "-m", "scripts.harvest"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    rows = query(
        database_url,
        "SELECT count(*), count(DISTINCT message_id) FROM discord_messages WHERE channel_id = :c",
        {"c": general},
    )
    assert rows == [(chat.count_messages([general]),) * 2]


def _stored(url: str, channel_id: int) -> int:
    path = sqlite_path_from_url(url)
    if path is not None and not path.exists():
        return 0
    try:
        rows = query(
            url, "SELECT count(*) FROM discord_messages WHERE channel_id = :c", {"c": channel_id}
        )
    except DBAPIError:
        return 0  # not migrated yet, or busy
    return int(rows[0][0])
