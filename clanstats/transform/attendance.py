"""Competition attendance: which of the group's WOM competitions each member took part in.

A competition counts from the clan day it starts (clan time); one that has not started yet
counts for nothing, even with sign-ups. Per player with a stay in the clan:

- `joined` every started competition they took part in, and their best place in one;
- over the last 90 days (today and the 89 before it): the competitions that started while they
  were in the clan (`held_90`, a member at the end of the start day, as clan_daily counts), how
  many of those they took part in (`joined_90`), and the rate (`joined_90 / held_90`, None when
  none was held for them).

The rank rules' `competitions_joined` and the seasons' `competitions` points read the same
started participations (`joined_competitions`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.db.models import Competition, CompetitionAttendance, CompetitionParticipation
from clanstats.db.replace import replace_rows
from clanstats.rules import Rules
from clanstats.transform.stays import load_stays, members_on
from clanstats.windows import local_day

ATTENDANCE_DAYS = 90


@dataclass(frozen=True)
class Joined:
    """A started competition a player took part in."""

    competition_id: int
    starts_on: date  # clan day
    rank: int


def started_competitions(
    session: Session, group_id: int, today: date, timezone: ZoneInfo
) -> dict[int, date]:
    """The group's competitions that have started by today's end: id -> clan start day."""
    starts = {
        cid: local_day(starts_at, timezone)
        for cid, starts_at in session.execute(
            select(Competition.id, Competition.starts_at).where(Competition.group_id == group_id)
        )
    }
    return {cid: day for cid, day in starts.items() if day <= today}


def joined_competitions(
    session: Session, group_id: int, today: date, timezone: ZoneInfo
) -> dict[int, list[Joined]]:
    """Per player, the started competitions they took part in, oldest first."""
    started = started_competitions(session, group_id, today, timezone)
    joined: dict[int, list[Joined]] = defaultdict(list)
    for cid, pid, rank in session.execute(
        select(
            CompetitionParticipation.competition_id,
            CompetitionParticipation.player_id,
            CompetitionParticipation.rank,
        ).where(CompetitionParticipation.group_id == group_id)
    ):
        if cid in started:
            joined[pid].append(Joined(cid, started[cid], rank))
    for entries in joined.values():
        entries.sort(key=lambda j: (j.starts_on, j.competition_id))
    return joined


def derive_attendance(
    session: Session,
    *,
    group_id: int,
    today: date,
    rules: Rules,
    timezone: ZoneInfo,
) -> dict[str, object]:
    """Replace the group's competition_attendance rows; return counts for the summary."""
    del rules  # attendance follows no rule
    started = started_competitions(session, group_id, today, timezone)
    joined = joined_competitions(session, group_id, today, timezone)
    stays = load_stays(session, group_id)
    since = today - timedelta(days=ATTENDANCE_DAYS - 1)
    recent = {cid: day for cid, day in started.items() if day >= since}
    members = members_on(stays, sorted(set(recent.values())), timezone)
    rows = [
        attendance_row(pid, joined.get(pid, []), recent, members)
        for pid in sorted(stays.keys() | joined.keys())
    ]
    rows = [row for row in rows if row["joined"] or row["held_90"]]
    replace_rows(
        session,
        CompetitionAttendance,
        [{"group_id": group_id, **row} for row in rows],
        scope=CompetitionAttendance.group_id == group_id,
    )
    return {"competitions started": len(started), "members with competitions": len(rows)}


def attendance_row(
    player_id: int,
    joined: list[Joined],
    recent: Mapping[int, date],
    members: Mapping[date, frozenset[int]],
) -> dict[str, object]:
    """One player's attendance from what they joined and the last 90 days' competitions."""
    held = {cid for cid, day in recent.items() if player_id in members[day]}
    joined_recent = sum(1 for j in joined if j.competition_id in held)
    return {
        "player_id": player_id,
        "joined": len(joined),
        "best_rank": min((j.rank for j in joined), default=None),
        "last_joined_on": joined[-1].starts_on if joined else None,
        "held_90": len(held),
        "joined_90": joined_recent,
        "rate_90": joined_recent / len(held) if held else None,
    }
