"""Lazy message generation: one `Stream` per channel or thread, one seeded `Block` per UTC day.

A day's block is drawn in a few vectorised numpy calls from the stream's per-author daily rates
and the day's hour weights (see `chat_rhythm`): messages, then questions, commands, replies to
them, webhook posts or relay system lines. Ids are snowflakes of the message time, strictly
increasing within a stream, so id order is time order and paging is a binary search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.clock import DAY_MS, HOUR_MS
from simulator.snowflakes import snowflakes

# Message kinds, stored per message as int8.
PLAIN, QUESTION, ANSWER, FOLLOW_UP, REACTION, COMMAND, BOT_ANSWER, WEBHOOK = range(8)
RELAY, RELAY_QUESTION, RELAY_SYSTEM = 8, 9, 10
REPLY_KINDS = (ANSWER, FOLLOW_UP, REACTION, BOT_ANSWER)
RELAY_LINE_KINDS = (RELAY, RELAY_QUESTION)

_QUESTION_SHARE = 0.12
_ANSWERED = 0.65  # questions someone else replies to
_FOLLOWED_UP = 0.08  # questions the asker replies to themself
_REACTED = 0.07  # ordinary messages that get a reply
_RELAY_QUESTION_SHARE = 0.08
_SEQUENCE_BITS = 12


@dataclass(frozen=True)
class Voices:
    """Indexes of the accounts that post on their own: bots and the webhook."""

    relay_bot: int
    utility_bot: int
    webhook: int


@dataclass(frozen=True)
class Stream:
    """One channel or thread's posters, with how much and when they post.

    `authors` are user indexes (speaker indexes for a relay stream); `rates` their expected
    messages on an average day; nobody posts before `from_ms`, and from `until_ms` until
    `back_ms` (a rejoin; NEVER_MS for most) an author's rate is multiplied by `after_factor`
    (0 stops them; ex-members still chat a little).
    """

    index: int  # < 1024: it fills the snowflakes' worker and process bits
    channel_id: int
    topic: str
    start_ms: int
    end_ms: int
    authors: np.ndarray
    rates: np.ndarray
    from_ms: np.ndarray
    until_ms: np.ndarray
    after_factor: np.ndarray
    back_ms: np.ndarray
    relay: bool = False
    command_share: float = 0.0
    webhook_per_day: float = 0.0
    system_per_day: float = 0.0


@dataclass(frozen=True)
class Block:
    """One stream's messages on one day, oldest first; `ref` indexes the replied-to message."""

    ms: np.ndarray
    ids: np.ndarray
    author: np.ndarray  # user index (the relay bot for relay lines)
    speaker: np.ndarray  # relay speaker index, -1 elsewhere
    kind: np.ndarray
    ref: np.ndarray
    seed: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def _empty_block() -> Block:
    """Return a block without messages."""
    ints = np.zeros(0, dtype=np.int64)
    return Block(ints, ints, ints, ints, ints.astype(np.int8), ints, ints)


@dataclass
class _Parts:
    """Messages being assembled: parallel lists of arrays."""

    ms: list[np.ndarray]
    author: list[np.ndarray]
    speaker: list[np.ndarray]
    kind: list[np.ndarray]
    ref: list[np.ndarray]

    def add(
        self,
        ms: np.ndarray,
        author: np.ndarray | int,
        kind: np.ndarray | int,
        *,
        speaker: np.ndarray | int = -1,
        ref: np.ndarray | int = -1,
    ) -> None:
        """Append messages; scalars apply to all of them."""
        count = len(ms)
        self.ms.append(ms.astype(np.int64))
        for parts, value in (
            (self.author, author),
            (self.speaker, speaker),
            (self.kind, kind),
            (self.ref, ref),
        ):
            if isinstance(value, np.ndarray):
                parts.append(value.astype(np.int64))
            else:
                parts.append(np.full(count, value, dtype=np.int64))


def generate_day(
    stream: Stream, day_start_ms: int, weights: np.ndarray, voices: Voices, seed: int
) -> Block:
    """Draw one stream's messages for the UTC day starting at `day_start_ms`."""
    low = max(day_start_ms, stream.start_ms)
    high = min(day_start_ms + DAY_MS, stream.end_ms)
    if high <= low:
        return _empty_block()
    rng = np.random.default_rng(np.random.SeedSequence([seed, stream.index, day_start_ms]))
    away = (day_start_ms >= stream.until_ms) & (day_start_ms < stream.back_ms)
    factor = np.where(away, stream.after_factor, 1.0)
    rates = stream.rates * (stream.from_ms < high) * factor
    ms, who = _draw(rng, rates, weights, day_start_ms)
    keep = (ms >= low) & (ms < high) & (ms >= stream.from_ms[who])
    present = (ms < stream.until_ms[who]) | (ms >= stream.back_ms[who])
    keep &= present | (stream.after_factor[who] > 0)
    ms, who = ms[keep], who[keep]
    parts = _Parts([], [], [], [], [])
    if stream.relay:
        _relay_messages(parts, rng, stream, ms, who, rates, low, high, voices)
    else:
        _chat_messages(parts, rng, stream, ms, who, rates, high, voices)
        posts = rng.poisson(stream.webhook_per_day * weights.sum())
        # Event announcements go out in the UTC early evening.
        at = day_start_ms + 17 * HOUR_MS + rng.integers(0, 3 * HOUR_MS, posts)
        parts.add(at[(at >= low) & (at < high)], voices.webhook, WEBHOOK)
    return _assemble(rng, stream, parts, high)


