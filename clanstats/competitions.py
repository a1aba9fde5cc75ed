"""The group's WOM competitions as the outputs show them: each with its status and top three.

Shared by report (the Competitions sheet) and export (clan_data.json, the public summary).

Start and end are clan days (a competition counts from the clan day it starts, as transform's
attendance counts it); whether one is upcoming, running or finished is judged from its instants
at the export's moment. `participants` counts the standings stored, None while they were never
read; WOM's own count from the competitions list is kept beside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.db.models import Competition, CompetitionParticipation, Metric
from clanstats.windows import local_day

PODIUM = 3  # the places shown per competition


@dataclass(frozen=True)
class Placing:
    """A player's place in a competition (WOM's, 1 = most gained) and their gain (None: unknown)."""

    player_id: int
    rank: int
    gained: float | None


@dataclass(frozen=True)
class GroupCompetition:
    """A competition of the group with its top three."""

    id: int
    title: str
    competition_type: str | None
    metric: str | None
    metric_kind: str | None  # skill, boss, activity or computed; None for a metric unknown here
    starts_on: date
    ends_on: date
    status: str  # upcoming, running or finished
    participants: int | None  # standings stored; None while they were never read
    wom_participants: int | None  # WOM's own count, from the competitions list
    top: list[Placing]  # the first PODIUM places, best first

    @property
    def standings_read(self) -> bool:
        """Whether ClanStats holds its standings (read at least once, or any stored)."""
        return self.participants is not None

    @property
    def participants_or_wom(self) -> int | None:
        """The standings stored; WOM's own count while none were read (None: not known)."""
        return self.participants if self.participants is not None else self.wom_participants


def group_competitions(
    session: Session, group_id: int, *, now: datetime, timezone: ZoneInfo
) -> list[GroupCompetition]:
    """Every competition of the group as of `now` (naive is UTC), newest start first."""
    now_utc = (now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)).replace(tzinfo=None)
    standings: dict[int, list[Placing]] = defaultdict(list)
    for cid, pid, rank, gained in session.execute(
        select(
            CompetitionParticipation.competition_id,
            CompetitionParticipation.player_id,
            CompetitionParticipation.rank,
            CompetitionParticipation.gained,
        ).where(CompetitionParticipation.group_id == group_id)
    ):
        standings[cid].append(Placing(pid, rank, gained))
    rows = session.execute(
        select(Competition, Metric.kind)
        .outerjoin(Metric, Metric.name == Competition.metric)
        .where(Competition.group_id == group_id)
        .order_by(Competition.starts_at.desc(), Competition.id.desc())
    )
    found = []
    for row, kind in rows:
        placings = sorted(standings.get(row.id, []), key=lambda p: (p.rank, p.player_id))
        read = row.details_fetched_at is not None or bool(placings)
        found.append(
            GroupCompetition(
                id=row.id,
                title=row.title,
                competition_type=row.competition_type,
                metric=row.metric,
                metric_kind=kind,
                starts_on=local_day(row.starts_at, timezone),
                ends_on=local_day(row.ends_at, timezone),
                status=status_at(now_utc, row.starts_at, row.ends_at),
                participants=len(placings) if read else None,
                wom_participants=row.participant_count,
                top=placings[:PODIUM],
            )
        )
    return found


def status_at(now_utc: datetime, starts_at: datetime, ends_at: datetime) -> str:
    """upcoming, running or finished at `now_utc` (all naive UTC)."""
    if now_utc < starts_at:
        return "upcoming"
    return "running" if now_utc < ends_at else "finished"
