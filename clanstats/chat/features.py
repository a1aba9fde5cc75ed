"""Features read from a message's text before the text is dropped.

Only these derived values are stored: whether the message asks a question, how long it was (a
bucket, not the length), and for relayed in-game chat, whose line it was.
"""

from __future__ import annotations

import re

# Buckets: 1 up to 20 characters, 2 up to 100, 3 up to 300, 4 longer. Empty text: None.
LENGTH_BUCKET_LIMITS = (20, 100, 300)
# A question word first makes a question ("what's the best gear for vorkath").
QUESTION_WORDS = frozenset(
    {"who", "what", "when", "where", "why", "how", "which", "whose", "whom"}
    | {"anyone", "anybody", "someone", "somebody"}  # "anyone up for cox"
)
# An auxiliary first makes one only when a subject follows: "should we run a sotw" asks, "should
# be around 8pm" answers, "can't believe they nerfed it" exclaims.
AUXILIARIES = frozenset(
    {"is", "are", "am", "was", "were", "do", "does", "did", "can", "could", "will", "would"}
    | {"should", "shall", "may", "might", "has", "have", "had"}
)
SUBJECTS = frozenset(
    {"i", "you", "u", "ya", "we", "he", "she", "it", "they", "there", "this", "that"}
    | {"these", "those", "my", "your", "ur", "our", "his", "her", "their", "the", "a", "an"}
    | {"any", "anyone", "anybody", "someone", "somebody", "everyone", "people"}
)
NEGATIONS = {"can't": "can", "won't": "will", "shan't": "shall"}
# `**Name**: text`, the line format of the common clan-chat relay bots.
RELAY_LINE = re.compile(r"^\*\*(?P<name>.{1,40}?)\*\*:\s?(?P<text>.*)$", re.DOTALL)
MARKDOWN_ESCAPE = re.compile(r"\\([\\*_~`|>-])")
RSN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,11}$")
LINK = re.compile(r"https?://\S+")


def length_bucket(text: str) -> int | None:
    """The message's length bucket (1-4), None when there is no text to measure."""
    length = len(text.strip())
    if length == 0:
        return None
    return 1 + sum(length > limit for limit in LENGTH_BUCKET_LIMITS)


def is_question(text: str) -> bool | None:
    """Whether the text asks something: a '?' outside links, or three words or more opening with
    a question word, or with an auxiliary and then a subject ("is this", "can someone").

    None when there is no text (Discord sends none without the Message Content intent).
    """
    stripped = text.strip()
    if not stripped:
        return None
    if "?" in LINK.sub("", stripped):
        return True
    words = re.findall(r"[a-z']+", stripped.lower())
    if len(stripped.split()) < 3 or len(words) < 2:
        return False
    first = words[0]
    first = NEGATIONS.get(first, first.removesuffix("n't"))  # isn't -> is, don't -> do
    if first.split("'")[0] in QUESTION_WORDS:  # what's -> what
        return True
    return first in AUXILIARIES and words[1] in SUBJECTS


def relay_line(text: str) -> tuple[str, str] | None:
    """(in-game name, chat text) of a relayed line like `**Some Name**: hi`, else None."""
    match = RELAY_LINE.match(text.strip())
    if not match:
        return None
    name = MARKDOWN_ESCAPE.sub(r"\1", match.group("name")).strip()
    return (name, match.group("text")) if RSN.match(name) else None


def name_key(name: str) -> str:
    """An in-game or Discord name as OSRS compares names: case, space, `_` and `-` alike."""
    return re.sub(r"[\s_\-]+", " ", name.strip().lower()).strip()
