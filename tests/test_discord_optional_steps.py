"""A broken optional step of the Discord harvest (nicknames, a thread list) loses no messages.

The real discord.py client reads the loopback Discord server; the server's faults break one
optional call. The message harvest must go on with every other channel and thread, and the
broken step must be reported once, in one line, in the result and in app.log.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import DiscordMessage, DiscordUser
from clanstats.harvest.discord_chat import DiscordHarvest
from clanstats.harvest.wom import WomHarvest
from clanstats.settings import PROJECT_ROOT, load_settings
from clanstats.stage import StageResult
from clanstats.wom.client import WomClient
from simulator.chat import SimulatedChat
from simulator.discord_server import FakeDiscordServer
from simulator.wom_server import FakeWomServer
from tests.conftest import SIM_NOW, SQLITE_ONLY
from tests.faults import Fault, FaultyDiscordServer

GROUP = 4242
NOW = SIM_NOW.replace(tzinfo=None)
MEMBERS = r"/guilds/\d+/members$"
ACTIVE_THREADS = r"/guilds/\d+/threads/active$"


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
    engine: Engine, server: FakeDiscordServer, chat: SimulatedChat, refresh_hours: float = 0
) -> StageResult:
    environ = {
        "CLANSTATS_DATA_DIR": str(PROJECT_ROOT),
        "DATABASE_URL": "sqlite:///unused.db",
        "DISCORD_BOT_TOKEN": chat.bot_token,
        "DISCORD_GUILD_ID": str(chat.guild_id),
        "DISCORD_RELAY_CHANNEL_IDS": str(chat.relay_channel_id),
        "DISCORD_API_BASE": server.api_base,
    }
    settings = load_settings(PROJECT_ROOT / "no such .env", environ)
    result = StageResult()
    DiscordHarvest(engine, settings, GROUP, None, now=NOW, refresh_hours=refresh_hours).run(result)
    return result


def stored_per_channel(engine: Engine) -> Counter[int]:
    with Session(engine) as session:
        return Counter(session.scalars(select(DiscordMessage.channel_id)))


def expected_per_channel(chat: SimulatedChat, channel_ids: list[int]) -> Counter[int]:
    return Counter({c: chat.count_messages([c]) for c in channel_ids if chat.count_messages([c])})


def stored_users(engine: Engine) -> set[int]:
    with Session(engine) as session:
        return set(session.scalars(select(DiscordUser.user_id)))


def logged(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


def archived_threads_of(chat: SimulatedChat, parent: int) -> list[int]:
    threads = [chat.channel(t) for t in chat.thread_ids.values()]
    return [
        int(t["id"])
        for t in threads
        if t is not None
        and int(t["parent_id"]) == parent
        and t["thread_metadata"]["archived"]
        and int(t["id"]) in chat.readable_channel_ids()
    ]


# "wrong_type" makes discord.py index a dict with -1 while paging members: a KeyError, which
# used to end the whole Discord harvest with 0 channels read.
@pytest.mark.parametrize("kind", ["wrong_type", "503", "malformed", "truncated_json"])
@SQLITE_ONLY
def test_a_broken_member_listing_loses_no_message(
    engine: Engine,
    sim_chat: SimulatedChat,
    discord_server: FaultyDiscordServer,
    caplog: pytest.LogCaptureFixture,
    kind: Any,
) -> None:
    discord_server.inject(Fault(kind, path_pattern=MEMBERS, times=10))

    result = harvest(engine, discord_server, sim_chat)

    readable = sim_chat.readable_channel_ids()
    assert stored_per_channel(engine) == expected_per_channel(sim_chat, readable)
    assert len(result.failures) == 1, result.failures
    [line] = result.failures
    assert "nicknames" in line and "\n" not in line
    assert "server members" not in result.counts
    assert len(logged(caplog, line)) == 1, "the same line goes to app.log once"


@SQLITE_ONLY
def test_the_member_listing_is_tried_again_on_the_next_run(
    engine: Engine, sim_chat: SimulatedChat, discord_server: FaultyDiscordServer
) -> None:
    members = {int(m["user"]["id"]) for m in sim_chat.guild_members(limit=1000)}
    discord_server.inject(Fault("wrong_type", path_pattern=MEMBERS))
    assert harvest(engine, discord_server, sim_chat, refresh_hours=1000).failures
    assert stored_per_channel(engine), "the messages were read"
    assert not members <= stored_users(engine), "some members never wrote a message"

    # Every channel was read within the interval, but the pass missed the members: not fresh.
    again = harvest(engine, discord_server, sim_chat, refresh_hours=1000)

    assert again.failures == []
    assert again.counts["server members"] == len(members)
    assert members <= stored_users(engine)


@pytest.mark.parametrize("kind", ["wrong_type", "503", "malformed"])
@SQLITE_ONLY
def test_a_broken_archived_thread_list_loses_only_those_threads(
    engine: Engine,
    sim_chat: SimulatedChat,
    discord_server: FaultyDiscordServer,
    caplog: pytest.LogCaptureFixture,
    kind: Any,
) -> None:
    general = sim_chat.channel_ids["general"]
    missed = archived_threads_of(sim_chat, general)
    assert missed, "general has archived threads"
    path = rf"/channels/{general}/threads/archived/public$"
    discord_server.inject(Fault(kind, path_pattern=path, times=10))

    result = harvest(engine, discord_server, sim_chat)

    rest = [c for c in sim_chat.readable_channel_ids() if c not in missed]
    assert stored_per_channel(engine) == expected_per_channel(sim_chat, rest)
    assert len(result.failures) == 1, result.failures
    [line] = result.failures
    assert "#general" in line and "threads" in line and "\n" not in line
    assert len(logged(caplog, line)) == 1


@SQLITE_ONLY
def test_a_broken_active_thread_list_still_reads_the_archived_ones(
    engine: Engine,
    sim_chat: SimulatedChat,
    discord_server: FaultyDiscordServer,
) -> None:
    # A list where discord.py expects an object: it calls .get on it (AttributeError).
    discord_server.inject(Fault("wrong_type", path_pattern=ACTIVE_THREADS, times=1))

    result = harvest(engine, discord_server, sim_chat)

    general = sim_chat.channel_ids["general"]
    active = [int(t["id"]) for t in sim_chat.active_threads() if int(t["parent_id"]) == general]
    rest = [c for c in sim_chat.readable_channel_ids() if c not in active]
    assert stored_per_channel(engine) == expected_per_channel(sim_chat, rest)
    assert len(result.failures) == 1, result.failures
    assert "#general" in result.failures[0] and "active threads" in result.failures[0]


@SQLITE_ONLY
def test_threads_missed_by_a_broken_list_are_read_on_the_next_run(
    engine: Engine, sim_chat: SimulatedChat, discord_server: FaultyDiscordServer
) -> None:
    general = sim_chat.channel_ids["general"]
    path = rf"/channels/{general}/threads/archived/public$"
    discord_server.inject(Fault("503", path_pattern=path))
    assert harvest(engine, discord_server, sim_chat, refresh_hours=1000).failures

    # Every channel was read within the interval, but the pass missed threads: not fresh.
    again = harvest(engine, discord_server, sim_chat, refresh_hours=1000)

    assert again.failures == []
    readable = sim_chat.readable_channel_ids()
    assert stored_per_channel(engine) == expected_per_channel(sim_chat, readable)