def _draw(
    rng: np.random.Generator, rates: np.ndarray, weights: np.ndarray, day_start_ms: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return message moments (sorted) and author positions for one day."""
    total = float(rates.sum())
    if total <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    counts = rng.poisson(total * weights)
    hours = np.repeat(np.arange(24, dtype=np.int64), counts)
    ms = day_start_ms + hours * HOUR_MS + rng.integers(0, HOUR_MS, len(hours))
    who = rng.choice(len(rates), size=len(hours), p=rates / total)
    order = np.argsort(ms, kind="stable")
    return ms[order], who[order]


def _others(rng: np.random.Generator, rates: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """Return an author position other than each `excluded` one, drawn by rate; -1 if none."""
    if not len(excluded):
        return excluded
    total = float(rates.sum())
    picks = rng.choice(len(rates), size=(len(excluded), 2), p=rates / total)
    first, second = picks[:, 0], picks[:, 1]
    return np.where(first != excluded, first, np.where(second != excluded, second, -1))


def _chat_messages(
    parts: _Parts,
    rng: np.random.Generator,
    stream: Stream,
    ms: np.ndarray,
    who: np.ndarray,
    rates: np.ndarray,
    high: int,
    voices: Voices,
) -> None:
    """Add members' messages, questions and commands, and the replies they draw."""
    roll = rng.random(len(ms))
    kind = np.full(len(ms), PLAIN, dtype=np.int64)
    kind[roll < _QUESTION_SHARE] = QUESTION
    commands = (roll >= _QUESTION_SHARE) & (roll < _QUESTION_SHARE + stream.command_share)
    kind[commands] = COMMAND
    parts.add(ms, stream.authors[who], kind)

    def reply(targets: np.ndarray, repliers: np.ndarray, delay: np.ndarray, kind: int) -> None:
        at = ms[targets] + delay.astype(np.int64)
        valid = (repliers >= 0) & (at < high)
        valid &= at >= stream.from_ms[np.maximum(repliers, 0)]
        authors = stream.authors[repliers[valid]]
        parts.add(at[valid], authors, kind, ref=targets[valid])

    questions = np.flatnonzero(kind == QUESTION)
    answered = questions[rng.random(len(questions)) < _ANSWERED]
    delay = rng.exponential(180_000, len(answered)) + 15_000
    reply(answered, _others(rng, rates, who[answered]), delay, ANSWER)
    followed = questions[rng.random(len(questions)) < _FOLLOWED_UP]
    delay = rng.exponential(300_000, len(followed)) + 60_000
    reply(followed, who[followed], delay, FOLLOW_UP)
    plain = np.flatnonzero(kind == PLAIN)
    reacted = plain[rng.random(len(plain)) < _REACTED]
    delay = rng.exponential(120_000, len(reacted)) + 5_000
    reply(reacted, _others(rng, rates, who[reacted]), delay, REACTION)
    asked = np.flatnonzero(commands)
    at = ms[asked] + 700 + rng.exponential(1_500, len(asked)).astype(np.int64)
    parts.add(at[at < high], voices.utility_bot, BOT_ANSWER, ref=asked[at < high])


def _relay_messages(
    parts: _Parts,
    rng: np.random.Generator,
    stream: Stream,
    ms: np.ndarray,
    who: np.ndarray,
    rates: np.ndarray,
    low: int,
    high: int,
    voices: Voices,
) -> None:
    """Add relayed clan chat lines, and game broadcasts about the players speaking that day."""
    kind = np.where(rng.random(len(ms)) < _RELAY_QUESTION_SHARE, RELAY_QUESTION, RELAY)
    parts.add(ms, voices.relay_bot, kind, speaker=stream.authors[who])
    count = rng.poisson(stream.system_per_day)
    at = np.sort(rng.integers(low, high, count))
    speaking = np.flatnonzero(rates > 0)
    if len(speaking):
        subjects = stream.authors[speaking[rng.integers(0, len(speaking), count)]]
    else:
        subjects = np.full(count, -1)  # nobody to announce: the relay's own reconnect line
    parts.add(at, voices.relay_bot, RELAY_SYSTEM, speaker=subjects)


def _assemble(rng: np.random.Generator, stream: Stream, parts: _Parts, high: int) -> Block:
    """Sort the parts into one block, re-point references and mint strictly increasing ids."""
    if not parts.ms:
        return _empty_block()
    ms = np.concatenate(parts.ms)
    order = np.argsort(ms, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    ref = np.concatenate(parts.ref)[order]
    ref = np.where(ref >= 0, position[np.maximum(ref, 0)], -1)
    # Equal milliseconds would give equal ids; nudge ties forward so time order is id order.
    steps = np.arange(len(order), dtype=np.int64)
    ms = np.maximum.accumulate(ms[order] - steps) + steps
    kept = int(np.searchsorted(ms, high))  # nudged past the end: dropped (replies come later)
    sequence = (stream.index << _SEQUENCE_BITS) | (steps[:kept] & ((1 << _SEQUENCE_BITS) - 1))
    return Block(
        ms=ms[:kept],
        ids=snowflakes(ms[:kept], sequence),
        author=np.concatenate(parts.author)[order][:kept],
        speaker=np.concatenate(parts.speaker)[order][:kept],
        kind=np.concatenate(parts.kind)[order][:kept].astype(np.int8),
        ref=ref[:kept],
        seed=rng.integers(0, 2**62, kept, dtype=np.int64),
    )
