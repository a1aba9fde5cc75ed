"""The clan's roster: names, joins and leaves, ranks and name changes, all drawn at build time."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from simulator.clock import DAY_MS, HOUR_MS, NEVER_MS
from simulator.tuning import (
    NEW_PROFILE,
    QUIET_PROFILE,
    REGULAR_PROFILE_WEIGHTS,
    REGULAR_PROFILES,
)

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
ROLE_RANK = {role: index for index, role in enumerate(ROLE_LADDER)}
# Chances of each rank below owner; clans are bottom-heavy.
_ROLE_WEIGHTS = (0.02, 0.04, 0.06, 0.10, 0.16, 0.24, 0.38)

_NEW_MEMBER_SHARE = 0.12  # current members who joined during the history window
_FUTURE_JOINER_SHARE = 0.10  # players who join in the `days` after `now`
_PROMOTED_SHARE = 0.10  # members promoted during the window (and again after it)
_QUIET_MIN_DAYS = 32  # quiet members made no progress for at least this long (30+ in full days)

_PLAYER_TYPES = ("regular", "ironman", "hardcore", "ultimate")
_PLAYER_TYPE_WEIGHTS = (0.70, 0.18, 0.07, 0.05)
_BUILDS = ("main", "zerker", "def1", "f2p")
_BUILD_WEIGHTS = (0.93, 0.03, 0.02, 0.02)
_COUNTRIES = ("GB", "US", "NL", "SE", "AU", "CA", "DE", "FI", "NO", "BR", "BE", "DK", "NZ", "PL")
_COUNTRY_KNOWN_SHARE = 0.6

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


def standardize_username(name: str) -> str:
    """Return the lookup key of a name: OSRS treats case, space, `_` and `-` as the same."""
    return re.sub(r"[-_\s]", " ", name).strip().lower()


def share_of(count: int, fraction: float) -> int:
    """Return `fraction` of `count`, rounded half up."""
    return math.floor(count * fraction + 0.5)


@dataclass(frozen=True)
class NameChange:
    """One approved name change."""

    change_id: int
    old: str
    new: str
    created_ms: int
    resolved_ms: int


@dataclass(frozen=True)
class ReusedName:
    """A renamed player's old name, taken by another player WOM tracks (`owner`) at `at_ms`."""

    name: str
    previous_owner: int
    owner: int
    at_ms: int


class MemberEvent(NamedTuple):
    """One joined / changed_role / left event in the group's activity feed."""

    at_ms: int
    player: int
    kind: str
    role: str
    previous_role: str | None


