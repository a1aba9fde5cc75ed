"""FakeDiscordServer against the real discord.py client (REST only, no gateway) and raw HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

import aiohttp
import discord
import pytest
import requests

from simulator.chat import SimulatedChat
from simulator.discord_server import FakeDiscordServer
from tests.faults import Fault, FaultyDiscordServer

T = TypeVar("T")


@pytest.fixture(autouse=True)
def restore_route_base() -> Iterator[None]:
    """Put discord.py's API base back after each test."""
    original = discord.http.Route.BASE
    yield
    discord.http.Route.BASE = original


def with_client(
    server: FakeDiscordServer, work: Callable[[discord.Client], Awaitable[T]], token: str = ""
) -> T:
    """Log a REST-only discord.py client in to the server and run `work` with it."""
    discord.http.Route.BASE = server.api_base

    async def session() -> T:
        async with discord.Client(intents=discord.Intents.none()) as client:
            await client.login(token or server.chat.bot_token)
            return await work(client)

    return asyncio.run(session())


async def read_history(client: discord.Client, channel_id: int, after: int = 0) -> list[Any]:
    """Read a channel from `after` to its end, the way an incremental harvester does."""
    channel = await client.fetch_channel(channel_id)
    assert isinstance(channel, discord.abc.Messageable)
    return [m async for m in channel.history(after=discord.Object(id=after), limit=None)]


def get(server: FakeDiscordServer, path: str, token: str | None = None) -> requests.Response:
    """GET an API path with the bot token (or another one)."""
    auth = f"Bot {server.chat.bot_token if token is None else token}"
    return requests.get(f"{server.api_base}{path}", headers={"Authorization": auth}, timeout=5)


# --------------------------------------------------------------------------- login and shapes


def test_login_reads_the_bot_user_and_application(discord_server: FakeDiscordServer) -> None:
    async def work(client: discord.Client) -> tuple[Any, Any]:
        return client.user, await client.application_info()

    user, application = with_client(discord_server, work)
    assert user is not None and user.id == discord_server.chat.app.id and user.bot
    assert application.id == user.id and application.owner is not None
    paths = [request.path for request in discord_server.requests]
    assert paths[:2] == ["/api/v10/users/@me", "/api/v10/oauth2/applications/@me"]


def test_a_wrong_token_is_a_login_failure(discord_server: FakeDiscordServer) -> None:
    with pytest.raises(discord.LoginFailure):
        with_client(discord_server, lambda client: asyncio.sleep(0), token="not-the-token")
    bare = requests.get(f"{discord_server.api_base}/users/@me", timeout=5)
    assert bare.status_code == 401
    assert bare.json() == {"message": "401: Unauthorized", "code": 0}
    assert discord_server.requests[-1].api_key is False


def test_answers_are_exactly_application_json_with_rate_limit_headers(
    discord_server: FakeDiscordServer,
) -> None:
    response = get(discord_server, f"/channels/{discord_server.chat.channel_ids['general']}")
    assert response.headers["Content-Type"] == "application/json"
    for header in ("Limit", "Remaining", "Reset", "Reset-After", "Bucket"):
        assert f"X-RateLimit-{header}" in response.headers
    assert response.json()["type"] == 0 and response.json()["name"] == "general"


def test_guild_channels_and_members(discord_server: FakeDiscordServer) -> None:
    chat = discord_server.chat

    async def work(client: discord.Client) -> tuple[discord.Guild, list[Any]]:
        guild = await client.fetch_guild(chat.guild_id)
        return guild, list(await guild.fetch_channels())

    guild, channels = with_client(discord_server, work)
    assert guild.name == chat.clan.config.group_name
    assert guild.approximate_member_count is not None and guild.approximate_member_count > 10
    text = {c.name: c.id for c in channels if isinstance(c, discord.TextChannel)}
    assert text == chat.channel_ids
    staff_only = next(c for c in channels if c.id == chat.forbidden_channel_id)
    everyone = staff_only.overwrites_for(guild.default_role)
    assert everyone.view_channel is False
    members = get(discord_server, f"/guilds/{chat.guild_id}/members?limit=1000").json()
    assert {int(m["user"]["id"]) for m in members} >= {
        u["id"] for u in chat.users() if u["kind"] == "member"
    }
    assert any(m["nick"] for m in members) or not any(u["nick"] for u in chat.users())


