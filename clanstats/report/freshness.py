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

from clanstats.freshness import DAILY_STALE_HOURS, FRESH, NEVER, family_state, fetches_by_family

# The default stale line (`clanstats.freshness`); the report stage passes the one its refresh
# intervals set.
STALE_AFTER = timedelta(hours=DAILY_STALE_HOURS)
NOT_SET_UP = "not set up"  # shown for a family never fetched that isn't configured either

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
    fetch_state: str  # FRESH, STALE or NEVER (`clanstats.freshness`)

    @property
    def stale(self) -> bool:
        """Whether the family has no successful fetch within the stale line."""
        return self.fetch_state != FRESH

    @property
    def state(self) -> str:
        """What the Summary shows: fresh, stale, never, or not set up (never, and optional)."""
        if self.fetch_state == NEVER and not self.expected:
            return NOT_SET_UP
        return self.fetch_state


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
                fetch_state=family_state(
                    seen, now_utc=now_utc, stale_after_hours=stale_after.total_seconds() / 3600
                ),
            )
        )
    return result


def _clan_time(naive_utc: datetime, timezone: ZoneInfo) -> datetime:
    return naive_utc.replace(tzinfo=UTC).astimezone(timezone).replace(tzinfo=None)
