"""Ground truth over a simulated chat for tests: who said how much, questions and answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from simulator.chat_cast import Cast
from simulator.chat_history import History
from simulator.chat_streams import QUESTION, RELAY_LINE_KINDS, RELAY_QUESTION, Block, Stream
from simulator.chat_text import marker
from simulator.clock import from_ms
from simulator.shapes import Json


@dataclass(frozen=True)
class MessageFact:
    """Ground truth about one message, for tests; a harvester must not rely on it.

    `author_player_id` is the WOM id of the member or ex-member the author account belongs
    to (None for friends and bots). A relay line (`**Name**: text`) has the relay bot as its
    author and names its in-game speaker: `relay_name` as the line shows it and
    `relay_player_id`; both are None for every other message, relay system lines included.
    """

    message_id: int
    channel_id: int
    sent_at: datetime
    author_id: int
    author_player_id: int | None
    is_bot: bool
    is_webhook: bool
    relay_name: str | None
    relay_player_id: int | None
    is_question: bool
    reply_to_message_id: int | None


def speaker_name(cast: Cast, block: Block, i: int) -> str | None:
    """Return the in-game name a relay message shows, or None."""
    speaker = int(block.speaker[i])
    if speaker < 0:
        return None
    return cast.speakers[speaker].name_at(int(block.ms[i]))


class ChatTruth:
    """Answers computed straight from the generated blocks, never through the API."""

    def __init__(self, history: History, cast: Cast) -> None:
        self._history = history
        self._cast = cast

    def each(self, streams: Iterable[Stream], now_ms: int) -> Iterator[tuple[Stream, Block, int]]:
        """Yield every message existing by `now_ms` as (stream, block, index), oldest first."""
        for stream in streams:
            for block, count in self._history.visible(stream, now_ms):
                for i in range(count):
                    yield stream, block, i

    def counts(self, streams: Iterable[Stream], now_ms: int) -> Counter[int | str]:
        """Return messages per author id, relay lines per in-game name instead."""
        counts: Counter[int | str] = Counter()
        users, speakers = self._cast.users, self._cast.speakers
        for stream in streams:
            for block, count in self._history.visible(stream, now_ms):
                authors, relayed = (
                    block.author[:count],
                    np.isin(block.kind[:count], RELAY_LINE_KINDS),
                )
                for author, n in zip(
                    *np.unique(authors[~relayed], return_counts=True), strict=True
                ):
                    counts[users[int(author)].id] += int(n)
                for i in np.flatnonzero(relayed).tolist():
                    counts[speakers[int(block.speaker[i])].name_at(int(block.ms[i]))] += 1
        return counts

    def questions(self, streams: Iterable[Stream], now_ms: int) -> list[Json]:
        """Return every question: channel_id, message_id, author_id and relay_name."""
        found = []
        for stream, block, i in self.each(streams, now_ms):
            kind = int(block.kind[i])
            if kind in (QUESTION, RELAY_QUESTION):
                relayed = kind == RELAY_QUESTION
                found.append(
                    {
                        "channel_id": stream.channel_id,
                        "message_id": int(block.ids[i]),
                        "author_id": self._cast.users[int(block.author[i])].id,
                        "relay_name": speaker_name(self._cast, block, i) if relayed else None,
                    }
                )
        return found

    def question_replies(self, streams: Iterable[Stream], now_ms: int) -> list[Json]:
        """Return replies to questions by someone other than the asker."""
        found = []
        users = self._cast.users
        for stream, block, i in self.each(streams, now_ms):
            target = int(block.ref[i])
            if target < 0 or block.kind[target] != QUESTION:
                continue
            if block.author[target] == block.author[i]:
                continue  # the asker following up isn't an answer
            found.append(
                {
                    "channel_id": stream.channel_id,
                    "message_id": int(block.ids[i]),
                    "author_id": users[int(block.author[i])].id,
                    "question_id": int(block.ids[target]),
                    "question_author_id": users[int(block.author[target])].id,
                }
            )
        return found

    def facts(self, streams: Iterable[Stream], until_ms: int) -> list[MessageFact]:
        """Return a MessageFact per message sent by `until_ms`, in id (so time) order."""
        found = [self.fact(stream, block, i) for stream, block, i in self.each(streams, until_ms)]
        found.sort(key=lambda fact: fact.message_id)
        return found

    def fact(self, stream: Stream, block: Block, i: int) -> MessageFact:
        """Return the MessageFact of message `i` of a block."""
        author = self._cast.users[int(block.author[i])]
        kind, target = int(block.kind[i]), int(block.ref[i])
        relayed = kind in RELAY_LINE_KINDS
        speaker = self._cast.speakers[int(block.speaker[i])] if relayed else None
        return MessageFact(
            message_id=int(block.ids[i]),
            channel_id=stream.channel_id,
            sent_at=from_ms(int(block.ms[i])),
            author_id=author.id,
            author_player_id=author.player_id,
            is_bot=author.bot,
            is_webhook=author.kind == "webhook",
            relay_name=speaker.name_at(int(block.ms[i])) if speaker is not None else None,
            relay_player_id=speaker.player_id if speaker is not None else None,
            is_question=kind in (QUESTION, RELAY_QUESTION),
            reply_to_message_id=int(block.ids[target]) if target >= 0 else None,
        )

    def markers(self, streams: Iterable[Stream], now_ms: int) -> Iterator[str]:
        """Yield the marker of every message, oldest first per stream."""
        for _, block, i in self.each(streams, now_ms):
            yield marker(int(block.ids[i]))
