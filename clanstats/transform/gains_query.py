"""What players gained in a metric over a range of days while they were in the clan.

A metric is a WOM metric name (`overall`, `vorkath`, ...) read from `daily_gains`, or one of the
aggregates read from `daily_activity`: xp (= overall), ehp, ehb, boss_kills, messages, questions
and answers. Days are clan-time dates; memberships are stored as naive UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clanstats.db.models import DailyActivity, DailyGain, Membership, Metric
from clanstats.transform.daily_gains import local_day

DEFAULT_TIMEZONE = ZoneInfo("UTC")
AGGREGATES = ("xp", "ehp", "ehb", "boss_kills", "messages", "questions", "answers")


@dataclass(frozen=True)
class Stay:
    """A player's (latest) stay in the clan in clan-time days; None: open at that end."""

    joined_on: date | None
    left_on: date | None

    def covers(self, day: date) -> bool:
        """Whether the player was in the clan on this day (join and leave days count)."""
        return (self.joined_on is None or self.joined_on <= day) and (
            self.left_on is None or day <= self.left_on
        )


def week_start(day: date) -> date:
    """The Monday of the week holding this day."""
    return day - timedelta(days=day.weekday())


def clan_stays(session: Session, *, group_id: int, timezone: ZoneInfo) -> dict[int, Stay]:
    """Each player's stay in the clan, current and former members alike."""
    rows = session.execute(
        select(Membership.player_id, Membership.joined_at, Membership.left_at).where(
            Membership.group_id == group_id
        )
    )
    return {
        player_id: Stay(
            joined_on=local_day(joined, timezone) if joined else None,
            left_on=local_day(left, timezone) if left else None,
        )
        for player_id, joined, left in rows
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
    stays = clan_stays(session, group_id=group_id, timezone=timezone)
    rows = chain(
        _aggregate_gains(session, group_id, [m for m in AGGREGATES if m in wanted], start, end),
        _wom_gains(session, group_id, wanted - set(AGGREGATES), start, end),
    )
    for player_id, day, metric, gained in rows:
        stay = stays.get(player_id)
        # A player with no membership row was never in the clan as far as we know.
        if gained and stay is not None and stay.covers(day):
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
