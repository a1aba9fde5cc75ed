"""The gain windows officers read (7, 30, 90 and 365 days, and a custom range) as clan days.

A window is a run of whole clan-time days ending today (the custom one has fixed dates). Its
*start instant* is the clan-time midnight that begins its first day, in naive UTC like every
timestamp in the database: harvest asks WOM for exactly that span, and transform decides per
member whether local history reaches back past it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clanstats.rules import CustomPeriod

WINDOW_DAYS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
CUSTOM = "custom"
# The days the "when the clan is online" heatmap covers (transform derives it, export shows it).
HEATMAP_DAYS = 90


@dataclass(frozen=True)
class Window:
    """A named, inclusive range of clan days."""

    name: str
    start: date
    end: date

    def start_instant(self, timezone: ZoneInfo) -> datetime:
        """The naive UTC moment the window's first day begins."""
        return clan_midnight(self.start, timezone)

    def end_instant(self, timezone: ZoneInfo) -> datetime:
        """The naive UTC moment the window's last day ends."""
        return clan_midnight(self.end + timedelta(days=1), timezone)

    def holds(self, day: date) -> bool:
        """Whether a clan day lies inside the window."""
        return self.start <= day <= self.end


def gain_windows(today: date, custom: CustomPeriod | None) -> list[Window]:
    """The standard windows ending today, plus the rules file's custom period."""
    found = [Window(name, today - timedelta(days=n - 1), today) for name, n in WINDOW_DAYS.items()]
    if custom is not None:
        found.append(Window(CUSTOM, custom.start, custom.end))
    return found


def clan_midnight(day: date, timezone: ZoneInfo) -> datetime:
    """The naive UTC moment a clan-time day begins."""
    return datetime.combine(day, time(), timezone).astimezone(UTC).replace(tzinfo=None)


def local_day(moment: datetime, timezone: ZoneInfo) -> date:
    """The clan-time date of a naive UTC datetime."""
    return moment.replace(tzinfo=UTC).astimezone(timezone).date()
