"""Daily play model and timeline: when each player plays, for how long, and when WOM updates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.clock import DAY_MS, MINUTE_MS, NEVER_MS
from simulator.roster import Roster
from simulator.tuning import COMPONENTS, PROFILES

_UPDATE_WHEN_PLAYING = 0.9
_UPDATE_WHEN_IDLE = 0.04

_BLOCK_DAYS = 64


@dataclass(frozen=True)
class PlayModel:
    """Per-player daily play habits and the span WOM tracks them over."""

    play_chance: np.ndarray
    log_hours: np.ndarray
    shares: np.ndarray  # (P, components)
    registered_ms: np.ndarray
    tracked_until_ms: np.ndarray  # WOM stops snapshotting a player then (NEVER_MS: never)
    quiet_ms: np.ndarray
    renamed_ms: np.ndarray  # a reused name taken: WOM snapshots them on approval (or NEVER_MS)


def build_play_model(roster: Roster, rng: np.random.Generator) -> PlayModel:
    """Draw daily play habits around each player's profile."""
    profiles = [PROFILES[int(p)] for p in roster.profile]
    play = np.array([p.play_chance for p in profiles]) * rng.uniform(0.8, 1.15, roster.size)
    hours = np.array([p.hours for p in profiles], dtype=float)
    log_hours = np.log(hours) + rng.normal(0, 0.3, roster.size)
    shares = np.array([p.shares for p in profiles], dtype=float).reshape(-1, COMPONENTS)
    return PlayModel(
        play_chance=np.minimum(play, 0.97),
        log_hours=log_hours,
        shares=shares,
        registered_ms=roster.registered_ms,
        tracked_until_ms=roster.tracked_until(),
        quiet_ms=roster.quiet_ms,
        renamed_ms=_name_taken_ms(roster),
    )


def _name_taken_ms(roster: Roster) -> np.ndarray:
    """Return when each player took a reused name (NEVER_MS for everyone else)."""
    taken = np.full(roster.size, NEVER_MS, dtype=np.int64)
    for reuse in roster.reused_names:
        taken[reuse.owner] = reuse.at_ms
    return taken


@dataclass(frozen=True)
class _ForcedSnapshots:
    """One block's update moments and flags, where some snapshots are certain."""

    block: int
    day_start: np.ndarray
    t_ms: np.ndarray
    updated: np.ndarray
    origin_ms: int

    def at(self, moments: np.ndarray) -> None:
        """Make each player's update on the day of their moment happen then (or at day end)."""
        day = (moments - self.origin_ms) // DAY_MS - self.block * _BLOCK_DAYS
        rows = np.flatnonzero((day >= 0) & (day < _BLOCK_DAYS))
        columns = day[rows]
        self.t_ms[rows, columns] = np.minimum(moments[rows], self.day_start[columns] + DAY_MS - 1)
        self.updated[rows, columns] = True


class Timeline:
    """Daily play hours and WOM updates of every player, generated in blocks of days."""

    def __init__(self, seed: int, origin_ms: int, model: PlayModel) -> None:
        self.seed = seed
        self.origin_ms = origin_ms
        self.model = model
        size = len(model.play_chance)
        self.days = 0
        self.t_ms = np.zeros((size, 0), dtype=np.int64)  # when the day's update happens
        self.updated = np.zeros((size, 0), dtype=bool)  # whether WOM snapshots that day
        self.ordinal = np.zeros((size, 0), dtype=np.int32)  # snapshots so far, that day included
        self.hours = np.zeros((size, 0, COMPONENTS))  # cumulative play, that day included

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
        jitter = rng.gamma(4.0, 0.25, (size, _BLOCK_DAYS, COMPONENTS))
        fraction = rng.random((size, _BLOCK_DAYS))
        roll = rng.random((size, _BLOCK_DAYS))

        active = play & (day_start[None, :] < model.quiet_ms[:, None])
        daily = np.where(
            active[..., None], hours[..., None] * model.shares[:, None, :] * jitter, 0.0
        )
        t_ms = day_start[None, :] + (fraction * DAY_MS).astype(np.int64)
        updated = np.where(active, roll < _UPDATE_WHEN_PLAYING, roll < _UPDATE_WHEN_IDLE)
        # Newcomers are snapshotted a minute after WOM starts tracking them, veterans on day 0.
        forced = _ForcedSnapshots(block, day_start, t_ms, updated, self.origin_ms)
        forced.at(model.registered_ms + MINUTE_MS)
        if block == 0:
            updated[model.registered_ms < self.origin_ms, 0] = True
        # WOM updates a player when it approves their name change (only reuses model that).
        forced.at(model.renamed_ms + MINUTE_MS)
        tracked = (t_ms >= model.registered_ms[:, None]) & (t_ms < model.tracked_until_ms[:, None])
        updated &= tracked
        return t_ms, updated, daily

    def _append(self, blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
        """Append generated blocks in one go, continuing the running totals."""
        t_ms, updated, daily = (
            np.concatenate(parts, axis=1) for parts in zip(*blocks, strict=True)
        )
        size = len(t_ms)
        last_hours = self.hours[:, -1, :] if self.days else np.zeros((size, COMPONENTS))
        last_count = self.ordinal[:, -1] if self.days else np.zeros(size, dtype=np.int32)
        hours = np.cumsum(daily, axis=1) + last_hours[:, None, :]
        ordinal = (np.cumsum(updated, axis=1) + last_count[:, None]).astype(np.int32)
        self.t_ms = np.concatenate([self.t_ms, t_ms], axis=1)
        self.updated = np.concatenate([self.updated, updated], axis=1)
        self.ordinal = np.concatenate([self.ordinal, ordinal], axis=1)
        self.hours = np.concatenate([self.hours, hours], axis=1)
        self.days += _BLOCK_DAYS * len(blocks)