# --------------------------------------------------------------------------- history


def test_history_yields_every_message_oldest_first_with_authors_and_replies(
    discord_server: FakeDiscordServer,
) -> None:
    chat = discord_server.chat
    general = chat.channel_ids["general"]
    messages = with_client(discord_server, lambda client: read_history(client, general))
    expected = chat.messages(general)
    assert len(messages) == len(expected) > 100  # several pages
    assert [m.id for m in messages] == [int(e["id"]) for e in expected]
    assert [m.author.id for m in messages] == [int(e["author"]["id"]) for e in expected]
    assert [m.content for m in messages] == [e["content"] for e in expected]
    replies = [m for m in messages if m.reference is not None]
    assert replies and all(m.type is discord.MessageType.reply for m in replies)
    for reply in replies:
        target = reply.reference.resolved
        assert isinstance(target, discord.Message) and target.id < reply.id
        assert target.id == reply.reference.message_id
    webhooks = [m for m in messages if m.webhook_id is not None]
    assert webhooks and all(m.author.bot for m in webhooks)
    pages = [r for r in discord_server.requests if r.path.endswith("/messages")]
    assert all(r.query["limit"] == "100" for r in pages)
    assert len(pages) == len(expected) // 100 + 1


def test_snowflakes_decode_to_the_intended_times(discord_server: FakeDiscordServer) -> None:
    chat = discord_server.chat
    relay = chat.relay_channel_id
    messages = with_client(discord_server, lambda client: read_history(client, relay))
    expected = {int(e["id"]): datetime.fromisoformat(e["timestamp"]) for e in chat.messages(relay)}
    for message in messages:
        assert discord.utils.snowflake_time(message.id) == message.created_at
        assert message.created_at == expected[message.id]
    assert max(expected.values()) <= chat.clan.now
    assert discord.utils.snowflake_time(chat.guild_id) < min(expected.values())


