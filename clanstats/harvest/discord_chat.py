"""The Discord harvest: message metadata from each channel and thread, over REST with discord.py.

No gateway session: the bot logs in over HTTP, fetches its channels and pages each one's history
after the stored cursor. Messages are written in batches, each batch committed together with
the channel's cursor, so a stop at any point leaves the cursor at the last stored message and the
next run reads on from there (a re-read message is stored once). Text is read for features
(question? relay name?) and dropped in this module; it never reaches the database.

Listing server members (nicknames) and a channel's threads are optional steps: one that fails
is reported in one line and the messages are still read. A Discord that can't be reached at
all (unknown host, refused connection) stops the pass at once, in one line.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import aiohttp
import discord
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clanstats.chat.features import is_question, length_bucket, relay_line
from clanstats.chat.snowflakes import snowflake_at
from clanstats.clock import utcnow
from clanstats.crashpoints import crash_point
from clanstats.db.models import DiscordChannel, DiscordMessage, DiscordUser, HarvestCursor
from clanstats.db.upsert import upsert
from clanstats.errors import ConfigError
from clanstats.freshness import fetched_within, skipped_label
from clanstats.harvest.fetchlog import record_failed_fetch, record_fetch
from clanstats.logs import FILE_ONLY, progress_bar
from clanstats.settings import Settings
from clanstats.stage import StageResult

log = logging.getLogger(__name__)

BATCH_SIZE = 500
PASS_SOURCE = "discord:pass"  # the fetch-log row of a pass that reached every channel
# What discord.py lets through when an answer is broken: bad JSON, a cut or timed-out connection,
# and (it reads answers by indexing) a required field missing or JSON of the wrong type (an
# object where a list belongs, and the other way round: `.get` on a list, `[-1]` on a dict), a
# number too big for a snowflake, and a kind of channel this discord.py doesn't know.
BROKEN_ANSWER = (
    ValueError,
    OverflowError,
    discord.InvalidData,
    aiohttp.ClientError,
    TimeoutError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
)
ReadableChannel = discord.TextChannel | discord.Thread
USER_UPDATE_COLUMNS = ("username", "global_name", "is_bot", "last_seen_at")
# Only a server-member listing knows nicknames; message authors come without them.
MEMBER_UPDATE_COLUMNS = (*USER_UPDATE_COLUMNS, "nick")
_T = TypeVar("_T")


@dataclass
class ChannelRead:
    """What reading one channel or thread gave."""

    messages: int = 0
    with_text: int = 0
    failure: str | None = None
    skipped: str | None = None
    fresh: bool = False


@dataclass
class DiscordHarvest:
    """One harvest of the configured Discord channels for one WOM group."""

    engine: Engine
    settings: Settings
    group_id: int
    stage_run_id: int | None
    now: datetime = field(default_factory=utcnow)
    reads: dict[int, ChannelRead] = field(default_factory=dict)
    requests: int = 0
    guild: discord.Guild | None = None
    server_members: int | None = None
    refresh_hours: float = 0
    step_failures: list[str] = field(default_factory=list)  # optional steps that failed
    logged_in: bool = False

    def run(self, result: StageResult) -> None:
        """Read every channel; add counts and failures to `result`."""
        since = self._all_channels_fresh()
        if since is not None:  # every channel was read recently enough: no login, no request
            result.counts["Discord"] = skipped_label(since, self.now)
            return
        started, began = time.perf_counter(), utcnow()
        first_run = not self._any_cursor()
        stopped = self._pass()
        if stopped is not None or self.step_failures:
            # Not a complete pass: the next run lists everything again, whatever the interval.
            problems = [p for p in (stopped, *self.step_failures) if p]
            self._record_failure(PASS_SOURCE, began, "; ".join(problems))
        seconds = time.perf_counter() - started
        messages = sum(read.messages for read in self.reads.values())
        skipped = [read.skipped for read in self.reads.values() if read.skipped]
        fresh = sum(read.fresh for read in self.reads.values())
        result.counts["Discord channels"] = len(self.reads) - len(skipped) - fresh
        if fresh:
            result.counts["channels skipped as fresh"] = fresh
        if skipped:
            result.counts["channels the bot can't read"] = len(skipped)
        result.counts["new messages"] = messages
        result.counts["Discord requests"] = self.requests
        if self.server_members is not None:
            result.counts["server members"] = self.server_members
        if first_run and messages:
            result.counts["messages/s"] = round(messages / max(seconds, 0.001))
        non_bot_text = sum(read.with_text for read in self.reads.values())
        if messages >= 20 and non_bot_text == 0:
            result.counts["message text"] = "not sent by Discord"
            log.warning(
                "Discord sent no message text: the bot's Message Content intent is off, so "
                "questions and relay names are off (counts still work). Turn it on in the "
                "Developer Portal > Bot > Privileged Gateway Intents"
            )
        failures = [
            *([stopped] if stopped else []),
            *self.step_failures,
            *(r.failure for r in self.reads.values() if r.failure),
        ]
        for failure in failures:
            # The stage prints failures on the console; app.log gets the same line.
            log.warning("%s", failure, extra=FILE_ONLY)
        result.failures += failures

    def _pass(self) -> str | None:
        """Run the pass; return the one line saying what stopped it, if something did."""
        try:
            asyncio.run(self._harvest())
        except aiohttp.ClientConnectorError as exc:
            return f"Discord: {_unreachable(exc, answered=self.logged_in)}"
        except discord.HTTPException as exc:
            return f"Discord: {_http_error(exc)}; try again later"
        except BROKEN_ANSWER as exc:
            return f"Discord: its answer was broken ({type(exc).__name__}); try again later"
        return None

    async def _optional(self, missed: str, kept: str, action: Awaitable[_T]) -> _T | None:
        """Await an optional step; if Discord's answer fails it, note one line and go on.

        The line says what was `missed`, why, and what was `kept`. A Discord that can't be
        reached at all is not one step's failure: that ends the pass.
        """
        try:
            return await action
        except aiohttp.ClientConnectorError:
            raise
        except (discord.HTTPException, *BROKEN_ANSWER) as exc:
            line = f"{missed}: {_problem(exc)}; {kept}, the next run tries again"
            self.step_failures.append(line)
            return None

    async def _harvest(self) -> None:
        # discord.py builds every URL from this class attribute; tests and the demo point it at
        # a loopback server.
        discord.http.Route.BASE = self.settings.discord_api_base
        token = self.settings.discord_bot_token
        assert token is not None
        # No gateway session is opened; `members` only unlocks discord.py's member listing call.
        intents = discord.Intents.none()
        intents.members = True
        async with discord.Client(intents=intents) as client:
            self._count_requests(client)
            try:
                await client.login(token.get_secret_value())
            except discord.LoginFailure:
                raise ConfigError(
                    "DISCORD_BOT_TOKEN is not accepted by Discord (401 Unauthorized): copy the "
                    "bot's token again from the Developer Portal (Bot > Reset Token)"
                ) from None
            self.logged_in = True
            channels = await self._channels(client)
            if self.guild is not None:
                await self._read_members(self.guild)
            for channel, is_relay in channels:
                await self._read_with_threads(client, channel, is_relay)
            if not self.step_failures:
                self._record_complete_pass(len(channels))

    def _record_complete_pass(self, channels: int) -> None:
        """Mark a pass that reached every channel; until one has, no channel counts as fresh."""
        with Session(self.engine) as session, session.begin():
            record_fetch(
                session,
                group_id=self.group_id,
                stage_run_id=self.stage_run_id,
                source=PASS_SOURCE,
                started_at=self.now,
                requests=0,
                rows=channels,
                outcome="ok",
            )

    def _all_channels_fresh(self) -> datetime | None:
        """When the stalest known readable channel was read, if all are within the interval.

        A pass that died part way (killed, power cut) never read the channels after it, and
        they aren't known yet; without its end-of-pass row the next run reads them all again.
        """
        with Session(self.engine) as session:
            known = session.scalars(
                select(DiscordChannel.channel_id).where(
                    DiscordChannel.group_id == self.group_id, DiscordChannel.last_outcome == "ok"
                )
            ).all()
        sources = [PASS_SOURCE, *(f"discord:{channel_id}" for channel_id in known)]
        return fetched_within(self.engine, self.group_id, sources, self.refresh_hours, self.now)

    def _count_requests(self, client: discord.Client) -> None:
        """Count every HTTP request (all of discord.py's go through HTTPClient.request)."""
        send = client.http.request
        # discord.py's session would wait 5 minutes on a stalled answer.
        timeout = aiohttp.ClientTimeout(total=self.settings.http_timeout_seconds)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.requests += 1
            kwargs.setdefault("timeout", timeout)  # passed on to aiohttp's session.request
            return await send(*args, **kwargs)

        client.http.request = counted  # type: ignore[method-assign]

    async def _channels(self, client: discord.Client) -> list[tuple[ReadableChannel, bool]]:
        """The channels to read: the configured ids, or every text channel of the guild."""
        relays = set(self.settings.discord_relay_channel_ids)
        if self.settings.discord_channel_ids:
            found = []
            for channel_id in self.settings.discord_channel_ids:
                channel = await self._fetch_channel(client, channel_id)
                if channel is not None:
                    found.append((channel, channel_id in relays))
            return found
        guild_id = self.settings.discord_guild_id
        assert guild_id is not None
        try:
            guild = self.guild = await client.fetch_guild(guild_id)
            channels = await guild.fetch_channels()
        except discord.NotFound:
            raise ConfigError(
                f"DISCORD_GUILD_ID={guild_id}: Discord has no such server, or the bot isn't in "
                "it; invite the bot or fix the id"
            ) from None
        except discord.Forbidden:
            raise ConfigError(
                f"DISCORD_GUILD_ID={guild_id}: the bot isn't allowed to see this server; "
                "invite it with View Channels"
            ) from None
        text = [c for c in channels if isinstance(c, discord.TextChannel)]
        return [(c, c.id in relays) for c in sorted(text, key=lambda c: c.position)]

    async def _fetch_channel(self, client: discord.Client, channel_id: int) -> Any:
        try:
            channel = await client.fetch_channel(channel_id)
        except discord.NotFound:
            self._fail(
                channel_id,
                f"channel {channel_id}: Discord has no such channel (404); "
                "remove it from DISCORD_CHANNEL_IDS",
            )
            return None
        except discord.Forbidden:
            self._fail(
                channel_id,
                f"channel {channel_id}: the bot can't see it (403); give it "
                "View Channel, or remove it from DISCORD_CHANNEL_IDS",
            )
            return None
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            self._fail(
                channel_id,
                f"channel {channel_id} is not a text channel; remove it from DISCORD_CHANNEL_IDS",
            )
            return None
        return channel

    async def _read_members(self, guild: discord.Guild) -> None:
        """Store the server's members with their nicknames (they help match in-game names)."""
        members = await self._optional(
            "Discord server nicknames not read",
            "messages were still read",
            self._list_members(guild),
        )
        if members is None:
            return
        rows = [
            {**_user_row(self.group_id, member, self.now), "nick": (member.nick or None)}
            for member in members
        ]
        with Session(self.engine) as session, session.begin():
            upsert(
                session,
                DiscordUser,
                rows,
                keys=("group_id", "user_id"),
                update=MEMBER_UPDATE_COLUMNS,
            )
        self.server_members = len(rows)

    async def _list_members(self, guild: discord.Guild) -> list[discord.Member] | None:
        """Every member of the server; None (and a warning) without the Server Members intent."""
        try:
            return [member async for member in guild.fetch_members(limit=None)]
        except discord.Forbidden:
            log.warning(
                "server nicknames not read: switch on the bot's Server Members intent in the "
                "Developer Portal to match members by nickname"
            )
            return None

    async def _read_with_threads(
        self, client: discord.Client, channel: ReadableChannel, is_relay: bool
    ) -> None:
        """Read a channel, then its active and archived public threads."""
        if not await self._read(channel, is_relay, parent_id=None):
            return  # can't read the channel: its threads would fail the same way
        if not isinstance(channel, discord.TextChannel):
            return
        where = f"#{channel.name} ({channel.id})"
        # Two listings, each optional on its own: one failing still leaves the other's threads.
        kept = "the channel was still read"
        active = await self._optional(
            f"{where} active threads not listed", kept, self._active_threads(client, channel)
        )
        archived = await self._optional(
            f"{where} archived threads not listed", kept, self._archived_threads(channel)
        )
        threads = {t.id: t for t in [*(active or []), *(archived or [])]}
        for thread in sorted(threads.values(), key=lambda t: t.id):
            await self._read(thread, is_relay, parent_id=channel.id)

    @staticmethod
    async def _active_threads(
        client: discord.Client, channel: discord.TextChannel
    ) -> list[discord.Thread]:
        """The channel's active threads (Discord lists them for the whole server)."""
        guild = await client.fetch_guild(channel.guild.id)
        return [t for t in await guild.active_threads() if t.parent_id == channel.id]

    @staticmethod
    async def _archived_threads(channel: discord.TextChannel) -> list[discord.Thread]:
        """The channel's archived public threads."""
        return [thread async for thread in channel.archived_threads(limit=None)]

    async def _read(
        self, channel: ReadableChannel, is_relay: bool, *, parent_id: int | None
    ) -> bool:
        """Page one channel's history after its cursor into the database; False if unreadable."""
        source = f"discord:{channel.id}"
        read = self.reads.setdefault(channel.id, ChannelRead())
        if fetched_within(self.engine, self.group_id, [source], self.refresh_hours, self.now):
            read.fresh = True
            return True
        cursor = self._cursor(source)
        after = discord.Object(
            id=cursor
            or snowflake_at(self.now - timedelta(days=self.settings.discord_lookback_days))
        )
        started, requests_before = utcnow(), self.requests
        self._save_channel(channel, is_relay, parent_id, outcome="reading")
        batch: list[discord.Message] = []
        lost: aiohttp.ClientConnectorError | None = None
        progress = progress_bar(desc=f"#{channel.name}", unit="msg")
        try:
            async for message in channel.history(limit=None, after=after, oldest_first=True):
                batch.append(message)
                progress.update()
                if len(batch) >= BATCH_SIZE:
                    self._store(source, batch, is_relay, read)
                    batch = []
            self._store(
                source,
                batch,
                is_relay,
                read,
                started=started,
                requests=self.requests - requests_before,
            )
        except aiohttp.ClientConnectorError as exc:
            # Discord went out of reach: keep what was read, then end the pass (in one line).
            self._store(source, batch, is_relay, read)
            lost = exc
        except discord.Forbidden:
            self._store(source, batch, is_relay, read)
            problem = (
                f"#{channel.name} ({channel.id}): the bot can't read it (403 Missing "
                "Access); give it View Channel and Read Message History"
            )
            if self.settings.discord_channel_ids:
                read.failure = problem  # a channel the officers asked for
            else:
                # Reading a whole server: channels hidden from the bot are normal (staff rooms).
                read.skipped = problem
                log.warning("skipped %s", problem)
        except discord.HTTPException as exc:
            self._store(source, batch, is_relay, read)
            read.failure = f"#{channel.name} ({channel.id}): {_http_error(exc)}; try again later"
        except BROKEN_ANSWER as exc:
            self._store(source, batch, is_relay, read)
            read.failure = (
                f"#{channel.name} ({channel.id}): Discord's answer was broken "
                f"({type(exc).__name__}); try again later"
            )
        finally:
            progress.close()
        unread = "not read: Discord could not be reached" if lost is not None else None
        not_read = read.failure or read.skipped or unread
        if not_read:
            self._record_failure(source, started, not_read, "skipped" if read.skipped else "error")
        self._save_channel(channel, is_relay, parent_id, outcome=not_read or "ok")
        if lost is not None:
            raise lost
        return not_read is None

    def _store(
        self,
        source: str,
        messages: list[discord.Message],
        is_relay: bool,
        read: ChannelRead,
        *,
        started: datetime | None = None,
        requests: int = 0,
    ) -> None:
        """Write a batch of messages and move the cursor to the newest, in one transaction."""
        if not messages and started is None:
            return
        rows = [self._message_row(m, is_relay, read) for m in messages]
        users = {u["user_id"]: u for u in _authors(self.group_id, messages, self.now)}
        with Session(self.engine) as session, session.begin():
            upsert(
                session,
                DiscordUser,
                list(users.values()),
                keys=("group_id", "user_id"),
                update=USER_UPDATE_COLUMNS,
            )
            read.messages += upsert(
                session, DiscordMessage, rows, keys=("group_id", "message_id"), update=()
            )
            crash_point("harvest.mid-discord-batch")
            if messages:
                newest = max(m.id for m in messages)
                upsert(
                    session,
                    HarvestCursor,
                    [
                        {
                            "group_id": self.group_id,
                            "source": source,
                            "position": str(newest),
                            "updated_at": self.now,
                        }
                    ],
                    keys=("group_id", "source"),
                )
            if started is not None:
                record_fetch(
                    session,
                    group_id=self.group_id,
                    stage_run_id=self.stage_run_id,
                    source=source,
                    started_at=started,
                    requests=requests,
                    rows=read.messages,
                    outcome="ok",
                )

    def _message_row(
        self, message: discord.Message, is_relay: bool, read: ChannelRead
    ) -> dict[str, Any]:
        """The stored features of a message: its text is used here and then dropped."""
        text = message.content or ""
        author_id: int | None = message.author.id
        relay_name = None
        is_bot = bool(message.author.bot)
        if is_relay and (is_bot or message.webhook_id) and (line := relay_line(text)):
            # A relayed in-game line belongs to the player named in it, not to the relay bot.
            relay_name, text = line
            author_id, is_bot = None, False
        if text.strip() and not is_bot and not message.webhook_id:
            read.with_text += 1
        reference = message.reference
        replied = reference.resolved if reference is not None else None
        return {
            "group_id": self.group_id,
            "message_id": message.id,
            "channel_id": message.channel.id,
            "author_id": author_id,
            "relay_name": relay_name,
            "is_bot": is_bot,
            "is_webhook": message.webhook_id is not None and relay_name is None,
            "reply_to_message_id": reference.message_id if reference is not None else None,
            "reply_to_author_id": replied.author.id
            if isinstance(replied, discord.Message)
            else None,
            "is_question": is_question(text),
            "length_bucket": length_bucket(text),
        }

    def _cursor(self, source: str) -> int | None:
        with Session(self.engine) as session:
            position = session.scalar(
                select(HarvestCursor.position).where(
                    HarvestCursor.group_id == self.group_id, HarvestCursor.source == source
                )
            )
        return int(position) if position else None

    def _any_cursor(self) -> bool:
        with Session(self.engine) as session:
            return (
                session.scalar(
                    select(HarvestCursor.source)
                    .where(
                        HarvestCursor.group_id == self.group_id,
                        HarvestCursor.source.like("discord:%"),
                    )
                    .limit(1)
                )
                is not None
            )

    def _save_channel(
        self, channel: ReadableChannel, is_relay: bool, parent_id: int | None, *, outcome: str
    ) -> None:
        guild = getattr(channel, "guild", None)
        row = {
            "group_id": self.group_id,
            "channel_id": channel.id,
            "guild_id": getattr(guild, "id", None),
            "parent_id": parent_id,
            "name": str(getattr(channel, "name", channel.id))[:100],
            "kind": "thread" if isinstance(channel, discord.Thread) else "text",
            "is_relay": is_relay,
            "last_outcome": outcome[:200],
            "updated_at": self.now,
        }
        with Session(self.engine) as session, session.begin():
            upsert(session, DiscordChannel, [row], keys=("group_id", "channel_id"))

    def _fail(self, channel_id: int, message: str) -> None:
        self.reads.setdefault(channel_id, ChannelRead()).failure = message
        self._record_failure(f"discord:{channel_id}", utcnow(), message)

    def _record_failure(
        self, source: str, started: datetime, message: str, outcome: str = "error"
    ) -> None:
        record_failed_fetch(
            self.engine,
            group_id=self.group_id,
            stage_run_id=self.stage_run_id,
            source=source,
            started_at=started,
            error=message,
            outcome=outcome,
        )


def _authors(
    group_id: int, messages: Iterable[discord.Message], now: datetime
) -> list[dict[str, Any]]:
    """Rows for the authors of these messages (and of the messages they reply to)."""
    users = []
    for message in messages:
        users.append(_user_row(group_id, message.author, now))
        resolved = message.reference.resolved if message.reference else None
        if isinstance(resolved, discord.Message):
            users.append(_user_row(group_id, resolved.author, now))
    return users


def _user_row(group_id: int, user: discord.abc.User, now: datetime) -> dict[str, Any]:
    return {
        "group_id": group_id,
        "user_id": user.id,
        "username": str(user.name)[:64],
        "global_name": (getattr(user, "global_name", None) or None),
        "is_bot": bool(user.bot),
        "first_seen_at": now,
        "last_seen_at": now,
    }


def _http_error(exc: discord.HTTPException) -> str:
    return f"Discord answered HTTP {exc.status} ({exc.text or exc.__class__.__name__})"[:200]


def _problem(exc: BaseException) -> str:
    """What went wrong with one Discord call, in a few words."""
    if isinstance(exc, discord.HTTPException):
        return _http_error(exc)
    return f"Discord's answer was broken ({type(exc).__name__})"


def _unreachable(exc: aiohttp.ClientConnectorError, *, answered: bool) -> str:
    """Say in one line that Discord can't be reached, naming the host and what to check."""
    # Read defensively: the certificate-error subclass doesn't set every attribute.
    host = getattr(exc, "host", None) or "Discord's host"
    port = getattr(exc, "port", None)
    where = f"{host}:{port}" if port else host
    cause = getattr(exc, "os_error", None)
    if answered:
        # It answered earlier in this pass, so the setting is right: Discord or the network went.
        return f"{where} stopped answering ({type(cause or exc).__name__}); try again later"
    if isinstance(cause, socket.gaierror):
        return (
            f"the host {host} can't be found (DNS lookup failed); check DISCORD_API_BASE and "
            "this computer's internet connection"
        )
    if isinstance(cause, ConnectionRefusedError):
        return (
            f"{where} refused the connection; check DISCORD_API_BASE, or try again later if "
            "Discord is down"
        )
    return (
        f"{where} can't be reached ({type(cause or exc).__name__}); check DISCORD_API_BASE and "
        "this computer's internet connection"
    )


def harvest_discord(
    engine: Engine,
    settings: Settings,
    group_id: int,
    stage_run_id: int | None,
    result: StageResult,
    refresh_hours: float = 0,
) -> None:
    """Harvest Discord's channels with the configured bot token."""
    DiscordHarvest(engine, settings, group_id, stage_run_id, refresh_hours=refresh_hours).run(
        result
    )
