"""Read `recruits` and `recruit_cohorts` for the Recruits sheet: each recruit's first months and
each month's retention.

A mark (30, 90 or 180 days after joining) not yet reached is None, never "no"; so is a
recruit's activity at a mark that lies before ClanStats could see their game (unknown).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.db.models import Recruit, RecruitCohort

MARKS = (30, 90, 180)  # days after joining (transform.recruits.MARKS)


@dataclass(frozen=True)
class RecruitRow:
    """A `recruits` row: a member who joined, and how their first months went."""

    player_id: int
    joined_on: date
    cohort: date
    left_on: date | None
    first_game_on: date | None
    first_message_on: date | None
    stayed_30: bool | None
    stayed_90: bool | None
    stayed_180: bool | None
    active_30: bool | None
    active_90: bool | None
    active_180: bool | None
    welcome: str | None

    def stayed(self, days: int) -> bool | None:
        """Whether they were still in `days` days after joining (None: not that long ago)."""
        value: bool | None = getattr(self, f"stayed_{days}")
        return value

    def active(self, days: int) -> bool | None:
        """Whether they were active up to the mark (None: not reached, or unknown)."""
        value: bool | None = getattr(self, f"active_{days}")
        return value

    def activity_unknown(self, days: int) -> bool:
        """Whether they stayed to the mark but their activity then lies before the history."""
        return bool(self.stayed(days)) and self.active(days) is None


@dataclass(frozen=True)
class MarkCounts:
    """A month's recruits at one mark: how many reached it, stayed, were active, unknown."""

    reached: int
    stayed: int
    active: int
    unknown: int

    def count(self, field: str) -> int | None:
        """A count among those who reached the mark; None ("no data") when nobody has."""
        value: int = getattr(self, field)
        return value if self.reached else None

    def share(self, field: str) -> float | None:
        """A count as a share of those who reached the mark; None when nobody has."""
        value: int = getattr(self, field)
        return value / self.reached if self.reached else None


@dataclass(frozen=True)
class Cohort:
    """A `recruit_cohorts` row: the recruits of one month (or, summed, of every month)."""

    month: date | None  # its first day; None for the sum of every month
    recruits: int
    still_in: int
    marks: dict[int, MarkCounts]

    def at(self, days: int) -> MarkCounts:
        """The counts at the mark `days` days after joining."""
        return self.marks[days]


def cohorts_total(cohorts: list[Cohort]) -> Cohort:
    """Every month's recruits together."""
    return Cohort(
        month=None,
        recruits=sum(c.recruits for c in cohorts),
        still_in=sum(c.still_in for c in cohorts),
        marks={
            days: MarkCounts(
                reached=sum(c.at(days).reached for c in cohorts),
                stayed=sum(c.at(days).stayed for c in cohorts),
                active=sum(c.at(days).active for c in cohorts),
                unknown=sum(c.at(days).unknown for c in cohorts),
            )
            for days in MARKS
        },
    )


def recruits(session: Session, group_id: int) -> list[RecruitRow]:
    """Every recruit of the group, newest join first."""
    columns = [getattr(Recruit, name) for name in RecruitRow.__dataclass_fields__]
    rows = session.execute(
        select(*columns)
        .where(Recruit.group_id == group_id)
        .order_by(Recruit.joined_on.desc(), Recruit.player_id)
    )
    return [RecruitRow(*row) for row in rows]


def recruit_cohorts(session: Session, group_id: int) -> list[Cohort]:
    """Every month with recruits, newest first."""
    rows = session.scalars(
        select(RecruitCohort)
        .where(RecruitCohort.group_id == group_id)
        .order_by(RecruitCohort.month.desc())
    )
    return [
        Cohort(
            month=row.month,
            recruits=row.recruits,
            still_in=row.still_in,
            marks={
                days: MarkCounts(
                    reached=getattr(row, f"reached_{days}"),
                    stayed=getattr(row, f"stayed_{days}"),
                    active=getattr(row, f"active_{days}"),
                    unknown=getattr(row, f"unknown_{days}"),
                )
                for days in MARKS
            },
        )
        for row in rows
    ]
