"""Generated raw clan histories for the transform's property tests, and the contract's answers.

A `World` is what harvest would have stored for one group: players, their memberships and the
activity feed's joins and leaves (a member may leave and come back), sparse snapshots (stored
through harvest's own `SnapshotWriter`, WOM's -1 decoded to "unknown"), WOM's `lastChangedAt`
and Discord messages by linked accounts or relay names. `build` writes a world into a migrated
database and `run` transforms it.

The second half of this module works out, from a world alone, what issue 14's contract says
the derived tables must hold (credited rises, absences, chat days, statuses). It deliberately
uses nothing from `clanstats.transform`: the point is two independent computations.
"""

from __future__ import annotations

import itertools
import math
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import (
    ClanDaily,
    DailyActivity,
    DailyGain,
    DiscordMessage,
    DiscordUser,
    Membership,
    MembershipEvent,
    MemberStatus,
    Metric,
    PeriodGain,
    Player,
    Promotion,
    WomGroup,
)
from clanstats.harvest.snapshots import SnapshotWriter
from clanstats.rules import ActivityRules, Rank, RemovalRules, Rules
from clanstats.transform.identity_file import ManualLink
from clanstats.transform.stage import run_transform
from clanstats.wom.shapes import DecodedSnapshot, decode_values

GROUP = 1
UTC_ZONE = ZoneInfo("UTC")
AUCKLAND = ZoneInfo("Pacific/Auckland")  # UTC+12/+13; DST starts 2026-09-27, ends 2026-04-05
T0 = datetime(2025, 1, 1)

# metric -> (WOM snapshot section, the section's value field, the kind harvest stores)
METRICS = {
    "overall": ("skills", "experience", "skill"),
    "ehp": ("computed", "value", "computed"),
    "ehb": ("computed", "value", "computed"),
    "zulrah": ("bosses", "kills", "boss"),
    "vorkath": ("bosses", "kills", "boss"),
    "clue_scrolls_all": ("activities", "score", "activity"),
}
BOSSES = ("zulrah", "vorkath")
GAME_DAY_METRICS = ("overall", "ehp", "ehb", *BOSSES)  # a rise in one of these is a game day
TOTAL_PARTS = {"xp": ("overall",), "ehp": ("ehp",), "ehb": ("ehb",), "boss_kills": BOSSES}
GAME_TOTALS = tuple(TOTAL_PARTS)
CHAT_TOTALS = ("messages", "questions", "answers")
WINDOWS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
HISTORY_DAYS = 40
DISCORD_EPOCH_MS = 1_420_070_400_000
# Seconds past the minute keep kinds of moments apart: a snapshot never coincides with a join,
# a leave, a message or lastChangedAt, so "before" and "after" are never a tie.
SNAPSHOT_SECOND, EVENT_SECOND, MESSAGE_SECOND, CHANGED_SECOND = 0, 30, 15, 45
# The rank ladder: everyone on "member" qualifies for "sergeant" at once.
LADDER = [Rank(name="member"), Rank(name="sergeant", requirements={"tenure_days": 0})]


# --- the generated input ------------------------------------------------------------------


@dataclass(frozen=True)
class Snap:
    """One WOM snapshot: when, and each metric's value (None: WOM said -1)."""

    taken_at: datetime
    values: dict[str, float | None]


@dataclass(frozen=True)
class Message:
    """A Discord message about a player: by their account, a relay line, a bot or a webhook."""

    at: datetime
    via: str  # "discord" | "relay" | "bot" | "webhook"
    question: bool


