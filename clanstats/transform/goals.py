"""Weekly clan goals: the whole clan's gain in a metric each week against the goal's target.

Weeks start on Monday (clan time). Kept: the week holding `today` and the 12 before it, less
the weeks that ended before the clan's first day of data (nothing was tracked then, so a missed
goal would be noise). The current week is always kept: it is being tracked now. Progress counts
current and former members, each only on days they were in the clan.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from clanstats.db.models import GoalWeek
from clanstats.db.replace import replace_rows
from clanstats.rules import Goal, Rules
from clanstats.transform.gains_query import (
    DEFAULT_TIMEZONE,
    first_data_day,
    gains_in_clan,
    unknown_metrics,
    week_start,
)

PAST_WEEKS = 12


def derive_goal_weeks(
    session: Session,
    *,
    group_id: int,
    today: date,
    rules: Rules,
    timezone: ZoneInfo = DEFAULT_TIMEZONE,
) -> dict[str, object]:
    """Replace the group's goal weeks with this week's and the last 12 weeks' progress."""
    goals = rules.goals
    weeks = goal_weeks(today, first_data_day(session, group_id=group_id))
    totals = _weekly_totals(session, group_id, goals, weeks, today, timezone)
    current = week_start(today)
    rows = []
    for goal in goals:
        for monday in weeks:
            # Rounded so float sums (ehp, ehb) can't miss a target by 1e-12.
            progress = round(totals.get((goal.metric, monday), 0.0), 6)
            rows.append(
                {
                    "group_id": group_id,
                    "goal": goal.name,
                    "week_start": monday,
                    "metric": goal.metric,
                    "target": goal.target,
                    "progress": progress,
                    "achieved": progress >= goal.target,
                    "is_current": monday == current,
                }
            )
    replace_rows(session, GoalWeek, rows, scope=GoalWeek.group_id == group_id)
    return _summary(session, goals, rows)


def goal_weeks(today: date, first_day: date | None) -> list[date]:
    """The Mondays of the weeks to report, oldest first."""
    current = week_start(today)
    mondays = [current - timedelta(weeks=n) for n in range(PAST_WEEKS, -1, -1)]
    return [
        monday
        for monday in mondays
        if monday == current or (first_day is not None and monday + timedelta(days=6) >= first_day)
    ]


def _weekly_totals(
    session: Session,
    group_id: int,
    goals: list[Goal],
    weeks: list[date],
    today: date,
    timezone: ZoneInfo,
) -> dict[tuple[str, date], float]:
    """The clan's total per (metric, week) from the first reported week up to today."""
    totals: dict[tuple[str, date], float] = defaultdict(float)
    if not goals or not weeks:
        return totals
    for _, day, metric, gained in gains_in_clan(
        session,
        group_id=group_id,
        metrics={goal.metric for goal in goals},
        start=weeks[0],
        end=today,
        timezone=timezone,
    ):
        totals[metric, week_start(day)] += gained
    return totals


def _summary(
    session: Session, goals: list[Goal], rows: list[dict[str, object]]
) -> dict[str, object]:
    """This week's result and any goal metric nobody has ever gained in (a likely typo)."""
    this_week = [row for row in rows if row["is_current"]]
    summary: dict[str, object] = {
        "weekly goals": len(goals),
        "goals met this week": f"{sum(bool(row['achieved']) for row in this_week)} of {len(goals)}",
        "goal weeks": len(rows),
    }
    unknown = unknown_metrics(session, (goal.metric for goal in goals))
    if unknown:
        summary["goal metrics never seen"] = ", ".join(unknown)
    return summary
