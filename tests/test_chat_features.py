"""Message features: questions, length buckets, relay lines, name keys, snowflake times."""

from __future__ import annotations

from datetime import datetime

import pytest

from clanstats.chat.features import is_question, length_bucket, name_key, relay_line
from clanstats.chat.snowflakes import snowflake_at, snowflake_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("anyone up for cox?", True),
        ("what's the best gear for vorkath", True),
        ("how", False),  # one word is a reaction, not a question
        ("gz on the pet!", False),
        ("check https://example.com/?q=1 lol", False),
        ("is this right? https://x.y", True),
        ("should we run a sotw next week", True),
        ("can someone help me with vorkath", True),
        ("isn't it double xp this weekend", True),
        ("should be around 8pm uk time", False),  # an answer, not a question
        ("can't believe they nerfed it", False),
        ("have fun everyone at the event", False),
        ("", None),
        ("   ", None),
    ],
)
def test_questions(text: str, expected: bool | None) -> None:
    assert is_question(text) is expected


@pytest.mark.parametrize(
    ("text", "bucket"), [("", None), ("hi", 1), ("x" * 20, 1), ("x" * 21, 2), ("x" * 301, 4)]
)
def test_length_buckets(text: str, bucket: int | None) -> None:
    assert length_bucket(text) == bucket


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**Iron Bob**: hello there", ("Iron Bob", "hello there")),
        ("**Zezima_99**: gz", ("Zezima_99", "gz")),
        (r"**Some\_Name**: hi", ("Some_Name", "hi")),
        ("**Bob**:", ("Bob", "")),
        ("Iron Bob has joined the clan.", None),
        ("**This name is far too long to be an RSN**: hi", None),
        ("**<script>**: x", None),
    ],
)
def test_relay_lines(text: str, expected: tuple[str, str] | None) -> None:
    assert relay_line(text) == expected


def test_name_keys_treat_space_underscore_and_hyphen_alike() -> None:
    assert name_key("Iron_Bob") == name_key("iron bob") == name_key(" IRON-bob ") == "iron bob"
    assert name_key("Iron__ Bob") == "iron bob"


def test_snowflakes_round_trip_times() -> None:
    moment = datetime(2026, 11, 20, 18, 30, 15, 123000)
    assert snowflake_time(snowflake_at(moment)) == moment
    assert snowflake_time(175928847299117063) == datetime(2016, 4, 30, 11, 18, 25, 796000)
