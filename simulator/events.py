"""Dated events beyond the roster: achievements players reach, the group's competitions and
who takes part in each, with their progress as WOM measures it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.clock import DAY_MS, HOUR_MS
from simulator.metrics import MAXED_EXPERIENCE
from simulator.progression import CLUE_ALL, REAL_SKILLS, Layout, Progression
from simulator.roster import Roster
from simulator.timeline import Timeline

_SKILL_ACHIEVEMENTS = (MAXED_EXPERIENCE, 50_000_000, 100_000_000, 200_000_000)
_OVERALL_ACHIEVEMENTS = (10**7, 5 * 10**7, 10**8, 2 * 10**8, 5 * 10**8, 10**9, 2 * 10**9)
_BOSS_ACHIEVEMENTS = (50, 100, 500, 1000, 5000)
_CLUE_ACHIEVEMENTS = (100, 500, 1000)
_COMPUTED_ACHIEVEMENTS = {"ehp": (100, 500, 1000, 2000), "ehb": (100, 500, 1000)}
# Shares of players who never take part in a competition and who take part in every one they
# are a member at the start of; each of the rest joins each one with a chance of their own.
_NEVER_JOINS, _ALWAYS_JOINS = 0.2, 0.2
_JOIN_CHANCES = (0.25, 0.75)
_TEAM_NAMES = ("Red Wyverns", "Blue Moons")

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


@dataclass(frozen=True)
class AchievementDef:
    """One achievement: reaching `threshold` in `metric`."""

    name: str
    metric: str
    column: int
    threshold: int
    measure: str


@dataclass(frozen=True)
class Achieved:
    """A player reaching an achievement; created_ms is 0 when it predates their tracking."""

    known_ms: int
    created_ms: int
    accuracy: int | None
    player: int
    definition: int


@dataclass(frozen=True)
class Competition:
    """One group competition."""

    comp_id: int
    title: str
    metric: str
    kind: str
    starts_ms: int
    ends_ms: int
    created_ms: int


@dataclass(frozen=True)
class Entrant:
    """A player taking part in a competition; joined_ms is WOM's participation createdAt."""

    player: int
    joined_ms: int
    team: str | None


@dataclass(frozen=True)
class Delta:
    """A start, end and gain the way WOM serves them: -1 for an end it has no value for."""

    start: float
    end: float
    gained: float


NO_DELTA = Delta(start=-1, end=-1, gained=0)  # what WOM serves without a snapshot at an end


@dataclass(frozen=True)
class Standing:
    """An entrant's progress in a competition's metric as of a moment."""

    entrant: Entrant
    values: Delta
    levels: Delta
    updated_ms: int


@dataclass(frozen=True)
class CompetitionPlacing:
    """Ground truth for tests: one participant of a competition, in WOM's order (rank 1 first).

    `start`, `end` and `gained` are what WOM serves: -1 at an end it has no snapshot value
    for, where its `gained` (0, or the end value counted from 0) is no real gain; `gain` is
    the gain a tracker can stand by: None when either end is unknown.
    """

    player_id: int
    rank: int
    team: str | None
    start: float
    end: float
    gained: float

    @property
    def gain(self) -> float | None:
        """Return the gain, or None when WOM has no value at one end of the competition."""
        return None if self.start < 0 or self.end < 0 else self.gained


def metric_title(metric: str) -> str:
    """Return a metric's display name, e.g. `Chambers Of Xeric`."""
    return _METRIC_TITLES.get(metric) or metric.replace("_", " ").title()


