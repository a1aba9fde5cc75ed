"""Dated events beyond the roster: achievements players reach and the group's competitions."""

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
    *, members: int, days: int, group_id: int, now_ms: int, rng: np.random.Generator
) -> list[Competition]:
    """Draw 1-3 competitions: one in the past, one running at `now`, one upcoming."""
    if members == 0:
        return []
    themes = (
        ("Skill of the Week", ("woodcutting", "fishing", "mining", "slayer", "agility", "hunter")),
        ("Boss of the Week", ("vorkath", "zulrah", "tombs_of_amascut", "general_graardor")),
    )
    competitions = []
    for number, offset_days in enumerate((-0.6 * days, -3.0, 2.0)[: rng.integers(1, 4)]):
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
