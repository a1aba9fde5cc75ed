"""Awkward cases layered onto a drawn roster: rejoiners, reused names, unknown lastChangedAt.

All are off by default. They run after `build_roster` has made every draw it makes without
them, and draw only from their own generators (`twist_generators`), so a clan without them is
exactly the clan it always was. Each twist is documented on `SimConfig`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from simulator.clock import DAY_MS, HOUR_MS, NEVER_MS
from simulator.roster import (
    ROLE_LADDER,
    NameChange,
    ReusedName,
    Roster,
    choose,
    generate_names,
    share_of,
    standardize_username,
    uniform_ms,
)

LOWEST_ROLE = ROLE_LADDER[-1]
_REJOIN_AFTER_NOW_DAYS = (2.0, 6.0)  # the watchable rejoin, in days after the start `now`
_REUSE_AFTER_RENAME_HOURS = (1.0, 12.0)
_LATER_RENAME_AFTER_NOW_HOURS = (18.0, 30.0)  # a reused later rename resolves about a day in
_REUSE_CHANGE_ID = 20_000  # reused names' own name changes (never in a group feed)
_OUTSIDER_TRACKED_DAYS = 500  # outsiders were tracked up to this long before the window


def twist_generators(seed: np.random.SeedSequence) -> tuple[np.random.Generator, ...]:
    """Return one generator per twist (rejoiners, name reuse, unknown lastChangedAt).

    Separate streams, so turning one twist on doesn't change the draws of another.
    """
    return tuple(np.random.default_rng(child) for child in seed.spawn(3))


def apply_twists(
    roster: Roster,
    seed: np.random.SeedSequence,
    *,
    rejoiners: int,
    name_reuse: int,
    unknown_last_changed: float,
    now_ms: int,
    days: int,
) -> None:
    """Apply every twist asked for to a freshly drawn roster (nothing at the defaults)."""
    rejoin_rng, reuse_rng, unknown_rng = twist_generators(seed)
    add_rejoiners(roster, rejoin_rng, rejoiners, now_ms=now_ms, days=days)
    add_name_reuse(roster, reuse_rng, name_reuse, now_ms=now_ms, days=days)
    if unknown_last_changed > 0:
        mark_unknown_last_changed(roster, unknown_rng, unknown_last_changed)


# --------------------------------------------------------------------------- rejoiners


def add_rejoiners(
    roster: Roster, rng: np.random.Generator, count: int, *, now_ms: int, days: int
) -> list[int]:
    """Make up to `count` players leave during the window and join again; return them.

    The first rejoiner is a leaver (a player who left during the window; a long-standing
    member made to leave when the clan has none) who joins again 2-6 days after `now`. Every
    other one is a long-standing member (not the owner, not quiet, not leaving later) who left
    between 10% and 60% into the window and came back before `now`, so they are members at
    `now` again. Each rejoin is at the lowest rank, and WOM keeps tracking them while away.
    """
    if count <= 0:
        return []
    window_ms = now_ms - days * DAY_MS
    leavers = _leavers(roster, window_ms, now_ms)
    stayers = _stayers(roster, window_ms)
    leavers, stayers = rng.permutation(leavers).tolist(), rng.permutation(stayers).tolist()
    chosen: list[int] = []
    if leavers or stayers:
        # The watchable one: away at `now`, back a few days later.
        first = leavers[0] if leavers else stayers.pop(0)
        if not leavers:
            roster.leave_ms[first] = uniform_ms(rng, *_away_span(window_ms, now_ms))
        low, high = _REJOIN_AFTER_NOW_DAYS
        _rejoin(roster, first, now_ms + int(rng.uniform(low, high) * DAY_MS))
        chosen.append(first)
    span = now_ms - window_ms
    for player in stayers[: count - len(chosen)]:
        leave = uniform_ms(rng, *_away_span(window_ms, now_ms))
        roster.leave_ms[player] = leave
        _rejoin(roster, player, uniform_ms(rng, leave + span // 10, now_ms - HOUR_MS))
        chosen.append(player)
    return chosen


def _leavers(roster: Roster, window_ms: int, now_ms: int) -> list[int]:
    """Return long-standing players who left during the window (and never came back)."""
    old = roster.join_ms < window_ms
    left = (roster.leave_ms >= window_ms) & (roster.leave_ms < now_ms)
    return [p for p in np.flatnonzero(old & left).tolist() if p not in roster.rejoins]


def _stayers(roster: Roster, window_ms: int) -> list[int]:
    """Return long-standing members who never leave: not the owner, not quiet."""
    staying = (roster.join_ms < window_ms) & (roster.leave_ms == NEVER_MS)
    staying &= roster.quiet_ms == NEVER_MS
    return [p for p in np.flatnonzero(staying).tolist() if roster.roles[p][0][1] != "owner"]


def _away_span(window_ms: int, now_ms: int) -> tuple[int, int]:
    """Return when a rejoiner may leave: 10% to 60% into the window."""
    span = now_ms - window_ms
    return window_ms + span // 10, window_ms + span * 6 // 10


def _rejoin(roster: Roster, player: int, rejoin_ms: int) -> None:
    """Give a player who left a second, open stay from `rejoin_ms`, at the lowest rank."""
    leave = int(roster.leave_ms[player])
    # Ranks they would have reached while away never happened; rejoining starts at the bottom.
    kept = [(since, role) for since, role in roster.roles[player] if since < leave]
    roster.roles[player] = [*kept, (rejoin_ms, LOWEST_ROLE)]
    roster.rejoins[player] = [(rejoin_ms, NEVER_MS)]
    roster.tracked_on.add(player)


# --------------------------------------------------------------------------- name reuse


def add_name_reuse(
    roster: Roster, rng: np.random.Generator, count: int, *, now_ms: int, days: int
) -> list[ReusedName]:
    """Let other players take up to `count` renamed players' old names; return the reuses.

    Reused renames: first the earliest rename after `now` (moved to resolve 18-30 hours after
    `now`, so its reuse falls 19-42 hours after `now`), then renames resolved by `now`, newest
    first. Each old name is taken 1-12 hours after its rename resolves. Odd-numbered reuses
    (1, 3, ...) go to a former member who left before the reuse when one is free; the others
    go to a new outsider: a player WOM has tracked since before the window, never in the clan.
    """
    renames = _renames_to_reuse(roster, rng, count, now_ms)
    if not renames:
        return []
    _renumber_name_changes(roster)
    former = rng.permutation(_former_members(roster)).tolist()
    takers: list[int | None] = []
    moments: list[int] = []
    for number, player in enumerate(renames):
        change = roster.name_changes[player]
        assert change is not None  # renames are players with a name change
        low, high = _REUSE_AFTER_RENAME_HOURS
        at_ms = change.resolved_ms + int(rng.uniform(low, high) * HOUR_MS)
        taker = _free_former_member(roster, former, at_ms) if number % 2 else None
        takers.append(taker)
        moments.append(at_ms)
    outsiders = iter(_add_outsiders(roster, rng, takers.count(None), now_ms - days * DAY_MS))
    reuses = []
    for number, (player, taker, at_ms) in enumerate(zip(renames, takers, moments, strict=True)):
        owner = taker if taker is not None else next(outsiders)
        reuses.append(_take_name(roster, rng, player, owner, at_ms, number))
    roster.reused_names = reuses
    return reuses


def _renames_to_reuse(
    roster: Roster, rng: np.random.Generator, count: int, now_ms: int
) -> list[int]:
    """Return the players whose old names get reused, moving a later rename to a day in."""
    changed = [(p, c) for p, c in enumerate(roster.name_changes) if c is not None]
    later = sorted((c.resolved_ms, p) for p, c in changed if c.resolved_ms > now_ms)
    earlier = sorted(((c.resolved_ms, p) for p, c in changed if c.resolved_ms <= now_ms))
    chosen = [p for _, p in later[:1]] + [p for _, p in earlier[::-1]]
    chosen = chosen[: max(count, 0)]
    if chosen and later and chosen[0] == later[0][1]:
        low, high = _LATER_RENAME_AFTER_NOW_HOURS
        resolved = now_ms + int(rng.uniform(low, high) * HOUR_MS)
        change = roster.name_changes[chosen[0]]
        assert change is not None
        created = resolved - (change.resolved_ms - change.created_ms)
        roster.name_changes[chosen[0]] = replace(change, created_ms=created, resolved_ms=resolved)
    return chosen


def _renumber_name_changes(roster: Roster) -> None:
    """Number the clan's name changes 10000, 10001, ... in the order they resolve."""
    changed = sorted((c.resolved_ms, p) for p, c in enumerate(roster.name_changes) if c is not None)
    for index, (_, player) in enumerate(changed):
        change = roster.name_changes[player]
        assert change is not None
        roster.name_changes[player] = replace(change, change_id=10_000 + index)


