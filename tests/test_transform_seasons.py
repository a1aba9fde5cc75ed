"""Season scores: weighted points within the season's days, competition ranking, future skipped."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import Engine

from clanstats.db.models import SeasonScore
from clanstats.rules import Rules, Season
from clanstats.transform.seasons import competition_places, derive_season_scores
from tests.engagement_fixtures import (
    add_activity,
    add_gain,
    add_player,
    clan_database,
    derive,
    table,
)

TODAY = date(2026, 11, 20)
AUTUMN = Season(
    name="Autumn",
    start=date(2026, 10, 1),
    end=date(2026, 10, 31),
    points={"overall": 0.001, "messages": 2},
)
WINTER = Season(
    name="Winter",
    start=date(2026, 11, 10),
    end=date(2027, 1, 31),
    points={"ehb": 10, "vorkath": 1, "messages": 0.5},
)
SPRING = Season(name="Spring", start=date(2027, 3, 1), end=date(2027, 5, 31), points={"ehb": 1})
RULES = Rules(seasons=[AUTUMN, WINTER, SPRING])
COLUMNS = ("season", "player_id", "points", "place", "is_current")


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = clan_database(migrated_url)
    for player_id in (1, 2, 3, 4, 5):
        add_player(engine, player_id)
    add_player(engine, 6, left=datetime(2026, 11, 15, 20))  # left on Sun 15 Nov
    add_player(engine, 7, joined=datetime(2026, 11, 15, 8))  # joined on Sun 15 Nov
    # Autumn, overall x 0.001 + messages x 2:
    add_gain(engine, 1, date(2026, 9, 30), "overall", 100_000)  # the day before: no points
    add_gain(engine, 1, date(2026, 10, 1), "overall", 20_000)  # 20
    add_activity(engine, 1, date(2026, 10, 31), messages=5)  # 10 -> P1: 30, 1st
    add_gain(engine, 1, date(2026, 11, 1), "overall", 50_000)  # the day after: no points
    add_gain(engine, 2, date(2026, 10, 15), "overall", 20_000)  # P2: 20, 2nd
    add_activity(engine, 3, date(2026, 10, 20), messages=3)  # 6
    add_gain(engine, 3, date(2026, 10, 21), "overall", 14_000)  # 14 -> P3: 20, 2nd too
    add_gain(engine, 4, date(2026, 10, 10), "overall", 10_000)  # P4: 10, 4th
    add_activity(engine, 5, date(2026, 10, 10), ehb=3.0)  # ehb isn't an Autumn metric: no row
    # Winter so far (10-20 Nov), ehb x 10 + vorkath x 1 + messages x 0.5:
    add_activity(engine, 1, date(2026, 11, 12), ehb=1.5)  # 15
    add_gain(engine, 1, date(2026, 11, 12), "vorkath", 3)  # 3 -> P1: 18, 1st
    add_gain(engine, 1, date(2026, 11, 21), "vorkath", 100)  # tomorrow: not yet
    add_activity(engine, 2, TODAY, messages=4)  # today counts: P2: 2, 3rd
    add_gain(engine, 6, date(2026, 11, 14), "vorkath", 5)  # P6: 5, 2nd, kept after leaving
    add_gain(engine, 6, date(2026, 11, 16), "vorkath", 10)  # after leaving: not the clan's
    add_gain(engine, 7, date(2026, 11, 12), "vorkath", 7)  # before joining: P7 has no row
    return engine


def test_points_places_and_clipping_to_each_season(engine: Engine) -> None:
    counts = derive(engine, derive_season_scores, today=TODAY, rules=RULES)
    assert table(engine, SeasonScore, *COLUMNS) == [
        ("Autumn", 1, 30.0, 1, False),
        ("Autumn", 2, 20.0, 2, False),
        ("Autumn", 3, 20.0, 2, False),
        ("Autumn", 4, 10.0, 4, False),
        ("Winter", 1, 18.0, 1, True),
        ("Winter", 2, 2.0, 3, True),
        ("Winter", 6, 5.0, 2, True),
    ]
    # Spring hasn't started: no rows, not counted.
    assert counts == {"seasons scored": 2, "season scores": 7, "season leaders": "Winter: P1"}


def test_a_season_counts_up_to_the_day_it_is_run_for(engine: Engine) -> None:
    # On 12 Nov Winter holds only P1's 18: P6's kills (14 Nov) and P2's messages are ahead.
    derive(engine, derive_season_scores, today=date(2026, 11, 12), rules=RULES)
    winter = [row for row in table(engine, SeasonScore, *COLUMNS) if row[0] == "Winter"]
    assert winter == [("Winter", 1, 18.0, 1, True)]


def test_competition_ranking_shares_places_and_skips_after_ties() -> None:
    points = {1: 5.0, 2: 3.0, 3: 3.0, 4: 1.0, 5: 5.0}
    assert competition_places(points) == {
        1: (5.0, 1),
        5: (5.0, 1),
        2: (3.0, 3),
        3: (3.0, 3),
        4: (1.0, 5),
    }


def test_rounding_keeps_equal_points_tied(migrated_url: str) -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in floats; rounded it ties with 0.3.
    tiny = Season(
        name="Tiny",
        start=TODAY,
        end=TODAY,
        points={"messages": 0.1, "answers": 0.2, "questions": 0.3},
    )
    engine = clan_database(migrated_url)
    add_player(engine, 1)
    add_player(engine, 2)
    add_activity(engine, 1, TODAY, messages=1, answers=1)
    add_activity(engine, 2, TODAY, questions=1)
    derive(engine, derive_season_scores, today=TODAY, rules=Rules(seasons=[tiny]))
    assert table(engine, SeasonScore, *COLUMNS) == [
        ("Tiny", 1, 0.3, 1, True),
        ("Tiny", 2, 0.3, 1, True),
    ]


def test_rerun_changes_nothing(engine: Engine) -> None:
    derive(engine, derive_season_scores, today=TODAY, rules=RULES)
    first = table(engine, SeasonScore, "group_id", *COLUMNS)
    derive(engine, derive_season_scores, today=TODAY, rules=RULES)
    assert table(engine, SeasonScore, "group_id", *COLUMNS) == first


def test_empty_clan_has_no_scores(migrated_url: str) -> None:
    engine = clan_database(migrated_url)
    counts = derive(engine, derive_season_scores, today=TODAY, rules=RULES)
    assert counts == {"seasons scored": 2, "season scores": 0, "season leaders": "none"}
    assert table(engine, SeasonScore, *COLUMNS) == []
