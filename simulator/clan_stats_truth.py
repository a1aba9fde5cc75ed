"""What the clan_statistics table must say about a simulated clan, worked out independently.

For today and for the last day (Sunday; weeks start on Monday) of each of the 52 weeks before
today's week, from the first clan day a snapshot was stored on: the members at the end of the
day, how many of them had a stored snapshot taken before the day ended (*measured*), and over
each measured member's latest such snapshot the totals, maxed accounts, skills at 99 and 200M and
the total and combat levels. An unknown value (WOM's -1) is left out of a sum and counts as
level 1; a member whose every skill is unknown is left out of the level figures. Account types
are today's only. Like `simulator.truth`, this never imports ClanStats.
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta

from simulator.metrics import (
    MAX_SKILL_EXPERIENCE,
    MAXED_EXPERIENCE,
    SKILLS,
    level_for_experience,
)
from simulator.truth import Truth, Values

PAST_WEEKS = 52
LEVELLED = tuple(skill for skill in SKILLS if skill != "overall")
ACCOUNT_TYPES = ("regular", "ironman", "hardcore", "ultimate")
MAX_COMBAT = 126


@dataclass(frozen=True)
class StatisticsDay:
    """One clan_statistics row as it must be (the fields are the table's columns)."""

    members: int
    measured: int
    xp: float
    ehp: float
    ehb: float
    maxed_total: int
    maxed_combat: int
    skills_99: int
    skills_200m: int
    total_level_average: float | None
    total_level_median: float | None
    combat_level_average: float | None
    combat_level_median: float | None
    regular: int | None = None
    ironman: int | None = None
    hardcore: int | None = None
    ultimate: int | None = None
    other_type: int | None = None


def clan_statistics(truth: Truth) -> dict[date, StatisticsDay]:
    """Every clan_statistics row the pipeline must have stored, by day."""
    taken = [moment for snaps in truth.stored.values() for moment, _ in snaps]
    if not taken:
        return {}
    first = min(truth.day(moment) for moment in taken)
    if first > truth.today:
        return {}
    found = {
        day: _day(truth, day, members_on(truth, day)) for day in sampled_days(truth.today, first)
    }
    # WOM says what an account is now, not what it was: today's members only.
    kinds = Counter(truth.clan.account_type(pid) for pid in members_on(truth, truth.today))
    found[truth.today] = replace(
        found[truth.today],
        regular=kinds["regular"],
        ironman=kinds["ironman"],
        hardcore=kinds["hardcore"],
        ultimate=kinds["ultimate"],
        other_type=sum(n for kind, n in kinds.items() if kind not in ACCOUNT_TYPES),
    )
    return found


def sampled_days(today: date, first: date) -> list[date]:
    """The Sundays ending the 52 weeks before today's week, none before `first`, then today."""
    monday = today - timedelta(days=today.weekday())
    sundays = [monday - timedelta(days=1 + 7 * n) for n in range(PAST_WEEKS)]
    return [*sorted(day for day in sundays if day >= first), today]


def members_on(truth: Truth, day: date) -> set[int]:
    """The players in the clan at the end of a clan day: a stay ending that day is over."""
    return {pid for pid in truth.stays if truth.member_on(pid, day)}


def _day(truth: Truth, day: date, members: set[int]) -> StatisticsDay:
    """A day's figures over its members' latest snapshots taken before the day ended."""
    end = truth.midnight(day + timedelta(days=1))
    latest: list[Values] = []
    for pid in sorted(members):
        snaps = truth.stored.get(pid, [])
        before = bisect_left([moment for moment, _ in snaps], end)  # those taken before `end`
        if before:
            latest.append(snaps[before - 1][1])
    totals = {name: [v[name] for v in latest if v[name] >= 0] for name in ("overall", "ehp", "ehb")}
    experience = [
        {skill: v[skill] for skill in LEVELLED if v[skill] >= 0}
        for v in latest
        if any(v[skill] >= 0 for skill in LEVELLED)
    ]
    total_levels = [total_level(known) for known in experience]
    combat_levels = [combat_level(known) for known in experience]
    return StatisticsDay(
        members=len(members),
        measured=len(latest),
        xp=math.fsum(totals["overall"]),
        ehp=math.fsum(totals["ehp"]),
        ehb=math.fsum(totals["ehb"]),
        maxed_total=sum(
            len(known) == len(LEVELLED) and min(known.values()) >= MAXED_EXPERIENCE
            for known in experience
        ),
        maxed_combat=sum(level >= MAX_COMBAT for level in combat_levels),
        skills_99=sum(xp >= MAXED_EXPERIENCE for known in experience for xp in known.values()),
        skills_200m=sum(
            xp >= MAX_SKILL_EXPERIENCE for known in experience for xp in known.values()
        ),
        total_level_average=_average(total_levels),
        total_level_median=_median(total_levels),
        combat_level_average=_average(combat_levels),
        combat_level_median=_median(combat_levels),
    )


def level(known: dict[str, float], skill: str) -> int:
    """A skill's level 1..99 from its known experience; an unknown skill is level 1."""
    return level_for_experience(known[skill]) if skill in known else 1


def total_level(known: dict[str, float]) -> int:
    """The sum of every skill's level but overall's."""
    return sum(level(known, skill) for skill in LEVELLED)


def combat_level(known: dict[str, float]) -> int:
    """The game's combat level, in whole numbers: floor((10 * base + 13 * style) / 40)."""
    base = level(known, "defence") + level(known, "hitpoints") + level(known, "prayer") // 2
    style = max(
        level(known, "attack") + level(known, "strength"),
        level(known, "ranged") * 3 // 2,
        level(known, "magic") * 3 // 2,
    )
    return (10 * base + 13 * style) // 40


def _average(values: list[int]) -> float | None:
    return statistics.fmean(values) if values else None


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None
