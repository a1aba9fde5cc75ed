"""When a clan chats: a weekday x hour rhythm in the clan's timezone, per UTC hour of a day."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from simulator.clock import HOUR_MS

# Relative activity per local hour: quiet nights, a lunch bump, a peak from 19:00 to 22:00.
_HOUR_SHAPE = np.array(
    [0.50, 0.25, 0.12, 0.07, 0.05, 0.07, 0.18, 0.38, 0.52, 0.58, 0.62, 0.68,
     0.82, 0.84, 0.78, 0.84, 0.95, 1.10, 1.35, 1.62, 1.78, 1.72, 1.38, 0.92]
)  # fmt: skip
# Relative activity per local weekday, Monday first: weekends and Friday nights are busier.
_WEEKDAY_SHAPE = np.array([0.86, 0.84, 0.88, 0.90, 1.05, 1.27, 1.20])

HOUR_WEIGHTS = _HOUR_SHAPE / _HOUR_SHAPE.sum()
WEEKDAY_WEIGHTS = _WEEKDAY_SHAPE / _WEEKDAY_SHAPE.mean()


class Rhythm:
    """Share of a day's expected messages that falls in each UTC hour, in one timezone."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)
        self._lock = threading.Lock()
        self._days: dict[int, np.ndarray] = {}

    def hour_weights(self, day_start_ms: int) -> np.ndarray:
        """Return 24 weights for the UTC hours of the day starting at `day_start_ms`.

        Their sum is that day's activity relative to an average day (about 1); each hour reads
        the local hour and weekday it falls on, so DST and the local week are honoured.
        """
        with self._lock:
            cached = self._days.get(day_start_ms)
        if cached is not None:
            return cached
        start = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=day_start_ms)
        weights = np.empty(24)
        for hour in range(24):
            local = (start + timedelta(milliseconds=hour * HOUR_MS)).astimezone(self.zone)
            weights[hour] = HOUR_WEIGHTS[local.hour] * WEEKDAY_WEIGHTS[local.weekday()]
        with self._lock:
            if len(self._days) > 4096:  # a long-running demo server must not grow forever
                self._days.clear()
            self._days[day_start_ms] = weights
        return weights
