"""How fresh each source family's data is, from the fetch log.

A family (WOM, Discord) counts as fresh from its newest successful fetch of any of its sources:
a daily run fetches them together, while some sources (first-run gains, backfill) are fetched
rarely by design and would otherwise always look stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from clanstats.freshness import DAILY_STALE_HOURS, fetches_by_family

# Data older than this is flagged "stale": a daily run plus two hours' slack for a late start.
# The default only: the report stage passes the line its refresh intervals set
# (`stale_after_hours`), which moves out with a longer interval.
STALE_AFTER = timedelta(hours=DAILY_STALE_HOURS)

# (fetch_log source prefix, the name officers know it by)
FAMILIES = (("wom", "Wise Old Man"), ("discord", "Discord"))


@dataclass(frozen=True)
class Freshness:
    """One source family: its newest successful fetch (clan time) and whether that is too old."""

    family: str
    label: str
    last_success: datetime | None
    failing_sources: int
    expected: bool
    stale: bool

    @property
    def state(self) -> str:
        """What the Summary shows: ok, stale, never (fetched) or not set up."""
        if self.last_success is None:
            return "never" if self.expected else "not set up"
        return "stale" if self.stale else "ok"


def source_freshness(
    session: Session,
    *,
    group_id: int,
    now: datetime,
    timezone: ZoneInfo,
    discord_expected: bool,
    stale_after: timedelta = STALE_AFTER,
) -> list[Freshness]:
    """Each family's freshness at `now` (aware); times are returned naive in clan time."""
    fetched = fetches_by_family(session, group_id)
    now_utc = now.astimezone(UTC).replace(tzinfo=None)
    result = []
    for family, label in FAMILIES:
        seen = fetched.get(family)
        last = seen.last_success if seen else None
        result.append(
            Freshness(
                family=family,
                label=label,
                last_success=_clan_time(last, timezone) if last else None,
                failing_sources=seen.failing_sources if seen else 0,
                expected=family != "discord" or discord_expected or seen is not None,
                stale=last is None or now_utc - last > stale_after,
            )
        )
    return result


def _clan_time(naive_utc: datetime, timezone: ZoneInfo) -> datetime:
    return naive_utc.replace(tzinfo=UTC).astimezone(timezone).replace(tzinfo=None)
