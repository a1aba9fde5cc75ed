"""TokenBucket: bursts up to the limit, never more than the limit in any window, pauses."""

from __future__ import annotations

import math
import random
import threading
import time

import pytest

from clanstats.ratelimit import TokenBucket
from tests.fake_clock import FakeClock


def make_bucket(limit: int, per_seconds: float, clock: FakeClock) -> TokenBucket:
    return TokenBucket(limit, per_seconds, clock=clock, sleep=clock.sleep)


def most_in_any_window(times: list[float], per_seconds: float) -> int:
    """Return the largest number of timestamps inside any half-open window of per_seconds."""
    ordered = sorted(times)
    best = 0
    for i, start in enumerate(ordered):
        inside = [t for t in ordered[i:] if t < start + per_seconds]
        best = max(best, len(inside))
    return best


def test_a_full_burst_goes_out_without_waiting() -> None:
    clock = FakeClock()
    bucket = make_bucket(5, 60.0, clock)

    waits = [bucket.acquire() for _ in range(5)]

    assert waits == [0.0] * 5
    assert clock.sleeps == []


def test_the_request_after_a_burst_waits_for_the_first_token_to_come_back() -> None:
    clock = FakeClock()
    bucket = make_bucket(5, 60.0, clock)
    for _ in range(5):
        bucket.acquire()
    clock.advance(10.0)

    waited = bucket.acquire()

    assert waited == pytest.approx(50.0)
    assert clock.now == pytest.approx(1060.0)


def test_a_fresh_bucket_never_lets_twice_the_limit_through_in_the_first_window() -> None:
    # A refill-rate bucket that starts full would allow 10 now plus ~10 refilled over the minute.
    clock = FakeClock()
    bucket = make_bucket(10, 60.0, clock)
    sent: list[float] = []
    for _ in range(20):
        bucket.acquire()
        sent.append(clock.now)
        clock.advance(1.0)

    assert sum(1 for t in sent if t < 1000.0 + 60.0) == 10
    assert sent[10] == pytest.approx(1060.0)


def test_each_token_comes_back_per_seconds_after_it_was_spent() -> None:
    clock = FakeClock()
    bucket = make_bucket(2, 10.0, clock)
    bucket.acquire()
    clock.advance(5.0)
    bucket.acquire()

    assert bucket.acquire() == pytest.approx(5.0)
    assert clock.now == pytest.approx(1010.0)
    assert bucket.acquire() == pytest.approx(5.0)
    assert clock.now == pytest.approx(1015.0)


@pytest.mark.parametrize("seed", range(5))
def test_never_more_than_limit_in_any_window_under_irregular_traffic(seed: int) -> None:
    rng = random.Random(seed)
    clock = FakeClock()
    bucket = make_bucket(7, 60.0, clock)
    sent: list[float] = []
    for _ in range(200):
        clock.advance(rng.choice([0.0, 0.0, 0.5, 3.0, 20.0, 61.0]))
        bucket.acquire()
        sent.append(clock.now)

    assert most_in_any_window(sent, 60.0) == 7


def test_pause_until_holds_the_next_request_even_with_tokens_left() -> None:
    clock = FakeClock()
    bucket = make_bucket(100, 60.0, clock)
    bucket.acquire()

    bucket.pause_until(clock.now + 7.5)

    assert bucket.acquire() == pytest.approx(7.5)
    assert bucket.acquire() == 0.0


def test_an_earlier_pause_does_not_shorten_a_later_one() -> None:
    clock = FakeClock()
    bucket = make_bucket(100, 60.0, clock)

    bucket.pause_until(clock.now + 10.0)
    bucket.pause_until(clock.now + 2.0)

    assert bucket.acquire() == pytest.approx(10.0)


def test_a_pause_in_the_past_changes_nothing() -> None:
    clock = FakeClock()
    bucket = make_bucket(3, 60.0, clock)

    bucket.pause_until(clock.now - 5.0)

    assert bucket.acquire() == 0.0


def test_a_pause_and_an_empty_bucket_wait_for_whichever_is_later() -> None:
    clock = FakeClock()
    bucket = make_bucket(1, 10.0, clock)
    bucket.acquire()

    bucket.pause_until(clock.now + 4.0)

    assert bucket.acquire() == pytest.approx(10.0)


@pytest.mark.parametrize(("limit", "per_seconds"), [(0, 60.0), (-1, 60.0), (5, 0.0), (5, -1.0)])
def test_nonsense_limits_are_refused(limit: int, per_seconds: float) -> None:
    with pytest.raises(ValueError):
        TokenBucket(limit, per_seconds)


def test_threads_sharing_a_bucket_stay_under_the_limit() -> None:
    limit, per_seconds, threads, each = 3, 0.1, 6, 3
    bucket = TokenBucket(limit, per_seconds)
    done: list[float] = []
    done_lock = threading.Lock()
    start_together = threading.Barrier(threads)

    def worker() -> None:
        start_together.wait()
        for _ in range(each):
            bucket.acquire()
            with done_lock:
                done.append(time.monotonic())

    started = time.monotonic()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=10)

    total = threads * each
    assert len(done) == total
    # A completion is recorded after its token was spent, so at most m*limit can be recorded
    # within m windows of the start; a race that let extra requests through would break this.
    for windows in range(1, math.ceil(total / limit)):
        assert sum(1 for t in done if t < started + windows * per_seconds) <= windows * limit
    assert max(done) - started >= (math.ceil(total / limit) - 1) * per_seconds
