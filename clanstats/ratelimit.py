"""A rolling-window token bucket that keeps requests under a per-window rate limit."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class TokenBucket:
    """Allow bursts of up to `limit`, and never more than `limit` acquisitions per window."""

    def __init__(
        self,
        limit: int,
        per_seconds: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        if per_seconds <= 0:
            raise ValueError(f"per_seconds must be positive, not {per_seconds}")
        self.limit = limit
        self.per_seconds = per_seconds
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        # Each token comes back exactly per_seconds after it was spent. A bucket that refills at
        # limit/per_seconds and starts full would let ~2x limit through in the first window.
        self._spent: deque[float] = deque()
        self._paused_until = float("-inf")

    def __repr__(self) -> str:
        return f"TokenBucket(limit={self.limit}, per_seconds={self.per_seconds})"

    def acquire(self) -> float:
        """Block until one more request may go; return the seconds spent waiting."""
        start = self._clock()
        waited = False
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._spent.append(now)
                    return now - start if waited else 0.0
            # Sleep outside the lock so other threads can still pause the bucket; the loop
            # re-checks because another thread may have taken the token that came back.
            self._sleep(wait)
            waited = True

    def pause_until(self, monotonic_time: float) -> None:
        """Hold every acquisition until the given clock time (a server asked us to back off)."""
        with self._lock:
            self._paused_until = max(self._paused_until, monotonic_time)

    def _wait_needed(self, now: float) -> float:
        """Return how long to wait before a token is free at `now` (<= 0: free now)."""
        while self._spent and self._spent[0] + self.per_seconds <= now:
            self._spent.popleft()
        wait = self._paused_until - now
        if len(self._spent) >= self.limit:
            wait = max(wait, self._spent[0] + self.per_seconds - now)
        return wait
