"""Read `competition_attendance` for the Competitions sheet: each player's attendance (the
competitions themselves come from `clanstats.competitions`, shared with export)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.db.models import CompetitionAttendance


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


def competition_attendance(session: Session, group_id: int) -> list[AttendanceRow]:
    """Every `competition_attendance` row of the group, by player."""
    columns = [getattr(CompetitionAttendance, name) for name in AttendanceRow.__dataclass_fields__]
    rows = session.execute(
        select(*columns)
        .where(CompetitionAttendance.group_id == group_id)
        .order_by(CompetitionAttendance.player_id)
    )
    return [AttendanceRow(*row) for row in rows]
