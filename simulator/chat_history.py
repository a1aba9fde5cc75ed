"""Every stream's day blocks, generated on demand, cached (LRU) and paged by snowflake id."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from simulator.chat_rhythm import Rhythm
from simulator.chat_streams import Block, Stream, Voices, generate_day
from simulator.clock import DAY_MS
from simulator.snowflakes import LOW_MASK, snowflake, snowflake_ms

Position = tuple[Block, int]  # a message: its day block and its index there

_CACHED_BLOCKS = 512  # a few MB even for a 500-member clan's busiest channels


class History:
    """The messages of every stream, as of whatever moment a caller asks about."""

    def __init__(
        self,
        streams: dict[int, Stream],
        *,
        rhythm: Rhythm,
        voices: Voices,
        seed: int,
        origin_ms: int,
    ) -> None:
        self.streams = streams
        self.origin_ms = origin_ms
        self._rhythm = rhythm
        self._voices = voices
        self._seed = seed
        self._lock = threading.Lock()
        self._blocks: OrderedDict[tuple[int, int], Block] = OrderedDict()

    def block(self, stream: Stream, day: int, *, keep: bool = True) -> Block:
        """Return one stream's messages on day `day` of the history (0 is the first day).

        Bulk scans pass `keep=False` so they don't push the pages a client is reading out of
        the cache.
        """
        key = (stream.index, day)
        with self._lock:
            block = self._blocks.get(key)
            if block is not None:
                self._blocks.move_to_end(key)
                return block
        start_ms = self.origin_ms + day * DAY_MS
        weights = self._rhythm.hour_weights(start_ms)
        block = generate_day(stream, start_ms, weights, self._voices, self._seed)
        if keep:
            with self._lock:
                self._blocks[key] = block
                if len(self._blocks) > _CACHED_BLOCKS:
                    self._blocks.popitem(last=False)
        return block

    def days(self, stream: Stream, now_ms: int) -> range:
        """Return the days on which the stream may have messages by `now_ms`."""
        first = max(0, (stream.start_ms - self.origin_ms) // DAY_MS)
        last = (min(now_ms, stream.end_ms - 1) - self.origin_ms) // DAY_MS
        return range(first, last + 1)

    def visible(self, stream: Stream, now_ms: int) -> Iterator[tuple[Block, int]]:
        """Yield each day's block, oldest first, with how many of its messages exist by now."""
        cap = snowflake(now_ms, LOW_MASK)
        for day in self.days(stream, now_ms):
            block = self.block(stream, day, keep=False)
            count = int(np.searchsorted(block.ids, cap, side="right"))
            if count:
                yield block, count

    def after(self, stream: Stream, after_id: int, limit: int, now_ms: int) -> list[Position]:
        """Return up to `limit` messages with ids above `after_id`, oldest first."""
        cap = snowflake(now_ms, LOW_MASK)
        days = self.days(stream, now_ms)
        start = max(days.start, self._day_of(after_id))
        found: list[Position] = []
        for day in range(start, days.stop):
            block = self.block(stream, day)
            low = int(np.searchsorted(block.ids, after_id, side="right"))
            high = int(np.searchsorted(block.ids, cap, side="right"))
            high = min(high, low + limit - len(found))
            found.extend((block, i) for i in range(low, high))
            if len(found) >= limit:
                break
        return found

    def before(
        self, stream: Stream, before_id: int | None, limit: int, now_ms: int
    ) -> list[Position]:
        """Return up to `limit` messages below `before_id` (None: the latest), newest first."""
        cap = snowflake(now_ms, LOW_MASK)
        bound = cap + 1 if before_id is None else min(before_id, cap + 1)
        days = self.days(stream, now_ms)
        start = min(days.stop - 1, self._day_of(bound))
        found: list[Position] = []
        for day in range(start, days.start - 1, -1):
            block = self.block(stream, day)
            high = int(np.searchsorted(block.ids, bound, side="left"))
            low = max(0, high - (limit - len(found)))
            found.extend((block, i) for i in range(high - 1, low - 1, -1))
            if len(found) >= limit:
                break
        return found

    def latest_id(self, stream: Stream, now_ms: int) -> int | None:
        """Return the newest message id by `now_ms`, or None for an empty stream."""
        newest = self.before(stream, None, 1, now_ms)
        return int(newest[0][0].ids[newest[0][1]]) if newest else None

    def _day_of(self, snowflake_id: int) -> int:
        """Return the history day a snowflake falls on (negative before the history)."""
        return (snowflake_ms(max(snowflake_id, 0)) - self.origin_ms) // DAY_MS