@dataclass(frozen=True)
class PlayerHistory:
    """Everything harvest stored about one player."""

    player_id: int
    first_joined_at: datetime
    # Leaves and rejoins after the first join, in order: left, joined, left, ...
    moves: tuple[datetime, ...]
    feed_has_first_join: bool
    snapshots: tuple[Snap, ...]
    last_changed_at: datetime | None
    on_discord: bool
    messages: tuple[Message, ...]

    @property
    def name(self) -> str:
        return f"P{self.player_id}"

    @property
    def discord_user_id(self) -> int:
        return 100_000_000_000_000_000 + self.player_id

    @property
    def left_at(self) -> datetime | None:
        """memberships.left_at: the last leave when the moves end with one."""
        return self.moves[-1] if len(self.moves) % 2 else None

    @property
    def joined_at(self) -> datetime:
        """memberships.joined_at: the latest join (WOM's membership of the current stay)."""
        joins = [self.first_joined_at, *self.moves[1::2]]
        return joins[-1]

    @property
    def has_left(self) -> bool:
        return self.left_at is not None

    def absences(self) -> list[tuple[datetime, datetime | None]]:
        """[left, rejoined) spans; the last is open (None) when they have left for good."""
        lefts = self.moves[0::2]
        rejoins = self.moves[1::2]
        return [(a, rejoins[i] if i < len(rejoins) else None) for i, a in enumerate(lefts)]


@dataclass(frozen=True)
class World:
    """One group's raw tables as harvest left them, and the day transform runs on."""

    today: date
    timezone: ZoneInfo
    players: tuple[PlayerHistory, ...]
    # Store this many snapshots (oldest first), transform, then store the rest: a daily run.
    split: int | None = None

    def manual_links(self) -> list[ManualLink]:
        return [
            ManualLink(line=i + 2, discord_user_id=p.discord_user_id, rsn=p.name)
            for i, p in enumerate(self.players)
            if p.on_discord
        ]

    def player(self, player_id: int) -> PlayerHistory:
        return next(p for p in self.players if p.player_id == player_id)


