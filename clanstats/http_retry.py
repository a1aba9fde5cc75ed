"""One retry policy for every HTTP API ClanStats talks to (WOM, the upload, the webhook).

What is worth another try: a 429 (after the wait the server asks for), a 5xx a server sends
while it restarts, a timeout, a dropped connection or an answer cut short. How long to wait: the
server's `Retry-After` (or `RateLimit-Reset`), or else an exponential backoff with jitter, so
several clients hit by one outage don't come back in step. A server asking for more than
MAX_RETRY_AFTER seconds is left for the next run.
"""

from __future__ import annotations

import email.utils
import http.client
import random
from datetime import UTC, datetime

import requests

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 300.0  # seconds; a longer wait belongs to the next run, not this one
# Transport failures that end an attempt but not the delivery: the answer was cut short.
CUT_SHORT = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    http.client.IncompleteRead,
)


def server_wait(response: requests.Response) -> float | None:
    """The wait a rate-limited answer asks for (Retry-After, else RateLimit-Reset), in seconds."""
    wait = header_seconds(response, "Retry-After")
    return wait if wait is not None else header_seconds(response, "RateLimit-Reset")


def backoff_delay(base: float, attempt: int, draw: random.Random) -> float:
    """The wait before retry `attempt` (0 first): base x 2^attempt, drawn from its upper half."""
    full = base * 2**attempt
    return draw.uniform(full / 2, full)


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
