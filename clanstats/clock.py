"""The pipeline's clock: the real time, or a start moment set by `CLANSTATS_NOW`.

`CLANSTATS_NOW` (an ISO 8601 date-time, e.g. `2026-11-30T06:00:00Z`) is for tests and for
reproducing a past day: every stage then starts its clock at that moment, so "today", window
boundaries, freshness and run times all follow it. The clock still advances from there at the
real pace, so durations stay true. Without it, the clock is the machine's.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from clanstats.errors import ConfigError

NOW_ENV = "CLANSTATS_NOW"

# (the moment the clock was set to, time.monotonic() when it was set)
_anchor: tuple[datetime, float] | None = None
_anchored_from: str | None = None


def parse_moment(raw: str) -> datetime:
    """An ISO 8601 date-time as aware UTC; one without an offset is taken as UTC."""
    text = raw.strip()
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def start_at(raw: str | None) -> None:
    """Set the clock from a `CLANSTATS_NOW` value (None or empty: the machine's clock)."""
    global _anchor, _anchored_from
    text = (raw or "").strip()
    if text == (_anchored_from or ""):
        return  # the same value again (settings read twice): keep the running clock
    if not text:
        _anchor, _anchored_from = None, None
        return
    try:
        moment = parse_moment(text)
    except ValueError:
        raise ConfigError(
            f"{NOW_ENV}={text!r} is not valid: expected an ISO 8601 date-time such as "
            "2026-11-30T06:00:00Z, or leave it empty for the real time"
        ) from None
    _anchor, _anchored_from = (moment, time.monotonic()), text


def now() -> datetime:
    """The current moment, aware UTC."""
    if _anchor is None and os.environ.get(NOW_ENV, "").strip():
        start_at(os.environ[NOW_ENV])
    if _anchor is None:
        return datetime.now(UTC)
    moment, started = _anchor
    return moment + timedelta(seconds=time.monotonic() - started)


def child_environment() -> dict[str, str]:
    """What a child process needs to carry this clock on (nothing when it is the real time).

    A stage process started later starts its clock where the parent's has got to, so the
    times every process records line up as they would have in real time.
    """
    return {} if _anchor is None else {NOW_ENV: now().isoformat()}


def utcnow() -> datetime:
    """Naive UTC now: every timestamp in the database is naive UTC."""
    return now().replace(tzinfo=None)


def today(timezone: ZoneInfo) -> date:
    """Today's date in a timezone (the clan's days are dates in its TIMEZONE)."""
    return now().astimezone(timezone).date()
