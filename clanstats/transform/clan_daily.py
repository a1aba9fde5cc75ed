"""The clan's days: member count, joins and leaves, active members and the clan's total gains."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clanstats.db.models import ClanDaily, DailyActivity
from clanstats.db.replace import replace_rows
from clanstats.transform.stays import load_stays
from clanstats.windows import local_day

TOTALS = ("xp", "ehp", "ehb", "boss_kills", "messages")


def derive_clan_daily(
    session: Session, *, group_id: int, today: date, timezone: ZoneInfo
) -> dict[str, object]:
    """Replace the group's clan_daily rows, one per day from its first data to today."""
    first = session.scalar(
        select(func.min(DailyActivity.day)).where(DailyActivity.group_id == group_id)
    )
    if first is None:
        replace_rows(session, ClanDaily, [], scope=ClanDaily.group_id == group_id)
        return {"clan days": 0}
    # Every stay counts: a member who left and came back is in on the days of each stay.
    stays = [
        (
            local_day(joined, timezone) if joined else first,
            local_day(left, timezone) if left else None,
        )
        for player in load_stays(session, group_id).values()
        for joined, left in player.periods
    ]
    joins = Counter(joined for joined, _ in stays)
    leaves = Counter(left for _, left in stays if left is not None)
    sums: dict[date, dict[str, float]] = defaultdict(lambda: dict.fromkeys(TOTALS, 0.0))
    active: Counter[date] = Counter()
    for day, xp, ehp, ehb, kills, messages in session.execute(
        select(
            DailyActivity.day,
            DailyActivity.xp,
            DailyActivity.ehp,
            DailyActivity.ehb,
            DailyActivity.boss_kills,
            DailyActivity.messages,
        ).where(DailyActivity.group_id == group_id)
    ):
        values = {"xp": xp, "ehp": ehp, "ehb": ehb, "boss_kills": kills, "messages": messages}
        for name, value in values.items():
            sums[day][name] += value or 0
        # An active member gained XP, EHP, EHB or boss kills, or wrote a message that day.
        active[day] += any((xp or 0, ehp or 0, ehb or 0, kills or 0, messages or 0))
    rows: list[dict[str, Any]] = []
    members = sum(1 for joined, left in stays if joined < first and (left is None or left >= first))
    day = first
    while day <= today:
        members += joins[day] - leaves[day]
        totals = sums.get(day, dict.fromkeys(TOTALS, 0.0))
        rows.append(
            {
                "group_id": group_id,
                "day": day,
                "members": members,
                "joins": joins[day],
                "leaves": leaves[day],
                "active_members": active[day],
                **{name: totals[name] for name in TOTALS},
                "messages": int(totals["messages"]),
            }
        )
        day += timedelta(days=1)
    replace_rows(session, ClanDaily, rows, scope=ClanDaily.group_id == group_id)
    return {"clan days": len(rows)}
