"""Personal records: best day and best Monday-Sunday week per measure, earliest on a tie."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from clanstats.db.models import PersonalRecord
from clanstats.transform.records import derive_personal_records
from tests.engagement_fixtures import (
    OTHER_GROUP,
    add_activity,
    add_player,
    add_rows,
    clan_database,
    derive,
    table,
)

TODAY = date(2026, 11, 20)  # a Friday
COLUMNS = ("player_id", "span", "measure", "value", "start_on", "end_on")


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = clan_database(migrated_url)
    for player_id in (1, 2, 3):
        add_player(engine, player_id)
    add_player(engine, 9, group_id=OTHER_GROUP)
    # Player 1, xp. Sun 1 Nov is the last day of the week of Mon 26 Oct.
    for day, xp in [
        (date(2026, 11, 1), 100),  # week 26 Oct: 100
        (date(2026, 11, 2), 300),  # week 2 Nov: 300 + 300 + 50 = 650
        (date(2026, 11, 3), 300),
        (date(2026, 11, 8), 50),
        (date(2026, 11, 9), 300),  # week 9 Nov: 300 + 200 + 150 = 650, a tie with 2 Nov
        (date(2026, 11, 11), 200),
        (date(2026, 11, 15), 150),
        (date(2026, 11, 21), 9999),  # after today: not yet happened
    ]:
        # ehb NULL (no snapshot value) and boss kills 0 every day: neither makes a record.
        add_activity(engine, 1, day, xp=xp, boss_kills=0)
    # Player 2, ehp across a Sunday -> Monday boundary: 5 on Sun 8 Nov, 4 on Mon 9 Nov.
    add_activity(engine, 2, date(2026, 11, 8), ehp=5.0)
    add_activity(engine, 2, date(2026, 11, 9), ehp=4.0)
    # Player 3 chats but never had a snapshot: no game data, no records.
    add_activity(engine, 3, date(2026, 11, 9), messages=12)
    add_activity(engine, 9, date(2026, 11, 9), group_id=OTHER_GROUP, xp=1.0)
    return engine


def test_best_day_and_week_take_the_earliest_of_equal_values(engine: Engine) -> None:
    counts = derive(engine, derive_personal_records, today=TODAY)
    rows = [row for row in table(engine, PersonalRecord, *COLUMNS) if row[0] == 1]
    # Best day: 300 on 2, 3 and 9 Nov -> 2 Nov. Best week: 650 twice -> the week of 2 Nov.
    assert rows == [
        (1, "day", "xp", 300.0, date(2026, 11, 2), date(2026, 11, 2)),
        (1, "week", "xp", 650.0, date(2026, 11, 2), date(2026, 11, 8)),
    ]
    assert counts == {"personal records": 4, "members with a record": 2}


def test_sunday_belongs_to_the_week_before_monday(engine: Engine) -> None:
    derive(engine, derive_personal_records, today=TODAY)
    rows = [row for row in table(engine, PersonalRecord, *COLUMNS) if row[0] == 2]
    # Sunday-start weeks would have put 5 + 4 = 9 in one week; Monday-start weeks keep 5 and 4.
    assert rows == [
        (2, "day", "ehp", 5.0, date(2026, 11, 8), date(2026, 11, 8)),
        (2, "week", "ehp", 5.0, date(2026, 11, 2), date(2026, 11, 8)),
    ]


def test_zero_and_missing_values_make_no_record(engine: Engine) -> None:
    derive(engine, derive_personal_records, today=TODAY)
    kept = {(player, measure) for player, _, measure, *_ in table(engine, PersonalRecord, *COLUMNS)}
    assert kept == {(1, "xp"), (2, "ehp")}  # no ehb, no boss_kills, nothing for player 3


def test_days_after_today_are_left_out(engine: Engine) -> None:
    # As of Mon 9 Nov, the best week is the one of 2 Nov (650) and the best day 300 on 2 Nov.
    derive(engine, derive_personal_records, today=date(2026, 11, 9))
    rows = [row for row in table(engine, PersonalRecord, *COLUMNS) if row[0] == 1]
    assert [row[3] for row in rows] == [300.0, 650.0]


def test_rerun_changes_nothing_and_other_groups_are_untouched(engine: Engine) -> None:
    other = {"group_id": OTHER_GROUP, "player_id": 9, "span": "day", "measure": "xp"}
    add_rows(
        engine,
        PersonalRecord,
        [other | {"value": 1.0, "start_on": date(2026, 11, 9), "end_on": date(2026, 11, 9)}],
    )
    derive(engine, derive_personal_records, today=TODAY)
    first = table(engine, PersonalRecord, "group_id", *COLUMNS)
    derive(engine, derive_personal_records, today=TODAY)
    assert table(engine, PersonalRecord, "group_id", *COLUMNS) == first
    assert (OTHER_GROUP, 9, "day", "xp", 1.0, date(2026, 11, 9), date(2026, 11, 9)) in first


def test_empty_clan_has_no_records(migrated_url: str) -> None:
    engine = clan_database(migrated_url)
    counts = derive(engine, derive_personal_records, today=TODAY)
    assert counts == {"personal records": 0, "members with a record": 0}
    assert table(engine, PersonalRecord, *COLUMNS) == []
