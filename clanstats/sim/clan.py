"""A deterministic simulated OSRS clan that answers in Wise Old Man API v2 shapes.

The clan is built from a `SimConfig` in three layers, all seeded from `config.seed`:

- a roster: who joins, leaves, goes quiet, changes name or rank, and when (fixed at build time
  for the history window and for `days` beyond `config.now`, so `advance()` can reveal more);
- a progression model per player: starting values and per-hour rates for every metric;
- a timeline of daily play hours and WOM updates, generated lazily in blocks of days with numpy.

A metric's value at any moment is `floor(min(cap, base + rate * hours))`, where `hours` is the
player's cumulative play time in the metric's activity component. Values only grow, and nothing
is materialised as JSON until a method is called.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from clanstats.sim.metrics import (
    ACTIVITIES,
    BOSSES,
    COMPUTED,
    EXPERIENCE_TABLE,
    MAX_LEVEL,
    MAX_SKILL_EXPERIENCE,
    MAXED_EXPERIENCE,
    SKILLS,
)

Json = dict[str, Any]

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
NEVER_MS = 2**62  # later than any simulated event

ROLE_LADDER: tuple[str, ...] = (
    "owner",
    "deputy_owner",
    "administrator",
    "captain",
    "lieutenant",
    "sergeant",
    "corporal",
    "recruit",
)
_ROLE_RANK = {role: index for index, role in enumerate(ROLE_LADDER)}
# Chances of each rank below owner; clans are bottom-heavy.
_ROLE_WEIGHTS = (0.02, 0.04, 0.06, 0.10, 0.16, 0.24, 0.38)

_NEW_MEMBER_SHARE = 0.12  # current members who joined during the history window
_FUTURE_JOINER_SHARE = 0.10  # players who join in the `days` after config.now
_PROMOTED_SHARE = 0.10  # members promoted during the window (and again after it)
_QUIET_MIN_DAYS = 32  # quiet members made no progress for at least this long (30+ in full days)

_UPDATE_WHEN_PLAYING = 0.9
_UPDATE_WHEN_IDLE = 0.04

_BLOCK_DAYS = 64
COMBAT, SKILLING, BOSSING, MINIGAMES = range(4)
_COMPONENTS = 4

_PLAYER_TYPES = ("regular", "ironman", "hardcore", "ultimate")
_PLAYER_TYPE_WEIGHTS = (0.70, 0.18, 0.07, 0.05)
_BUILDS = ("main", "zerker", "def1", "f2p")
_BUILD_WEIGHTS = (0.93, 0.03, 0.02, 0.02)
_COUNTRIES = ("GB", "US", "NL", "SE", "AU", "CA", "DE", "FI", "NO", "BR", "BE", "DK", "NZ", "PL")
_COUNTRY_KNOWN_SHARE = 0.6


@dataclass(frozen=True)
class _Profile:
    """How one kind of player plays: how often, how long, on what, from what starting point."""

    name: str
    play_chance: float  # chance of playing on a given day
    hours: float  # median hours on a day played
    shares: tuple[float, float, float, float]  # of play time: combat, skilling, bossing, minigames
    log_xp: float  # log10 of a typical skill's experience when the history starts
    boss_chance: float  # chance of having done a given (averagely popular) boss
    log_kills: float  # log10 of typical kills at a boss done


_PROFILES = (
    _Profile("grinder", 0.85, 5.0, (0.35, 0.35, 0.2, 0.1), 6.75, 0.35, 2.0),
    _Profile("casual", 0.35, 1.5, (0.3, 0.45, 0.1, 0.15), 5.7, 0.12, 1.2),
    _Profile("bosser", 0.65, 3.5, (0.2, 0.1, 0.6, 0.1), 6.5, 0.45, 2.3),
    _Profile("skiller", 0.7, 4.0, (0.0, 0.9, 0.02, 0.08), 6.3, 0.03, 0.8),
    _Profile("quiet", 0.3, 1.5, (0.3, 0.45, 0.15, 0.1), 5.8, 0.12, 1.2),
    _Profile("new", 0.6, 3.0, (0.45, 0.4, 0.05, 0.1), 5.0, 0.05, 0.7),
)
_REGULAR_PROFILES = (0, 1, 2, 3)
_REGULAR_PROFILE_WEIGHTS = (0.15, 0.4, 0.25, 0.2)
QUIET_PROFILE, NEW_PROFILE = 4, 5
PROFILE_NAMES: tuple[str, ...] = tuple(profile.name for profile in _PROFILES)

_REAL_SKILLS = SKILLS[1:]
_COMBAT_SKILLS = frozenset(
    {"attack", "defence", "strength", "hitpoints", "ranged", "prayer", "magic", "slayer"}
)
_MEMBERS_SKILLS = frozenset(
    {
        "agility",
        "herblore",
        "thieving",
        "fletching",
        "slayer",
        "farming",
        "construction",
        "hunter",
        "sailing",
    }
)
_SKILL_LOG_OFFSET = {
    "hitpoints": 0.25,
    "attack": 0.1,
    "strength": 0.12,
    "defence": 0.05,
    "ranged": 0.1,
    "magic": 0.1,
    "prayer": -0.2,
    "slayer": -0.1,
    "agility": -0.2,
    "runecrafting": -0.3,
    "herblore": -0.2,
    "thieving": -0.1,
    "construction": -0.1,
    "hunter": -0.1,
    "sailing": -1.3,  # released November 2025: everyone is behind
}
_HITPOINTS_START_XP = 1_154  # hitpoints starts at level 10
_ZERKER_DEFENCE_XP = 61_512  # level 45
# Rough efficient rates of a main account (xp per hour); hitpoints comes free with combat.
_EHP_RATES = {
    "attack": 150_000,
    "defence": 150_000,
    "strength": 150_000,
    "hitpoints": 0,
    "ranged": 250_000,
    "prayer": 900_000,
    "magic": 250_000,
    "cooking": 450_000,
    "woodcutting": 130_000,
    "fletching": 350_000,
    "fishing": 90_000,
    "firemaking": 380_000,
    "crafting": 330_000,
    "smithing": 350_000,
    "mining": 90_000,
    "herblore": 420_000,
    "agility": 65_000,
    "thieving": 250_000,
    "slayer": 60_000,
    "farming": 300_000,
    "runecrafting": 75_000,
    "hunter": 150_000,
    "construction": 850_000,
    "sailing": 100_000,
}
_XP_PER_HOUR = {COMBAT: 110_000.0, SKILLING: 90_000.0}
_IRON_SPEED = 0.6

_BOSS_MIN_KILLS = 5  # the hiscores list a boss from 5 kills; fewer shows as -1
_DEFAULT_KILLS_PER_HOUR = 20.0
_EXTRA_KILLS_PER_HOUR = 10.0
_KILLS_PER_HOUR = {
    "chambers_of_xeric": 3,
    "chambers_of_xeric_challenge_mode": 2,
    "theatre_of_blood": 3,
    "theatre_of_blood_hard_mode": 2,
    "tombs_of_amascut": 3,
    "tombs_of_amascut_expert": 2.5,
    "nightmare": 5,
    "phosanis_nightmare": 4,
    "nex": 6,
    "corporeal_beast": 6,
    "the_gauntlet": 6,
    "the_corrupted_gauntlet": 5,
    "tzkal_zuk": 1,
    "tztok_jad": 2,
    "sol_heredit": 1.5,
    "doom_of_mokhaiotl": 3,
    "yama": 6,
    "wintertodt": 6,
    "tempoross": 5,
    "zalcano": 12,
    "barrows_chests": 15,
    "lunar_chests": 12,
    "mimic": 1,
    "hespori": 8,
    "bryophyta": 10,
    "obor": 12,
}
# Skilling and minor bosses don't count towards efficient hours bossed.
_NO_EHB_BOSSES = frozenset(
    {"wintertodt", "tempoross", "zalcano", "mimic", "hespori", "bryophyta", "obor", "lunar_chests"}
)
_BOSS_POPULARITY = {
    "barrows_chests": 3.0,
    "wintertodt": 3.5,
    "tempoross": 2.5,
    "zulrah": 2.5,
    "vorkath": 2.5,
    "chambers_of_xeric": 2.5,
    "tombs_of_amascut": 2.5,
    "the_gauntlet": 2.0,
    "giant_mole": 2.0,
    "tztok_jad": 2.0,
    "scurrius": 2.0,
    "the_corrupted_gauntlet": 1.5,
    "theatre_of_blood": 1.5,
    "kalphite_queen": 1.5,
    "general_graardor": 1.5,
    "obor": 1.5,
    "bryophyta": 1.5,
    "nex": 0.5,
    "tombs_of_amascut_expert": 0.6,
    "mimic": 0.4,
    "chambers_of_xeric_challenge_mode": 0.3,
    "phosanis_nightmare": 0.3,
    "theatre_of_blood_hard_mode": 0.2,
    "tzkal_zuk": 0.2,
    "sol_heredit": 0.2,
}
_F2P_BOSSES = frozenset({"obor", "bryophyta", "scurrius"})


@dataclass(frozen=True)
class _ActivityParams:
    """Who does an activity, from what score, how fast, and the hiscores' minimum score."""

    chance: float
    offset: float
    log_score: float
    per_hour: float
    min_score: int
    component: int = MINIGAMES


# The minimum scores approximate the OSRS hiscores'; below them the API shows -1.
_ACTIVITY_PARAMS = {
    "bounty_hunter_hunter": _ActivityParams(0.03, 0, 1.0, 2, 2),
    "bounty_hunter_rogue": _ActivityParams(0.03, 0, 0.8, 1, 2),
    "clue_scrolls_beginner": _ActivityParams(0.5, 0, 1.0, 1.0, 1),
    "clue_scrolls_easy": _ActivityParams(0.7, 0, 1.5, 2.0, 1),
    "clue_scrolls_medium": _ActivityParams(0.7, 0, 1.5, 1.5, 1),
    "clue_scrolls_hard": _ActivityParams(0.6, 0, 1.4, 1.0, 1),
    "clue_scrolls_elite": _ActivityParams(0.4, 0, 1.0, 0.4, 1),
    "clue_scrolls_master": _ActivityParams(0.25, 0, 0.6, 0.15, 1),
    "last_man_standing": _ActivityParams(0.2, 500, 2.0, 20, 500),
    "pvp_arena": _ActivityParams(0.05, 2500, 1.5, 20, 2525),
    "soul_wars_zeal": _ActivityParams(0.15, 0, 2.5, 40, 200),
    "guardians_of_the_rift": _ActivityParams(0.35, 0, 1.8, 4, 2),
    "colosseum_glory": _ActivityParams(0.1, 0, 3.3, 400, 300),
    "collections_logged": _ActivityParams(0.9, 0, 2.5, 0.4, 1, BOSSING),
}
_CLUE_ALL = "clue_scrolls_all"
_CLUE_TIERS = tuple(a for a in ACTIVITIES if a.startswith("clue_scrolls_") and a != _CLUE_ALL)
_RAW_ACTIVITIES = tuple(a for a in ACTIVITIES if a != _CLUE_ALL)

