"""A deterministic simulated OSRS clan that answers in Wise Old Man API v2 shapes.

Everything is seeded from `SimConfig.seed`: the roster (`roster`), each player's metric growth
(`progression`, calibrated in `tuning`), a daily play timeline generated lazily (`timeline`), and
achievements, competitions and who takes part in them (`events`). Answers read the clan as of
`now` (`state`, `group_stats`) and become WOM JSON (`shapes`) only when a method is called.
Awkward cases (rejoiners, reused names, unknown lastChangedAt) are off by default
(`roster_twists`).

The methods under "ground truth" answer in plain Python values what every output must say,
computed from the simulation itself; they are for tests, and a harvester must not rely on them.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from simulator import group_stats, shapes
from simulator.clock import DAY_MS, HOUR_MS, NEVER_MS, PERIODS, from_ms, iso_ms, to_ms
from simulator.events import (
    Achieved,
    Competition,
    CompetitionPlacing,
    Standing,
    achievement_definitions,
    build_competitions,
    competition_standings,
    draw_entrants,
    reached_achievements,
)
from simulator.metrics import ACTIVITIES, BOSSES, COMPUTED, SKILLS
from simulator.progression import Layout, build_progression, combat_levels
from simulator.roster import ROLE_LADDER, build_roster, standardize_username
from simulator.roster_twists import apply_twists
from simulator.shapes import Json, Rows, json_values, snapshot_data
from simulator.state import NowState, build_state, player_last_changed_ms, snapshot_days
from simulator.timeline import Timeline, build_play_model

__all__ = [
    "DAY_MS",
    "HOUR_MS",
    "PERIODS",
    "ROLE_LADDER",
    "CompetitionPlacing",
    "NameReuse",
    "SimConfig",
    "SimulatedClan",
    "iso_ms",
    "standardize_username",
    "to_ms",
]


@dataclass(frozen=True)
class SimConfig:
    """Everything that shapes a simulated clan; the same config always gives the same clan.

    `now` below is the start `now` (the config's). `leavers`, `name_changers` and `quiet` are
    shares of `members`. The awkward cases are off by default, and at their defaults the clan
    is exactly what it was before they existed:

    - `rejoiners`: up to that many players leave during the window and join again, once, at
      the lowest rank, and stay (`roster_twists.add_rejoiners`). The first is one of the
      clan's leavers, who is away at `now` and rejoins 2-6 days after it (with no leavers, a
      long-standing member leaves 10-60% into the window instead, so `now` has one member
      fewer). Each other one is a long-standing member (not the owner, quiet, or a later
      leaver) who left 10-60% into the window and rejoined before `now`, so the member count
      at `now` is unchanged. WOM keeps snapshotting rejoiners while they are away.
    - `name_reuse`: up to that many renamed players' old names (at most every rename there
      is) are taken, 1-12 hours after the rename resolves, by a player who isn't a member
      then (`add_name_reuse`). Reuse 0 is of the first rename after `now` (if any), moved to
      resolve 18-30 hours after `now`; the rest are of renames resolved by `now`, newest
      first. Odd reuses (1, 3, ...) go to a former member when one has left by then, the
      others to a new outsider (tracked by WOM, never in the clan). WOM snapshots the new
      owner a minute after the reuse. `name_reuses()` lists them.
    - `unknown_last_changed`: the share of all players (rounded; the same players at every
      moment) whose `lastChangedAt` WOM serves as null.
    - `registered_days_ago`: the clan registered on WOM that many days before `now` (at least
      `days`, so before every leave and rejoin the simulation makes). Members who joined in
      game before that are listed from then: their membership's `createdAt` and first `joined`
      event are the registration, while `clientSyncJoinedAt` (served for 80% of members) is
      still their in-game join day. None: WOM has listed the clan since a week before its
      earliest join.
    - `competitions`: how many group competitions (1-3: one 0.6 x `days` before `now`, one
      running at `now`, one starting two days after); None draws 1-3.
    """

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
    competitions: int | None = None
    rejoiners: int = 0
    name_reuse: int = 0
    unknown_last_changed: float = 0.0
    registered_days_ago: int | None = None

    def __post_init__(self) -> None:
        """Reject settings the simulation can't honour."""
        for name in ("members", "rejoiners", "name_reuse"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.days < 1:
            raise ValueError(f"days must be >= 1, got {self.days}")
        if self.competitions is not None and not 1 <= self.competitions <= 3:
            raise ValueError(f"competitions must be within 1..3, got {self.competitions}")
        if self.registered_days_ago is not None and self.registered_days_ago < self.days:
            raise ValueError(
                f"registered_days_ago must be >= days ({self.days}), got {self.registered_days_ago}"
            )
        if self.now is not None and self.now.utcoffset() is None:
            raise ValueError("now must be timezone-aware (UTC)")
        for name in ("leavers", "name_changers", "quiet", "unknown_last_changed"):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {share}")
        standard = set(SKILLS + BOSSES + ACTIVITIES + COMPUTED)
        for metric in self.extra_metrics:
            if metric in standard or not re.fullmatch(r"[a-z][a-z0-9_]*", metric):
                raise ValueError(f"extra metric {metric!r} must be a new snake_case name")


@dataclass(frozen=True)
class NameReuse:
    """Ground truth for tests: a renamed player's old name, taken by another player.

    From `released_at` `/players/<name>` is a 404 until `at`; from `at` on it answers for
    `owner_id`, who was called `owner_old_name` before.
    """

    name: str
    previous_owner_id: int
    owner_id: int
    owner_old_name: str
    released_at: datetime  # when the previous owner's rename away from `name` resolved
    at: datetime


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
        # Each later child leaves the earlier ones, and so every pre-existing draw, unchanged.
        seeds = np.random.SeedSequence(self.config.seed).spawn(5)
        roster_seed, progress_seed, extras_seed, twist_seed, entrants_seed = seeds
        self._layout = Layout(self.config.extra_metrics)
        self._roster = build_roster(
            members=self.config.members,
            days=self.config.days,
            leaver_share=self.config.leavers,
            quiet_share=self.config.quiet,
            name_change_share=self.config.name_changers,
            now_ms=self._start_ms,
            rng=np.random.default_rng(roster_seed),
        )
        apply_twists(
            self._roster,
            twist_seed,
            rejoiners=self.config.rejoiners,
            name_reuse=self.config.name_reuse,
            unknown_last_changed=self.config.unknown_last_changed,
            now_ms=self._start_ms,
            days=self.config.days,
        )
        if self.config.registered_days_ago is not None:
            self._roster.listed_ms = self._start_ms - self.config.registered_days_ago * DAY_MS
        self._index = {int(player_id): i for i, player_id in enumerate(self._roster.ids)}
        progress_rng = np.random.default_rng(progress_seed)
        self._progress = build_progression(self._roster, self._layout, progress_rng)
        window_ms = self._start_ms - self.config.days * DAY_MS
        origin_ms = window_ms - window_ms % DAY_MS
        play_model = build_play_model(self._roster, progress_rng)
        self._timeline = Timeline(self.config.seed, origin_ms, play_model)
        extras_rng = np.random.default_rng(extras_seed)
        code = extras_rng.integers(0, 1000, 3)
        self.verification_code = "-".join(f"{int(part):03d}" for part in code)
        self._competitions = build_competitions(
            members=self.config.members,
            days=self.config.days,
            group_id=self.config.group_id,
            now_ms=self._start_ms,
            rng=extras_rng,
            count=self.config.competitions,
        )
        self._entrants = draw_entrants(
            self._competitions, self._roster, np.random.default_rng(entrants_seed)
        )
        self._events = self._roster.membership_events()
        self._definitions = achievement_definitions(self._layout)
        self._state_cache: NowState | None = None
        self._achieved_cache: tuple[int, list[Achieved]] | None = None
        created = int(self._roster.join_ms.min()) if self._roster.size else window_ms
        self._group_created_ms = self._roster.listed_ms or created - 7 * DAY_MS

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
        if days < 0:
            raise ValueError(f"advance() moves forward; got {days} days (set .now to go back)")
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
            memberships = [
                shapes.membership(
                    roster=self._roster,
                    index=player,
                    group_id=self.config.group_id,
                    now_ms=state.now_ms,
                    player_json=state.player(player),
                )
                for player in state.members
            ]
            return shapes.group_details(self._group_item(state), self.config.group_id, memberships)

    def bulk_hiscores(self) -> list[Json]:
        """Return `[{player, data: Snapshot}]`: each member's latest snapshot at `now`."""
        with self._lock:
            state = self._state()
            return [
                {
                    "player": state.player(player),
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
            return group_stats.bulk_gained(self._state(), to_ms(start), to_ms(end))

    def group_gained(self, metric: str, start: datetime, end: datetime) -> list[Json]:
        """Return `[{player, startDate, endDate, data: {gained, start, end}}]`, top gain first."""
        column = self._column(metric)
        with self._lock:
            return group_stats.group_gained(self._state(), column, to_ms(start), to_ms(end))

    def group_hiscores(self, metric: str) -> list[Json]:
        """Return `[{player, data}]` of ranked members in one metric, best first."""
        column = self._column(metric)
        with self._lock:
            return group_stats.group_hiscores(self._state(), column)

    def group_records(self, metric: str, period: str) -> list[Json]:
        """Return each member's best gain within `period` in one metric, best first."""
        column = self._column(metric)
        if period not in PERIODS:
            raise ValueError(f"unknown period {period!r}")
        with self._lock:
            return group_stats.group_records(self._state(), column, period)

    def group_statistics(self) -> Json | None:
        """Return maxed counts, average stats and metric leaders; None for a group without stats."""
        with self._lock:
            return group_stats.group_statistics(self._state())

    def members_csv(self) -> str:
        """Return the group's members as WOM's CSV export."""
        with self._lock:
            state = self._state()
            roster = self._roster
            return shapes.members_csv(
                (
                    state.player(player),
                    roster.role_at(player, state.now_ms),
                    roster.client_sync_at(player, state.now_ms),
                )
                for player in state.members
            )

    def outdated_member_count(self) -> int:
        """Return how many members were last updated more than 24 hours before `now`."""
        with self._lock:
            return group_stats.outdated_member_count(self._state())

    def achievements(self) -> list[Json]:
        """Return current members' achievements, newest first (unknown dates, as 1970, last)."""
        with self._lock:
            state = self._state()
            current = set(state.members)
            return [
                shapes.achievement(
                    self._definitions[achieved.definition],
                    achieved,
                    int(self._roster.ids[achieved.player]),
                    state.player(achieved.player),
                )
                for achieved in self._achieved()
                if achieved.known_ms <= state.now_ms and achieved.player in current
            ]

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
                shapes.name_change(change, int(self._roster.ids[player]), state.player(player))
                for change, player in changes
            ]

    def activity(self) -> list[Json]:
        """Return the group's joined / left / changed_role events, newest first."""
        with self._lock:
            state = self._state()
            return [
                shapes.member_activity(
                    event,
                    self.config.group_id,
                    int(self._roster.ids[event.player]),
                    state.player(event.player),
                )
                for event in self._events
                if event.at_ms <= state.now_ms
            ]

    def competitions(self) -> list[Json]:
        """Return the group's competitions created by `now`, latest start first."""
        with self._lock:
            state = self._state()
            group = self._group_item(state)
            visible = [c for c in self._competitions if c.created_ms <= state.now_ms]
            visible.sort(key=lambda c: -c.starts_ms)
            return [
                shapes.competition(c, self.config.group_id, self._entrant_count(c), group)
                for c in visible
            ]

    def competition_details(self, competition_id: int) -> Json | None:
        """Return CompetitionDetails with each participant's progress, most gained first.

        None (a 404) for a competition the group hasn't created by `now`.
        """
        with self._lock:
            state = self._state()
            competition = self._competition(competition_id)
            if competition is None or competition.created_ms > state.now_ms:
                return None
            participations = [
                shapes.participation(
                    standing=standing,
                    competition_id=competition.comp_id,
                    metric=competition.metric,
                    player_id=int(self._roster.ids[standing.entrant.player]),
                    player_json=state.player(standing.entrant.player),
                )
                for standing in self._standings(competition, state.now_ms)
            ]
            competition_json = shapes.competition(
                competition, self.config.group_id, len(participations), self._group_item(state)
            )
            return shapes.competition_details(competition_json, participations)

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
                combat_level = int(combat_levels(state.frame.levels[row : row + 1])[0])
            return shapes.player_details(state.player(player), combat_level, latest)

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
            rows = Rows.of(self._layout, frame)
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
            values = json_values(self._layout, frame.values)
            ranks = frame.ranks[:, column].tolist()
            return [
                shapes.timeline_point(
                    values[i][column], ranks[i], int(self._timeline.t_ms[player, day])
                )
                for i, day in enumerate(days.tolist())
            ]

    # ------------------------------------------------------------------ ground truth
    # Plain values straight from the simulation, for tests; a harvester must not rely on them.

    def player_ids(self) -> list[int]:
        """Return every WOM id the simulation knows: members, former, future and outsiders.

        Ground truth for tests; a harvester must not rely on it.
        """
        return sorted(self._index)

    def snapshot_history(
        self, player_id: int, until: datetime
    ) -> list[tuple[datetime, dict[str, float]]]:
        """Return every WOM snapshot of a player taken at or before `until`, oldest first.

        Each is (createdAt, {metric: value as WOM serves it, -1 when unranked}) over every
        metric in `metrics`: experience, kills, score or computed value. `until` may be past
        `now`: the snapshots WOM will have taken by then. Ground truth for tests; a harvester
        must not rely on it.
        """
        player = self._player(player_id)
        with self._lock:
            days = snapshot_days(self._timeline, player, to_ms(until))
            players = np.full(len(days), player)
            frame = self._progress.frame(players, self._timeline.hours_at(players, days))
            moments = self._timeline.t_ms[player, days].tolist()
        metrics = self._layout.metrics
        return [
            (from_ms(moment), dict(zip(metrics, values, strict=True)))
            for moment, values in zip(moments, json_values(self._layout, frame.values), strict=True)
        ]

    def stays(self, player_id: int) -> list[tuple[datetime, datetime | None]]:
        """Return a player's stays as WOM lists them (joined, left or None), oldest first.

        [] for an outsider. Ground truth for tests; a harvester must not rely on it.
        """
        return [
            (from_ms(join), None if leave == NEVER_MS else from_ms(leave))
            for join, leave in self._roster.stays(self._player(player_id))
        ]

    def members_at(self, moment: datetime) -> set[int]:
        """Return the WOM ids of the clan's members at a moment.

        Ground truth for tests; a harvester must not rely on it.
        """
        at_ms, roster = to_ms(moment), self._roster
        return {int(roster.ids[p]) for p in range(roster.size) if roster.is_member(p, at_ms)}

    def display_name_at(self, player_id: int, moment: datetime) -> str:
        """Return a player's display name at a moment (their first name before any rename).

        Ground truth for tests; a harvester must not rely on it.
        """
        return self._roster.name_at(self._player(player_id), to_ms(moment))

    def name_history(self, player_id: int) -> list[tuple[datetime | None, str]]:
        """Return a player's display names, oldest first, each with when it took effect.

        The first name's moment is None (they had it when WOM first saw them); renames,
        those after `now` included, follow. Ground truth for tests; a harvester must not rely
        on it.
        """
        player = self._player(player_id)
        history: list[tuple[datetime | None, str]] = [(None, self._roster.names[player])]
        change = self._roster.name_changes[player]
        if change is not None:
            history.append((from_ms(change.resolved_ms), change.new))
        return history

    def username_owner_at(self, username: str, moment: datetime) -> int | None:
        """Return the WOM id `/players/<username>` answers for at a moment, None for a 404.

        Names compare as OSRS does (`standardize_username`); WOM knows a player from when it
        starts tracking them. Ground truth for tests; a harvester must not rely on it.
        """
        key, at_ms, roster = standardize_username(username), to_ms(moment), self._roster
        for player in range(roster.size):
            if roster.registered_ms[player] > at_ms:
                continue
            if standardize_username(roster.name_at(player, at_ms)) == key:
                return int(roster.ids[player])
        return None

    def client_sync_joined_at(self, player_id: int, moment: datetime) -> datetime | None:
        """Return the `clientSyncJoinedAt` WOM serves for a member at a moment (None: unsynced).

        Ground truth for tests; a harvester must not rely on it.
        """
        synced = self._roster.client_sync_at(self._player(player_id), to_ms(moment))
        return from_ms(synced) if synced is not None else None

    def last_changed_at(self, player_id: int, moment: datetime) -> datetime | None:
        """Return the `lastChangedAt` WOM serves for a player at a moment.

        None when WOM doesn't know it (`unknown_last_changed`) or has no snapshot of them yet.
        Ground truth for tests; a harvester must not rely on it.
        """
        player = self._player(player_id)
        if player in self._roster.unknown_changed:
            return None
        changed = self._last_progressed_ms(player, to_ms(moment))
        return from_ms(changed) if changed is not None else None

    def last_progressed_at(self, player_id: int, moment: datetime) -> datetime | None:
        """Return when a player's values last changed as of a moment, as WOM would date it.

        The `lastChangedAt` WOM serves, even for players it serves null for; None before the
        first snapshot. Ground truth for tests; a harvester must not rely on it.
        """
        changed = self._last_progressed_ms(self._player(player_id), to_ms(moment))
        return from_ms(changed) if changed is not None else None

    def role_at(self, player_id: int, moment: datetime) -> str:
        """Return a player's clan rank at a moment.

        Between stays, the rank they left with; before their first join, the rank they join
        at; `recruit` for an outsider. Ground truth for tests; a harvester must not rely on it.
        """
        return self._roster.role_at(self._player(player_id), to_ms(moment))

    def account_type(self, player_id: int) -> str:
        """Return a player's account type, the `type` WOM serves (`regular`, `ironman`, ...).

        An account's type never changes in the simulation. Ground truth for tests; a harvester
        must not rely on it.
        """
        return self._roster.types[self._player(player_id)]

    def competition_placings(
        self, competition_id: int, moment: datetime
    ) -> list[CompetitionPlacing]:
        """Return who takes part in a competition by a moment, and how they stand then.

        In WOM's order (most gained first), with what WOM serves at that moment: each
        participant's value at their first and last snapshot between the start and
        min(moment, end). KeyError for a competition the group never has. Ground truth for
        tests; a harvester must not rely on it.
        """
        competition = self._competition(competition_id)
        if competition is None:
            raise KeyError(f"the simulated group has no competition {competition_id}")
        with self._lock:
            standings = self._standings(competition, to_ms(moment))
        return [
            CompetitionPlacing(
                player_id=int(self._roster.ids[standing.entrant.player]),
                rank=rank,
                team=standing.entrant.team,
                start=standing.values.start,
                end=standing.values.end,
                gained=standing.values.gained,
            )
            for rank, standing in enumerate(standings, start=1)
        ]

    def name_reuses(self) -> list[NameReuse]:
        """Return every reuse of an old name, in `name_reuse` order (see `SimConfig`).

        Ground truth for tests; a harvester must not rely on it.
        """
        ids, names = self._roster.ids, self._roster.names
        return [
            NameReuse(
                name=reuse.name,
                previous_owner_id=int(ids[reuse.previous_owner]),
                owner_id=int(ids[reuse.owner]),
                owner_old_name=names[reuse.owner],
                released_at=from_ms(self._released_ms(reuse.previous_owner)),
                at=from_ms(reuse.at_ms),
            )
            for reuse in self._roster.reused_names
        ]

    # ------------------------------------------------------------------ internals

    def _player(self, player_id: int) -> int:
        """Return a WOM id's roster index; KeyError for an id the simulation doesn't know."""
        player = self._index.get(int(player_id))
        if player is None:
            raise KeyError(f"no simulated player has WOM id {player_id}")
        return player

    def _competition(self, competition_id: int) -> Competition | None:
        """Return the group's competition with a WOM id, None when it has no such one."""
        return next((c for c in self._competitions if c.comp_id == competition_id), None)

    def _entrant_count(self, competition: Competition) -> int:
        """Return how many players WOM lists in a competition at `now` (its participantCount)."""
        return sum(e.joined_ms <= self._now_ms for e in self._entrants[competition.comp_id])

    def _standings(self, competition: Competition, at_ms: int) -> list[Standing]:
        """Return a competition's entrants listed by `at_ms` with their progress, WOM's order."""
        return competition_standings(
            competition,
            self._entrants[competition.comp_id],
            at_ms=at_ms,
            layout=self._layout,
            progress=self._progress,
            timeline=self._timeline,
            ids=self._roster.ids,
        )

    def _released_ms(self, player: int) -> int:
        """Return when a renamed player's rename resolved."""
        change = self._roster.name_changes[player]
        assert change is not None  # only renamed players' names are reused
        return change.resolved_ms

    def _last_progressed_ms(self, player: int, at_ms: int) -> int | None:
        """Return when a player's values last changed as of `at_ms`, None before a snapshot."""
        with self._lock:
            return player_last_changed_ms(player, at_ms, self._progress, self._timeline)

    def _column(self, metric: str) -> int:
        """Return a metric's frame column; ValueError for an unknown metric."""
        column = self._layout.index.get(metric)
        if column is None:
            raise ValueError(f"unknown metric {metric!r}")
        return column

    def _state(self) -> NowState:
        """Return the cached view of the clan at `now`, rebuilding it when `now` moved."""
        if self._state_cache is None or self._state_cache.now_ms != self._now_ms:
            self._state_cache = build_state(
                now_ms=self._now_ms,
                layout=self._layout,
                roster=self._roster,
                progress=self._progress,
                timeline=self._timeline,
            )
        return self._state_cache

    def _achieved(self) -> list[Achieved]:
        """Return every achievement reached in the generated days, newest first (cached)."""
        days = self._timeline.days
        if self._achieved_cache is None or self._achieved_cache[0] != days:
            achieved = reached_achievements(
                self._definitions, self._roster, self._progress, self._timeline
            )
            self._achieved_cache = (days, achieved)
        return self._achieved_cache[1]

    def _snapshot(self, player: int, day: int, rows: Rows, row: int) -> Json:
        """Return the Snapshot a player got on a day, from its frame row."""
        return shapes.snapshot(
            player_id=int(self._roster.ids[player]),
            created_ms=int(self._timeline.t_ms[player, day]),
            data=snapshot_data(self._layout, rows, row),
        )

    def _group_item(self, state: NowState) -> Json:
        """Return the group's own fields plus memberCount."""
        last_event = next((e.at_ms for e in self._events if e.at_ms <= state.now_ms), None)
        return shapes.group_item(
            group_id=self.config.group_id,
            name=self.config.group_name,
            created_ms=self._group_created_ms,
            updated_ms=last_event if last_event is not None else self._group_created_ms,
            member_count=len(state.members),
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
