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
from clanstats.db.state import read_state, write_state
from clanstats.transform.activity_changes import ActivityChanges
from clanstats.transform.stays import load_stays
from clanstats.util import chunked
from clanstats.windows import local_day

TOTALS = ("xp", "ehp", "ehb", "boss_kills", "messages")
# transform_state: set once clan days have been summed in key order (so each day's stored
# totals are what summing it again gives)
SUMMED_KEY = "clan_daily_in_key_order"
DAYS_PER_QUERY = 500  # days per IN (...), well under SQLite's bound-parameter limit


def derive_clan_daily(
    session: Session,
    *,
    group_id: int,
    today: date,
    timezone: ZoneInfo,
    changes: ActivityChanges | None = None,
) -> dict[str, object]:
    """Replace the group's clan_daily rows, one per day from its first data to today.

    With `changes` (what this run changed in daily_activity) a day's totals and active members
    are summed again only when its rows changed or it has no stored row; members, joins and
    leaves (from the stays, which any run may learn) are counted for every day.
    """
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
    days: set[date] | None = None
    if changes is None or changes.everything or not read_state(session, group_id, SUMMED_KEY):
        # Everything, and the first run since clan days were summed in key order (the stored
        # sums of an earlier version may differ in the last bits).
        sums: dict[date, dict[str, float]] = {}
        active: Counter[date] = Counter()
    else:
        sums, active = _stored_sums(session, group_id, today)
        days = changes.days(through=today) | (_days_with_data(session, group_id, today) - set(sums))
        for day in days:
            sums.pop(day, None)
            active.pop(day, None)
    summed, counted = _summed(session, group_id, days)
    sums.update(summed)
    active.update(counted)
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
    write_state(session, group_id, SUMMED_KEY, "1")
    return {"clan days": len(rows)}


def _stored_sums(
    session: Session, group_id: int, today: date
) -> tuple[dict[date, dict[str, float]], Counter[date]]:
    """The stored days' totals and active members (up to today)."""
    sums: dict[date, dict[str, float]] = {}
    active: Counter[date] = Counter()
    for day, count, *values in session.execute(
        select(
            ClanDaily.day,
            ClanDaily.active_members,
            *(getattr(ClanDaily, name) for name in TOTALS),
        ).where(ClanDaily.group_id == group_id, ClanDaily.day <= today)
    ):
        sums[day] = dict(zip(TOTALS, (float(v) for v in values), strict=True))
        active[day] = count
    return sums, active


def _days_with_data(session: Session, group_id: int, today: date) -> set[date]:
    return set(
        session.scalars(
            select(DailyActivity.day)
            .where(DailyActivity.group_id == group_id, DailyActivity.day <= today)
            .distinct()
        )
    )


def _summed(
    session: Session, group_id: int, days: set[date] | None
) -> tuple[dict[date, dict[str, float]], Counter[date]]:
    """Each day's totals and active members, summed from daily_activity (None: every day)."""
    sums: dict[date, dict[str, float]] = defaultdict(lambda: dict.fromkeys(TOTALS, 0.0))
    active: Counter[date] = Counter()
    query = (
        select(
            DailyActivity.day,
            DailyActivity.xp,
            DailyActivity.ehp,
            DailyActivity.ehb,
            DailyActivity.boss_kills,
            DailyActivity.messages,
        )
        .where(DailyActivity.group_id == group_id)
        # In key order, so a day's floats are added in the same order however it is read.
        .order_by(DailyActivity.day, DailyActivity.player_id)
    )
    chunks = (
        [query]
        if days is None
        else [
            query.where(DailyActivity.day.in_(chunk))
            for chunk in chunked(sorted(days), DAYS_PER_QUERY)
        ]
    )
    for chunk_query in chunks:
        for day, xp, ehp, ehb, kills, messages in session.execute(chunk_query):
            values = {"xp": xp, "ehp": ehp, "ehb": ehb, "boss_kills": kills, "messages": messages}
            for name, value in values.items():
                sums[day][name] += value or 0
            # An active member gained XP, EHP, EHB or boss kills, or wrote a message that day.
            active[day] += any((xp or 0, ehp or 0, ehb or 0, kills or 0, messages or 0))
    return sums, active
