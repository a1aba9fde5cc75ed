"""Time units of the simulation and the way WOM writes moments and periods."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
NEVER_MS = 2**62  # later than any simulated event

PERIODS: dict[str, int] = {
    "five_min": 5 * MINUTE_MS,
    "day": DAY_MS,
    "week": 7 * DAY_MS,
    "month": 31 * DAY_MS,
    "year": round(365.24 * DAY_MS),
}


def iso_ms(ms: int) -> str:
    """Format epoch milliseconds the way WOM does: `2026-11-20T12:00:00.000Z`."""
    seconds, millis = divmod(int(ms), 1000)
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{millis:03d}Z"


def to_ms(moment: datetime) -> int:
    """Return aware `moment` as epoch milliseconds."""
    if moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware (UTC)")
    return round(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """Return epoch milliseconds as an aware UTC datetime."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(ms))
