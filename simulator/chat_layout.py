"""The clan guild's layout (channels, threads, roles) and each channel's posting rates.

Volume: a clan of M members posts about `2.0 * (M / 12) ** 0.28` messages per member per day
in all (bigger clans talk more per head), times `message_scale`: about 24 a day for 12 members
and about a million a year for 500. Most goes to Discord channels, about a third to the relay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.chat_cast import Cast
from simulator.chat_streams import Stream
from simulator.clock import DAY_MS, HOUR_MS, NEVER_MS
from simulator.snowflakes import snowflake, snowflake_ms

GENERAL, PVM, SKILLING, STAFF, RELAY = "general", "pvm", "skilling", "staff-only", "clan-chat-relay"
CHANNEL_NAMES = (GENERAL, PVM, SKILLING, STAFF, RELAY)
_TOPICS = {GENERAL: "general", PVM: "pvm", SKILLING: "skilling", STAFF: "staff", RELAY: "relay"}
_DESCRIPTIONS = {
    GENERAL: "Say hi!",
    PVM: "Raids, bossing and drops",
    SKILLING: "Grinds and gains",
    STAFF: "Staff only",
    RELAY: "In-game clan chat, relayed by a bot",
}
# (parent, name, still active at the start)
_THREADS = (
    (GENERAL, "Raid signups", True),
    (GENERAL, "Bingo teams", False),
    (GENERAL, "Clan rules feedback", False),
    (PVM, "CoX learners", True),
    (PVM, "Gear advice", True),
    (PVM, "ToB team finder", False),
    (STAFF, "Rank review", True),
)
_ROLES = ("Staff", "Member", "ClanStats", "Bots")
AUTO_ARCHIVE_MINUTES = 1440

_PER_MEMBER_BASE = 2.0  # messages per member per day in a 12-member clan
_SIZE_EXPONENT = 0.28
_CHANNEL_SHARE, _RELAY_SHARE, _THREAD_SHARE = 0.58, 0.30, 0.10
_CHANNEL_PREFERENCE = np.array([0.58, 0.27, 0.15])  # general, pvm, skilling
_STAFF_SHARE = 0.15  # of a staff member's chat goes to staff-only
_EX_MEMBER_FACTOR = 0.1  # ex-members still chat, much less


@dataclass(frozen=True)
class Channel:
    """One text channel."""

    id: int
    name: str
    position: int
    topic: str
    description: str
    forbidden: bool
    relay: bool


@dataclass(frozen=True)
class Thread:
    """One public thread: its life, and who posts in it."""

    id: int
    name: str
    parent_id: int
    topic: str
    owner_id: int
    created_ms: int
    ends_ms: int  # the last message can't be later; NEVER_MS while it stays active
    participants: tuple[int, ...]  # user indexes
    forbidden: bool

    @property
    def archive_ms(self) -> int:
        """Return when Discord archives it: a day after the last possible message."""
        return self.ends_ms + AUTO_ARCHIVE_MINUTES * 60_000 if self.ends_ms < NEVER_MS else NEVER_MS

    def archived(self, now_ms: int) -> bool:
        """Return whether the thread is archived at `now_ms`."""
        return now_ms >= self.archive_ms


@dataclass(frozen=True)
class Layout:
    """The guild's ids, channels, threads and roles."""

    guild_id: int
    category_id: int
    channels: tuple[Channel, ...]
    threads: tuple[Thread, ...]
    roles: dict[str, int]

    @property
    def guild_created_ms(self) -> int:
        """Return when the guild was created (its id's moment)."""
        return snowflake_ms(self.guild_id)


def messages_per_member_day(members: int, scale: float) -> float:
    """Return the expected messages per member per day, over every stream."""
    return _PER_MEMBER_BASE * (max(members, 1) / 12) ** _SIZE_EXPONENT * scale


def build_layout(
    guild_id: int, cast: Cast, rng: np.random.Generator, *, origin_ms: int, now_ms: int
) -> Layout:
    """Lay out the guild: channels minted after the guild, threads within the history."""
    created = snowflake_ms(guild_id)
    roles = {name: snowflake(created + (i + 1) * 60_000, 1) for i, name in enumerate(_ROLES)}
    channels = tuple(
        Channel(
            id=snowflake(created + (i + 1) * HOUR_MS, 2),
            name=name,
            position=i,
            topic=_TOPICS[name],
            description=_DESCRIPTIONS[name],
            forbidden=name == STAFF,
            relay=name == RELAY,
        )
        for i, name in enumerate(CHANNEL_NAMES)
    )
    by_name = {channel.name: channel for channel in channels}
    threads = tuple(
        _thread(rng, cast, by_name[parent], name, active, i, origin_ms, now_ms)
        for i, (parent, name, active) in enumerate(_THREADS)
    )
    category_id = snowflake(created + 30 * 60_000, 2)
    return Layout(guild_id, category_id, channels, threads, roles)


def _thread(
    rng: np.random.Generator,
    cast: Cast,
    parent: Channel,
    name: str,
    active: bool,
    number: int,
    origin_ms: int,
    now_ms: int,
) -> Thread:
    """Return one thread: recent and open, or an older one archived before `now`."""
    if active:
        created = max(origin_ms, now_ms - int(rng.uniform(2, 9) * DAY_MS))
        ends = NEVER_MS
    else:
        latest_start = max(origin_ms, now_ms - 14 * DAY_MS)
        created = int(rng.uniform(origin_ms, latest_start + 1))
        ends = min(created + int(rng.uniform(3, 10) * DAY_MS), now_ms - 2 * DAY_MS)
        ends = max(ends, created + HOUR_MS)
    candidates = [
        i
        for i, user in enumerate(cast.users)
        if user.kind in ("member", "friend")
        and user.chattiness > 0
        and user.joined_ms < created
        and (user.staff or not parent.forbidden)
    ]
    chattiness = np.array([cast.users[i].chattiness for i in candidates])
    size = min(len(candidates), int(rng.integers(3, 9)))
    chosen = (
        rng.choice(candidates, size=size, replace=False, p=chattiness / chattiness.sum())
        if size
        else np.zeros(0, dtype=np.int64)
    )
    participants = tuple(int(i) for i in chosen)
    owner = cast.users[participants[0]].id if participants else cast.users[cast.utility_bot].id
    return Thread(
        id=snowflake(created, (1000 + number) << 12),
        name=name,
        parent_id=parent.id,
        topic="staff" if parent.forbidden else "thread",
        owner_id=owner,
        created_ms=created,
        ends_ms=ends,
        participants=participants,
        forbidden=parent.forbidden,
    )