# Rank = n0 / (1 + (value / scale) ** 1.5): a made-up but monotonic hiscores curve.
_RANK_CURVES = {"overall": (2_300_000, 3e7), "skill": (2_000_000, 1.5e6)}
_RANK_CURVES |= {"boss": (400_000, 150.0), "activity": (600_000, 200.0)}
_RANK_CURVES |= {"computed": (2_000_000, 300.0)}

_SKILL_ACHIEVEMENTS = (MAXED_EXPERIENCE, 50_000_000, 100_000_000, 200_000_000)
_OVERALL_ACHIEVEMENTS = (10**7, 5 * 10**7, 10**8, 2 * 10**8, 5 * 10**8, 10**9, 2 * 10**9)
_BOSS_ACHIEVEMENTS = (50, 100, 500, 1000, 5000)
_CLUE_ACHIEVEMENTS = (100, 500, 1000)
_COMPUTED_ACHIEVEMENTS = {"ehp": (100, 500, 1000, 2000), "ehb": (100, 500, 1000)}
_EPOCH_ISO = "1970-01-01T00:00:00.000Z"
_SNAPSHOT_ID_STRIDE = 100_000

_METRIC_TITLES = {
    "kreearra": "Kree'Arra",
    "kril_tsutsaroth": "K'ril Tsutsaroth",
    "tztok_jad": "TzTok-Jad",
    "tzkal_zuk": "TzKal-Zuk",
    "vetion": "Vet'ion",
    "clue_scrolls_all": "Clue Scrolls (all)",
    "ehp": "EHP",
    "ehb": "EHB",
}

_NAME_WORDS = (
    "Iron", "Zulrah", "Rune", "Gnome", "Lumby", "Yew", "Shark", "Lobster", "Goblin", "Dharok",
    "Karil", "Torag", "Ahrim", "Verac", "Guthan", "Bandos", "Arma", "Zammy", "Sara", "Slayer",
    "Fishy", "Mage", "Range", "Pure", "Tank", "Skiller", "Noob", "Falador", "Draynor", "Ardy",
    "Kebab", "Bones", "Cabbage", "Potato", "Bucket", "Troll", "Wizard", "Knight", "Ranger", "Monk",
    "Mole", "Hydra", "Vork", "Jad", "Zuk", "Nex", "Kraken", "Cerb", "Olm", "Verzik", "Wardens",
    "Muspah", "Tempo", "Todt", "Barrows", "Herb", "Flax", "Coal", "Mith", "Addy", "Dragon", "Onyx",
    "Zenyte", "Chin", "Imp", "Cow", "Duck", "Rat", "Trout", "Salmon", "Karambwan", "Saradomin",
    "Tzhaar", "Fremmy", "Kandarin", "Morytania", "Void", "Torva", "Ancestral", "Masori",
)  # fmt: skip
_NAME_TAGS = ("btw", "xd", "pk", "gz", "hc", "uim", "osrs", "irl", "jr", "ii", "lol", "gim")
_NAME_PATTERNS = (
    "{A}{B}", "{A} {B}", "{A}_{B}", "{A}-{B}", "{A}{n}", "{A} {t}", "{a}{b}", "{A}{B}{n}",
    "Iron {A}", "{A} {n}", "{t} {A}", "{A}{t}", "{a} {b}", "{A}_{n}",
)  # fmt: skip
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _-]{0,10}[A-Za-z0-9]")


@dataclass(frozen=True)
class SimConfig:
    """Everything that shapes a simulated clan; the same config always gives the same clan."""

    seed: int = 7
    members: int = 50
    days: int = 120
    group_id: int = 4242
    group_name: str = "Iron Sim"
    now: datetime | None = None
    extra_metrics: tuple[str, ...] = ()
    leavers: float = 0.08
    name_changers: float = 0.06
    quiet: float = 0.15

    def __post_init__(self) -> None:
        """Reject settings the simulation can't honour."""
        if self.members < 0:
            raise ValueError(f"members must be >= 0, got {self.members}")
        if self.days < 1:
            raise ValueError(f"days must be >= 1, got {self.days}")
        if self.now is not None and self.now.utcoffset() is None:
            raise ValueError("now must be timezone-aware (UTC)")
        for name in ("leavers", "name_changers", "quiet"):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {share}")
        standard = set(SKILLS + BOSSES + ACTIVITIES + COMPUTED)
        for metric in self.extra_metrics:
            if metric in standard or not re.fullmatch(r"[a-z][a-z0-9_]*", metric):
                raise ValueError(f"extra metric {metric!r} must be a new snake_case name")


def standardize_username(name: str) -> str:
    """Return the lookup key of a name: OSRS treats case, space, `_` and `-` as the same."""
    return re.sub(r"[-_\s]", " ", name).strip().lower()


def iso_ms(ms: int) -> str:
    """Format epoch milliseconds the way WOM does: `2026-11-20T12:00:00.000Z`."""
    seconds, millis = divmod(int(ms), 1000)
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{millis:03d}Z"


def to_ms(moment: datetime) -> int:
    """Return aware `moment` as epoch milliseconds."""
    if moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware (UTC)")
    return round(moment.timestamp() * 1000)


def metric_title(metric: str) -> str:
    """Return a metric's display name, e.g. `Chambers Of Xeric`."""
    return _METRIC_TITLES.get(metric) or metric.replace("_", " ").title()


def _share(count: int, fraction: float) -> int:
    """Return `fraction` of `count`, rounded half up."""
    return math.floor(count * fraction + 0.5)


