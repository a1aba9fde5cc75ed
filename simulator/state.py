"""The clan as seen at one `now`: latest snapshots, Player objects and current members."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator import shapes
from simulator.progression import Frame, Layout, Progression
from simulator.roster import ROLE_RANK, Roster, standardize_username
from simulator.shapes import Json, Rows
from simulator.timeline import Timeline


@dataclass
class NowState:
    """The built clan and everything derived from it at one `now`, cached until it moves."""

    layout: Layout
    roster: Roster
    progress: Progression
    timeline: Timeline
    now_ms: int
    frame: Frame
    rows: Rows
    row_of: np.ndarray  # (P,) frame row of the player's latest snapshot, -1 without one
    latest_day: np.ndarray  # (P,) day of the player's latest snapshot, -1 without one
    players: list[Json | None]  # Player JSON, None before WOM tracks the player
    members: list[int]  # current members in membership order
    by_username: dict[str, int]
    records: dict[tuple[str, str], list[tuple[int, Json]]]  # (player, Record) by metric, period

    def player(self, player: int) -> Json:
        """Return a fresh copy of a tracked player's Player object."""
        json = self.players[player]
        assert json is not None  # callers only pass players WOM tracks at `now`
        return dict(json)


def build_state(
    *, now_ms: int, layout: Layout, roster: Roster, progress: Progression, timeline: Timeline
) -> NowState:
    """Compute latest snapshots, Player objects and membership at `now_ms`."""
    timeline.ensure(timeline.day_of(now_ms) + 1)
    visible = timeline.updated & (timeline.t_ms <= now_ms)
    has = visible.any(axis=1)
    last_day = visible.shape[1] - 1 - np.argmax(visible[:, ::-1], axis=1)
    latest_day = np.where(has, last_day, -1)
    tracked = np.flatnonzero(has)
    frame = progress.frame(tracked, timeline.hours_at(tracked, latest_day[tracked]))
    rows = Rows.of(layout, frame)
    row_of = np.full(roster.size, -1, dtype=np.int64)
    row_of[tracked] = np.arange(len(tracked))
    changed_ms = _last_changed_ms(visible, tracked, progress, timeline)
    players: list[Json | None] = []
    for player in range(roster.size):
        if roster.registered_ms[player] > now_ms:
            players.append(None)
            continue
        row = int(row_of[player])
        players.append(
            shapes.player(
                roster=roster,
                layout=layout,
                index=player,
                now_ms=now_ms,
                rows=rows if row >= 0 else None,
                row=row,
                frame=frame,
                updated_ms=int(timeline.t_ms[player, latest_day[player]]) if row >= 0 else None,
                changed_ms=int(changed_ms[row]) if row >= 0 else None,
            )
        )
    members = [p for p in range(roster.size) if roster.is_member(p, now_ms)]
    members.sort(
        key=lambda p: (
            ROLE_RANK[roster.role_at(p, now_ms)],
            roster.stay_start_ms(p, now_ms),
            roster.ids[p],
        )
    )
    by_username = {
        standardize_username(roster.name_at(p, now_ms)): p
        for p in range(roster.size)
        if players[p] is not None
    }
    return NowState(
        layout=layout,
        roster=roster,
        progress=progress,
        timeline=timeline,
        now_ms=now_ms,
        frame=frame,
        rows=rows,
        row_of=row_of,
        latest_day=latest_day,
        players=players,
        members=members,
        by_username=by_username,
        records={},
    )


def _last_changed_ms(
    visible: np.ndarray, tracked: np.ndarray, progress: Progression, timeline: Timeline
) -> np.ndarray:
    """Return, per tracked player, when their first snapshot with today's values was taken."""
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
        return progress.raw(players, timeline.hours_at(players, player_days))

    latest = raw_at(everyone, high)
    # Values only grow, so "same as the latest" flips once: binary search all players at once.
    while (searching := np.flatnonzero(low < high)).size:
        middle = (low[searching] + high[searching]) // 2
        same = (raw_at(searching, middle) == latest[searching]).all(axis=1)
        high[searching[same]] = middle[same]
        low[searching[~same]] = middle[~same] + 1
    return timeline.t_ms[tracked, day_of[everyone, low]]


def snapshot_days(timeline: Timeline, player: int, until_ms: int) -> np.ndarray:
    """Return the days on which WOM snapshotted a player at or before `until_ms`, oldest first."""
    timeline.ensure(timeline.day_of(until_ms) + 1)
    moments = timeline.t_ms[player]
    return np.flatnonzero(timeline.updated[player] & (moments <= until_ms))


def player_last_changed_ms(
    player: int, at_ms: int, progress: Progression, timeline: Timeline
) -> int | None:
    """Return when a player's first snapshot with their values as of `at_ms` was taken.

    The one-player twin of `_last_changed_ms`; None before WOM's first snapshot of them.
    """
    days = snapshot_days(timeline, player, at_ms)
    if not len(days):
        return None
    players = np.full(len(days), player)
    raw = progress.raw(players, timeline.hours_at(players, days))
    # Values only grow, so the snapshots equal to the latest are a run at the end.
    first = int(np.argmax((raw == raw[-1]).all(axis=1)))
    return int(timeline.t_ms[player, days[first]])