def _former_members(roster: Roster) -> list[int]:
    """Return players who left for good and never changed name: candidates to take a name."""
    return [
        p
        for p in range(roster.size)
        if roster.leave_ms[p] != NEVER_MS
        and p not in roster.rejoins
        and roster.name_changes[p] is None
    ]


def _free_former_member(roster: Roster, former: list[int], at_ms: int) -> int | None:
    """Pop and return the first former member who had left and was tracked by `at_ms`."""
    for player in former:
        if roster.leave_ms[player] < at_ms and roster.registered_ms[player] < at_ms:
            former.remove(player)
            return int(player)
    return None


def _take_name(
    roster: Roster, rng: np.random.Generator, player: int, owner: int, at_ms: int, number: int
) -> ReusedName:
    """Rename `owner` to `player`'s old name at `at_ms`; WOM tracks them from then on."""
    change = roster.name_changes[player]
    assert change is not None
    roster.name_changes[owner] = NameChange(
        change_id=_REUSE_CHANGE_ID + number,
        old=roster.names[owner],
        new=change.old,
        created_ms=at_ms - int(rng.uniform(0.1, 1.0) * HOUR_MS),
        resolved_ms=at_ms,
    )
    roster.tracked_on.add(owner)
    return ReusedName(name=change.old, previous_owner=player, owner=owner, at_ms=at_ms)


