"""Per-player metric growth: starting values and hourly rates, and the hiscores view of them."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from simulator.metrics import (
    ACTIVITIES,
    BOSSES,
    COMPUTED,
    EXPERIENCE_TABLE,
    MAX_LEVEL,
    MAX_SKILL_EXPERIENCE,
    MAXED_EXPERIENCE,
    SKILLS,
)
from simulator.roster import Roster
from simulator.tuning import (
    ACTIVITY_PARAMS,
    BOSS_MIN_KILLS,
    BOSS_POPULARITY,
    BOSSING,
    COMBAT,
    COMBAT_SKILLS,
    DEFAULT_KILLS_PER_HOUR,
    EHP_RATES,
    EXTRA_KILLS_PER_HOUR,
    F2P_BOSSES,
    HITPOINTS_START_XP,
    IRON_SPEED,
    KILLS_PER_HOUR,
    MEMBERS_SKILLS,
    MINIGAMES,
    NO_EHB_BOSSES,
    PROFILES,
    RANK_CURVES,
    SKILL_LOG_OFFSET,
    SKILLING,
    XP_PER_HOUR,
    ZERKER_DEFENCE_XP,
    Profile,
)

# The model tracks real skills and clue tiers; overall and all clues are sums of them.
REAL_SKILLS = SKILLS[1:]
CLUE_ALL = "clue_scrolls_all"
CLUE_TIERS = tuple(a for a in ACTIVITIES if a.startswith("clue_scrolls_") and a != CLUE_ALL)
RAW_ACTIVITIES = tuple(a for a in ACTIVITIES if a != CLUE_ALL)


class Layout:
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
        self.raw_metrics: tuple[str, ...] = REAL_SKILLS + self.bosses + RAW_ACTIVITIES
        self.raw_skills = slice(0, len(REAL_SKILLS))
        self.raw_bosses = slice(len(REAL_SKILLS), len(REAL_SKILLS) + n_bosses)
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
class Frame:
    """Every metric of n (player, moment) rows, as the hiscores would show them."""

    values: np.ndarray  # (n, M): xp, kills, score or computed value; -1 when unranked
    ranks: np.ndarray  # (n, M)
    levels: np.ndarray  # (n, len(SKILLS)); overall holds the total level
    efficiency: np.ndarray  # (n, M): ehp of skills, ehb of bosses, 0 elsewhere
    ttm: np.ndarray  # (n,) hours to max every skill
    tt200m: np.ndarray  # (n,) hours to 200m every skill


# A metric's value at any moment is `floor(min(cap, base + rate * hours))`, where `hours` is the
# player's cumulative play time in the metric's activity component, so values only grow.
@dataclass
class Progression:
    """Per-player starting values and per-hour rates of every raw metric."""

    layout: Layout
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

    def frame(self, players: np.ndarray, hours: np.ndarray) -> Frame:
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
        kills = np.where(kills >= BOSS_MIN_KILLS, kills, -1.0)
        values[:, layout.boss_cols] = kills
        ehb = np.round(np.maximum(kills, 0) * self.ehb_per_kill, 5)
        efficiency[:, layout.boss_cols] = ehb

        scores = np.empty((n, len(ACTIVITIES)))
        raw_scores = raw[:, layout.raw_activities]
        for column, activity in enumerate(RAW_ACTIVITIES):
            scores[:, ACTIVITIES.index(activity)] = raw_scores[:, column]
        tiers = [ACTIVITIES.index(tier) for tier in CLUE_TIERS]
        scores[:, ACTIVITIES.index(CLUE_ALL)] = scores[:, tiers].sum(axis=1)
        values[:, layout.activity_cols] = np.where(scores >= self.min_scores, scores, -1.0)

        computed = layout.computed_cols.start
        values[:, computed] = efficiency[:, 0]
        values[:, computed + 1] = np.round(ehb.sum(axis=1), 5)
        missing = np.maximum(MAXED_EXPERIENCE - xp, 0) * self.ehp_per_xp[players]
        to_200m = np.maximum(MAX_SKILL_EXPERIENCE - xp, 0) * self.ehp_per_xp[players]
        return Frame(
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


def build_progression(roster: Roster, layout: Layout, rng: np.random.Generator) -> Progression:
    """Draw every player's starting values and per-hour rates from their profile and build."""
    size = roster.size
    profiles = [PROFILES[int(p)] for p in roster.profile]
    iron = np.array([kind != "regular" for kind in roster.types], dtype=bool)
    speed = np.where(iron, IRON_SPEED, 1.0) * rng.lognormal(0, 0.2, size)
    skill_base, skill_rate = _skill_parameters(roster, profiles, speed, rng)
    boss_base, boss_rate = _boss_parameters(roster, layout, profiles, speed, rng)
    activity_base, activity_rate = _activity_parameters(size, speed, rng)

    rates = np.array([EHP_RATES[skill] for skill in REAL_SKILLS], dtype=float)
    per_xp = np.divide(1.0, rates, out=np.zeros_like(rates), where=rates > 0)
    ehp_per_xp = per_xp[None, :] / np.where(iron, IRON_SPEED, 1.0)[:, None]
    kph = [KILLS_PER_HOUR.get(boss, DEFAULT_KILLS_PER_HOUR) for boss in layout.bosses]
    ehb_per_kill = np.array(
        [
            0.0 if b in NO_EHB_BOSSES or b not in BOSSES else 1.0 / k
            for b, k in zip(layout.bosses, kph, strict=True)
        ]
    )
    component = np.array(
        [COMBAT if s in COMBAT_SKILLS else SKILLING for s in REAL_SKILLS]
        + [BOSSING] * len(layout.bosses)
        + [ACTIVITY_PARAMS[a].component for a in RAW_ACTIVITIES]
    )
    cap = np.array(
        [float(MAX_SKILL_EXPERIENCE)] * len(REAL_SKILLS)
        + [math.inf] * len(layout.bosses)
        + [ACTIVITY_PARAMS[a].cap for a in RAW_ACTIVITIES]
    )
    min_scores = np.array(
        [1 if a == CLUE_ALL else ACTIVITY_PARAMS[a].min_score for a in ACTIVITIES], dtype=float
    )
    curves = [RANK_CURVES["overall"]] + [RANK_CURVES["skill"]] * len(REAL_SKILLS)
    curves += [RANK_CURVES["boss"]] * len(layout.bosses)
    curves += [RANK_CURVES["activity"]] * len(ACTIVITIES)
    curves += [RANK_CURVES["computed"]] * len(COMPUTED)
    return Progression(
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
    roster: Roster, profiles: list[Profile], speed: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return starting experience and xp/hour per skill, shaped (players, skills)."""
    size = roster.size
    offsets = np.array([SKILL_LOG_OFFSET.get(skill, 0.0) for skill in REAL_SKILLS])
    log_xp = np.array([p.log_xp for p in profiles]) + rng.normal(0, 0.25, size)
    noise = rng.normal(0, 0.35, (size, len(REAL_SKILLS)))
    base = np.minimum(10 ** (log_xp[:, None] + offsets[None, :] + noise), MAX_SKILL_EXPERIENCE)
    hitpoints = REAL_SKILLS.index("hitpoints")
    base[:, hitpoints] = np.maximum(base[:, hitpoints], HITPOINTS_START_XP)

    rate = np.zeros_like(base)
    for component in (COMBAT, SKILLING):
        columns = [
            i
            for i, skill in enumerate(REAL_SKILLS)
            if (skill in COMBAT_SKILLS) == (component == COMBAT)
        ]
        # A low Dirichlet alpha makes players focus on a few skills at a time.
        focus = rng.dirichlet(np.full(len(columns), 0.6), size)
        rate[:, columns] = focus * XP_PER_HOUR[component] * speed[:, None]

    defence = REAL_SKILLS.index("defence")
    members_only = [i for i, skill in enumerate(REAL_SKILLS) if skill in MEMBERS_SKILLS]
    for player, build in enumerate(roster.builds):
        if build == "def1":
            base[player, defence], rate[player, defence] = 0.0, 0.0
        elif build == "zerker":
            base[player, defence], rate[player, defence] = ZERKER_DEFENCE_XP, 0.0
        elif build == "f2p":
            base[player, members_only], rate[player, members_only] = 0.0, 0.0
    return base, rate


def _boss_parameters(
    roster: Roster,
    layout: Layout,
    profiles: list[Profile],
    speed: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Return starting kills and kills per bossing hour, shaped (players, bosses)."""
    size, n_bosses = roster.size, len(layout.bosses)
    popularity = np.array([BOSS_POPULARITY.get(boss, 1.0) for boss in layout.bosses])
    chance = np.array([p.boss_chance for p in profiles])[:, None] * popularity[None, :]
    does = rng.random((size, n_bosses)) < np.minimum(chance, 0.95)
    for player, build in enumerate(roster.builds):
        if build == "f2p":
            does[player] &= np.array([boss in F2P_BOSSES for boss in layout.bosses])
    kph = np.array([KILLS_PER_HOUR.get(boss, DEFAULT_KILLS_PER_HOUR) for boss in layout.bosses])
    # Slow bosses (raids, Zuk) have fewer kills: starting kills scale with kills per hour.
    log_kills = np.array([p.log_kills for p in profiles])[:, None] + 0.3 * np.log10(popularity)
    log_kills = log_kills + 0.7 * np.log10(kph / DEFAULT_KILLS_PER_HOUR)
    base = np.where(does, 10 ** rng.normal(log_kills, 0.45), 0.0)
    # Extra metrics are bosses released after the history started: everyone begins at 0.
    extra = np.array([boss not in BOSSES for boss in layout.bosses])
    base[:, extra] = 0.0
    weights = rng.gamma(0.7, 1.0, (size, n_bosses)) * does
    totals = weights.sum(axis=1, keepdims=True)
    focus = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
    kph[extra] = EXTRA_KILLS_PER_HOUR
    return base, focus * kph[None, :] * speed[:, None]


def _activity_parameters(
    size: int, speed: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Return starting scores and score per component hour, shaped (players, raw activities)."""
    params = [ACTIVITY_PARAMS[activity] for activity in RAW_ACTIVITIES]
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


def combat_levels(levels: np.ndarray) -> np.ndarray:
    """Return OSRS combat levels from skill level rows in SKILLS order."""
    at = {skill: levels[:, SKILLS.index(skill)] for skill in SKILLS}
    base = 0.25 * (at["defence"] + at["hitpoints"] + at["prayer"] // 2)
    melee = 0.325 * (at["attack"] + at["strength"])
    ranged = 0.325 * (at["ranged"] * 3 // 2)
    magic = 0.325 * (at["magic"] * 3 // 2)
    return np.floor(base + np.maximum(melee, np.maximum(ranged, magic))).astype(np.int64)
