"""What players gained in a metric over a range of days while they were in the clan.

Counted from the day a player first joined (WOM's feed and roster) to the day they left, less
the days they were away between two stays (see `stays`); their joining and leaving days count.

A metric is a WOM metric name (`overall`, `vorkath`, ...) read from `daily_gains`, or one of the
aggregates read from `daily_activity`: xp (= overall), ehp, ehb, boss_kills, messages, questions
and answers. Days are clan-time dates; memberships are stored as naive UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from functools import lru_cache
from itertools import chain
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clanstats.db.models import DailyActivity, DailyGain, Metric
from clanstats.transform.stays import load_stays
from clanstats.windows import local_day

DEFAULT_TIMEZONE = ZoneInfo("UTC")
AGGREGATES = ("xp", "ehp", "ehb", "boss_kills", "messages", "questions", "answers")


@lru_cache(maxsize=4096)
def week_start(day: date) -> date:
    """The Monday of the week holding this day."""
    # Cached: asked for each day of each member's history, which holds a few hundred dates.
    return day - timedelta(days=day.weekday())


def first_joined_days(session: Session, *, group_id: int, timezone: ZoneInfo) -> dict[int, date]:
    """The clan day each player first joined, as far as WOM's feed and roster say."""
    return {
        pid: local_day(stays.first_joined, timezone)
        for pid, stays in load_stays(session, group_id).items()
        if stays.first_joined is not None
    }


def first_data_day(session: Session, *, group_id: int) -> date | None:
    """The earliest day the clan has any game or Discord data for, None if none yet."""
    return session.scalar(
        select(func.min(DailyActivity.day)).where(DailyActivity.group_id == group_id)
    )


def unknown_metrics(session: Session, names: Iterable[str]) -> list[str]:
    """The names that are neither an aggregate nor a WOM metric ever seen (likely typos)."""
    wom = {name for name in names if name not in AGGREGATES}
    if not wom:
        return []
    seen = set(session.scalars(select(Metric.name).where(Metric.name.in_(wom))))
    return sorted(wom - seen)


def gains_in_clan(
    session: Session,
    *,
    group_id: int,
    metrics: Iterable[str],
    start: date,
    end: date,
    timezone: ZoneInfo,
) -> Iterator[tuple[int, date, str, float]]:
    """Yield (player, day, metric, gain) for non-zero gains in [start, end] while in the clan."""
    wanted = set(metrics)
    stays = load_stays(session, group_id)
    joined = first_joined_days(session, group_id=group_id, timezone=timezone)
    rows = chain(
        _aggregate_gains(session, group_id, [m for m in AGGREGATES if m in wanted], start, end),
        _wom_gains(session, group_id, wanted - set(AGGREGATES), start, end),
    )
    for player_id, day, metric, gained in rows:
        # Never a member as far as we know, before they first joined, after they left or while
        # away: not the clan's doing.
        first = joined.get(player_id)
        if (
            gained
            and player_id in stays
            and (first is None or first <= day)
            and not stays[player_id].away_on(day, timezone)
        ):
            yield player_id, day, metric, gained


def _aggregate_gains(
    session: Session, group_id: int, columns: list[str], start: date, end: date
) -> Iterator[tuple[int, date, str, float]]:
    """Gains in the daily_activity columns; NULL (no snapshot that day) is no gain."""
    if not columns:
        return
    selected = [getattr(DailyActivity, column) for column in columns]
    rows = session.execute(
        select(DailyActivity.player_id, DailyActivity.day, *selected)
        .where(
            DailyActivity.group_id == group_id,
            DailyActivity.day >= start,
            DailyActivity.day <= end,
        )
        .order_by(DailyActivity.player_id, DailyActivity.day)
    )
    for player_id, day, *values in rows:
        for column, value in zip(columns, values, strict=True):
            if value:
                yield player_id, day, column, float(value)


def _wom_gains(
    session: Session, group_id: int, names: set[str], start: date, end: date
) -> Iterator[tuple[int, date, str, float]]:
    """Gains in WOM metrics by name from daily_gains."""
    if not names:
        return
    rows = session.execute(
        select(DailyGain.player_id, DailyGain.day, Metric.name, DailyGain.gained)
        .join(Metric, Metric.id == DailyGain.metric_id)
        .where(
            DailyGain.group_id == group_id,
            DailyGain.day >= start,
            DailyGain.day <= end,
            Metric.name.in_(names),
        )
        .order_by(DailyGain.player_id, DailyGain.day, Metric.name)
    )
    for player_id, day, name, gained in rows:
        yield player_id, day, name, float(gained)
