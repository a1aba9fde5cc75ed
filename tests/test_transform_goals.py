"""Weekly clan goals: this week and the 12 before, gains while in the clan, Monday boundaries."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from clanstats.db.models import GoalWeek
from clanstats.rules import Goal, Rules
from clanstats.transform.goals import derive_goal_weeks, goal_weeks
from tests.engagement_fixtures import (
    add_activity,
    add_gain,
    add_player,
    clan_database,
    derive,
    table,
)

TODAY = date(2026, 11, 18)  # a Wednesday; this week starts Mon 16 Nov
RULES = Rules(
    goals=[
        Goal(name="1k XP", metric="overall", target=1000),
        Goal(name="Chatty", metric="messages", target=5),
        Goal(name="Vorkath", metric="vorkath", target=10),
    ]
)
COLUMNS = ("goal", "week_start", "metric", "target", "progress", "achieved", "is_current")


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = clan_database(migrated_url)
    add_player(engine, 1)
    add_player(engine, 2)
    add_player(engine, 3, left=datetime(2026, 11, 10, 12))  # left on Tue 10 Nov
    add_player(engine, 4, joined=datetime(2026, 11, 17, 9))  # joined on Tue 17 Nov
    # The clan's first data: Wed 28 Oct, so the week of Mon 26 Oct is the oldest shown.
    add_activity(engine, 1, date(2026, 10, 28), messages=1)
    for player_id, day, xp in [
        (3, date(2026, 11, 10), 200),  # week 9 Nov: 200 + 200 + 600 = 1,000, exactly the target
        (1, date(2026, 11, 11), 200),  # ... player 3's leaving day still counts
        (3, date(2026, 11, 12), 300),  # ... after leaving: not the clan's
        (1, date(2026, 11, 15), 600),  # ... Sun: last week's, not this week's
        (1, date(2026, 11, 16), 500),  # Mon: this week 500 + 600 + 100 = 1,200
        (1, date(2026, 11, 17), 600),
        (4, date(2026, 11, 16), 999),  # the day before player 4 joined: not the clan's
        (4, date(2026, 11, 18), 100),
        (1, date(2026, 11, 19), 5000),  # tomorrow: not yet
    ]:
        add_gain(engine, player_id, day, "overall", xp)
    add_activity(engine, 1, date(2026, 11, 16), messages=3)  # this week 3 + 2 = 5
    add_activity(engine, 2, date(2026, 11, 18), messages=2)
    return engine


def weeks_of(engine: Engine, goal: str) -> list[tuple[object, ...]]:
    return [row[1:] for row in table(engine, GoalWeek, *COLUMNS) if row[0] == goal]


def test_weekly_progress_across_boundaries_and_memberships(engine: Engine) -> None:
    counts = derive(engine, derive_goal_weeks, today=TODAY, rules=RULES)
    assert weeks_of(engine, "1k XP") == [
        (date(2026, 10, 26), "overall", 1000.0, 0.0, False, False),
        (date(2026, 11, 2), "overall", 1000.0, 0.0, False, False),
        (date(2026, 11, 9), "overall", 1000.0, 1000.0, True, False),
        (date(2026, 11, 16), "overall", 1000.0, 1200.0, True, True),
    ]
    # Messages come from daily_activity: 1 in the week of 26 Oct, 5 this week.
    assert [(row[0], row[3], row[4]) for row in weeks_of(engine, "Chatty")] == [
        (date(2026, 10, 26), 1.0, False),
        (date(2026, 11, 2), 0.0, False),
        (date(2026, 11, 9), 0.0, False),
        (date(2026, 11, 16), 5.0, True),
    ]
    assert counts == {"weekly goals": 3, "goals met this week": "2 of 3", "goal weeks": 12}


def test_on_a_sunday_this_week_is_the_one_from_monday(engine: Engine) -> None:
    # On Sun 15 Nov the week of 9 Nov is this week, and already holds 200 + 200 + 600.
    derive(engine, derive_goal_weeks, today=date(2026, 11, 15), rules=RULES)
    assert weeks_of(engine, "1k XP")[-1] == (
        date(2026, 11, 9),
        "overall",
        1000.0,
        1000.0,
        True,
        True,
    )


def test_goal_weeks_are_this_week_and_twelve_before_from_the_first_data() -> None:
    current = date(2026, 11, 16)
    assert goal_weeks(TODAY, date(2020, 1, 1)) == [
        current - timedelta(weeks=n) for n in range(12, -1, -1)
    ]
    # A first day on a Sunday keeps that whole week; no data at all keeps only this week.
    assert goal_weeks(TODAY, date(2026, 11, 8))[0] == date(2026, 11, 2)
    assert goal_weeks(TODAY, None) == [current]


def test_a_metric_never_seen_is_reported(engine: Engine) -> None:
    rules = Rules(goals=[Goal(name="Typo", metric="vorkth", target=1)])
    counts = derive(engine, derive_goal_weeks, today=TODAY, rules=rules)
    assert counts["goal metrics never seen"] == "vorkth"


def test_rerun_changes_nothing(engine: Engine) -> None:
    derive(engine, derive_goal_weeks, today=TODAY, rules=RULES)
    first = table(engine, GoalWeek, "group_id", *COLUMNS)
    derive(engine, derive_goal_weeks, today=TODAY, rules=RULES)
    assert table(engine, GoalWeek, "group_id", *COLUMNS) == first


def test_empty_clan_shows_this_week_at_zero(migrated_url: str) -> None:
    engine = clan_database(migrated_url)
    counts = derive(engine, derive_goal_weeks, today=TODAY, rules=RULES)
    assert counts == {"weekly goals": 3, "goals met this week": "0 of 3", "goal weeks": 3}
    assert {row[1:] for row in table(engine, GoalWeek, *COLUMNS)} == {
        (date(2026, 11, 16), metric, target, 0.0, False, True)
        for metric, target in (("overall", 1000.0), ("messages", 5.0), ("vorkath", 10.0))
    }
