"""Refresh intervals: whether a source was fetched recently enough to skip it this run."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from clanstats.db.models import FetchLog
from clanstats.rules import RefreshRules

FORCE_ENV = "CLANSTATS_FORCE"  # set by `main.py --force`
# Data older than this is stale: a daily run plus two hours' slack for a late start. The
# default only: longer refresh intervals move the line out (`stale_after_hours`).
DAILY_STALE_HOURS = 26.0
# A source family's state, the one vocabulary of the workbook, the dashboard and clan_data.json.
FRESH = "fresh"  # a successful fetch within the stale line
STALE = "stale"  # no successful fetch within it (an old one, or only failures)
NEVER = "never"  # never fetched at all (Discord not set up, or a first run not yet done)


def forced() -> bool:
    """Whether this run was told to ignore refresh intervals."""
    return os.environ.get(FORCE_ENV) == "1"


def fetched_within(
    engine: Engine, group_id: int, sources: Sequence[str], hours: float, now: datetime
) -> datetime | None:
    """When the oldest of these sources last succeeded, if all did within `hours`; else None.

    A family of sources is fresh only when every member of it is, so a source that failed
    last time is fetched again whatever its interval.
    """
    if hours <= 0 or forced() or not sources:
        return None
    with Session(engine) as session:
        last = dict(
            session.execute(
                select(FetchLog.source, func.max(FetchLog.finished_at))
                .where(
                    FetchLog.group_id == group_id,
                    FetchLog.source.in_(list(sources)),
                    FetchLog.outcome == "ok",
                )
                .group_by(FetchLog.source)
            ).all()
        )
        newest_failure = session.scalar(
            select(func.max(FetchLog.finished_at)).where(
                FetchLog.group_id == group_id,
                FetchLog.source.in_(list(sources)),
                FetchLog.outcome == "error",
            )
        )
    if len(last) < len(set(sources)):
        return None
    oldest = min(last.values())
    if newest_failure is not None and newest_failure > oldest:
        return None
    return oldest if now - oldest < timedelta(hours=hours) else None


def skipped_label(since: datetime, now: datetime) -> str:
    """The run-summary text for a source skipped as fresh."""
    hours = (now - since).total_seconds() / 3600
    return f"skipped: fetched {hours:.1f} h ago"


def stale_after_hours(refresh: RefreshRules) -> float:
    """When outputs call data stale: past its longest interval, never sooner than a daily run.

    A day and two hours at least, so a clan scheduled daily isn't told its data is stale every
    morning; a longer interval (say weekly) moves the line out with it.
    """
    longest = max(refresh.wom_state_hours, refresh.wom_events_hours, refresh.discord_hours)
    return max(DAILY_STALE_HOURS, longest + 2)


def family_state(
    fetches: FamilyFetches | None, *, now_utc: datetime, stale_after_hours: float
) -> str:
    """FRESH, STALE or NEVER for a family at `now_utc` (naive UTC, as the fetch log stores)."""
    if fetches is None:
        return NEVER
    return STALE if is_stale(fetches.last_success, now_utc, stale_after_hours) else FRESH


def is_stale(last_success: datetime | None, now_utc: datetime, stale_after_hours: float) -> bool:
    """Whether data last fetched at `last_success` is past the stale line (the line is fresh)."""
    if last_success is None:
        return True
    return (now_utc - last_success).total_seconds() > stale_after_hours * 3600


@dataclass(frozen=True)
class FamilyFetches:
    """What the fetch log says about one source family (wom, discord): times naive UTC."""

    last_success: datetime | None
    last_attempt: datetime
    failing_sources: int  # sources of the family whose newest fetch failed


def fetches_by_family(session: Session, group_id: int) -> dict[str, FamilyFetches]:
    """Every source family the group has ever fetched, from one pass over the fetch log."""
    success: dict[str, datetime] = {}
    attempt: dict[str, datetime] = {}
    newest: dict[str, tuple[datetime, str]] = {}  # per source: its newest fetch and outcome
    for source, outcome, finished in session.execute(
        select(FetchLog.source, FetchLog.outcome, func.max(FetchLog.finished_at))
        .where(FetchLog.group_id == group_id)
        .group_by(FetchLog.source, FetchLog.outcome)
    ):
        family = source.split(":", 1)[0]
        attempt[family] = max(attempt.get(family, finished), finished)
        if outcome == "ok":
            success[family] = max(success.get(family, finished), finished)
        if source not in newest or finished > newest[source][0]:
            newest[source] = (finished, outcome)
    failing: dict[str, int] = {}
    for source, (_, outcome) in newest.items():
        family = source.split(":", 1)[0]
        failing[family] = failing.get(family, 0) + (outcome == "error")
    return {
        family: FamilyFetches(success.get(family), last, failing.get(family, 0))
        for family, last in attempt.items()
    }
