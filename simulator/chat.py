"""A deterministic simulated clan Discord, bound to a SimulatedClan and its clock.

    chat = SimulatedChat(SimulatedClan(SimConfig(members=50)))
    chat.messages(chat.channel_ids["general"])  # oldest first, Discord message objects

The guild has text channels `general`, `pvm`, `skilling`, `staff-only` (the bot may not read
it: `forbidden_channel_id`) and `clan-chat-relay` (`relay_channel_id`, where a relay bot repeats
in-game clan chat as `**Name**: text`), plus public threads under general, pvm and staff-only.
Who posts is drawn in `chat_cast`, how much in `chat_layout`, when in `chat_rhythm`; messages
are generated lazily per channel and day (`chat_streams`, `chat_history`), so a 500-member clan's
year of about a million messages is never held at once. History starts `clan.config.days`
before the clan's `now` at construction; `clan.advance()` makes new messages appear.

Every message text carries a marker matching `TEXT_MARKER` (see `text_markers()`), so tests can
prove a harvester stored no text. `users()`, `expected_counts()`, `questions()`,
`question_replies()` and `message_facts()` are ground truth for tests; a harvester must not
rely on them.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from simulator import chat_shapes
from simulator.chat_cast import ChatUser, build_cast
from simulator.chat_history import History, Position
from simulator.chat_layout import Channel, Thread, build_layout, build_streams
from simulator.chat_rhythm import Rhythm
from simulator.chat_streams import Stream, Voices
from simulator.chat_text import TEXT_MARKER
from simulator.chat_truth import ChatTruth, MessageFact, speaker_name
from simulator.clan import SimulatedClan
from simulator.clock import DAY_MS, to_ms
from simulator.roster import standardize_username
from simulator.shapes import Json

__all__ = ["TEXT_MARKER", "ChatConfig", "MessageFact", "SimulatedChat"]

_TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(frozen=True)
class ChatConfig:
    """Everything that shapes a simulated clan Discord; the same config and clan, the same chat."""

    seed: int = 11
    guild_id: int = 700000000000000001
    message_scale: float = 1.0
    timezone: str = "Europe/London"

    def __post_init__(self) -> None:
        """Reject settings the simulation can't honour."""
        if self.message_scale < 0:
            raise ValueError(f"message_scale must be >= 0, got {self.message_scale}")
        if not 1 << 22 < self.guild_id < 1 << 63:
            raise ValueError(f"guild_id must be a snowflake, got {self.guild_id}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {self.timezone!r}") from None