def _short_number(value: int) -> str:
    """Format an achievement threshold the WOM way: 10m, 4.6b, 1k, 500."""
    for size, suffix in ((10**9, "b"), (10**6, "m"), (10**3, "k")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return str(value)


def achievement_definitions(layout: Layout) -> list[AchievementDef]:
    """Return every achievement the clan can reach, in a fixed order."""
    index = layout.index
    definitions = [
        AchievementDef(f"{_short_number(t)} Overall Exp.", "overall", 0, t, "experience")
        for t in _OVERALL_ACHIEVEMENTS
    ]
    for skill in REAL_SKILLS:
        for threshold in _SKILL_ACHIEVEMENTS:
            label = "99" if threshold == MAXED_EXPERIENCE else _short_number(threshold)
            name = f"{label} {metric_title(skill)}"
            definitions.append(AchievementDef(name, skill, index[skill], threshold, "experience"))
    for boss in layout.bosses:
        for threshold in _BOSS_ACHIEVEMENTS:
            name = f"{_short_number(threshold)} {metric_title(boss)} kills"
            definitions.append(AchievementDef(name, boss, index[boss], threshold, "kills"))
    for threshold in _CLUE_ACHIEVEMENTS:
        name = f"{_short_number(threshold)} {metric_title(CLUE_ALL)}"
        definitions.append(AchievementDef(name, CLUE_ALL, index[CLUE_ALL], threshold, "score"))
    for metric, thresholds in _COMPUTED_ACHIEVEMENTS.items():
        for threshold in thresholds:
            name = f"{_short_number(threshold)} {metric_title(metric)}"
            definitions.append(AchievementDef(name, metric, index[metric], threshold, "value"))
    return definitions


def build_competitions(
    *,
    members: int,
    days: int,
    group_id: int,
    now_ms: int,
    rng: np.random.Generator,
    count: int | None = None,
) -> list[Competition]:
    """Draw 1-3 competitions (`count`: exactly that many): one in the past, one running at
    `now`, one upcoming."""
    if members == 0:
        return []
    themes = (
        ("Skill of the Week", ("woodcutting", "fishing", "mining", "slayer", "agility", "hunter")),
        ("Boss of the Week", ("vorkath", "zulrah", "tombs_of_amascut", "general_graardor")),
    )
    competitions = []
    drawn = int(rng.integers(1, 4))  # drawn even when `count` is set: later draws stay the same
    for number, offset_days in enumerate((-0.6 * days, -3.0, 2.0)[: count or drawn]):
        label, metrics = themes[number % 2]
        metric = metrics[int(rng.integers(len(metrics)))]
        starts = now_ms + int(offset_days * DAY_MS)
        starts -= starts % HOUR_MS
        competitions.append(
            Competition(
                comp_id=group_id * 10 + number + 1,
                title=f"{label}: {metric_title(metric)}",
                metric=metric,
                kind="team" if number == 2 else "classic",
                starts_ms=starts,
                ends_ms=starts + 7 * DAY_MS,
                created_ms=starts - 3 * DAY_MS,
            )
        )
    return competitions


def draw_entrants(
    competitions: list[Competition], roster: Roster, rng: np.random.Generator
) -> dict[int, list[Entrant]]:
    """Pick each competition's entrants among the players who are members at its start.

    Every player gets a keenness once (never, always, or a chance of their own), then each
    competition rolls for everyone, members or not, so a draw never depends on membership.
    A member who joins the clan after the competition is created joins it then, as WOM adds
    new members to the group's competitions.
    """
    size = roster.size
    kind = rng.random(size)
    chance = rng.uniform(*_JOIN_CHANCES, size)
    keenness = np.where(kind < _NEVER_JOINS, 0.0, np.where(kind >= 1 - _ALWAYS_JOINS, 1.0, chance))
    entrants: dict[int, list[Entrant]] = {}
    for competition in competitions:
        rolls = rng.random(size)
        teams = rng.integers(0, len(_TEAM_NAMES), size)
        entrants[competition.comp_id] = [
            Entrant(
                player=player,
                joined_ms=max(
                    competition.created_ms, roster.stay_start_ms(player, competition.starts_ms)
                ),
                team=_TEAM_NAMES[int(teams[player])] if competition.kind == "team" else None,
            )
            for player in range(size)
            if rolls[player] < keenness[player] and roster.is_member(player, competition.starts_ms)
        ]
    return entrants


def competition_standings(
    competition: Competition,
    entrants: list[Entrant],
    *,
    at_ms: int,
    layout: Layout,
    progress: Progression,
    timeline: Timeline,
    ids: np.ndarray,
) -> list[Standing]:
    """Return the entrants listed by `at_ms` with their progress, sorted the way WOM sorts.

    Progress runs from the first to the last snapshot WOM took of an entrant between the start
    and min(at_ms, end); without one, WOM serves -1 at both ends and a gain of 0. The order is
    WOM's: most gained first, then the higher start value, then the lower player id.
    """
    listed = [entrant for entrant in entrants if entrant.joined_ms <= at_ms]
    if not listed:
        return []
    until = min(at_ms, competition.ends_ms)
    timeline.ensure(timeline.day_of(until) + 1)
    players = np.array([entrant.player for entrant in listed], dtype=np.int64)
    moments = timeline.t_ms[players]
    inside = timeline.updated[players] & (moments >= competition.starts_ms) & (moments <= until)
    measured = np.flatnonzero(inside.any(axis=1))
    first = np.argmax(inside[measured], axis=1)
    last = inside.shape[1] - 1 - np.argmax(inside[measured][:, ::-1], axis=1)
    deltas: dict[int, tuple[Delta, Delta, int]] = {}
    if len(measured):
        twice = np.concatenate([players[measured], players[measured]])
        days = np.concatenate([first, last])
        frame = progress.frame(twice, timeline.hours_at(twice, days))
        column = layout.index[competition.metric]
        skill = layout.kind(competition.metric) == "skill"
        count = len(measured)
        for i, entry in enumerate(measured.tolist()):
            start, end = _served(frame.values[i, column]), _served(frame.values[count + i, column])
            levels = NO_DELTA
            if skill:
                start_level = int(frame.levels[i, column]) if start > 0 else 1
                end_level = int(frame.levels[count + i, column]) if end > 0 else 1
                levels = Delta(start_level, end_level, max(0, end_level - start_level))
            updated = int(timeline.t_ms[players[entry], last[i]])
            deltas[entry] = (_delta(competition.metric, start, end), levels, updated)
    standings = []
    for entry, entrant in enumerate(listed):
        values, levels, updated = deltas.get(entry, (NO_DELTA, NO_DELTA, entrant.joined_ms))
        standings.append(Standing(entrant, values, levels, max(updated, entrant.joined_ms)))
    standings.sort(key=lambda s: (-s.values.gained, -s.values.start, int(ids[s.entrant.player])))
    return standings


def _served(value: float) -> float:
    """Return a snapshot value as WOM reads it for a competition: -1 unless positive."""
    return float(value) if value > 0 else -1.0


def _delta(metric: str, start: float, end: float) -> Delta:
    """Return WOM's delta of one metric: what was gained past a known start (never below 0).

    From an unknown (-1) start WOM counts from 0, except for overall, whose gain it then
    calls 0: a player falling off the hiscores would otherwise gain their whole total.
    """
    gained = round(max(0.0, end - max(start, 0.0)), 5)
    if metric == "overall" and start < 0:
        gained = 0.0
    return Delta(start, end, gained)


def reached_achievements(
    definitions: list[AchievementDef], roster: Roster, progress: Progression, timeline: Timeline
) -> list[Achieved]:
    """Return every achievement reached in the generated days, newest first."""
    columns = np.array([d.column for d in definitions])
    thresholds = np.array([d.threshold for d in definitions], dtype=float)
    achieved: list[Achieved] = []
    chunk = 16  # players per batch: bounds the (snapshots x achievements) matrix
    for first_player in range(0, roster.size, chunk):
        batch = np.arange(first_player, min(first_player + chunk, roster.size))
        achieved += _achieved_in(batch, columns, thresholds, progress, timeline)
    ids = roster.ids
    achieved.sort(key=lambda a: (-a.created_ms, -a.known_ms, int(ids[a.player]), a.definition))
    return achieved


def _achieved_in(
    batch: np.ndarray,
    columns: np.ndarray,
    thresholds: np.ndarray,
    progress: Progression,
    timeline: Timeline,
) -> list[Achieved]:
    """Return the achievements of a batch of players over all their snapshots."""
    local, days = np.nonzero(timeline.updated[batch])
    if not len(local):
        return []
    players = batch[local]
    values = progress.frame(players, timeline.hours_at(players, days)).values
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
            result.append(Achieved(known, 0, None, int(players[row]), definition))
        else:
            accuracy = known - int(moments[row - 1])
            result.append(Achieved(known, known, accuracy, int(players[row]), definition))
    return result
