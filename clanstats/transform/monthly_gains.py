"""Monthly gains: each player's daily gains summed per calendar month, kept in step with them.

A year's gains summed from daily_gains read about 2.5M rows at 500 members, and SQLite sorted
them all to group by player and metric. A window's gains are its whole months (from this
table, read in key order) plus the days at either end (from daily_gains). Each month is summed
with `math.fsum`, exact whatever order rows arrive in, so a month refreshed by a daily run and
one built by a rebuild hold the same bits.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from clanstats.db.models import DailyGain, MonthlyGain
from clanstats.db.replace import replace_rows
from clanstats.db.state import read_state, write_state
from clanstats.util import chunked

# Set once the table has been built from every daily gain; a rebuild forgets it.
IN_STEP_KEY = "monthly_gains_in_step"
CHUNK = 900  # stays under SQLite's bound-parameter limit on old builds


def month_start(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after `month` (itself a first day)."""
    return (month + timedelta(days=32)).replace(day=1)


def whole_months(start: date, end: date) -> list[date]:
    """The months lying wholly inside the inclusive day range, as their first days."""
    first = start if start.day == 1 else next_month(month_start(start))
    months: list[date] = []
    while next_month(first) - timedelta(days=1) <= end:
        months.append(first)
        first = next_month(first)
    return months


def update_monthly_gains(
    session: Session, group_id: int, touched: Iterable[tuple[int, date]]
) -> int:
    """Re-sum the player-months whose daily gains changed (all on the first run); return how many.

    `touched` are the (player, day) pairs whose daily gains changed in this run.
    """
    if read_state(session, group_id, IN_STEP_KEY) != "1":
        refreshed = _build_all(session, group_id)
        write_state(session, group_id, IN_STEP_KEY, "1")
        return refreshed
    players_by_month: dict[date, set[int]] = defaultdict(set)
    for player_id, day in touched:
        players_by_month[month_start(day)].add(player_id)
    for month, players in sorted(players_by_month.items()):
        for chunk in chunked(sorted(players), CHUNK):
            _refresh(session, group_id, month, chunk)
    return sum(len(players) for players in players_by_month.values())


def _build_all(session: Session, group_id: int) -> int:
    """Sum every month of daily gains, one month at a time (memory stays one month's rows)."""
    session.execute(delete(MonthlyGain).where(MonthlyGain.group_id == group_id))
    first, last = session.execute(
        select(func.min(DailyGain.day), func.max(DailyGain.day)).where(
            DailyGain.group_id == group_id
        )
    ).one()
    if first is None or last is None:
        return 0
    summed = 0
    month = month_start(first)
    while month <= last:
        rows = _month_rows(session, group_id, month)
        for chunk in chunked(rows, CHUNK):
            session.execute(insert(MonthlyGain), list(chunk))
        summed += len({row["player_id"] for row in rows})
        month = next_month(month)
    return summed


def _refresh(session: Session, group_id: int, month: date, players: Sequence[int]) -> None:
    """Make these players' rows for this month equal the fsum of their daily gains in it."""
    replace_rows(
        session,
        MonthlyGain,
        _month_rows(session, group_id, month, players),
        scope=(MonthlyGain.group_id == group_id)
        & (MonthlyGain.month == month)
        & MonthlyGain.player_id.in_(players),
    )


def _month_rows(
    session: Session, group_id: int, month: date, players: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """A month's monthly_gains rows from its daily gains (these players', or everyone's)."""
    query = select(DailyGain.player_id, DailyGain.metric_id, DailyGain.gained).where(
        DailyGain.group_id == group_id,
        DailyGain.day >= month,
        DailyGain.day < next_month(month),
    )
    if players is not None:
        query = query.where(DailyGain.player_id.in_(players))
    parts: dict[tuple[int, int], list[float]] = defaultdict(list)
    for player_id, metric_id, gained in session.execute(query):
        parts[(player_id, metric_id)].append(gained)
    return _rows(group_id, month, parts)


def _rows(
    group_id: int, month: date, parts: dict[tuple[int, int], list[float]]
) -> list[dict[str, Any]]:
    return [
        {
            "group_id": group_id,
            "player_id": player_id,
            "metric_id": metric_id,
            "month": month,
            "gained": math.fsum(gains),
        }
        for (player_id, metric_id), gains in parts.items()
    ]