@dataclass
class Roster:
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
    name_changes: list[NameChange | None]
    roles: list[list[tuple[int, str]]]
    client_sync_ms: list[int | None]
    # Rejoiners' later stays (join, leave or NEVER_MS); their first is join_ms..leave_ms.
    rejoins: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    # Players WOM keeps snapshotting after they leave (leavers' snapshots stop otherwise).
    tracked_on: set[int] = field(default_factory=set)
    unknown_changed: set[int] = field(default_factory=set)  # WOM serves lastChangedAt: null
    reused_names: list[ReusedName] = field(default_factory=list)
    # When WOM first listed the clan: members who joined in game before are listed from then.
    listed_ms: int = 0

    @property
    def size(self) -> int:
        """Return the number of simulated players, members or not."""
        return len(self.ids)

    def stays(self, player: int) -> list[tuple[int, int]]:
        """Return a player's stays in the clan as (join, leave or NEVER_MS), oldest first."""
        if self.join_ms[player] >= NEVER_MS:
            return []  # an outsider WOM tracks, never in the clan
        first = (max(int(self.join_ms[player]), self.listed_ms), int(self.leave_ms[player]))
        return [first, *self.rejoins.get(player, [])]

    def stay_start_ms(self, player: int, at_ms: int) -> int:
        """Return when the player's stay at `at_ms` (or last stay before it) began.

        Before their first join it is that first join: WOM's membership createdAt (for a
        member who joined in game before WOM listed the clan, when WOM listed it).
        """
        start = max(int(self.join_ms[player]), self.listed_ms)
        for join, _ in self.rejoins.get(player, []):
            if join <= at_ms:
                start = join
        return start

    def client_sync_at(self, player: int, at_ms: int) -> int | None:
        """Return when the in-game clan saw the player join the stay at `at_ms`, if known."""
        synced = self.client_sync_ms[player]
        rejoined = [join for join, _ in self.rejoins.get(player, []) if join <= at_ms]
        if synced is None or not rejoined:
            return synced  # the first stay: the in-game join day, even before WOM listed it
        return rejoined[-1] - rejoined[-1] % DAY_MS

    def tracked_until(self) -> np.ndarray:
        """Return, per player, when WOM stops snapshotting them (NEVER_MS: it never does)."""
        until = self.leave_ms.copy()
        until[sorted(self.tracked_on)] = NEVER_MS
        return until

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
        if player in self.rejoins:
            return any(join <= at_ms < leave for join, leave in self.stays(player))
        return bool(self.join_ms[player] <= at_ms < self.leave_ms[player])

    def member_count(self, at_ms: int) -> int:
        """Return how many players are in the group at a moment."""
        first_stays = int(((self.join_ms <= at_ms) & (at_ms < self.leave_ms)).sum())
        later_stays = sum(
            join <= at_ms < leave for stays in self.rejoins.values() for join, leave in stays
        )
        return first_stays + later_stays

    def membership_events(self) -> list[MemberEvent]:
        """Return every joined / changed_role / left event, newest first.

        A rejoiner has a joined (at the lowest rank) and maybe a left event per stay; rank
        changes are reported only within a stay.
        """
        events: list[MemberEvent] = []
        for player in range(self.size):
            for join, leave in self.stays(player):
                events += self._stay_events(player, join, leave)
        events.sort(key=lambda event: (-event.at_ms, int(self.ids[event.player])))
        return events

    def _stay_events(self, player: int, join: int, leave: int) -> list[MemberEvent]:
        """Return the joined, changed_role and left events of one stay, in time order."""
        roles = self.roles[player]
        events = [MemberEvent(join, player, "joined", self.role_at(player, join), None)]
        for (since, role), (_, previous) in zip(roles[1:], roles, strict=False):
            if join < since < leave:
                events.append(MemberEvent(since, player, "changed_role", role, previous))
        if leave != NEVER_MS:
            events.append(MemberEvent(leave, player, "left", self.role_at(player, leave), None))
        return events


def generate_names(count: int, rng: np.random.Generator) -> list[str]:
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


def choose(rng: np.random.Generator, pool: np.ndarray, count: int) -> np.ndarray:
    """Return up to `count` distinct items of `pool`, in pool order."""
    count = min(count, len(pool))
    return np.sort(rng.choice(pool, size=count, replace=False)) if count else pool[:0]


def uniform_ms(rng: np.random.Generator, low: int, high: int) -> int:
    """Return a whole millisecond drawn uniformly from [low, high) (low when the span is empty)."""
    return int(rng.uniform(low, max(high, low + 1)))