def _short_number(value: int) -> str:
    """Format an achievement threshold the WOM way: 10m, 4.6b, 1k, 500."""
    for size, suffix in ((10**9, "b"), (10**6, "m"), (10**3, "k")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return str(value)


# --------------------------------------------------------------------------- roster


@dataclass(frozen=True)
class _NameChange:
    """One approved name change."""

    change_id: int
    old: str
    new: str
    created_ms: int
    resolved_ms: int


@dataclass
class _Roster:
    """Who is who, and when they join, leave, go quiet, change name or rank."""

    ids: np.ndarray
    join_ms: np.ndarray
    leave_ms: np.ndarray
    registered_ms: np.ndarray
    quiet_ms: np.ndarray
    profile: np.ndarray
    types: list[str]
    builds: list[str]
    countries: list[str | None]
    names: list[str]
    name_changes: list[_NameChange | None]
    roles: list[list[tuple[int, str]]]
    client_sync_ms: list[int | None]

    @property
    def size(self) -> int:
        """Return the number of simulated players, members or not."""
        return len(self.ids)

    def name_at(self, player: int, at_ms: int) -> str:
        """Return a player's display name at a moment."""
        change = self.name_changes[player]
        if change is not None and change.resolved_ms <= at_ms:
            return change.new
        return self.names[player]

    def role_at(self, player: int, at_ms: int) -> str:
        """Return a player's clan rank at a moment (their first rank before they join)."""
        role = self.roles[player][0][1]
        for since, later_role in self.roles[player]:
            if since <= at_ms:
                role = later_role
        return role

    def is_member(self, player: int, at_ms: int) -> bool:
        """Return whether a player is in the clan at a moment."""
        return bool(self.join_ms[player] <= at_ms < self.leave_ms[player])


def _generate_names(count: int, rng: np.random.Generator) -> list[str]:
    """Return `count` OSRS-like display names, unique even when compared as usernames."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        pattern = _NAME_PATTERNS[int(rng.integers(len(_NAME_PATTERNS)))]
        first, second = (_NAME_WORDS[int(i)] for i in rng.integers(len(_NAME_WORDS), size=2))
        name = pattern.format(
            A=first,
            B=second,
            a=first.lower(),
            b=second.lower(),
            n=int(rng.integers(1, 1000)),
            t=_NAME_TAGS[int(rng.integers(len(_NAME_TAGS)))],
        )
        name = name[:12].strip(" _-")
        key = standardize_username(name)
        if _NAME_RE.fullmatch(name) and key not in seen:
            seen.add(key)
            names.append(name)
    return names


def _choose(rng: np.random.Generator, pool: np.ndarray, count: int) -> np.ndarray:
    """Return up to `count` distinct items of `pool`, in pool order."""
    count = min(count, len(pool))
    return np.sort(rng.choice(pool, size=count, replace=False)) if count else pool[:0]


def _uniform_ms(rng: np.random.Generator, low: np.ndarray | int, high: np.ndarray | int) -> int:
    """Return a whole millisecond drawn uniformly from [low, high)."""
    return int(rng.uniform(float(low), float(max(int(high), int(low) + 1))))


def _build_roster(config: SimConfig, now_ms: int, rng: np.random.Generator) -> _Roster:
    """Draw every player who is, was or will be a member, with their life in the clan."""
    members, days = config.members, config.days
    n_new = _share(members, _NEW_MEMBER_SHARE) if members > 1 else 0
    n_old = members - n_new
    n_left = _share(members, config.leavers)
    n_future = _share(members, _FUTURE_JOINER_SHARE)
    size = members + n_left + n_future
    window_ms = now_ms - days * DAY_MS
    horizon_ms = now_ms + days * DAY_MS

    join = np.empty(size, dtype=np.int64)
    leave = np.full(size, NEVER_MS, dtype=np.int64)
    old = np.arange(n_old)
    new = np.arange(n_old, members)
    left = np.arange(members, members + n_left)
    future = np.arange(members + n_left, size)
    # Long-standing members joined up to three years before the history starts.
    join[old] = window_ms - (rng.uniform(1, 1100, n_old) * DAY_MS).astype(np.int64)
    join[new] = rng.uniform(window_ms, now_ms - HOUR_MS, n_new).astype(np.int64)
    join[left] = window_ms - (rng.uniform(1, 900, n_left) * DAY_MS).astype(np.int64)
    leave[left] = rng.uniform(window_ms + HOUR_MS, now_ms - HOUR_MS, n_left).astype(np.int64)
    join[future] = rng.uniform(now_ms + HOUR_MS, horizon_ms, n_future).astype(np.int64)

    owner = int(old[np.argmin(join[old])]) if n_old else -1
    others = old[old != owner]
    quiet = _choose(rng, others, _share(members, config.quiet))
    stayers = np.setdiff1d(others, quiet)
    future_leavers = _choose(rng, stayers, _share(members, config.leavers))
    leave[future_leavers] = rng.uniform(now_ms + HOUR_MS, horizon_ms, len(future_leavers))

    # WOM often tracked an account before it joined; newcomers are tracked when they join.
    registered = join.copy()
    veterans = np.concatenate([old, left])
    registered[veterans] -= (rng.uniform(0, 500, len(veterans)) * DAY_MS).astype(np.int64)
    quiet_ms = np.full(size, NEVER_MS, dtype=np.int64)
    quiet_days = _QUIET_MIN_DAYS + rng.uniform(0, max(days, _QUIET_MIN_DAYS), len(quiet))
    quiet_ms[quiet] = now_ms - (quiet_days * DAY_MS).astype(np.int64)

    profile = np.asarray(rng.choice(_REGULAR_PROFILES, size=size, p=_REGULAR_PROFILE_WEIGHTS))
    profile[quiet] = QUIET_PROFILE
    profile[np.concatenate([new, future])] = NEW_PROFILE

    ids = np.sort(rng.choice(np.arange(1_000, 1_000 + 40 * size + 1_000), size, replace=False))
    player_ids = np.empty(size, dtype=np.int64)
    player_ids[np.argsort(registered, kind="stable")] = ids  # older accounts have lower ids

    names = _generate_names(size + 2 * _share(members, config.name_changers) + 1, rng)
    roster = _Roster(
        ids=player_ids,
        join_ms=join,
        leave_ms=leave,
        registered_ms=registered,
        quiet_ms=quiet_ms,
        profile=profile,
        types=[str(t) for t in rng.choice(_PLAYER_TYPES, size=size, p=_PLAYER_TYPE_WEIGHTS)],
        builds=[str(b) for b in rng.choice(_BUILDS, size=size, p=_BUILD_WEIGHTS)],
        countries=[
            str(rng.choice(_COUNTRIES)) if rng.random() < _COUNTRY_KNOWN_SHARE else None
            for _ in range(size)
        ],
        names=names[:size],
        name_changes=[None] * size,
        roles=[],
        client_sync_ms=[int(j - j % DAY_MS) if rng.random() < 0.8 else None for j in join.tolist()],
    )
    _assign_roles(roster, rng, owner, old, left, window_ms, now_ms, horizon_ms)
    _assign_name_changes(roster, rng, config, names[size:], members + n_left, now_ms)
    return roster


def _assign_roles(
    roster: _Roster,
    rng: np.random.Generator,
    owner: int,
    old: np.ndarray,
    left: np.ndarray,
    window_ms: int,
    now_ms: int,
    horizon_ms: int,
) -> None:
    """Give every player a rank history: joined at a rank, maybe promoted once or twice."""
    ranks = rng.choice(np.arange(1, len(ROLE_LADDER)), size=roster.size, p=_ROLE_WEIGHTS)
    veterans = set(old.tolist()) | set(left.tolist())
    lowest = len(ROLE_LADDER) - 1
    for player in range(roster.size):
        rank = int(ranks[player]) if player in veterans else lowest
        roster.roles.append([(int(roster.join_ms[player]), ROLE_LADDER[rank])])
    if owner >= 0:
        roster.roles[owner] = [(int(roster.join_ms[owner]), "owner")]
    members = len(old)
    candidates = old[(old != owner) & (ranks[old] < lowest) & (ranks[old] > 1)]
    for player in _choose(rng, candidates, _share(members, _PROMOTED_SHARE)).tolist():
        rank = _ROLE_RANK[roster.roles[player][0][1]]
        since = _uniform_ms(rng, max(window_ms, int(roster.join_ms[player])), now_ms)
        roster.roles[player] = [
            (int(roster.join_ms[player]), ROLE_LADDER[rank + 1]),
            (since, ROLE_LADDER[rank]),
        ]
    stayers = old[(old != owner) & (roster.leave_ms[old] == NEVER_MS)]
    stayers = stayers[[_ROLE_RANK[roster.roles[p][-1][1]] > 2 for p in stayers.tolist()]]
    for player in _choose(rng, stayers, _share(members, _PROMOTED_SHARE / 2)).tolist():
        rank = _ROLE_RANK[roster.roles[player][-1][1]]
        roster.roles[player].append(
            (_uniform_ms(rng, now_ms + HOUR_MS, horizon_ms), ROLE_LADDER[rank - 1])
        )


def _assign_name_changes(
    roster: _Roster,
    rng: np.random.Generator,
    config: SimConfig,
    spare_names: list[str],
    known: int,
    now_ms: int,
) -> None:
    """Rename some players during the window and some in the `days` after it."""
    count = _share(config.members, config.name_changers)
    window_ms = now_ms - config.days * DAY_MS
    order = rng.permutation(known)
    in_window = order[:count].tolist()
    later = [p for p in order[count:].tolist() if roster.leave_ms[p] == NEVER_MS][:count]
    moments: list[tuple[int, int]] = []
    for player in in_window:
        low = max(window_ms, int(roster.registered_ms[player])) + HOUR_MS
        high = min(now_ms, int(roster.leave_ms[player])) - HOUR_MS
        moments.append((player, _uniform_ms(rng, low, high)))
    for player in later:
        moments.append((player, _uniform_ms(rng, now_ms + HOUR_MS, now_ms + config.days * DAY_MS)))
    moments.sort(key=lambda item: item[1])
    for index, (player, resolved) in enumerate(moments):
        created = resolved - int(rng.uniform(0.1, 12) * HOUR_MS)
        roster.name_changes[player] = _NameChange(
            change_id=10_000 + index,
            old=roster.names[player],
            new=spare_names[index],
            created_ms=created,
            resolved_ms=resolved,
        )


# --------------------------------------------------------------------------- progression


class _Layout:
    """Column layout of every metric the clan serves, standard and extra."""

    def __init__(self, extra_metrics: Iterable[str]) -> None:
        self.bosses: tuple[str, ...] = BOSSES + tuple(dict.fromkeys(extra_metrics))
        self.metrics: tuple[str, ...] = SKILLS + self.bosses + ACTIVITIES + COMPUTED
        self.index = {metric: column for column, metric in enumerate(self.metrics)}
        n_skills, n_bosses = len(SKILLS), len(self.bosses)
        self.skills = slice(0, n_skills)
        self.boss_cols = slice(n_skills, n_skills + n_bosses)
        self.activity_cols = slice(n_skills + n_bosses, n_skills + n_bosses + len(ACTIVITIES))
        self.computed_cols = slice(self.activity_cols.stop, len(self.metrics))
        # Raw columns hold what the model tracks; overall and all clues are sums of them.
        self.raw_metrics: tuple[str, ...] = _REAL_SKILLS + self.bosses + _RAW_ACTIVITIES
        self.raw_skills = slice(0, len(_REAL_SKILLS))
        self.raw_bosses = slice(len(_REAL_SKILLS), len(_REAL_SKILLS) + n_bosses)
        self.raw_activities = slice(self.raw_bosses.stop, len(self.raw_metrics))

    def kind(self, metric: str) -> str:
        """Return `skill`, `boss`, `activity` or `computed` for a served metric."""
        column = self.index[metric]
        for kind, columns in (
            ("skill", self.skills),
            ("boss", self.boss_cols),
            ("activity", self.activity_cols),
        ):
            if columns.start <= column < columns.stop:
                return kind
        return "computed"


@dataclass(frozen=True)
class _Frame:
    """Every metric of n (player, moment) rows, as the hiscores would show them."""

    values: np.ndarray  # (n, M): xp, kills, score or computed value; -1 when unranked
    ranks: np.ndarray  # (n, M)
    levels: np.ndarray  # (n, len(SKILLS)); overall holds the total level
    efficiency: np.ndarray  # (n, M): ehp of skills, ehb of bosses, 0 elsewhere
    ttm: np.ndarray  # (n,) hours to max every skill
    tt200m: np.ndarray  # (n,) hours to 200m every skill


@dataclass
class _Progression:
    """Per-player starting values and per-hour rates of every raw metric."""

    layout: _Layout
    base: np.ndarray  # (P, R)
    rate: np.ndarray  # (P, R) per hour of the metric's component
    component: np.ndarray  # (R,)
    cap: np.ndarray  # (R,)
    ehp_per_xp: np.ndarray  # (P, skills)
    ehb_per_kill: np.ndarray  # (bosses,)
    min_scores: np.ndarray  # (activities,) in ACTIVITIES order
    rank_n0: np.ndarray  # (M,)
    rank_scale: np.ndarray  # (M,)

    def raw(self, players: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """Return the raw metric values of players after `hours` (n, components) of play."""
        values = self.base[players] + self.rate[players] * hours[:, self.component]
        np.minimum(values, self.cap, out=values)
        return np.floor(values, out=values)

    def frame(self, players: np.ndarray, hours: np.ndarray) -> _Frame:
        """Return the full hiscores view of players after `hours` of play."""
        layout = self.layout
        raw = self.raw(players, hours)
        n = len(players)
        values = np.zeros((n, len(layout.metrics)))
        efficiency = np.zeros_like(values)
        xp = raw[:, layout.raw_skills]
        values[:, 1 : layout.skills.stop] = xp
        values[:, 0] = xp.sum(axis=1)
        levels = np.empty((n, len(SKILLS)), dtype=np.int64)
        levels[:, 1:] = np.clip(np.searchsorted(EXPERIENCE_TABLE, xp, side="right"), 1, MAX_LEVEL)
        levels[:, 0] = levels[:, 1:].sum(axis=1)
        ehp = np.round(xp * self.ehp_per_xp[players], 5)
        efficiency[:, 1 : layout.skills.stop] = ehp
        efficiency[:, 0] = np.round(ehp.sum(axis=1), 5)

        kills = raw[:, layout.raw_bosses]
        kills = np.where(kills >= _BOSS_MIN_KILLS, kills, -1.0)
        values[:, layout.boss_cols] = kills
        ehb = np.round(np.maximum(kills, 0) * self.ehb_per_kill, 5)
        efficiency[:, layout.boss_cols] = ehb

        scores = np.empty((n, len(ACTIVITIES)))
        raw_scores = raw[:, layout.raw_activities]
        for column, activity in enumerate(_RAW_ACTIVITIES):
            scores[:, ACTIVITIES.index(activity)] = raw_scores[:, column]
        tiers = [ACTIVITIES.index(tier) for tier in _CLUE_TIERS]
        scores[:, ACTIVITIES.index(_CLUE_ALL)] = scores[:, tiers].sum(axis=1)
        values[:, layout.activity_cols] = np.where(scores >= self.min_scores, scores, -1.0)

        computed = layout.computed_cols.start
        values[:, computed] = efficiency[:, 0]
        values[:, computed + 1] = np.round(ehb.sum(axis=1), 5)
        missing = np.maximum(MAXED_EXPERIENCE - xp, 0) * self.ehp_per_xp[players]
        to_200m = np.maximum(MAX_SKILL_EXPERIENCE - xp, 0) * self.ehp_per_xp[players]
        return _Frame(
            values=values,
            ranks=self._ranks(values),
            levels=levels,
            efficiency=efficiency,
            ttm=np.round(missing.sum(axis=1), 5),
            tt200m=np.round(to_200m.sum(axis=1), 5),
        )

    def _ranks(self, values: np.ndarray) -> np.ndarray:
        """Return hiscore ranks for values: -1 when unranked, 1 for the very best."""
        ratio = np.maximum(values, 0) / self.rank_scale
        ranks = np.maximum(1, np.floor(self.rank_n0 / (1 + ratio**1.5))).astype(np.int64)
        return np.where(values < 0, -1, ranks)


def _build_progression(roster: _Roster, layout: _Layout, rng: np.random.Generator) -> _Progression:
    """Draw every player's starting values and per-hour rates from their profile and build."""
    size = roster.size
    profiles = [_PROFILES[int(p)] for p in roster.profile]
    iron = np.array([kind != "regular" for kind in roster.types], dtype=bool)
    speed = np.where(iron, _IRON_SPEED, 1.0) * rng.lognormal(0, 0.2, size)
    skill_base, skill_rate = _skill_parameters(roster, profiles, speed, rng)
    boss_base, boss_rate = _boss_parameters(roster, layout, profiles, speed, rng)
    activity_base, activity_rate = _activity_parameters(size, speed, rng)

    rates = np.array([_EHP_RATES[skill] for skill in _REAL_SKILLS], dtype=float)
    per_xp = np.divide(1.0, rates, out=np.zeros_like(rates), where=rates > 0)
    ehp_per_xp = per_xp[None, :] / np.where(iron, _IRON_SPEED, 1.0)[:, None]
    kph = [_KILLS_PER_HOUR.get(boss, _DEFAULT_KILLS_PER_HOUR) for boss in layout.bosses]
    ehb_per_kill = np.array(
        [
            0.0 if b in _NO_EHB_BOSSES or b not in BOSSES else 1.0 / k
            for b, k in zip(layout.bosses, kph, strict=True)
        ]
    )
    component = np.array(
        [COMBAT if s in _COMBAT_SKILLS else SKILLING for s in _REAL_SKILLS]
        + [BOSSING] * len(layout.bosses)
        + [_ACTIVITY_PARAMS[a].component for a in _RAW_ACTIVITIES]
    )
    cap = np.array(
        [float(MAX_SKILL_EXPERIENCE)] * len(_REAL_SKILLS)
        + [math.inf] * (len(layout.bosses) + len(_RAW_ACTIVITIES))
    )
    min_scores = np.array(
        [1 if a == _CLUE_ALL else _ACTIVITY_PARAMS[a].min_score for a in ACTIVITIES], dtype=float
    )
    curves = [_RANK_CURVES["overall"]] + [_RANK_CURVES["skill"]] * len(_REAL_SKILLS)
    curves += [_RANK_CURVES["boss"]] * len(layout.bosses)
    curves += [_RANK_CURVES["activity"]] * len(ACTIVITIES)
    curves += [_RANK_CURVES["computed"]] * len(COMPUTED)
    return _Progression(
        layout=layout,
        base=np.hstack([skill_base, boss_base, activity_base]),
        rate=np.hstack([skill_rate, boss_rate, activity_rate]),
        component=component,
        cap=cap,
        ehp_per_xp=ehp_per_xp,
        ehb_per_kill=ehb_per_kill,
        min_scores=min_scores,
        rank_n0=np.array([c[0] for c in curves], dtype=float),
        rank_scale=np.array([c[1] for c in curves], dtype=float),
    )


def _skill_parameters(
    roster: _Roster, profiles: list[_Profile], speed: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return starting experience and xp/hour per skill, shaped (players, skills)."""
    size = roster.size
    offsets = np.array([_SKILL_LOG_OFFSET.get(skill, 0.0) for skill in _REAL_SKILLS])
    log_xp = np.array([p.log_xp for p in profiles]) + rng.normal(0, 0.25, size)
    noise = rng.normal(0, 0.35, (size, len(_REAL_SKILLS)))
    base = np.minimum(10 ** (log_xp[:, None] + offsets[None, :] + noise), MAX_SKILL_EXPERIENCE)
    hitpoints = _REAL_SKILLS.index("hitpoints")
    base[:, hitpoints] = np.maximum(base[:, hitpoints], _HITPOINTS_START_XP)

    rate = np.zeros_like(base)
    for component in (COMBAT, SKILLING):
        columns = [
            i
            for i, skill in enumerate(_REAL_SKILLS)
            if (skill in _COMBAT_SKILLS) == (component == COMBAT)
        ]
        # A low Dirichlet alpha makes players focus on a few skills at a time.
        focus = rng.dirichlet(np.full(len(columns), 0.6), size)
        rate[:, columns] = focus * _XP_PER_HOUR[component] * speed[:, None]

    defence = _REAL_SKILLS.index("defence")
    members_only = [i for i, skill in enumerate(_REAL_SKILLS) if skill in _MEMBERS_SKILLS]
    for player, build in enumerate(roster.builds):
        if build == "def1":
            base[player, defence], rate[player, defence] = 0.0, 0.0
        elif build == "zerker":
            base[player, defence], rate[player, defence] = _ZERKER_DEFENCE_XP, 0.0
        elif build == "f2p":
            base[player, members_only], rate[player, members_only] = 0.0, 0.0
    return base, rate


def _boss_parameters(
    roster: _Roster,
    layout: _Layout,
    profiles: list[_Profile],
    speed: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Return starting kills and kills per bossing hour, shaped (players, bosses)."""
    size, n_bosses = roster.size, len(layout.bosses)
    popularity = np.array([_BOSS_POPULARITY.get(boss, 1.0) for boss in layout.bosses])
    chance = np.array([p.boss_chance for p in profiles])[:, None] * popularity[None, :]
    does = rng.random((size, n_bosses)) < np.minimum(chance, 0.95)
    for player, build in enumerate(roster.builds):
        if build == "f2p":
            does[player] &= np.array([boss in _F2P_BOSSES for boss in layout.bosses])
    log_kills = np.array([p.log_kills for p in profiles])[:, None] + 0.3 * np.log10(popularity)
    base = np.where(does, 10 ** rng.normal(log_kills, 0.6), 0.0)
    # Extra metrics are bosses released after the history started: everyone begins at 0.
    extra = np.array([boss not in BOSSES for boss in layout.bosses])
    base[:, extra] = 0.0
    weights = rng.gamma(0.7, 1.0, (size, n_bosses)) * does
    totals = weights.sum(axis=1, keepdims=True)
    focus = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
    kph = np.array(
        [
            _EXTRA_KILLS_PER_HOUR
            if is_extra
            else _KILLS_PER_HOUR.get(boss, _DEFAULT_KILLS_PER_HOUR)
            for boss, is_extra in zip(layout.bosses, extra, strict=True)
        ]
    )
    return base, focus * kph[None, :] * speed[:, None]


def _activity_parameters(
    size: int, speed: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return starting scores and score per component hour, shaped (players, raw activities)."""
    params = [_ACTIVITY_PARAMS[activity] for activity in _RAW_ACTIVITIES]
    chance = np.array([p.chance for p in params])
    does = rng.random((size, len(params))) < chance[None, :]
    log_score = np.array([p.log_score for p in params])
    offset = np.array([p.offset for p in params])
    base = np.where(does, offset + 10 ** rng.normal(log_score, 0.5, (size, len(params))), 0.0)
    weights = rng.gamma(1.0, 1.0, (size, len(params))) * does
    minigames = np.array([p.component == MINIGAMES for p in params])
    totals = weights[:, minigames].sum(axis=1, keepdims=True)
    weights[:, minigames] = np.divide(
        weights[:, minigames], totals, out=np.zeros_like(weights[:, minigames]), where=totals > 0
    )
    weights[:, ~minigames] = does[:, ~minigames]
    per_hour = np.array([p.per_hour for p in params])
    return base, weights * per_hour[None, :] * speed[:, None]


# --------------------------------------------------------------------------- timeline


@dataclass(frozen=True)
class _PlayModel:
    """Per-player daily play habits and the span WOM tracks them over."""

    play_chance: np.ndarray
    log_hours: np.ndarray
    shares: np.ndarray  # (P, components)
    registered_ms: np.ndarray
    leave_ms: np.ndarray
    quiet_ms: np.ndarray


class _Timeline:
    """Daily play hours and WOM updates of every player, generated in blocks of days."""

    def __init__(self, seed: int, origin_ms: int, model: _PlayModel) -> None:
        self.seed = seed
        self.origin_ms = origin_ms
        self.model = model
        size = len(model.play_chance)
        self.days = 0
        self.t_ms = np.zeros((size, 0), dtype=np.int64)  # when the day's update happens
        self.updated = np.zeros((size, 0), dtype=bool)  # whether WOM snapshots that day
        self.ordinal = np.zeros((size, 0), dtype=np.int32)  # snapshots so far, that day included
        self.hours = np.zeros((size, 0, _COMPONENTS))  # cumulative play, that day included

    def ensure(self, days: int) -> None:
        """Generate blocks until at least `days` days exist."""
        first, last = self.days // _BLOCK_DAYS, -(-days // _BLOCK_DAYS)
        if last > first:
            self._append([self._block(block) for block in range(first, last)])

    def day_of(self, at_ms: int) -> int:
        """Return the day index holding a moment."""
        return (at_ms - self.origin_ms) // DAY_MS

    def hours_at(self, players: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Return cumulative play hours at each (player, day) update moment."""
        day_start = self.origin_ms + days.astype(np.int64) * DAY_MS
        fraction = (self.t_ms[players, days] - day_start) / DAY_MS
        total = self.hours[players, days]
        before = np.where((days > 0)[:, None], self.hours[players, np.maximum(days - 1, 0)], 0.0)
        # Play is spread evenly over the day, so a morning update sees part of it.
        return before + (total - before) * fraction[:, None]

    def _block(self, block: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Draw one block of days: update moments, update flags and daily play hours."""
        model = self.model
        size = len(model.play_chance)
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 0x7173, block]))
        day = block * _BLOCK_DAYS + np.arange(_BLOCK_DAYS)
        day_start = self.origin_ms + day.astype(np.int64) * DAY_MS
        play = rng.random((size, _BLOCK_DAYS)) < model.play_chance[:, None]
        hours = rng.lognormal(model.log_hours[:, None], 0.5, (size, _BLOCK_DAYS))
        jitter = rng.gamma(4.0, 0.25, (size, _BLOCK_DAYS, _COMPONENTS))
        fraction = rng.random((size, _BLOCK_DAYS))
        roll = rng.random((size, _BLOCK_DAYS))

        active = play & (day_start[None, :] < model.quiet_ms[:, None])
        daily = np.where(
            active[..., None], hours[..., None] * model.shares[:, None, :] * jitter, 0.0
        )
        t_ms = day_start[None, :] + (fraction * DAY_MS).astype(np.int64)
        updated = np.where(active, roll < _UPDATE_WHEN_PLAYING, roll < _UPDATE_WHEN_IDLE)
        self._force_first_snapshots(block, day_start, t_ms, updated)
        updated &= (t_ms >= model.registered_ms[:, None]) & (t_ms < model.leave_ms[:, None])
        return t_ms, updated, daily

    def _force_first_snapshots(
        self, block: int, day_start: np.ndarray, t_ms: np.ndarray, updated: np.ndarray
    ) -> None:
        """Snapshot newcomers a minute after WOM starts tracking them, veterans on day 0."""
        model = self.model
        first_ms = model.registered_ms + MINUTE_MS
        first_day = (first_ms - self.origin_ms) // DAY_MS - block * _BLOCK_DAYS
        rows = np.flatnonzero((first_day >= 0) & (first_day < _BLOCK_DAYS))
        columns = first_day[rows]
        t_ms[rows, columns] = np.minimum(first_ms[rows], day_start[columns] + DAY_MS - 1)
        updated[rows, columns] = True
        if block == 0:
            updated[model.registered_ms < self.origin_ms, 0] = True

    def _append(self, blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
        """Append generated blocks in one go, continuing the running totals."""
        t_ms, updated, daily = (
            np.concatenate(parts, axis=1) for parts in zip(*blocks, strict=True)
        )
        size = len(t_ms)
        last_hours = self.hours[:, -1, :] if self.days else np.zeros((size, _COMPONENTS))
        last_count = self.ordinal[:, -1] if self.days else np.zeros(size, dtype=np.int32)
        hours = np.cumsum(daily, axis=1) + last_hours[:, None, :]
        ordinal = (np.cumsum(updated, axis=1) + last_count[:, None]).astype(np.int32)
        self.t_ms = np.concatenate([self.t_ms, t_ms], axis=1)
        self.updated = np.concatenate([self.updated, updated], axis=1)
        self.ordinal = np.concatenate([self.ordinal, ordinal], axis=1)
        self.hours = np.concatenate([self.hours, hours], axis=1)
        self.days += _BLOCK_DAYS * len(blocks)


# --------------------------------------------------------------------------- JSON


PERIODS: dict[str, int] = {
    "five_min": 5 * MINUTE_MS,
    "day": DAY_MS,
    "week": 7 * DAY_MS,
    "month": 31 * DAY_MS,
    "year": round(365.24 * DAY_MS),
}


@dataclass(frozen=True)
class _AchievementDef:
    """One achievement: reaching `threshold` in `metric`."""

    name: str
    metric: str
    column: int
    threshold: int
    measure: str


@dataclass(frozen=True)
class _Achieved:
    """A player reaching an achievement; created_ms is 0 when it predates their tracking."""

    known_ms: int
    created_ms: int
    accuracy: int | None
    player: int
    definition: int


@dataclass(frozen=True)
class _Competition:
    """One group competition."""

    comp_id: int
    title: str
    metric: str
    kind: str
    starts_ms: int
    ends_ms: int
    created_ms: int


@dataclass(frozen=True)
class _Rows:
    """Frame rows as plain Python lists, ready to become JSON."""

    values: list[list[Any]]
    ranks: list[list[int]]
    levels: list[list[int]]
    efficiency: list[list[float]]

    @classmethod
    def of(cls, layout: _Layout, frame: _Frame) -> _Rows:
        """Convert a frame: integers for xp/kills/score, floats for computed values."""
        return cls(
            values=_json_values(layout, frame.values),
            ranks=frame.ranks.tolist(),
            levels=frame.levels.tolist(),
            efficiency=frame.efficiency.tolist(),
        )


@dataclass
class _NowState:
    """Everything derived from the clan at one `now`, cached until it moves."""

    now_ms: int
    frame: _Frame
    rows: _Rows
    row_of: np.ndarray  # (P,) frame row of the player's latest snapshot, -1 without one
    latest_day: np.ndarray  # (P,) day of the player's latest snapshot, -1 without one
    players: list[Json | None]  # Player JSON, None before WOM tracks the player
    members: list[int]  # current members in membership order
    by_username: dict[str, int]
    records: dict[tuple[str, str], list[tuple[int, Json]]]  # (player, Record) by metric, period


def _json_values(layout: _Layout, values: np.ndarray) -> list[list[Any]]:
    """Return values as lists: ints, except floats (5 decimals) for computed metrics."""
    rows: list[list[Any]] = values.astype(np.int64).tolist()
    computed = np.round(values[:, layout.computed_cols], 5).tolist()
    for row, floats in zip(rows, computed, strict=True):
        row[layout.computed_cols] = floats
    return rows


def _snapshot_data(layout: _Layout, rows: _Rows, row: int) -> Json:
    """Return a Snapshot's `data` object for one frame row."""
    metrics = layout.metrics
    values, ranks = rows.values[row], rows.ranks[row]
    levels, efficiency = rows.levels[row], rows.efficiency[row]
    skill_cols, boss_cols = range(layout.skills.stop), range(*layout.boss_cols.indices(10**6))
    activity_cols = range(*layout.activity_cols.indices(10**6))
    computed_cols = range(*layout.computed_cols.indices(10**6))
    return {
        "skills": {
            metrics[c]: {
                "metric": metrics[c],
                "rank": ranks[c],
                "level": levels[c],
                "experience": values[c],
                "ehp": efficiency[c],
            }
            for c in skill_cols
        },
        "bosses": {
            metrics[c]: {
                "metric": metrics[c],
                "rank": ranks[c],
                "kills": values[c],
                "ehb": efficiency[c],
            }
            for c in boss_cols
        },
        "activities": {
            metrics[c]: {"metric": metrics[c], "rank": ranks[c], "score": values[c]}
            for c in activity_cols
        },
        "computed": {
            metrics[c]: {"metric": metrics[c], "rank": ranks[c], "value": values[c]}
            for c in computed_cols
        },
    }


def _hiscores_item(kind: str, rank: int, level: int, value: Any) -> Json:
    """Return the `data` of one group hiscores entry."""
    if kind == "skill":
        return {"type": "skill", "rank": rank, "level": level, "experience": value}
    if kind == "boss":
        return {"type": "boss", "rank": rank, "kills": value}
    if kind == "activity":
        return {"type": "activity", "rank": rank, "score": value}
    return {"type": "computed", "rank": rank, "value": value}


def _combat_levels(levels: np.ndarray) -> np.ndarray:
    """Return OSRS combat levels from skill level rows in SKILLS order."""
    at = {skill: levels[:, SKILLS.index(skill)] for skill in SKILLS}
    base = 0.25 * (at["defence"] + at["hitpoints"] + at["prayer"] // 2)
    melee = 0.325 * (at["attack"] + at["strength"])
    ranged = 0.325 * (at["ranged"] * 3 // 2)
    magic = 0.325 * (at["magic"] * 3 // 2)
    return np.floor(base + np.maximum(melee, np.maximum(ranged, magic))).astype(np.int64)


def _achievement_definitions(layout: _Layout) -> list[_AchievementDef]:
    """Return every achievement the clan can reach, in a fixed order."""
    index = layout.index
    definitions = [
        _AchievementDef(f"{_short_number(t)} Overall Exp.", "overall", 0, t, "experience")
        for t in _OVERALL_ACHIEVEMENTS
    ]
    for skill in _REAL_SKILLS:
        for threshold in _SKILL_ACHIEVEMENTS:
            label = "99" if threshold == MAXED_EXPERIENCE else _short_number(threshold)
            name = f"{label} {metric_title(skill)}"
            definitions.append(_AchievementDef(name, skill, index[skill], threshold, "experience"))
    for boss in layout.bosses:
        for threshold in _BOSS_ACHIEVEMENTS:
            name = f"{_short_number(threshold)} {metric_title(boss)} kills"
            definitions.append(_AchievementDef(name, boss, index[boss], threshold, "kills"))
    for threshold in _CLUE_ACHIEVEMENTS:
        name = f"{_short_number(threshold)} {metric_title(_CLUE_ALL)}"
        definitions.append(_AchievementDef(name, _CLUE_ALL, index[_CLUE_ALL], threshold, "score"))
    for metric, thresholds in _COMPUTED_ACHIEVEMENTS.items():
        for threshold in thresholds:
            name = f"{_short_number(threshold)} {metric_title(metric)}"
            definitions.append(_AchievementDef(name, metric, index[metric], threshold, "value"))
    return definitions


def _build_competitions(
    config: SimConfig, now_ms: int, rng: np.random.Generator
) -> list[_Competition]:
    """Draw 1-3 competitions: one in the past, one running at `now`, one upcoming."""
    if config.members == 0:
        return []
    themes = (
        ("Skill of the Week", ("woodcutting", "fishing", "mining", "slayer", "agility", "hunter")),
        ("Boss of the Week", ("vorkath", "zulrah", "tombs_of_amascut", "general_graardor")),
    )
    competitions = []
    for number, offset_days in enumerate((-0.6 * config.days, -3.0, 2.0)[: rng.integers(1, 4)]):
        label, metrics = themes[number % 2]
        metric = metrics[int(rng.integers(len(metrics)))]
        starts = now_ms + int(offset_days * DAY_MS)
        starts -= starts % HOUR_MS
        competitions.append(
            _Competition(
                comp_id=config.group_id * 10 + number + 1,
                title=f"{label}: {metric_title(metric)}",
                metric=metric,
                kind="team" if number == 2 else "classic",
                starts_ms=starts,
                ends_ms=starts + 7 * DAY_MS,
                created_ms=starts - 3 * DAY_MS,
            )
        )
    return competitions


# --------------------------------------------------------------------------- the clan


class SimulatedClan:
    """A deterministic simulated clan that answers in Wise Old Man API v2 shapes (JSON-ready).

    Every method answers as of `now`, which `advance()` moves forward. Returned objects are
    fresh and may be modified by the caller. The clan is safe to share between threads.
    """

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config if config is not None else SimConfig()
        start = self.config.now or datetime.now(UTC).replace(
            hour=12, minute=0, second=0, microsecond=0
        )
        self._start_ms = to_ms(start)
        self._now_ms = self._start_ms
        self._lock = threading.RLock()
        roster_seed, progress_seed, extras_seed = np.random.SeedSequence(self.config.seed).spawn(3)
        self._layout = _Layout(self.config.extra_metrics)
        self._roster = _build_roster(
            self.config, self._start_ms, np.random.default_rng(roster_seed)
        )
        progress_rng = np.random.default_rng(progress_seed)
        self._progress = _build_progression(self._roster, self._layout, progress_rng)
        window_ms = self._start_ms - self.config.days * DAY_MS
        origin_ms = window_ms - window_ms % DAY_MS
        self._timeline = _Timeline(self.config.seed, origin_ms, self._play_model(progress_rng))
        extras_rng = np.random.default_rng(extras_seed)
        code = extras_rng.integers(0, 1000, 3)
        self.verification_code = "-".join(f"{int(part):03d}" for part in code)
        self._competitions = _build_competitions(self.config, self._start_ms, extras_rng)
        self._events = self._member_events()
        self._definitions = _achievement_definitions(self._layout)
        self._state_cache: _NowState | None = None
        self._achieved_cache: tuple[int, list[_Achieved]] | None = None
        created = int(self._roster.join_ms.min()) if self._roster.size else window_ms
        self._group_created_ms = created - 7 * DAY_MS

    # ------------------------------------------------------------------ time

    @property
    def now(self) -> datetime:
        """Return the moment the clan answers as of."""
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=self._now_ms)

    @now.setter
    def now(self, moment: datetime) -> None:
        with self._lock:
            self._now_ms = to_ms(moment)

    def advance(self, days: float = 1) -> None:
        """Move `now` forward; players keep playing, so data grows."""
        with self._lock:
            self._now_ms += round(days * DAY_MS)

    @property
    def metrics(self) -> tuple[str, ...]:
        """Return every metric served: skills, bosses (with extras), activities, computed."""
        return self._layout.metrics

    def metric_kind(self, metric: str) -> str:
        """Return `skill`, `boss`, `activity` or `computed`; ValueError for an unknown metric."""
        self._column(metric)
        return self._layout.kind(metric)

    # ------------------------------------------------------------------ group endpoints

    def group_details(self) -> Json:
        """Return GroupDetails with the memberships of everyone in the group at `now`."""
        with self._lock:
            state = self._state()
            group_id = self.config.group_id
            return {
                **self._group_item(state),
                "socialLinks": {
                    "website": None,
                    "discord": "https://discord.gg/ironsim",
                    "twitter": None,
                    "youtube": None,
                    "twitch": None,
                },
                "memberships": [self._membership(state, player) for player in state.members],
                "roleOrders": [
                    {"groupId": group_id, "role": role, "index": index}
                    for index, role in enumerate(ROLE_LADDER)
                ],
            }

    def bulk_hiscores(self) -> list[Json]:
        """Return `[{player, data: Snapshot}]`: each member's latest snapshot at `now`."""
        with self._lock:
            state = self._state()
            return [
                {
                    "player": self._player(state, player),
                    "data": self._snapshot(
                        player, int(state.latest_day[player]), state.rows, int(state.row_of[player])
                    ),
                }
                for player in state.members
                if state.row_of[player] >= 0
            ]

    def bulk_gained(self, start: datetime, end: datetime) -> list[Json]:
        """Return every member's gains in every metric between their first and last snapshot."""
        with self._lock:
            state = self._state()
            metrics = self._layout.metrics
            return [
                {
                    **dates,
                    "data": [
                        {"metric": metric, "gained": g, "start": s, "end": e}
                        for metric, g, s, e in zip(metrics, gained, before, after, strict=True)
                    ],
                }
                for dates, gained, before, after in self._gains(state, to_ms(start), to_ms(end))
            ]

    def group_gained(self, metric: str, start: datetime, end: datetime) -> list[Json]:
        """Return `[{player, startDate, endDate, data: {gained, start, end}}]`, top gain first."""
        column = self._column(metric)
        with self._lock:
            state = self._state()
            entries = [
                {
                    **dates,
                    "data": {
                        "gained": gained[column],
                        "start": before[column],
                        "end": after[column],
                    },
                }
                for dates, gained, before, after in self._gains(state, to_ms(start), to_ms(end))
            ]
            entries.sort(key=lambda entry: -entry["data"]["gained"])
            return entries

    def group_hiscores(self, metric: str) -> list[Json]:
        """Return `[{player, data}]` of ranked members in one metric, best first."""
        column = self._column(metric)
        kind = self._layout.kind(metric)
        level_column = column if kind == "skill" else 0
        with self._lock:
            state = self._state()
            entries = []
            for player in state.members:
                row = int(state.row_of[player])
                if row < 0 or state.rows.values[row][column] < 0:
                    continue
                item = _hiscores_item(
                    kind,
                    state.rows.ranks[row][column],
                    state.rows.levels[row][level_column],
                    state.rows.values[row][column],
                )
                entries.append({"player": self._player(state, player), "data": item})
            value_key = {"skill": "experience", "boss": "kills", "activity": "score"}.get(
                kind, "value"
            )
            entries.sort(key=lambda entry: -entry["data"][value_key])
            return entries

    def group_records(self, metric: str, period: str) -> list[Json]:
        """Return each member's best gain within `period` in one metric, best first."""
        column = self._column(metric)
        if period not in PERIODS:
            raise ValueError(f"unknown period {period!r}")
        with self._lock:
            state = self._state()
            if (metric, period) not in state.records:
                state.records[metric, period] = self._records(state, column, period)
            return [
                {**record, "player": self._player(state, player)}
                for player, record in state.records[metric, period]
            ]

    def group_statistics(self) -> Json | None:
        """Return maxed counts, average stats and metric leaders; None for a group without stats."""
        with self._lock:
            state = self._state()
            members = [p for p in state.members if state.row_of[p] >= 0]
            if not members:
                return None
            rows = state.row_of[members]
            frame = state.frame
            values, levels = frame.values[rows], frame.levels[rows]
            skill_xp = values[:, 1 : self._layout.skills.stop]
            return {
                "maxedCombatCount": int((_combat_levels(levels) >= 126).sum()),
                "maxedTotalCount": int((levels[:, 1:] >= MAX_LEVEL).all(axis=1).sum()),
                "maxed200msCount": int((skill_xp >= MAX_SKILL_EXPERIENCE).sum()),
                "averageStats": self._average_snapshot(state, rows),
                "metricLeaders": self._metric_leaders(state, members),
            }

    def members_csv(self) -> str:
        """Return the group's members as WOM's CSV export."""
        with self._lock:
            state = self._state()
            lines = ["Player,Role,Experience,Last progressed,Last updated,Joined at (Client Sync)"]
            for player in state.members:
                json = state.players[player]
                assert json is not None  # members are always tracked
                synced = self._roster.client_sync_ms[player]
                lines.append(
                    ",".join(
                        [
                            json["displayName"],
                            self._roster.role_at(player, state.now_ms),
                            str(json["exp"]),
                            json["lastChangedAt"] or "",
                            json["updatedAt"] or "",
                            iso_ms(synced) if synced is not None else "",
                        ]
                    )
                )
            return "\n".join(lines)

    def outdated_member_count(self) -> int:
        """Return how many members were last updated more than 24 hours before `now`."""
        with self._lock:
            state = self._state()
            timeline = self._timeline
            outdated = 0
            for player in state.members:
                day = int(state.latest_day[player])
                if day < 0 or timeline.t_ms[player, day] < state.now_ms - DAY_MS:
                    outdated += 1
            return outdated

    def achievements(self) -> list[Json]:
        """Return current members' achievements, newest first (unknown dates, as 1970, last)."""
        with self._lock:
            state = self._state()
            current = set(state.members)
            entries = []
            for achieved in self._achieved():
                if achieved.known_ms > state.now_ms or achieved.player not in current:
                    continue
                definition = self._definitions[achieved.definition]
                entries.append(
                    {
                        "playerId": int(self._roster.ids[achieved.player]),
                        "name": definition.name,
                        "metric": definition.metric,
                        "threshold": definition.threshold,
                        "accuracy": achieved.accuracy,
                        "createdAt": iso_ms(achieved.created_ms),
                        "measure": definition.measure,
                        "legacy": False,
                        "player": self._player(state, achieved.player),
                    }
                )
            return entries

    def name_changes(self) -> list[Json]:
        """Return current members' approved name changes, newest first."""
        with self._lock:
            state = self._state()
            changes = [
                (change, player)
                for player in state.members
                if (change := self._roster.name_changes[player]) is not None
                and change.resolved_ms <= state.now_ms
            ]
            changes.sort(key=lambda item: (-item[0].created_ms, item[0].change_id))
            return [
                {
                    "id": change.change_id,
                    "playerId": int(self._roster.ids[player]),
                    "oldName": change.old,
                    "newName": change.new,
                    "status": "approved",
                    "reviewContext": None,
                    "resolvedAt": iso_ms(change.resolved_ms),
                    "createdAt": iso_ms(change.created_ms),
                    "updatedAt": iso_ms(change.resolved_ms),
                    "player": self._player(state, player),
                }
                for change, player in changes
            ]

    def activity(self) -> list[Json]:
        """Return the group's joined / left / changed_role events, newest first."""
        with self._lock:
            state = self._state()
            return [
                {
                    "groupId": self.config.group_id,
                    "playerId": int(self._roster.ids[player]),
                    "type": kind,
                    "role": role,
                    "previousRole": previous,
                    "createdAt": iso_ms(at_ms),
                    "player": self._player(state, player),
                }
                for at_ms, player, kind, role, previous in self._events
                if at_ms <= state.now_ms
            ]

    def competitions(self) -> list[Json]:
        """Return the group's competitions created by `now`, latest start first."""
        with self._lock:
            state = self._state()
            group = self._group_item(state)
            visible = [c for c in self._competitions if c.created_ms <= state.now_ms]
            visible.sort(key=lambda c: -c.starts_ms)
            return [
                {
                    "id": c.comp_id,
                    "title": c.title,
                    "metric": c.metric,
                    "type": c.kind,
                    "startsAt": iso_ms(c.starts_ms),
                    "endsAt": iso_ms(c.ends_ms),
                    "groupId": self.config.group_id,
                    "score": 0,
                    "visible": True,
                    "createdAt": iso_ms(c.created_ms),
                    "updatedAt": iso_ms(c.created_ms),
                    "participantCount": self._member_count(min(c.starts_ms, state.now_ms)),
                    "metrics": [c.metric],
                    "group": dict(group),
                }
                for c in visible
            ]

    # ------------------------------------------------------------------ player endpoints

    def player_details(self, username: str) -> Json | None:
        """Return PlayerDetails for a tracked player's current name, or None (a 404)."""
        with self._lock:
            state = self._state()
            player = state.by_username.get(standardize_username(username))
            if player is None:
                return None
            row = int(state.row_of[player])
            latest = None
            combat_level = 3
            if row >= 0:
                day = int(state.latest_day[player])
                latest = self._snapshot(player, day, state.rows, row)
                combat_level = int(_combat_levels(state.frame.levels[row : row + 1])[0])
            return {
                **self._player(state, player),
                "combatLevel": combat_level,
                "archive": None,
                "annotations": [],
                "latestSnapshot": latest,
            }

    def player_snapshots(
        self, username: str, start: datetime | None = None, end: datetime | None = None
    ) -> list[Json] | None:
        """Return a player's snapshots within [start, end], newest first; None when untracked."""
        with self._lock:
            found = self._player_days(username, start, end)
            if found is None:
                return None
            player, days = found
            players = np.full(len(days), player)
            frame = self._progress.frame(players, self._timeline.hours_at(players, days))
            rows = _Rows.of(self._layout, frame)
            return [self._snapshot(player, int(day), rows, i) for i, day in enumerate(days)]

    def player_timeline(
        self,
        username: str,
        metric: str,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[Json] | None:
        """Return `[{value, rank, date}]` of one metric, newest first; None when untracked."""
        column = self._column(metric)
        with self._lock:
            found = self._player_days(username, start, end)
            if found is None:
                return None
            player, days = found
            players = np.full(len(days), player)
            frame = self._progress.frame(players, self._timeline.hours_at(players, days))
            values = _json_values(self._layout, frame.values)
            ranks = frame.ranks[:, column].tolist()
            return [
                {
                    "value": values[i][column],
                    "rank": ranks[i],
                    "date": iso_ms(self._timeline.t_ms[player, day]),
                }
                for i, day in enumerate(days.tolist())
            ]

    # ------------------------------------------------------------------ internals

    def _column(self, metric: str) -> int:
        """Return a metric's frame column; ValueError for an unknown metric."""
        column = self._layout.index.get(metric)
        if column is None:
            raise ValueError(f"unknown metric {metric!r}")
        return column

    def _play_model(self, rng: np.random.Generator) -> _PlayModel:
        """Draw daily play habits around each player's profile."""
        roster = self._roster
        profiles = [_PROFILES[int(p)] for p in roster.profile]
        play = np.array([p.play_chance for p in profiles]) * rng.uniform(0.8, 1.15, roster.size)
        hours = np.array([p.hours for p in profiles], dtype=float)
        log_hours = np.log(hours) + rng.normal(0, 0.3, roster.size)
        shares = np.array([p.shares for p in profiles], dtype=float).reshape(-1, _COMPONENTS)
        return _PlayModel(
            play_chance=np.minimum(play, 0.97),
            log_hours=log_hours,
            shares=shares,
            registered_ms=roster.registered_ms,
            leave_ms=roster.leave_ms,
            quiet_ms=roster.quiet_ms,
        )

    def _member_events(self) -> list[tuple[int, int, str, str, str | None]]:
        """Return every joined / changed_role / left event, newest first."""
        roster = self._roster
        events: list[tuple[int, int, str, str, str | None]] = []
        for player in range(roster.size):
            roles = roster.roles[player]
            events.append((int(roster.join_ms[player]), player, "joined", roles[0][1], None))
            for (since, role), (_, previous) in zip(roles[1:], roles, strict=False):
                events.append((since, player, "changed_role", role, previous))
            left_ms = int(roster.leave_ms[player])
            if left_ms != NEVER_MS:
                events.append((left_ms, player, "left", roster.role_at(player, left_ms), None))
        events.sort(key=lambda event: (-event[0], int(roster.ids[event[1]])))
        return events

    def _member_count(self, at_ms: int) -> int:
        """Return how many players are in the group at a moment."""
        roster = self._roster
        return int(((roster.join_ms <= at_ms) & (at_ms < roster.leave_ms)).sum())

    def _state(self) -> _NowState:
        """Return the cached view of the clan at `now`, rebuilding it when `now` moved."""
        if self._state_cache is None or self._state_cache.now_ms != self._now_ms:
            self._state_cache = self._build_state()
        return self._state_cache

    def _build_state(self) -> _NowState:
        """Compute latest snapshots, Player objects and membership at `now`."""
        now, roster, timeline = self._now_ms, self._roster, self._timeline
        timeline.ensure(timeline.day_of(now) + 1)
        visible = timeline.updated & (timeline.t_ms <= now)
        has = visible.any(axis=1)
        last_day = visible.shape[1] - 1 - np.argmax(visible[:, ::-1], axis=1)
        latest_day = np.where(has, last_day, -1)
        tracked = np.flatnonzero(has)
        frame = self._progress.frame(tracked, timeline.hours_at(tracked, latest_day[tracked]))
        rows = _Rows.of(self._layout, frame)
        row_of = np.full(roster.size, -1, dtype=np.int64)
        row_of[tracked] = np.arange(len(tracked))
        changed_ms = self._last_changed_ms(visible, tracked)
        players: list[Json | None] = []
        for player in range(roster.size):
            if roster.registered_ms[player] > now:
                players.append(None)
                continue
            row = int(row_of[player])
            players.append(
                self._player_json(
                    player,
                    rows if row >= 0 else None,
                    row,
                    frame,
                    int(timeline.t_ms[player, latest_day[player]]) if row >= 0 else None,
                    int(changed_ms[row]) if row >= 0 else None,
                )
            )
        members = [p for p in range(roster.size) if roster.is_member(p, now)]
        members.sort(
            key=lambda p: (_ROLE_RANK[roster.role_at(p, now)], roster.join_ms[p], roster.ids[p])
        )
        by_username = {
            standardize_username(roster.name_at(p, now)): p
            for p in range(roster.size)
            if players[p] is not None
        }
        return _NowState(
            now_ms=now,
            frame=frame,
            rows=rows,
            row_of=row_of,
            latest_day=latest_day,
            players=players,
            members=members,
            by_username=by_username,
            records={},
        )

    def _last_changed_ms(self, visible: np.ndarray, tracked: np.ndarray) -> np.ndarray:
        """Return, per tracked player, when their first snapshot with today's values was taken."""
        timeline = self._timeline
        counts = visible[tracked].sum(axis=1)
        if not len(tracked):
            return np.zeros(0, dtype=np.int64)
        rows, days = np.nonzero(visible[tracked])
        starts = np.cumsum(counts) - counts
        day_of = np.zeros((len(tracked), int(counts.max())), dtype=np.int64)
        day_of[rows, np.arange(len(rows)) - starts[rows]] = days
        everyone = np.arange(len(tracked))
        low, high = np.zeros(len(tracked), dtype=np.int64), counts - 1

        def raw_at(subset: np.ndarray, ordinal: np.ndarray) -> np.ndarray:
            players, player_days = tracked[subset], day_of[subset, ordinal]
            return self._progress.raw(players, timeline.hours_at(players, player_days))

        latest = raw_at(everyone, high)
        # Values only grow, so "same as the latest" flips once: binary search all players at once.
        while (searching := np.flatnonzero(low < high)).size:
            middle = (low[searching] + high[searching]) // 2
            same = (raw_at(searching, middle) == latest[searching]).all(axis=1)
            high[searching[same]] = middle[same]
            low[searching[~same]] = middle[~same] + 1
        return timeline.t_ms[tracked, day_of[everyone, low]]

    def _player_json(
        self,
        player: int,
        rows: _Rows | None,
        row: int,
        frame: _Frame,
        updated_ms: int | None,
        changed_ms: int | None,
    ) -> Json:
        """Return a Player object from the player's latest snapshot row (zeros without one)."""
        roster = self._roster
        name = roster.name_at(player, self._now_ms)
        exp: int = 0
        ehp = ehb = ttm = tt200m = 0.0
        if rows is not None:
            computed = self._layout.computed_cols.start
            exp, ehp, ehb = (
                rows.values[row][0],
                rows.values[row][computed],
                rows.values[row][computed + 1],
            )
            ttm, tt200m = float(frame.ttm[row]), float(frame.tt200m[row])
        return {
            "id": int(roster.ids[player]),
            "username": name.lower(),
            "displayName": name,
            "type": roster.types[player],
            "build": roster.builds[player],
            "status": "active",
            "country": roster.countries[player],
            "patron": False,
            "exp": exp,
            "ehp": ehp,
            "ehb": ehb,
            "ttm": ttm,
            "tt200m": tt200m,
            "registeredAt": iso_ms(int(roster.registered_ms[player])),
            "updatedAt": iso_ms(updated_ms) if updated_ms is not None else None,
            "lastChangedAt": iso_ms(changed_ms) if changed_ms is not None else None,
            "lastImportedAt": None,
        }

    def _player(self, state: _NowState, player: int) -> Json:
        """Return a fresh copy of a tracked player's Player object."""
        json = state.players[player]
        assert json is not None  # callers only pass players WOM tracks at `now`
        return dict(json)

    def _snapshot(self, player: int, day: int, rows: _Rows, row: int) -> Json:
        """Return the Snapshot a player got on a day, from its frame row."""
        player_id = int(self._roster.ids[player])
        return {
            "id": player_id * _SNAPSHOT_ID_STRIDE + int(self._timeline.ordinal[player, day]),
            "playerId": player_id,
            "createdAt": iso_ms(int(self._timeline.t_ms[player, day])),
            "importedAt": None,
            "data": _snapshot_data(self._layout, rows, row),
        }

    def _group_item(self, state: _NowState) -> Json:
        """Return the group's own fields plus memberCount."""
        config = self.config
        last_event = next((e[0] for e in self._events if e[0] <= state.now_ms), None)
        return {
            "id": config.group_id,
            "name": config.group_name,
            "clanChat": config.group_name[:12],
            "description": f"{config.group_name}: a simulated OSRS clan for ClanStats."[:100],
            "homeworld": 302,
            "verified": True,
            "patron": False,
            "visible": True,
            "profileImage": None,
            "bannerImage": None,
            "score": 0,
            "createdAt": iso_ms(self._group_created_ms),
            "updatedAt": iso_ms(last_event if last_event is not None else self._group_created_ms),
            "memberCount": len(state.members),
        }

    def _membership(self, state: _NowState, player: int) -> Json:
        """Return one membership with its player."""
        roster = self._roster
        changes = [since for since, _ in roster.roles[player] if since <= state.now_ms]
        synced = roster.client_sync_ms[player]
        return {
            "playerId": int(roster.ids[player]),
            "groupId": self.config.group_id,
            "role": roster.role_at(player, state.now_ms),
            "clientSyncJoinedAt": iso_ms(synced) if synced is not None else None,
            "createdAt": iso_ms(int(roster.join_ms[player])),
            "updatedAt": iso_ms(max(changes)),
            "player": self._player(state, player),
        }

    def _gains(
        self, state: _NowState, start_ms: int, end_ms: int
    ) -> list[tuple[Json, list[Any], list[Any], list[Any]]]:
        """Return ({player, startDate, endDate}, gained, start, end values) per member with data.

        A member's window runs from their first to their last snapshot in [start, end]; a gain
        from or to an unranked (-1) value is 0, since -1 means "unknown", not zero.
        """
        timeline = self._timeline
        members = np.array(state.members, dtype=np.int64)
        moments = timeline.t_ms[members]
        inside = timeline.updated[members] & (moments >= start_ms)
        inside &= moments <= min(end_ms, state.now_ms)
        has = inside.any(axis=1)
        players = members[has]
        first = np.argmax(inside[has], axis=1)
        last = inside.shape[1] - 1 - np.argmax(inside[has][:, ::-1], axis=1)
        before = self._progress.frame(players, timeline.hours_at(players, first)).values
        after = self._progress.frame(players, timeline.hours_at(players, last)).values
        gained = np.where((before < 0) | (after < 0), 0.0, after - before)
        dates = [
            {
                "player": self._player(state, player),
                "startDate": iso_ms(int(timeline.t_ms[player, first[i]])),
                "endDate": iso_ms(int(timeline.t_ms[player, last[i]])),
            }
            for i, player in enumerate(players.tolist())
        ]
        layout = self._layout
        return list(
            zip(
                dates,
                _json_values(layout, gained),
                _json_values(layout, before),
                _json_values(layout, after),
                strict=True,
            )
        )

    def _player_days(
        self, username: str, start: datetime | None, end: datetime | None
    ) -> tuple[int, np.ndarray] | None:
        """Return a tracked player and their snapshot days within [start, end], newest first."""
        state = self._state()
        player = state.by_username.get(standardize_username(username))
        if player is None:
            return None
        moments = self._timeline.t_ms[player]
        chosen = self._timeline.updated[player] & (moments <= state.now_ms)
        if start is not None:
            chosen &= moments >= to_ms(start)
        if end is not None:
            chosen &= moments <= to_ms(end)
        return player, np.flatnonzero(chosen)[::-1]

    def _series(self, players: list[int], column: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Return (moments, values) of one metric at every snapshot up to `now`, per player."""
        timeline, now = self._timeline, self._now_ms
        series = []
        for player in players:
            days = np.flatnonzero(timeline.updated[player] & (timeline.t_ms[player] <= now))
            repeated = np.full(len(days), player)
            frame = self._progress.frame(repeated, timeline.hours_at(repeated, days))
            series.append((timeline.t_ms[player, days], frame.values[:, column]))
        return series

    def _records(self, state: _NowState, column: int, period: str) -> list[tuple[int, Json]]:
        """Return (player, Record) of each member's best gain within `period`, best first."""
        span = PERIODS[period]
        metric = self._layout.metrics[column]
        computed = self._layout.kind(metric) == "computed"
        records: list[tuple[int, Json]] = []
        for player, (moments, values) in zip(
            state.members, self._series(state.members, column), strict=True
        ):
            if len(moments) < 2:
                continue
            ends = np.searchsorted(moments, moments + span, side="right") - 1
            gains = np.where((values >= 0) & (values[ends] >= 0), values[ends] - values, 0.0)
            best = int(np.argmax(gains))
            if gains[best] <= 0:
                continue
            value = round(float(gains[best]), 5) if computed else int(gains[best])
            record = {
                "playerId": int(self._roster.ids[player]),
                "period": period,
                "metric": metric,
                "value": value,
                "updatedAt": iso_ms(int(moments[ends[best]])),
            }
            records.append((player, record))
        records.sort(key=lambda item: -item[1]["value"])
        return records

    def _average_snapshot(self, state: _NowState, rows: np.ndarray) -> Json:
        """Return a Snapshot-shaped average of members' latest snapshots (id and player -1)."""
        frame = state.frame
        values, ranks = frame.values[rows], frame.ranks[rows]
        ranked = values >= 0
        counted = np.maximum(ranked.sum(axis=0), 1)
        mean_values = np.where(ranked.any(axis=0), (values * ranked).sum(axis=0) / counted, -1)
        mean_ranks = np.where(ranked.any(axis=0), (ranks * ranked).sum(axis=0) // counted, -1)
        skill_xp = mean_values[1 : self._layout.skills.stop]
        levels = np.clip(np.searchsorted(EXPERIENCE_TABLE, skill_xp, side="right"), 1, MAX_LEVEL)
        average = _Frame(
            values=np.where(mean_values >= 0, np.floor(mean_values), -1)[None, :],
            ranks=mean_ranks.astype(np.int64)[None, :],
            levels=np.concatenate([[levels.sum()], levels]).astype(np.int64)[None, :],
            efficiency=np.round(frame.efficiency[rows].mean(axis=0), 5)[None, :],
            ttm=np.zeros(1),
            tt200m=np.zeros(1),
        )
        computed = self._layout.computed_cols
        average.values[0, computed] = np.round(frame.values[rows][:, computed].mean(axis=0), 5)
        return {
            "id": -1,
            "playerId": -1,
            "createdAt": iso_ms(state.now_ms),
            "importedAt": None,
            "data": _snapshot_data(self._layout, _Rows.of(self._layout, average), 0),
        }

    def _metric_leaders(self, state: _NowState, members: list[int]) -> Json:
        """Return the best member in every metric, by kind (player None when nobody ranks)."""
        layout = self._layout
        rows = state.row_of[members]
        values = state.frame.values[rows]
        best = np.argmax(values, axis=0)
        groups: dict[str, Json] = {"skills": {}, "bosses": {}, "activities": {}, "computed": {}}
        group_of = {"skill": "skills", "boss": "bosses", "activity": "activities"}
        for column, metric in enumerate(layout.metrics):
            kind = layout.kind(metric)
            row = int(rows[best[column]])
            value = state.rows.values[row][column]
            ranked = value >= 0
            level_column = column if kind == "skill" else 0
            item = _hiscores_item(
                kind,
                state.rows.ranks[row][column] if ranked else -1,
                state.rows.levels[row][level_column] if ranked else 1,
                value if ranked else -1,
            )
            del item["type"]
            item = {"metric": metric, **item}
            item["player"] = self._player(state, members[best[column]]) if ranked else None
            groups[group_of.get(kind, "computed")][metric] = item
        return groups

    def _achieved(self) -> list[_Achieved]:
        """Return every achievement reached in the generated days, newest first (cached)."""
        timeline = self._timeline
        if self._achieved_cache is not None and self._achieved_cache[0] == timeline.days:
            return self._achieved_cache[1]
        columns = np.array([d.column for d in self._definitions])
        thresholds = np.array([d.threshold for d in self._definitions], dtype=float)
        achieved: list[_Achieved] = []
        chunk = 16  # players per batch: bounds the (snapshots x achievements) matrix
        for first_player in range(0, self._roster.size, chunk):
            batch = np.arange(first_player, min(first_player + chunk, self._roster.size))
            achieved += self._achieved_in(batch, columns, thresholds)
        ids = self._roster.ids
        achieved.sort(key=lambda a: (-a.created_ms, -a.known_ms, int(ids[a.player]), a.definition))
        self._achieved_cache = (timeline.days, achieved)
        return achieved

    def _achieved_in(
        self, batch: np.ndarray, columns: np.ndarray, thresholds: np.ndarray
    ) -> list[_Achieved]:
        """Return the achievements of a batch of players over all their snapshots."""
        timeline = self._timeline
        local, days = np.nonzero(timeline.updated[batch])
        if not len(local):
            return []
        players = batch[local]
        values = self._progress.frame(players, timeline.hours_at(players, days)).values
        count = len(players)
        hit_rows = np.where(values[:, columns] >= thresholds, np.arange(count)[:, None], count)
        starts = np.flatnonzero(np.r_[True, local[1:] != local[:-1]])
        first_hit = np.minimum.reduceat(hit_rows.astype(np.int32), starts, axis=0)
        segments, definitions = np.nonzero(first_hit < count)
        hit = first_hit[segments, definitions]
        moments = timeline.t_ms[players, days]
        result = []
        for segment, definition, row in zip(
            segments.tolist(), definitions.tolist(), hit.tolist(), strict=True
        ):
            known = int(moments[row])
            if row == starts[segment]:
                # Reached before WOM tracked the player: WOM can't date it.
                result.append(_Achieved(known, 0, None, int(players[row]), definition))
            else:
                accuracy = known - int(moments[row - 1])
                result.append(_Achieved(known, known, accuracy, int(players[row]), definition))
        return result
