"""Milestones: WOM achievements, tenure anniversaries (29 Feb too), cumulative message counts."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from clanstats.db.models import Achievement, MilestoneEvent
from clanstats.rules import MilestoneRules, Rules
from clanstats.transform.milestones import (
    add_years,
    anniversary_title,
    derive_milestones,
    message_title,
)
from tests.engagement_fixtures import (
    OTHER_GROUP,
    add_achievement,
    add_activity,
    add_player,
    add_rows,
    clan_database,
    derive,
    table,
)

TODAY = date(2026, 11, 20)
NEW_YORK = ZoneInfo("America/New_York")  # UTC-5 in winter, UTC-4 in summer
RULES = Rules(
    milestones=MilestoneRules(message_counts=[1000, 100, 500], anniversary_years=[1, 2, 3])
)
COLUMNS = ("player_id", "kind", "title", "occurred_on")


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = clan_database(migrated_url)
    add_player(engine, 1, joined=datetime(2024, 2, 29, 15))  # a leap day
    add_player(engine, 2, joined=datetime(2023, 11, 20, 15))  # 3 years on exactly today
    add_player(engine, 3, joined=datetime(2025, 11, 21, 3))  # 20 Nov 2025, 22:00 in New York
    add_player(engine, 4, joined=datetime(2020, 1, 1), left=datetime(2026, 1, 1))  # has left
    add_player(engine, 5, joined=None)  # join date unknown
    # 02:00 UTC on 2 March is still 1 March in New York.
    add_achievement(engine, 1, "99 Slayer", datetime(2026, 3, 2, 2))
    add_achievement(engine, 4, "500 Vorkath", datetime(2025, 6, 1, 12), threshold=500)
    for day, messages in [
        (date(2026, 10, 1), 60),
        (date(2026, 10, 2), 40),  # 100 reached: 60 + 40
        (date(2026, 10, 3), 0),  # a day with game data only
        (date(2026, 10, 5), 1500),  # 1,600: 500 and 1,000 on the same day
        (date(2026, 11, 21), 9000),  # tomorrow: not counted yet
    ]:
        add_activity(engine, 1, day, messages=messages)
    add_activity(engine, 2, date(2026, 10, 1), messages=99)  # one short of 100
    add_activity(engine, 4, date(2025, 1, 1), messages=100)  # former members keep theirs
    return engine


def milestones(engine: Engine) -> list[tuple[object, ...]]:
    return table(engine, MilestoneEvent, *COLUMNS)


def test_every_milestone_kind_on_its_clan_time_day(engine: Engine) -> None:
    counts = derive(engine, derive_milestones, today=TODAY, rules=RULES, timezone=NEW_YORK)
    assert milestones(engine) == [
        (1, "achievement", "99 Slayer", date(2026, 3, 1)),
        # Joined 29 Feb 2024: celebrated on 28 Feb in 2025 and 2026; 3 years is still to come.
        (1, "anniversary", "1 year in the clan", date(2025, 2, 28)),
        (1, "anniversary", "2 years in the clan", date(2026, 2, 28)),
        (1, "messages", "1,000 messages", date(2026, 10, 5)),
        (1, "messages", "100 messages", date(2026, 10, 2)),
        (1, "messages", "500 messages", date(2026, 10, 5)),
        (2, "anniversary", "1 year in the clan", date(2024, 11, 20)),
        (2, "anniversary", "2 years in the clan", date(2025, 11, 20)),
        (2, "anniversary", "3 years in the clan", date(2026, 11, 20)),
        # Joined 20 Nov 2025 clan time, so 1 year is today (in UTC it would be tomorrow).
        (3, "anniversary", "1 year in the clan", date(2026, 11, 20)),
        # Player 4 has left: achievements and messages stay, anniversaries stop.
        (4, "achievement", "500 Vorkath", date(2025, 6, 1)),
        (4, "messages", "100 messages", date(2025, 1, 1)),
    ]
    assert counts == {
        "milestones": 12,
        "achievements": 2,
        "anniversaries": 6,
        "message milestones": 4,
    }


def test_in_utc_the_late_joiner_waits_a_day(engine: Engine) -> None:
    derive(engine, derive_milestones, today=TODAY, rules=RULES)
    assert not [m for m in milestones(engine) if m[0] == 3]
    assert (1, "achievement", "99 Slayer", date(2026, 3, 2)) in milestones(engine)


def test_rerun_keeps_rows_and_ids_and_drops_what_went_away(engine: Engine) -> None:
    derive(engine, derive_milestones, today=TODAY, rules=RULES)
    before = table(engine, MilestoneEvent, "id", *COLUMNS)
    # Another clan's row with a higher id: delete-all-then-insert would now renumber ours.
    other_clan = (1000, 9, "messages", "100 messages", TODAY)
    add_rows(
        engine,
        MilestoneEvent,
        [dict(zip(("id", *COLUMNS), other_clan, strict=True)) | {"group_id": OTHER_GROUP}],
    )
    derive(engine, derive_milestones, today=TODAY, rules=RULES)
    assert table(engine, MilestoneEvent, "id", *COLUMNS) == [*before, other_clan]
    with Session(engine) as session, session.begin():
        session.execute(delete(Achievement).where(Achievement.player_id == 4))
    derive(engine, derive_milestones, today=TODAY, rules=RULES)
    kept = [row for row in before if (row[1], row[2]) != (4, "achievement")]
    assert table(engine, MilestoneEvent, "id", *COLUMNS) == [*kept, other_clan]


def test_years_and_titles() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2023, 3, 1), 1) == date(2024, 3, 1)
    assert anniversary_title(1) == "1 year in the clan"
    assert anniversary_title(10) == "10 years in the clan"
    assert message_title(1) == "1 message"
    assert message_title(10000) == "10,000 messages"


def test_empty_clan_has_no_milestones(migrated_url: str) -> None:
    engine = clan_database(migrated_url)
    counts = derive(engine, derive_milestones, today=TODAY, rules=RULES)
    assert counts == {
        "milestones": 0,
        "achievements": 0,
        "anniversaries": 0,
        "message milestones": 0,
    }
    assert milestones(engine) == []