def build_roster(
    *,
    members: int,
    days: int,
    leaver_share: float,
    quiet_share: float,
    name_change_share: float,
    now_ms: int,
    rng: np.random.Generator,
) -> Roster:
    """Draw every player who is, was or will be a member, with their life in the clan."""
    n_new = share_of(members, _NEW_MEMBER_SHARE) if members > 1 else 0
    n_old = members - n_new
    n_left = share_of(members, leaver_share)
    n_future = share_of(members, _FUTURE_JOINER_SHARE)
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
    # Leavers stay past day 0 of the history, so WOM holds at least one snapshot of them.
    earliest_leave = window_ms + min(DAY_MS, days * DAY_MS // 2)
    leave[left] = rng.uniform(earliest_leave, now_ms - HOUR_MS, n_left).astype(np.int64)
    join[future] = rng.uniform(now_ms + HOUR_MS, horizon_ms, n_future).astype(np.int64)

    owner = int(old[np.argmin(join[old])]) if n_old else -1
    others = old[old != owner]
    quiet = choose(rng, others, share_of(members, quiet_share))
    stayers = np.setdiff1d(others, quiet)
    future_leavers = choose(rng, stayers, share_of(members, leaver_share))
    leave[future_leavers] = rng.uniform(now_ms + HOUR_MS, horizon_ms, len(future_leavers))

    # WOM often tracked an account before it joined; newcomers are tracked when they join.
    registered = join.copy()
    veterans = np.concatenate([old, left])
    registered[veterans] -= (rng.uniform(0, 500, len(veterans)) * DAY_MS).astype(np.int64)
    quiet_ms = np.full(size, NEVER_MS, dtype=np.int64)
    quiet_days = _QUIET_MIN_DAYS + rng.uniform(0, max(days, _QUIET_MIN_DAYS), len(quiet))
    quiet_ms[quiet] = now_ms - (quiet_days * DAY_MS).astype(np.int64)

    profile = np.asarray(rng.choice(REGULAR_PROFILES, size=size, p=REGULAR_PROFILE_WEIGHTS))
    profile[quiet] = QUIET_PROFILE
    profile[np.concatenate([new, future])] = NEW_PROFILE

    ids = np.sort(rng.choice(np.arange(1_000, 1_000 + 40 * size + 1_000), size, replace=False))
    player_ids = np.empty(size, dtype=np.int64)
    player_ids[np.argsort(registered, kind="stable")] = ids  # older accounts have lower ids

    renames = share_of(members, name_change_share)
    names = generate_names(size + 2 * renames + 1, rng)
    roster = Roster(
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
    _assign_name_changes(roster, rng, renames, names[size:], members + n_left, now_ms, days)
    return roster


def _assign_roles(
    roster: Roster,
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
    for player in choose(rng, candidates, share_of(members, _PROMOTED_SHARE)).tolist():
        rank = ROLE_RANK[roster.roles[player][0][1]]
        since = uniform_ms(rng, max(window_ms, int(roster.join_ms[player])), now_ms)
        roster.roles[player] = [
            (int(roster.join_ms[player]), ROLE_LADDER[rank + 1]),
            (since, ROLE_LADDER[rank]),
        ]
    stayers = old[(old != owner) & (roster.leave_ms[old] == NEVER_MS)]
    stayers = stayers[[ROLE_RANK[roster.roles[p][-1][1]] > 2 for p in stayers.tolist()]]
    for player in choose(rng, stayers, share_of(members, _PROMOTED_SHARE / 2)).tolist():
        rank = ROLE_RANK[roster.roles[player][-1][1]]
        roster.roles[player].append(
            (uniform_ms(rng, now_ms + HOUR_MS, horizon_ms), ROLE_LADDER[rank - 1])
        )


def _assign_name_changes(
    roster: Roster,
    rng: np.random.Generator,
    count: int,
    spare_names: list[str],
    known: int,
    now_ms: int,
    days: int,
) -> None:
    """Rename some players during the window and some in the `days` after it."""
    window_ms = now_ms - days * DAY_MS
    order = rng.permutation(known)
    in_window = order[:count].tolist()
    later = [p for p in order[count:].tolist() if roster.leave_ms[p] == NEVER_MS][:count]
    moments: list[tuple[int, int]] = []
    for player in in_window:
        low = max(window_ms, int(roster.registered_ms[player])) + HOUR_MS
        high = min(now_ms, int(roster.leave_ms[player])) - HOUR_MS
        moments.append((player, uniform_ms(rng, low, high)))
    for player in later:
        moments.append((player, uniform_ms(rng, now_ms + HOUR_MS, now_ms + days * DAY_MS)))
    moments.sort(key=lambda item: item[1])
    for index, (player, resolved) in enumerate(moments):
        created = resolved - int(rng.uniform(0.1, 12) * HOUR_MS)
        roster.name_changes[player] = NameChange(
            change_id=10_000 + index,
            old=roster.names[player],
            new=spare_names[index],
            created_ms=created,
            resolved_ms=resolved,
        )
