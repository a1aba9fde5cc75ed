"""Reading the rate-limit headers every HTTP API ClanStats talks to may send."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

import requests


def header_seconds(response: requests.Response, name: str) -> float | None:
    """A header holding seconds (or, as Retry-After may, an HTTP date); None if absent or bad."""
    raw = response.headers.get(name)
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