def build_streams(
    layout: Layout, cast: Cast, rng: np.random.Generator, *, scale: float, origin_ms: int
) -> dict[int, Stream]:
    """Return every channel's and thread's stream, by channel id."""
    members = cast.member_count
    daily = messages_per_member_day(members, scale) * members
    users = cast.users
    humans = np.array(cast.indexes("member", "ex_member", "friend"), dtype=np.int64)
    chattiness = np.array([users[i].chattiness for i in humans])
    # Friends and ex-members share the clan's budget, so volume doesn't hinge on a few draws.
    unit = _CHANNEL_SHARE * daily / (float(chattiness.sum()) or 1.0)
    preference = rng.dirichlet(3 * _CHANNEL_PREFERENCE, size=len(humans))
    staff = np.array([users[i].staff for i in humans], dtype=bool)
    ex_member = np.array([users[i].kind == "ex_member" for i in humans], dtype=bool)
    from_ms = np.array([users[i].joined_ms for i in humans], dtype=np.int64)
    until_ms = np.array([users[i].left_clan_ms for i in humans], dtype=np.int64)
    back_ms = np.array([users[i].back_ms for i in humans], dtype=np.int64)
    # Rejoiners back in the clan are members who were ex-members for a while.
    after = np.where(ex_member | (until_ms < NEVER_MS), _EX_MEMBER_FACTOR, 1.0)

    def chat(
        index: int, channel: Channel, rates: np.ndarray, commands: float = 0, posts: float = 0
    ) -> Stream:
        present = rates > 0
        return Stream(
            index=index,
            channel_id=channel.id,
            topic=channel.topic,
            start_ms=origin_ms,
            end_ms=NEVER_MS,
            authors=humans[present],
            rates=rates[present],
            from_ms=from_ms[present],
            until_ms=until_ms[present],
            after_factor=after[present],
            back_ms=back_ms[present],
            command_share=commands,
            webhook_per_day=posts,
        )

    general, pvm, skilling, staff_only, relay = layout.channels
    streams = [
        chat(0, general, unit * chattiness * preference[:, 0], commands=0.02, posts=0.4),
        chat(1, pvm, unit * chattiness * preference[:, 1], commands=0.05),
        chat(2, skilling, unit * chattiness * preference[:, 2]),
        chat(3, staff_only, unit * chattiness * _STAFF_SHARE * staff),
        _relay_stream(4, relay, cast, _RELAY_SHARE * daily, origin_ms),
    ]
    per_thread = _THREAD_SHARE * daily / 2  # two or three threads are live at a time
    for number, thread in enumerate(layout.threads):
        streams.append(_thread_stream(5 + number, thread, cast, per_thread))
    return {stream.channel_id: stream for stream in streams}


def _relay_stream(index: int, channel: Channel, cast: Cast, daily: float, origin_ms: int) -> Stream:
    """Return the relay channel's stream: in-game voices, silent while a player is away."""
    speakers = cast.speakers
    rates = np.array([s.rate for s in speakers])
    # Members now, or coming back (a rejoiner's leave_ms is their first leave).
    current = np.array(
        [s.leave_ms == NEVER_MS or s.back_ms < NEVER_MS for s in speakers], dtype=bool
    )
    total = float(rates[current].sum()) or 1.0
    present = rates > 0
    return Stream(
        index=index,
        channel_id=channel.id,
        topic=channel.topic,
        start_ms=origin_ms,
        end_ms=NEVER_MS,
        authors=np.flatnonzero(present),
        rates=(daily / total) * rates[present],
        from_ms=np.array([s.join_ms for s in speakers], dtype=np.int64)[present],
        until_ms=np.array([s.leave_ms for s in speakers], dtype=np.int64)[present],
        after_factor=np.zeros(int(present.sum())),
        back_ms=np.array([s.back_ms for s in speakers], dtype=np.int64)[present],
        relay=True,
        system_per_day=0.3 + 0.01 * cast.member_count,
    )


def _thread_stream(index: int, thread: Thread, cast: Cast, daily: float) -> Stream:
    """Return a thread's stream: its participants, busy while the thread lives."""
    users = cast.users
    authors = np.array(thread.participants, dtype=np.int64)
    chattiness = np.array([users[i].chattiness for i in thread.participants])
    rates = daily * chattiness / chattiness.sum() if len(authors) else chattiness
    return Stream(
        index=index,
        channel_id=thread.id,
        topic=thread.topic,
        start_ms=thread.created_ms,
        end_ms=thread.ends_ms,
        authors=authors,
        rates=rates,
        from_ms=np.array([users[i].joined_ms for i in thread.participants], dtype=np.int64),
        until_ms=np.array([users[i].left_clan_ms for i in thread.participants], dtype=np.int64),
        after_factor=np.full(len(authors), _EX_MEMBER_FACTOR),  # a rejoiner, while away
        back_ms=np.array([users[i].back_ms for i in thread.participants], dtype=np.int64),
    )