def test_history_resumes_after_a_cursor_and_sees_new_messages(
    discord_server: FakeDiscordServer,
) -> None:
    chat = discord_server.chat
    general = chat.channel_ids["general"]
    everything = chat.messages(general)
    cursor = int(everything[len(everything) // 2]["id"])
    rest = with_client(discord_server, lambda client: read_history(client, general, cursor))
    assert [m.id for m in rest] == [int(e["id"]) for e in everything if int(e["id"]) > cursor]
    newest = int(everything[-1]["id"])
    chat.clan.advance(2)
    fresh = with_client(discord_server, lambda client: read_history(client, general, newest))
    assert fresh and all(m.id > newest for m in fresh)
    assert [m.id for m in fresh] == [int(e["id"]) for e in chat.messages(general, newest)]


def test_pages_are_newest_first_and_bounded(discord_server: FakeDiscordServer) -> None:
    chat = discord_server.chat
    general = chat.channel_ids["general"]
    ids = [int(e["id"]) for e in chat.messages(general)]
    after = get(discord_server, f"/channels/{general}/messages?limit=100&after={ids[9]}").json()
    assert [int(m["id"]) for m in after] == ids[10:110][::-1]
    latest = get(discord_server, f"/channels/{general}/messages").json()
    assert [int(m["id"]) for m in latest] == ids[-50:][::-1]
    before = get(discord_server, f"/channels/{general}/messages?limit=5&before={ids[20]}").json()
    assert [int(m["id"]) for m in before] == ids[15:20][::-1]
    around = get(discord_server, f"/channels/{general}/messages?limit=5&around={ids[20]}").json()
    assert [int(m["id"]) for m in around] == ids[18:23][::-1]
    too_many = get(discord_server, f"/channels/{general}/messages?limit=101")
    assert too_many.status_code == 400 and too_many.json()["code"] == 50035
    both = get(discord_server, f"/channels/{general}/messages?after={ids[1]}&before={ids[9]}")
    assert both.status_code == 400


def test_pages_of_100_are_served_from_the_day_cache(discord_server: FakeDiscordServer) -> None:
    # How fast is the benchmark's to say; here, that the cached pages are whole and the same.
    chat = discord_server.chat
    general = chat.channel_ids["general"]
    first = int(chat.messages(general)[0]["id"])
    path = f"/channels/{general}/messages?limit=100&after={first}"
    first_page = get(discord_server, path).json()  # warms the day cache
    for _ in range(5):
        assert get(discord_server, path).json() == first_page
    assert len(first_page) == 100


def test_without_message_content_every_content_is_empty(sim_chat: SimulatedChat) -> None:
    general = sim_chat.channel_ids["general"]
    with FakeDiscordServer(sim_chat, message_content=False) as server:
        messages = with_client(server, lambda client: read_history(client, general))
    expected = sim_chat.messages(general)
    assert [m.content for m in messages] == [""] * len(expected)
    assert [m.author.id for m in messages] == [int(e["author"]["id"]) for e in expected]
    replies = [m for m in messages if m.reference is not None]
    assert replies and all(m.reference.resolved.content == "" for m in replies)


# --------------------------------------------------------------------------- threads


def test_threads_are_listed_active_and_archived_and_readable(
    discord_server: FakeDiscordServer,
) -> None:
    chat = discord_server.chat

    async def work(client: discord.Client) -> dict[str, tuple[bool, list[Any]]]:
        guild = await client.fetch_guild(chat.guild_id)
        threads = await guild.active_threads()
        for name in ("general", "pvm"):
            channel = await client.fetch_channel(chat.channel_ids[name])
            assert isinstance(channel, discord.TextChannel)
            threads += [t async for t in channel.archived_threads(limit=None)]
        return {
            t.name: (t.archived, [m async for m in t.history(limit=None, oldest_first=True)])
            for t in threads
        }

    threads = with_client(discord_server, work)
    assert any(archived for archived, _ in threads.values())
    assert any(not archived for archived, _ in threads.values())
    assert "Rank review" not in threads  # its parent is staff-only
    for name, (_, messages) in threads.items():
        expected = chat.messages(chat.thread_ids[name])
        assert [m.id for m in messages] == [int(e["id"]) for e in expected]
    assert sum(len(messages) for _, messages in threads.values()) > 0


# --------------------------------------------------------------------------- errors and faults


def test_staff_only_is_forbidden_and_unknown_channels_are_not_found(
    discord_server: FakeDiscordServer,
) -> None:
    chat = discord_server.chat

    async def fetch(client: discord.Client, channel_id: int) -> Any:
        return await client.fetch_channel(channel_id)

    async def read_hidden(client: discord.Client) -> Any:
        channel = client.get_partial_messageable(chat.forbidden_channel_id)
        return [m async for m in channel.history(limit=10)]

    with pytest.raises(discord.Forbidden) as forbidden:
        with_client(discord_server, lambda client: fetch(client, chat.forbidden_channel_id))
    assert forbidden.value.code == 50001
    with pytest.raises(discord.Forbidden):
        with_client(discord_server, read_hidden)
    staff_thread = chat.thread_ids["Rank review"]
    assert get(discord_server, f"/channels/{staff_thread}/messages").status_code == 403
    archived = f"/channels/{chat.forbidden_channel_id}/threads/archived/public"
    assert get(discord_server, archived).status_code == 403
    with pytest.raises(discord.NotFound) as missing:
        with_client(discord_server, lambda client: fetch(client, 123456789012345678))
    assert missing.value.code == 10003
    # One refused channel doesn't stop the others.
    general = chat.channel_ids["general"]
    assert with_client(discord_server, lambda client: read_history(client, general))


def test_a_429_is_waited_out_and_retried_by_discord_py(discord_server: FaultyDiscordServer) -> None:
    general = discord_server.chat.channel_ids["general"]
    discord_server.inject(Fault("429", path_pattern=r"/messages$", times=2, retry_after=0.05))
    messages = with_client(discord_server, lambda client: read_history(client, general))
    assert len(messages) == len(discord_server.chat.messages(general))
    statuses = [r.status for r in discord_server.requests if r.path.endswith("/messages")]
    assert statuses[:3] == [429, 429, 200]
    raw = requests.get(f"{discord_server.api_base}/users/@me", timeout=5)  # no fault left
    assert raw.status_code == 401
    discord_server.inject(Fault("429", retry_after=0.25))
    limited = get(discord_server, "/users/@me")
    assert limited.status_code == 429 and limited.headers["Via"]
    assert limited.json() == {
        "message": "You are being rate limited.",
        "retry_after": 0.25,
        "global": False,
    }


def test_the_rate_limit_is_respected_by_discord_py(sim_chat: SimulatedChat) -> None:
    general = sim_chat.channel_ids["general"]

    async def read_without_fetching(client: discord.Client) -> list[Any]:
        channel = client.get_partial_messageable(general)
        return [m async for m in channel.history(after=discord.Object(id=0), limit=None)]

    with FakeDiscordServer(sim_chat, rate_limit_per_second=4) as server:
        burst = [get(server, f"/channels/{general}") for _ in range(6)]
        assert [r.status_code for r in burst].count(429) == 2
        assert burst[-1].json()["retry_after"] > 0 and burst[-1].headers["Via"]
        server.reset_requests()
        # Each route has its own bucket per channel: the exhausted one doesn't slow this one.
        messages = with_client(server, read_without_fetching)
        assert len(messages) == len(sim_chat.messages(general)) > 300
        assert {r.status for r in server.requests} == {200}  # it waited instead of hitting 429s


def test_a_502_is_retried_by_discord_py(discord_server: FaultyDiscordServer) -> None:
    general = discord_server.chat.channel_ids["general"]
    discord_server.inject(Fault("502", path_pattern=r"/messages$"))
    messages = with_client(discord_server, lambda client: read_history(client, general))
    assert len(messages) == len(discord_server.chat.messages(general))
    statuses = [r.status for r in discord_server.requests if r.path.endswith("/messages")]
    assert statuses[:2] == [502, 200]


@pytest.mark.parametrize(("kind", "status"), [("500", 500), ("503", 503), ("504", 504)])
def test_error_faults(discord_server: FaultyDiscordServer, kind: str, status: int) -> None:
    discord_server.inject(Fault(kind))  # type: ignore[arg-type]
    assert get(discord_server, "/users/@me").status_code == status
    assert get(discord_server, "/users/@me").status_code == 200


def test_malformed_and_broken_answers_raise_in_discord_py(
    discord_server: FaultyDiscordServer,
) -> None:
    general = discord_server.chat.channel_ids["general"]
    discord_server.inject(Fault("malformed", path_pattern=r"/messages$"))
    with pytest.raises(ValueError):
        with_client(discord_server, lambda client: read_history(client, general))
    discord_server.inject(Fault("truncated", path_pattern=r"/messages$"))
    with pytest.raises(aiohttp.ClientError):
        with_client(discord_server, lambda client: read_history(client, general))


def test_drop_and_timeout_faults(discord_server: FaultyDiscordServer) -> None:
    general = discord_server.chat.channel_ids["general"]
    discord_server.inject(Fault("drop", path_pattern=r"/messages$"))
    with pytest.raises(requests.exceptions.ConnectionError):
        get(discord_server, f"/channels/{general}/messages")
    assert discord_server.requests[-1].status == 0
    discord_server.inject(Fault("timeout", path_pattern=r"/messages$", delay=0.2))
    started = time.perf_counter()
    assert get(discord_server, f"/channels/{general}/messages").status_code == 200
    assert time.perf_counter() - started >= 0.2
    with pytest.raises(ValueError):
        discord_server.inject(Fault("schema"))
