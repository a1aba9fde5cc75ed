"""Read `competitions`, `competition_participations` and `competition_attendance` for the
Competitions sheet: each competition with its top three, and each player's attendance.

Start and end are shown as clan days (a competition counts from the clan day it starts, as
transform's attendance counts it); whether it is upcoming, running or finished is judged from
the instants themselves, at the report's `now`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.db.models import Competition, CompetitionAttendance, CompetitionParticipation
from clanstats.windows import local_day

PODIUM = 3  # the places shown per competition


@dataclass(frozen=True)
class Placing:
    """A player's place in a competition and what they gained (None: unknown)."""

    player_id: int
    rank: int
    gained: float | None


@dataclass(frozen=True)
class CompetitionRow:
    """A competition of the group, with its stored standings counted and its top three."""

    competition_id: int
    title: str
    competition_type: str | None
    metric: str | None
    status: str  # upcoming, running or finished
    starts_on: date  # clan day
    ends_on: date  # clan day
    participant_count: int | None  # WOM's own count, from the competitions list
    stored: int  # standings stored (participations)
    details_read: bool  # its standings were read at least once
    top: list[Placing]  # the first PODIUM places, best first

    @property
    def standings_read(self) -> bool:
        """Whether ClanStats holds its standings (read, or any stored)."""
        return self.details_read or self.stored > 0

    @property
    def participants(self) -> int | None:
        """The standings stored; WOM's count while none were read (None: not known)."""
        return self.stored if self.standings_read else self.participant_count


@dataclass(frozen=True)
class AttendanceRow:
    """A `competition_attendance` row: a player's part in the group's competitions."""

    player_id: int
    joined: int
    best_rank: int | None
    last_joined_on: date | None
    held_90: int
    joined_90: int
    rate_90: float | None


def competitions(
    session: Session, group_id: int, *, now: datetime, timezone: ZoneInfo
) -> list[CompetitionRow]:
    """Every competition of the group as of `now` (aware), newest start first."""
    now_utc = now.astimezone(UTC).replace(tzinfo=None)
    placings: dict[int, list[Placing]] = defaultdict(list)
    for cid, pid, rank, gained in session.execute(
        select(
            CompetitionParticipation.competition_id,
            CompetitionParticipation.player_id,
            CompetitionParticipation.rank,
            CompetitionParticipation.gained,
        ).where(CompetitionParticipation.group_id == group_id)
    ):
        placings[cid].append(Placing(pid, rank, gained))
    rows = session.scalars(
        select(Competition)
        .where(Competition.group_id == group_id)
        .order_by(Competition.starts_at.desc(), Competition.id.desc())
    )
    found = []
    for row in rows:
        standings = sorted(placings.get(row.id, []), key=lambda p: (p.rank, p.player_id))
        found.append(
            CompetitionRow(
                competition_id=row.id,
                title=row.title,
                competition_type=row.competition_type,
                metric=row.metric,
                status=status_at(now_utc, row.starts_at, row.ends_at),
                starts_on=local_day(row.starts_at, timezone),
                ends_on=local_day(row.ends_at, timezone),
                participant_count=row.participant_count,
                stored=len(standings),
                details_read=row.details_fetched_at is not None,
                top=standings[:PODIUM],
            )
        )
    return found


def status_at(now_utc: datetime, starts_at: datetime, ends_at: datetime) -> str:
    """upcoming, running or finished at `now_utc` (all naive UTC)."""
    if now_utc < starts_at:
        return "upcoming"
    return "running" if now_utc < ends_at else "finished"


def competition_attendance(session: Session, group_id: int) -> list[AttendanceRow]:
    """Every `competition_attendance` row of the group, by player."""
    columns = [getattr(CompetitionAttendance, name) for name in AttendanceRow.__dataclass_fields__]
    rows = session.execute(
        select(*columns)
        .where(CompetitionAttendance.group_id == group_id)
        .order_by(CompetitionAttendance.player_id)
    )
    return [AttendanceRow(*row) for row in rows]