def _add_outsiders(
    roster: Roster, rng: np.random.Generator, count: int, window_ms: int
) -> list[int]:
    """Append `count` players WOM tracks who are never in the clan; return their indexes."""
    if count <= 0:
        return []
    start = roster.size
    registered = window_ms - (rng.uniform(0, _OUTSIDER_TRACKED_DAYS, count) * DAY_MS)
    top = int(roster.ids.max()) if roster.size else 1_000
    ids = top + 1 + np.sort(rng.choice(40 * count + 1_000, count, replace=False))
    never = np.full(count, NEVER_MS, dtype=np.int64)
    roster.ids = np.concatenate([roster.ids, ids.astype(np.int64)])
    roster.join_ms = np.concatenate([roster.join_ms, never])
    roster.leave_ms = np.concatenate([roster.leave_ms, never])
    roster.registered_ms = np.concatenate([roster.registered_ms, registered.astype(np.int64)])
    roster.quiet_ms = np.concatenate([roster.quiet_ms, never])
    donors = rng.integers(0, start, count) if start else np.zeros(count, dtype=np.int64)
    # Outsiders play like a random clan player of the same roster; their kind is copied too.
    roster.profile = np.concatenate([roster.profile, roster.profile[donors]])
    roster.types += [roster.types[d] for d in donors.tolist()]
    roster.builds += [roster.builds[d] for d in donors.tolist()]
    roster.countries += [roster.countries[d] for d in donors.tolist()]
    roster.names += _fresh_names(roster, rng, count)
    roster.name_changes += [None] * count
    roster.roles += [[(NEVER_MS, LOWEST_ROLE)] for _ in range(count)]
    roster.client_sync_ms += [None] * count
    return list(range(start, start + count))


def _fresh_names(roster: Roster, rng: np.random.Generator, count: int) -> list[str]:
    """Return `count` names no player has had or will have, even compared as usernames."""
    taken = {standardize_username(name) for name in roster.names}
    taken |= {standardize_username(c.new) for c in roster.name_changes if c is not None}
    names: list[str] = []
    while len(names) < count:
        for name in generate_names(count, rng):
            key = standardize_username(name)
            if key not in taken and len(names) < count:
                taken.add(key)
                names.append(name)
    return names


# --------------------------------------------------------------------------- lastChangedAt


def mark_unknown_last_changed(roster: Roster, rng: np.random.Generator, share: float) -> None:
    """Pick `share` of all players (rounded) for whom WOM serves `lastChangedAt: null`."""
    chosen = choose(rng, np.arange(roster.size), share_of(roster.size, share))
    roster.unknown_changed = set(chosen.tolist())
