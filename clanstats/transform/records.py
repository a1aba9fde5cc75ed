"""Personal records: each player's best day and best calendar week in xp, ehp, ehb, boss kills.

A week runs Monday to Sunday and is the sum of its days with data. Ties go to the earliest day
or week. A best of 0 (or nothing but days without a snapshot) is no record, so no row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from clanstats.db.models import DailyActivity, PersonalRecord
from clanstats.db.replace import replace_rows
from clanstats.rules import Rules
from clanstats.transform.gains_query import DEFAULT_TIMEZONE, week_start

# In the order _daily_series selects their columns.
MEASURES = ("xp", "ehp", "ehb", "boss_kills")

# (first day, last day, value) of a day or a week
Span = tuple[date, date, float]


def derive_personal_records(
    session: Session,
    *,
    group_id: int,
    today: date,
    rules: Rules,
    timezone: ZoneInfo = DEFAULT_TIMEZONE,
) -> dict[str, object]:
    """Replace the group's personal records with each player's best day and week to date."""
    # rules and timezone are unused: daily_activity days are clan-time already, and records
    # have no policy; the keywords keep every derivation callable the same way.
    rows = []
    for (player_id, measure), days in sorted(_daily_series(session, group_id, today).items()):
        for span, spans in (("day", days), ("week", _weeks(days))):
            best = _best(spans)
            if best is not None:
                start_on, end_on, value = best
                rows.append(
                    {
                        "group_id": group_id,
                        "player_id": player_id,
                        "span": span,
                        "measure": measure,
                        "value": value,
                        "start_on": start_on,
                        "end_on": end_on,
                    }
                )
    replace_rows(session, PersonalRecord, rows, scope=PersonalRecord.group_id == group_id)
    return {
        "personal records": len(rows),
        "members with a record": len({row["player_id"] for row in rows}),
    }


def _daily_series(
    session: Session, group_id: int, today: date
) -> dict[tuple[int, str], list[Span]]:
    """Each (player, measure)'s days with a gain, oldest first.

    Gains are never negative, so a day of 0 can't be a best day and adds nothing to its week:
    leaving those days out (most of a year of a member's days) changes no record.
    """
    series: dict[tuple[int, str], list[Span]] = defaultdict(list)
    columns = (DailyActivity.xp, DailyActivity.ehp, DailyActivity.ehb, DailyActivity.boss_kills)
    rows = session.execute(
        select(DailyActivity.player_id, DailyActivity.day, *columns)
        .where(
            DailyActivity.group_id == group_id,
            DailyActivity.day <= today,
            or_(*(column > 0 for column in columns)),
        )
        .order_by(DailyActivity.player_id, DailyActivity.day)
    )
    for player_id, day, *values in rows:
        for measure, value in zip(MEASURES, values, strict=True):
            if value is not None and value > 0:
                series[player_id, measure].append((day, day, float(value)))
    return series


def _weeks(days: list[Span]) -> list[Span]:
    """Sum days (oldest first) into Monday-Sunday weeks, oldest first."""
    totals: dict[date, float] = {}
    for day, _, value in days:
        monday = week_start(day)
        totals[monday] = totals.get(monday, 0.0) + value
    return [(monday, monday + timedelta(days=6), total) for monday, total in totals.items()]


def _best(spans: list[Span]) -> Span | None:
    """The span with the highest value, the earliest on a tie; None when the best isn't above 0."""
    best: Span | None = None
    for span in spans:
        if best is None or span[2] > best[2]:
            best = span
    return best if best is not None and best[2] > 0 else None