def clan_time(today: date, timezone: ZoneInfo, back: int, minute: int, second: int) -> datetime:
    """Naive UTC of a clan-time clock reading `back` days before today."""
    local = datetime.combine(
        today - timedelta(days=back), time(minute // 60, minute % 60, second), timezone
    )
    return local.astimezone(UTC).replace(tzinfo=None)


MINUTES = st.one_of(st.sampled_from([0, 1, 720, 1438, 1439]), st.integers(0, 1439))
DAYS_BACK = st.one_of(st.sampled_from([0, 1, 6, 7, 8, 29, 30]), st.integers(0, HISTORY_DAYS))
STEPS = ["stay", "rise", "unknown", "fall"]
START = {
    "overall": st.integers(0, 5_000_000),
    "ehp": st.integers(0, 4000).map(lambda n: n / 4),
    "ehb": st.integers(0, 4000).map(lambda n: n / 4),
    "zulrah": st.integers(0, 500),
    "vorkath": st.integers(0, 500),
    "clue_scrolls_all": st.integers(0, 50),
}
AMOUNT = {
    "overall": st.integers(1, 300_000),
    "ehp": st.integers(1, 40).map(lambda n: n / 4),  # quarters: sums stay exact floats
    "ehb": st.integers(1, 40).map(lambda n: n / 4),
    "zulrah": st.integers(1, 30),
    "vorkath": st.integers(1, 30),
    "clue_scrolls_all": st.integers(1, 5),
}


@st.composite
def metric_values(draw: st.DrawFn, metric: str, count: int) -> list[float | None]:
    """A metric's values at `count` snapshots: rising, staying, unknown (-1) or falling."""
    if draw(st.integers(0, 7)) == 7:
        return [None] * count  # unknown at every snapshot (unranked)
    value = float(draw(START[metric]))
    found: list[float | None] = []
    for _ in range(count):
        step = draw(st.sampled_from(STEPS))
        if step == "rise":
            value += draw(AMOUNT[metric])
        elif step == "fall":
            value = max(0.0, value - draw(AMOUNT[metric]))
        found.append(None if step == "unknown" else value)
    return found


@st.composite
def player_histories(
    draw: st.DrawFn, player_id: int, today: date, timezone: ZoneInfo
) -> PlayerHistory:
    """One player: a stay (maybe left, maybe back again), snapshots, messages."""

    def moment(back: int, second: int) -> datetime:
        return clan_time(today, timezone, back, draw(MINUTES), second)

    join_back = draw(st.one_of(st.integers(0, HISTORY_DAYS + 5), st.sampled_from([60, 120, 400])))
    first_joined = moment(join_back, EVENT_SECOND)
    moves = sorted(
        {
            when
            for back in draw(st.lists(st.integers(0, min(join_back, HISTORY_DAYS)), max_size=3))
            if (when := moment(back, EVENT_SECOND)) > first_joined
        }
    )
    count = draw(st.one_of(st.sampled_from([0, 1, 2]), st.integers(0, 7)))
    backs = [draw(DAYS_BACK) for _ in range(count)]
    if draw(st.integers(0, 3)) == 3:
        # an old snapshot: the 90d (and maybe the 365d) window has history
        backs.append(draw(st.one_of(st.integers(91, 200), st.integers(366, 420))))
    times = sorted({moment(back, SNAPSHOT_SECOND) for back in backs})
    series = {metric: draw(metric_values(metric, len(times))) for metric in METRICS}
    snapshots = tuple(
        Snap(taken_at, {metric: series[metric][i] for metric in METRICS})
        for i, taken_at in enumerate(times)
    )
    changed = draw(st.one_of(st.none(), st.integers(0, 60)))
    on_discord = draw(st.booleans())
    messages: list[Message] = []
    if on_discord:
        for back in draw(st.lists(DAYS_BACK, max_size=5)):
            via = draw(st.sampled_from(["discord", "relay", "bot", "webhook"]))
            messages.append(Message(moment(back, MESSAGE_SECOND), via, draw(st.booleans())))
    return PlayerHistory(
        player_id=player_id,
        first_joined_at=first_joined,
        moves=tuple(moves),
        feed_has_first_join=draw(st.booleans()),
        snapshots=snapshots,
        last_changed_at=None if changed is None else moment(changed, CHANGED_SECOND),
        on_discord=on_discord,
        messages=tuple(sorted(messages, key=lambda m: m.at)),
    )


TODAYS = st.dates(min_value=date(2026, 9, 1), max_value=date(2026, 12, 31))
ZONES = st.sampled_from([UTC_ZONE, AUCKLAND])


@st.composite
def worlds(draw: st.DrawFn) -> World:
    """A group of 1-4 players with up to ~40 days of raw history."""
    today, timezone = draw(TODAYS), draw(ZONES)
    count = draw(st.integers(1, 4))
    players = tuple(draw(player_histories(pid, today, timezone)) for pid in range(1, count + 1))
    split = draw(st.one_of(st.none(), st.integers(1, 12)))
    return World(today, timezone, players, split)


@st.composite
def first_run_worlds(draw: st.DrawFn, *, last_changed: bool) -> World:
    """A first run: each member has one snapshot (taken today or yesterday), no messages.

    With `last_changed`, WOM's lastChangedAt of each player is set to some day in the past,
    else it is NULL for everyone.
    """
    today, timezone = draw(TODAYS), draw(ZONES)
    players = []
    for pid in range(1, draw(st.integers(1, 4)) + 1):
        join_back = draw(st.one_of(st.integers(0, 60), st.sampled_from([200, 400])))
        snap_back = draw(st.integers(0, min(1, join_back)))
        values = {m: float(draw(START[m])) if draw(st.booleans()) else None for m in METRICS}
        changed = draw(st.integers(0, 120)) if last_changed else None
        players.append(
            PlayerHistory(
                player_id=pid,
                first_joined_at=clan_time(today, timezone, join_back, draw(MINUTES), EVENT_SECOND),
                moves=(),
                feed_has_first_join=draw(st.booleans()),
                snapshots=(
                    Snap(clan_time(today, timezone, snap_back, 0, SNAPSHOT_SECOND), values),
                ),
                last_changed_at=None
                if changed is None
                else clan_time(today, timezone, changed, draw(MINUTES), CHANGED_SECOND),
                on_discord=False,
                messages=(),
            )
        )
    return World(today, timezone, tuple(players))


def one_member(*snapshots: Snap, moves: tuple[datetime, ...] = ()) -> World:
    """A UTC world on 2026-11-20 with one member (since May) and these snapshots."""
    member = PlayerHistory(
        player_id=1,
        first_joined_at=datetime(2026, 5, 1, 9, 0, EVENT_SECOND),
        moves=moves,
        feed_has_first_join=True,
        snapshots=snapshots,
        last_changed_at=None,
        on_discord=False,
        messages=(),
    )
    return World(today=date(2026, 11, 20), timezone=UTC_ZONE, players=(member,))


def values(**known: float) -> dict[str, float | None]:
    """A snapshot's values: these known, every other metric unknown (-1)."""
    return {metric: known.get(metric) for metric in METRICS}


@st.composite
def rule_sets(draw: st.DrawFn) -> Rules:
    """Activity and removal thresholds around the history's length, and the ladder."""
    quiet = draw(st.integers(1, 10))
    return Rules(
        activity=ActivityRules(
            quiet_after_days=quiet,
            inactive_after_days=draw(st.integers(quiet, 35)),
            new_member_days=draw(st.integers(0, 14)),
        ),
        removal=RemovalRules(
            min_tenure_days=draw(st.integers(0, 40)), no_activity_days=draw(st.integers(1, 35))
        ),
        ranks=LADDER,
    )


# --- writing a world into a database and transforming it -----------------------------------


def wom_data(values: dict[str, float | None]) -> dict[str, Any]:
    """A snapshot's `data` as WOM sends it (-1 for unknown), ready for harvest's decoder."""
    data: dict[str, dict[str, Any]] = defaultdict(dict)
    for metric, value in values.items():
        section, value_field, _ = METRICS[metric]
        data[section][metric] = {value_field: -1 if value is None else value}
    return dict(data)


def snowflake(moment: datetime, sequence: int) -> int:
    """A Discord message id minted at a naive UTC moment."""
    ms = round(moment.replace(tzinfo=UTC).timestamp() * 1000)
    return ((ms - DISCORD_EPOCH_MS) << 22) + sequence


def message_row(number: int, player: PlayerHistory, message: Message) -> dict[str, Any]:
    """The `discord_messages` row of a member's message (`number` keeps its id unique)."""
    return {
        "group_id": GROUP,
        "message_id": snowflake(message.at, number),
        "channel_id": 5,
        "author_id": None if message.via == "relay" else player.discord_user_id,
        "relay_name": player.name if message.via == "relay" else None,
        "is_bot": message.via == "bot",
        "is_webhook": message.via == "webhook",
        "is_question": message.question,
    }


def build(world: World, engine: Engine) -> None:
    """Write the world's raw tables (all but the snapshots) into a migrated database."""
    with Session(engine) as session, session.begin():
        session.execute(insert(WomGroup), [{"id": GROUP, "name": "g", "fetched_at": T0}])
        players: list[dict[str, Any]] = []
        memberships: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        users: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        for p in world.players:
            players.append(
                {
                    "group_id": GROUP,
                    "player_id": p.player_id,
                    "username": p.name.lower(),
                    "display_name": p.name,
                    "last_changed_at": p.last_changed_at,
                    "first_seen_at": T0,
                }
            )
            memberships.append(
                {
                    "group_id": GROUP,
                    "player_id": p.player_id,
                    "role": "member",
                    "joined_at": p.joined_at,
                    "left_at": p.left_at,
                    "updated_at": T0,
                }
            )
            feed = [("joined", p.first_joined_at)] if p.feed_has_first_join else []
            feed += [("left" if i % 2 == 0 else "joined", m) for i, m in enumerate(p.moves)]
            events += [
                {
                    "group_id": GROUP,
                    "player_id": p.player_id,
                    "kind": kind,
                    "role": "member",
                    "occurred_at": when,
                    "source": "wom",
                }
                for kind, when in feed
            ]
            if p.on_discord:
                users.append(
                    {
                        "group_id": GROUP,
                        "user_id": p.discord_user_id,
                        "username": f"discord{p.player_id}x",
                        "first_seen_at": T0,
                        "last_seen_at": T0,
                    }
                )
            for m in p.messages:
                messages.append(message_row(len(messages), p, m))
        session.execute(insert(Player), players)
        session.execute(insert(Membership), memberships)
        for model, rows in ((MembershipEvent, events), (DiscordUser, users)):
            if rows:
                session.execute(insert(model), rows)
        if messages:
            session.execute(insert(DiscordMessage), messages)


def store_snapshots(engine: Engine, snapshots: list[tuple[int, Snap]]) -> None:
    """Store snapshots (oldest first) the way harvest's daily path does."""
    with Session(engine) as session, session.begin():
        writer = SnapshotWriter(session, GROUP)
        for player_id, snap in snapshots:
            decoded = DecodedSnapshot(snap.taken_at, decode_values(wom_data(snap.values)))
            writer.add_latest({player_id: decoded})


def transform(engine: Engine, world: World, rules: Rules) -> None:
    with Session(engine) as session, session.begin():
        run_transform(
            session,
            group_id=GROUP,
            rules=rules,
            manual=world.manual_links(),
            timezone=world.timezone,
            today=world.today,
        )


def run(world: World, engine: Engine, rules: Rules) -> Tables:
    """Build the world, transform it (in two runs when it says so) and read the results."""
    build(world, engine)
    snapshots = sorted(
        ((p.player_id, s) for p in world.players for s in p.snapshots),
        key=lambda item: (item[1].taken_at, item[0]),
    )
    cut = len(snapshots) if world.split is None else min(world.split, len(snapshots))
    if cut < len(snapshots):
        store_snapshots(engine, snapshots[:cut])
        transform(engine, world, rules)
        snapshots = snapshots[cut:]
    store_snapshots(engine, snapshots)
    transform(engine, world, rules)
    return read_tables(engine)


class ExampleDatabase:
    """One SQLite file, migrated afresh for every example, behind one long-lived engine.

    Reusing the engine keeps SQLAlchemy's compiled-statement cache warm across examples, which
    is most of what a transform of a tiny database costs.
    """

    def __init__(self, path: Path, template: Path) -> None:
        self.path, self._template = path, template
        self.engine = make_engine(f"sqlite:///{path.as_posix()}")

    def fresh(self) -> Engine:
        """The engine, on a just-migrated copy of the template."""
        self.engine.dispose()
        self._remove()
        shutil.copyfile(self._template, self.path)
        return self.engine

    def close(self) -> None:
        self.engine.dispose()
        self._remove()

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


@dataclass
class Tables:
    """The derived tables the properties read, keyed for lookups."""

    daily_gains: dict[tuple[int, date, str], float]
    daily_activity: dict[tuple[int, date], dict[str, Any]]
    period_gains: dict[tuple[int, str, str], tuple[float, str]]
    clan_daily: dict[date, dict[str, Any]]
    status: dict[int, dict[str, Any]]
    promotions: dict[int, dict[str, Any]]

    def period_rows(self, player_id: int, period: str) -> dict[str, tuple[float, str]]:
        return {
            metric: found
            for (pid, name, metric), found in self.period_gains.items()
            if pid == player_id and name == period
        }


def _rows(session: Session, model: type[Any]) -> list[dict[str, Any]]:
    columns = list(model.__table__.columns)
    return [dict(row._mapping) for row in session.execute(select(*columns))]


def read_tables(engine: Engine) -> Tables:
    with Session(engine) as session:
        names = dict(session.execute(select(Metric.id, Metric.name)).all())
        return Tables(
            daily_gains={
                (r["player_id"], r["day"], names[r["metric_id"]]): r["gained"]
                for r in _rows(session, DailyGain)
            },
            daily_activity={(r["player_id"], r["day"]): r for r in _rows(session, DailyActivity)},
            period_gains={
                (r["player_id"], r["period"], r["metric"]): (r["gained"], r["source"])
                for r in _rows(session, PeriodGain)
            },
            clan_daily={r["day"]: r for r in _rows(session, ClanDaily)},
            status={r["player_id"]: r for r in _rows(session, MemberStatus)},
            promotions={r["player_id"]: r for r in _rows(session, Promotion)},
        )


# --- what the contract says (independent of clanstats.transform) ----------------------------


def clan_day(moment: datetime, timezone: ZoneInfo) -> date:
    """The clan-time date of a naive UTC moment."""
    return moment.replace(tzinfo=UTC).astimezone(timezone).date()


def window_days(world: World, period: str) -> tuple[date, date]:
    """A window's first and last clan day."""
    return world.today - timedelta(days=WINDOWS[period] - 1), world.today


def start_instant(world: World, period: str) -> datetime:
    """The naive UTC moment the window's first clan day begins."""
    first, _ = window_days(world, period)
    local = datetime.combine(first, time(), world.timezone)
    return local.astimezone(UTC).replace(tzinfo=None)


def away_at(player: PlayerHistory, moment: datetime) -> bool:
    """Whether the moment lies inside one of the player's absences."""
    return any(a <= moment and (b is None or moment < b) for a, b in player.absences())


def absence_between(player: PlayerHistory, earlier: datetime, later: datetime) -> bool:
    """Whether an absence lies between two moments (or holds the later one)."""
    return any(a < later and (b is None or b > earlier) for a, b in player.absences())


def away_days(world: World, player: PlayerHistory) -> set[date]:
    """Days strictly after a leave's day and before the rejoin's day (or through today)."""
    days: set[date] = set()
    for a, b in player.absences():
        day = clan_day(a, world.timezone) + timedelta(days=1)
        until = world.today if b is None else clan_day(b, world.timezone) - timedelta(days=1)
        while day <= until:
            days.add(day)
            day += timedelta(days=1)
    return days


def known_series(player: PlayerHistory, metric: str) -> list[tuple[datetime, float]]:
    """(taken_at, value) of the player's snapshots where the metric is known, oldest first."""
    return [(s.taken_at, v) for s in player.snapshots if (v := s.values[metric]) is not None]


def credited_rises(world: World, player: PlayerHistory) -> dict[tuple[str, date], float]:
    """(metric, day) -> the credited rises: each known value over the last known one, credited
    to the later snapshot's day unless an absence lies between them."""
    rises: dict[tuple[str, date], float] = defaultdict(float)
    for metric in METRICS:
        series = known_series(player, metric)
        for (t1, before), (t2, after) in itertools.pairwise(series):
            if after > before and not absence_between(player, t1, t2):
                rises[(metric, clan_day(t2, world.timezone))] += after - before
    return dict(rises)


def window_gain(world: World, player: PlayerHistory, metric: str, period: str) -> float:
    """A metric's gain over a window.

    Where its known values never fall and no absence lies between the window's baseline and
    its end, that is end - start: the last known value by today's end minus the last known
    value before the window's start instant (or the first known one inside it when none is).
    Otherwise it is the sum of the credited rises on the window's days.
    """
    first, last = window_days(world, period)
    series = known_series(player, metric)
    if not series:
        return 0.0
    begin = start_instant(world, period)
    before = [(t, v) for t, v in series if t < begin]
    used = [before[-1], *[(t, v) for t, v in series if t >= begin]] if before else series
    values = [v for _, v in used]
    monotone = all(b >= a for a, b in itertools.pairwise(values))
    if monotone and not absence_between(player, used[0][0], used[-1][0]):
        return values[-1] - values[0]
    rises = credited_rises(world, player)
    return sum(g for (m, day), g in rises.items() if m == metric and first <= day <= last)


def expected_source(world: World, player: PlayerHistory, period: str) -> str | None:
    """history (a snapshot before the start instant), partial (2+ inside), or no data."""
    begin = start_instant(world, period)
    if any(s.taken_at < begin for s in player.snapshots):
        return "history"
    if sum(s.taken_at >= begin for s in player.snapshots) >= 2:
        return "partial"
    return None


def credited_messages(world: World, player: PlayerHistory) -> dict[date, int]:
    """Messages per day that count: by the player's account or relay name, not by a bot or a
    webhook, not sent while they were away or after they left."""
    days: dict[date, int] = defaultdict(int)
    for m in player.messages:
        if m.via in ("discord", "relay") and not away_at(player, m.at):
            days[clan_day(m.at, world.timezone)] += 1
    return dict(days)


@dataclass
class Standing:
    """A member's activity by the contract."""

    game_days: set[date] = field(default_factory=set)
    chat_days: set[date] = field(default_factory=set)
    last_xp_on: date | None = None
    last_message_on: date | None = None
    last_active_on: date | None = None
    changed_counted: bool = False

    @property
    def active_days(self) -> set[date]:
        return self.game_days | self.chat_days


def standing(world: World, player: PlayerHistory) -> Standing:
    found = Standing()
    found.game_days = {
        day for (m, day), g in credited_rises(world, player).items() if m in GAME_DAY_METRICS and g
    }
    found.chat_days = set(credited_messages(world, player))
    changed = player.last_changed_at
    found.changed_counted = changed is not None and not away_at(player, changed)
    xp_days = set(found.game_days)
    if found.changed_counted and changed is not None:
        xp_days.add(clan_day(changed, world.timezone))
    found.last_xp_on = max(xp_days, default=None)
    found.last_message_on = max(found.chat_days, default=None)
    found.last_active_on = max(
        (d for d in (found.last_xp_on, found.last_message_on) if d is not None), default=None
    )
    return found


def idle_days(world: World, player: PlayerHistory) -> float:
    """today - last_active_on in days; infinite when never seen active."""
    last = standing(world, player).last_active_on
    return math.inf if last is None else (world.today - last).days


def observed_idle(world: World, player: PlayerHistory) -> float:
    """The idle days ClanStats can vouch for (see the contract's "Observed idle")."""
    found = standing(world, player)
    idle = idle_days(world, player)
    if found.changed_counted or found.game_days:
        return idle
    first = min((s.taken_at for s in player.snapshots), default=None)
    # No stored snapshot: ClanStats has not watched their game at all yet.
    watched = 0 if first is None else (world.today - clan_day(first, world.timezone)).days
    return min(idle, watched)


def expected_status(world: World, player: PlayerHistory, rules: Rules) -> str:
    if player.has_left:
        return "left"
    joined = clan_day(player.joined_at, world.timezone)
    if (world.today - joined).days < rules.activity.new_member_days:
        return "new"
    if idle_days(world, player) < rules.activity.quiet_after_days:
        return "active"
    observed = observed_idle(world, player)
    if observed >= rules.activity.inactive_after_days:
        return "inactive"
    if observed >= rules.activity.quiet_after_days:
        return "quiet"
    return "unknown"


def expected_removal(world: World, player: PlayerHistory, rules: Rules) -> bool:
    if player.has_left:
        return False
    tenure = (world.today - clan_day(player.joined_at, world.timezone)).days
    return (
        tenure >= rules.removal.min_tenure_days
        and observed_idle(world, player) >= rules.removal.no_activity_days
    )