class SimulatedChat:
    """A clan's Discord guild over the clan's history; answers in Discord API v10 shapes.

    Everything answers as of the clan's `now`. Returned objects are fresh. Safe to share
    between threads.
    """

    def __init__(self, clan: SimulatedClan, config: ChatConfig | None = None) -> None:
        self.clan = clan
        self.config = config if config is not None else ChatConfig()
        now_ms = to_ms(clan.now)
        window_ms = now_ms - clan.config.days * DAY_MS
        self._origin_ms = window_ms - window_ms % DAY_MS
        cast_seed, layout_seed, stream_seed, token_seed = np.random.SeedSequence(
            self.config.seed
        ).spawn(4)
        self._cast = build_cast(clan, np.random.default_rng(cast_seed), origin_ms=self._origin_ms)
        layout_rng = np.random.default_rng(layout_seed)
        self._layout = build_layout(
            self.config.guild_id, self._cast, layout_rng, origin_ms=self._origin_ms, now_ms=now_ms
        )
        streams = build_streams(
            self._layout,
            self._cast,
            layout_rng,
            scale=self.config.message_scale,
            origin_ms=self._origin_ms,
        )
        cast = self._cast
        self._history = History(
            streams,
            rhythm=Rhythm(self.config.timezone),
            voices=Voices(cast.relay_bot, cast.utility_bot, cast.webhook),
            seed=int(stream_seed.generate_state(1)[0]),
            origin_ms=self._origin_ms,
        )
        self._channels = {channel.id: channel for channel in self._layout.channels}
        self._threads = {thread.id: thread for thread in self._layout.threads}
        self._truth = ChatTruth(self._history, self._cast)
        self.bot_token = _token(self.app.id, np.random.default_rng(token_seed))

    # ------------------------------------------------------------------ ids

    @property
    def now_ms(self) -> int:
        """Return the clan's `now` in epoch milliseconds."""
        return to_ms(self.clan.now)

    @property
    def guild_id(self) -> int:
        """Return the guild's id."""
        return self._layout.guild_id

    @property
    def channel_ids(self) -> dict[str, int]:
        """Return text channel ids by name."""
        return {channel.name: channel.id for channel in self._layout.channels}

    @property
    def relay_channel_id(self) -> int:
        """Return the id of the channel where the relay bot repeats in-game clan chat."""
        return next(c.id for c in self._layout.channels if c.relay)

    @property
    def forbidden_channel_id(self) -> int:
        """Return the id of the channel the bot can't read (403)."""
        return next(c.id for c in self._layout.channels if c.forbidden)

    @property
    def thread_ids(self) -> dict[str, int]:
        """Return every thread's id by name, including ones not created yet at `now`."""
        return {thread.name: thread.id for thread in self._layout.threads}

    @property
    def app(self) -> ChatUser:
        """Return the harvesting bot's own account (GET /users/@me)."""
        assert self._cast.app is not None  # build_cast always adds it
        return self._cast.app

    # ------------------------------------------------------------------ people

    def users(self) -> list[Json]:
        """Return everyone who can post: id, username, global_name, nick, bot, kind, player_id.

        `player_id` (the WOM id of the member or ex-member an account belongs to) and
        `name_style` are ground truth for tests; Discord doesn't tell a harvester either.
        """
        return [
            {
                "id": user.id,
                "username": user.username,
                "global_name": user.global_name,
                "nick": user.nick,
                "bot": user.bot,
                "kind": user.kind,
                "player_id": user.player_id,
                "name_style": user.name_style,
            }
            for user in self._cast.users
        ]

    def ambiguous_names(self) -> list[str]:
        """Return normalised names that more than one human account's global_name maps to."""
        counts = Counter(
            standardize_username(user.global_name)
            for user in self._cast.users
            if user.global_name is not None and not user.bot
        )
        return sorted(name for name, count in counts.items() if count > 1)

    def relay_speakers(self) -> list[Json]:
        """Return in-game voices: player_id, name, old_name, discord_user_id (None: relay only)."""
        users = self._cast.users
        return [
            {
                "player_id": s.player_id,
                "name": s.name,
                "old_name": s.old_name,
                "discord_user_id": users[s.user_index].id if s.user_index >= 0 else None,
                "speaks": s.rate > 0,
            }
            for s in self._cast.speakers
        ]

    # ------------------------------------------------------------------ Discord objects

    def guild(self, *, with_counts: bool = False) -> Json:
        """Return the guild object."""
        members = len(self._guild_users()) if with_counts else None
        name = self.clan.config.group_name
        return chat_shapes.guild_json(
            self._layout, name=name, owner_id=self._owner().id, members=members
        )

    def guild_channels(self) -> list[Json]:
        """Return the guild's channels: the category, then every text channel."""
        channels = [chat_shapes.category_json(self._layout)]
        channels += [self._channel_json(channel) for channel in self._layout.channels]
        return channels

    def channel(self, channel_id: int) -> Json | None:
        """Return a text channel or a thread created by now; None when unknown."""
        if channel_id in self._channels:
            return self._channel_json(self._channels[channel_id])
        thread = self._threads.get(channel_id)
        if thread is not None and thread.created_ms <= self.now_ms:
            return self._thread_json(thread)
        return None

    def is_forbidden(self, channel_id: int) -> bool:
        """Return whether the bot lacks access to a channel or a thread in it."""
        channel = self._channels.get(channel_id)
        thread = self._threads.get(channel_id)
        return (channel is not None and channel.forbidden) or (
            thread is not None and thread.forbidden
        )

    def active_threads(self) -> list[Json]:
        """Return open threads the bot can see, newest first."""
        now = self.now_ms
        threads = [
            t
            for t in self._layout.threads
            if t.created_ms <= now and not t.archived(now) and not t.forbidden
        ]
        return [self._thread_json(t) for t in sorted(threads, key=lambda t: -t.id)]

    def archived_threads(self, channel_id: int, *, before_ms: int | None = None) -> list[Json]:
        """Return a channel's archived threads, most recently archived first."""
        now = self.now_ms
        threads = [
            t
            for t in self._layout.threads
            if t.parent_id == channel_id
            and t.archived(now)
            and (before_ms is None or t.archive_ms < before_ms)
        ]
        threads.sort(key=lambda t: (-t.archive_ms, -t.id))
        return [self._thread_json(t) for t in threads]

    def guild_members(self, *, after: int = 0, limit: int = 1) -> list[Json]:
        """Return guild members with user ids above `after`, by id."""
        users = sorted(self._guild_users(), key=lambda user: user.id)
        roles = self._layout.roles
        chosen = [user for user in users if user.id > after][:limit]
        return [chat_shapes.member_json(user, self._roles_of(user, roles)) for user in chosen]

    def application(self) -> Json:
        """Return the bot's application object."""
        return chat_shapes.application_json(self.app, self._owner())

    def history(
        self,
        channel_id: int,
        *,
        limit: int = 50,
        before: int | None = None,
        after: int | None = None,
        around: int | None = None,
        content: bool = True,
    ) -> list[Json]:
        """Return one page of a channel's messages, NEWEST FIRST as Discord sends them.

        At most one of `before`, `after` and `around` (a message id); none reads the latest.
        Without `content` every text is "" (no Message Content intent).
        """
        stream = self._stream(channel_id)
        now = self.now_ms
        if after is not None:
            positions = self._history.after(stream, after, limit, now)[::-1]
        elif around is not None:
            newer = self._history.after(stream, around - 1, limit - limit // 2, now)[::-1]
            positions = newer + self._history.before(stream, around, limit // 2, now)
        else:
            positions = self._history.before(stream, before, limit, now)
        return [self._message(stream, position, content=content) for position in positions]

    # ------------------------------------------------------------------ ground truth

    def messages(self, channel_id: int, after_id: int | None = None) -> list[Json]:
        """Return every message of a channel or thread after `after_id`, oldest first."""
        stream = self._stream(channel_id)
        return [
            self._message(stream, (block, i))
            for block, count in self._history.visible(stream, self.now_ms)
            for i in range(count)
            if after_id is None or block.ids[i] > after_id
        ]

    def readable_channel_ids(self) -> list[int]:
        """Return the channels and threads (created by now) a harvester can read."""
        return self._readable_ids(self.now_ms)

    def message_facts(self, until: datetime | None = None) -> list[MessageFact]:
        """Return a MessageFact per readable message sent at or before `until`, in id order.

        Covers `readable_channel_ids()` as of `until` (default: the clan's now). The chat is
        fixed when built, so a later `until` gives the messages that will be there by then.
        Ground truth for tests; a harvester must not rely on it.
        """
        until_ms = self.now_ms if until is None else to_ms(until)
        streams = [self._stream(i) for i in self._readable_ids(until_ms)]
        return self._truth.facts(streams, until_ms)

    def count_messages(self, channel_ids: Iterable[int] | None = None) -> int:
        """Return how many messages exist by now (every channel and thread by default)."""
        ids = list(self._history.streams) if channel_ids is None else channel_ids
        return sum(
            count for i in ids for _, count in self._history.visible(self._stream(i), self.now_ms)
        )

    def expected_counts(self, channel_ids: Iterable[int] | None = None) -> Counter[int | str]:
        """Return messages per author id, with relay lines counted per in-game name instead.

        Covers the readable channels and threads by default. Relay system lines (no
        `**Name**:`) count for the relay bot's id.
        """
        return self._truth.counts(self._streams(channel_ids), self.now_ms)

    def questions(self, channel_ids: Iterable[int] | None = None) -> list[Json]:
        """Return questions (text ending in "?"): channel_id, message_id, author_id, relay_name."""
        return self._truth.questions(self._streams(channel_ids), self.now_ms)

    def question_replies(self, channel_ids: Iterable[int] | None = None) -> list[Json]:
        """Return replies to questions by someone other than the asker.

        Each has channel_id, message_id, author_id, question_id and question_author_id.
        """
        return self._truth.question_replies(self._streams(channel_ids), self.now_ms)

    def text_markers(self, channel_ids: Iterable[int] | None = None) -> Iterator[str]:
        """Yield the marker every message text carries (readable channels by default).

        Each matches `TEXT_MARKER` (`zq` + 6 base-36 characters + `kx`); searching stored data
        for that pattern proves no text was kept.
        """
        return self._truth.markers(self._streams(channel_ids), self.now_ms)

    # ------------------------------------------------------------------ internals

    def _stream(self, channel_id: int) -> Stream:
        """Return a channel's or thread's stream; KeyError for an unknown id."""
        stream = self._history.streams.get(channel_id)
        if stream is None:
            raise KeyError(f"unknown channel {channel_id}")
        return stream

    def _readable_ids(self, at_ms: int) -> list[int]:
        """Return the channels and threads (created by `at_ms`) a harvester can read."""
        ids = [c.id for c in self._layout.channels if not c.forbidden]
        threads = self._layout.threads
        return ids + [t.id for t in threads if t.created_ms <= at_ms and not t.forbidden]

    def _streams(self, channel_ids: Iterable[int] | None) -> list[Stream]:
        """Return the streams of the given channels (default: the readable ones)."""
        ids = self.readable_channel_ids() if channel_ids is None else channel_ids
        return [self._stream(i) for i in ids]

    def _message(
        self, stream: Stream, position: Position, *, content: bool = True, reference: bool = True
    ) -> Json:
        """Return one message object; a reply embeds its target (without the target's own)."""
        block, i = position
        message_id = int(block.ids[i])
        target = int(block.ref[i])
        referenced = None
        if reference and target >= 0:
            referenced = self._message(stream, (block, target), content=content, reference=False)
        text = ""
        if content:
            text = chat_shapes.message_text(
                int(block.kind[i]),
                stream.topic,
                int(block.seed[i]),
                message_id,
                speaker_name(self._cast, block, i),
            )
        return chat_shapes.message_json(
            message_id=message_id,
            channel_id=stream.channel_id,
            guild_id=self.guild_id,
            ms=int(block.ms[i]),
            author=self._cast.users[int(block.author[i])],
            content=text,
            reference=referenced,
        )

    def _channel_json(self, channel: Channel) -> Json:
        """Return a text channel object with its last message id as of now."""
        last = self._history.latest_id(self._stream(channel.id), self.now_ms)
        return chat_shapes.channel_json(channel, self._layout, last)

    def _thread_json(self, thread: Thread) -> Json:
        """Return a thread object with its message count as of now."""
        stream = self._stream(thread.id)
        now = self.now_ms
        return chat_shapes.thread_json(
            thread,
            self._layout,
            now_ms=now,
            message_count=sum(count for _, count in self._history.visible(stream, now)),
            last_message_id=self._history.latest_id(stream, now),
        )

    def _guild_users(self) -> list[ChatUser]:
        """Return the guild's members at now: people and bots who joined, and this bot."""
        now = self.now_ms
        people = [u for u in self._cast.users if u.kind != "webhook" and u.joined_ms <= now]
        return [*people, self.app]

    def _roles_of(self, user: ChatUser, roles: dict[str, int]) -> list[int]:
        """Return a member's role ids."""
        if user.kind == "app":
            return [roles["ClanStats"]]
        if user.bot:
            return [roles["Bots"]]
        member = [roles["Member"]] if user.kind == "member" else []
        return member + ([roles["Staff"]] if user.staff else [])

    def _owner(self) -> ChatUser:
        """Return the guild owner: the clan owner's account, else any staff, else this bot."""
        staff = [u for u in self._cast.users if u.staff]
        return staff[0] if staff else self.app


def _token(bot_id: int, rng: np.random.Generator) -> str:
    """Return a bot token shaped like Discord's: base64 id, timestamp part, HMAC part."""
    head = base64.b64encode(str(bot_id).encode()).decode().rstrip("=")
    picks = rng.integers(0, len(_TOKEN_ALPHABET), 44)
    tail = "".join(_TOKEN_ALPHABET[int(i)] for i in picks)
    return f"{head}.{tail[:6]}.{tail[6:]}"
