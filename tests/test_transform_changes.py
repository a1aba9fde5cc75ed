"""Derivations that redo only what a run changed: records, message milestones, the clan's days
(and period gains, written a batch of members at a time).

Each case is worked by hand: a few days of daily_activity, a first (full) derivation, then runs
that change rows the way a daily transform does (a day grows, a backfill splits a day's gain,
an identity link moves old messages, a day that was in the future comes due) and tell the
derivation what changed. The expected records, milestones and totals are written out below;
the full derivation on the same rows must agree with them too.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from clanstats.db.models import (
    BackfillProgress,
    ClanDaily,
    DailyActivity,
    IdentityLink,
    MilestoneEvent,
    PeriodGain,
    PersonalRecord,
    TransformState,
)
from clanstats.rules import MilestoneRules, Rules
from clanstats.transform import periods
from clanstats.transform.activity_changes import (
    CHANGES_KEPT,
    COLUMNS,
    ActivityChanges,
    RowChange,
)
from clanstats.transform.clan_daily import SUMMED_KEY, derive_clan_daily
from clanstats.transform.milestones import derive_milestones
from clanstats.transform.periods import derive_period_gains
from clanstats.transform.records import derive_personal_records
from tests.engagement_fixtures import GROUP, add_player, add_rows, clan_database, table

MON, TUE, WED = date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)
NEXT_MON = date(2026, 11, 9)
UTC = ZoneInfo("UTC")
RECORD_COLUMNS = ("player_id", "span", "measure", "value", "start_on", "end_on")
MESSAGE_RULES = Rules(milestones=MilestoneRules(message_counts=[10, 20], anniversary_years=[1]))


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = clan_database(migrated_url)
    add_player(engine, 1)
    add_player(engine, 2)
    return engine


def put(engine: Engine, changes: ActivityChanges, player_id: int, day: date, **values: Any) -> None:
    """Write a daily_activity row (no values: delete it) and note the change, as transform does."""
    with Session(engine) as session, session.begin():
        key = (DailyActivity.group_id == GROUP, DailyActivity.player_id == player_id)
        stored = session.execute(
            select(*(getattr(DailyActivity, c) for c in COLUMNS)).where(
                *key, DailyActivity.day == day
            )
        ).one_or_none()
        session.execute(delete(DailyActivity).where(*key, DailyActivity.day == day))
        new = None
        if values:
            row = {"messages": 0, "questions": 0, "answers": 0} | values
            row = {c: row.get(c) for c in COLUMNS}
            session.add(DailyActivity(group_id=GROUP, player_id=player_id, day=day, **row))
            new = tuple(row[c] for c in COLUMNS)
        changes.add(player_id, day, tuple(stored) if stored is not None else None, new)


def run(engine: Engine, derivation: Any, today: date, changes: ActivityChanges | None) -> None:
    with Session(engine) as session, session.begin():
        derivation(session, group_id=GROUP, today=today, rules=MESSAGE_RULES, changes=changes)


def records(engine: Engine) -> list[tuple[Any, ...]]:
    return table(engine, PersonalRecord, *RECORD_COLUMNS)


def records_in_full(engine: Engine, today: date) -> list[tuple[Any, ...]]:
    """What a full derivation gives on the same rows (then the incremental result put back)."""
    kept = records(engine)
    run(engine, derive_personal_records, today, None)
    full = records(engine)
    with Session(engine) as session, session.begin():
        session.execute(delete(PersonalRecord))
        session.add_all(
            PersonalRecord(group_id=GROUP, **dict(zip(RECORD_COLUMNS, row, strict=True)))
            for row in kept
        )
    return full


def test_records_follow_growing_days_a_tie_and_a_backfill_that_lowers_the_best(
    engine: Engine,
) -> None:
    setup = ActivityChanges()
    put(engine, setup, 1, MON, xp=300.0)
    put(engine, setup, 1, TUE, xp=100.0)
    run(engine, derive_personal_records, WED, None)
    assert records(engine) == [
        (1, "day", "xp", 300.0, MON, MON),
        (1, "week", "xp", 400.0, MON, date(2026, 11, 8)),
    ]

    # Tuesday grows to 300 (a tie: Monday stays, being earlier) and next Monday brings 50.
    grown = ActivityChanges()
    put(engine, grown, 1, TUE, xp=300.0)
    put(engine, grown, 1, NEXT_MON, xp=50.0)
    run(engine, derive_personal_records, NEXT_MON, grown)
    expected = [
        (1, "day", "xp", 300.0, MON, MON),
        (1, "week", "xp", 600.0, MON, date(2026, 11, 8)),
    ]
    assert records(engine) == expected == records_in_full(engine, NEXT_MON)

    # A backfilled snapshot moves most of Monday's gain to the week before: Monday falls to 10,
    # so the best day is Tuesday and the best week 310, which only a full read of player 1 finds.
    lowered = ActivityChanges()
    put(engine, lowered, 1, MON, xp=10.0)
    put(engine, lowered, 1, date(2026, 11, 1), xp=290.0)
    run(engine, derive_personal_records, NEXT_MON, lowered)
    expected = [
        (1, "day", "xp", 300.0, TUE, TUE),
        (1, "week", "xp", 310.0, MON, date(2026, 11, 8)),
    ]
    assert records(engine) == expected == records_in_full(engine, NEXT_MON)


def test_a_day_that_was_in_the_future_counts_once_it_comes(engine: Engine) -> None:
    setup = ActivityChanges()
    put(engine, setup, 2, MON, ehb=4.0)
    put(engine, setup, 2, NEXT_MON, ehb=9.0)  # after today: not yet a record
    run(engine, derive_personal_records, WED, None)
    assert records(engine) == [
        (2, "day", "ehb", 4.0, MON, MON),
        (2, "week", "ehb", 4.0, MON, date(2026, 11, 8)),
    ]
    # Next Monday's row was written by an earlier run: this run's changes don't hold it.
    run(engine, derive_personal_records, NEXT_MON, ActivityChanges())
    expected = [
        (2, "day", "ehb", 9.0, NEXT_MON, NEXT_MON),
        (2, "week", "ehb", 9.0, NEXT_MON, date(2026, 11, 15)),
    ]
    assert records(engine) == expected == records_in_full(engine, NEXT_MON)


def test_a_future_day_changed_in_another_column_counts_whole_once_it_comes(
    engine: Engine,
) -> None:
    """A row written while its day was in the future, then changed in one column only (a
    message arrives; its XP stays): its XP was never counted, so it must be now."""
    setup = ActivityChanges()
    put(engine, setup, 1, MON, xp=10.0)
    put(engine, setup, 1, NEXT_MON, xp=500.0)  # after Wednesday: not counted then
    run(engine, derive_personal_records, WED, None)
    assert records(engine)[0] == (1, "day", "xp", 10.0, MON, MON)
    changed = ActivityChanges()
    put(engine, changed, 1, NEXT_MON, xp=500.0, messages=3)
    run(engine, derive_personal_records, NEXT_MON, changed)
    expected = [
        (1, "day", "xp", 500.0, NEXT_MON, NEXT_MON),
        (1, "week", "xp", 500.0, NEXT_MON, date(2026, 11, 15)),
    ]
    assert records(engine) == expected == records_in_full(engine, NEXT_MON)


def test_a_run_for_an_earlier_day_reads_everything(engine: Engine) -> None:
    setup = ActivityChanges()
    put(engine, setup, 1, MON, boss_kills=3.0)
    put(engine, setup, 1, NEXT_MON, boss_kills=7.0)
    run(engine, derive_personal_records, NEXT_MON, None)
    # CLANSTATS_NOW set back to Wednesday: next Monday hasn't happened yet.
    run(engine, derive_personal_records, WED, ActivityChanges())
    assert [row[:5] for row in records(engine)] == [
        (1, "day", "boss_kills", 3.0, MON),
        (1, "week", "boss_kills", 3.0, MON),
    ]


def milestones(engine: Engine) -> list[tuple[Any, ...]]:
    rows = table(engine, MilestoneEvent, "player_id", "kind", "title", "occurred_on")
    return [row for row in rows if row[1] == "messages"]


def recounted(engine: Engine, *days: tuple[int, date, int]) -> list[tuple[Any, ...]]:
    """The message milestones after a run that set these (player, day, messages)."""
    changes = ActivityChanges()
    for player_id, day, messages in days:
        put(engine, changes, player_id, day, messages=messages)
    run(engine, derive_milestones, WED, changes)
    return milestones(engine)


def test_message_milestones_move_when_old_messages_are_recounted(engine: Engine) -> None:
    setup = ActivityChanges()
    put(engine, setup, 1, MON, messages=5)
    put(engine, setup, 1, TUE, messages=6)  # 11: the 10th message on Tuesday
    put(engine, setup, 2, MON, messages=25)  # 10 and 20 on Monday, never touched again
    run(engine, derive_milestones, WED, None)
    assert milestones(engine) == [
        (1, "messages", "10 messages", TUE),
        (2, "messages", "10 messages", MON),
        (2, "messages", "20 messages", MON),
    ]
    # Wednesday brings 9: 20 is reached on Wednesday; the 10 of Tuesday stands.
    assert recounted(engine, (1, WED, 9))[:2] == [
        (1, "messages", "10 messages", TUE),
        (1, "messages", "20 messages", WED),
    ]
    # A new identity link gives player 1 ten more messages on Monday (15): 10 moves to Monday,
    # 20 to Tuesday (15 + 6 = 21).
    assert recounted(engine, (1, MON, 15)) == [
        (1, "messages", "10 messages", MON),
        (1, "messages", "20 messages", TUE),
        (2, "messages", "10 messages", MON),
        (2, "messages", "20 messages", MON),
    ]
    # The link is withdrawn: back to 5 on Monday, so 5 + 6 + 9 = 20 on Wednesday again.
    assert recounted(engine, (1, MON, 5))[:2] == [
        (1, "messages", "10 messages", TUE),
        (1, "messages", "20 messages", WED),
    ]
    assert len(milestones(engine)) == 4


def test_future_messages_count_once_their_day_comes_whatever_else_changed(
    engine: Engine,
) -> None:
    setup = ActivityChanges()
    put(engine, setup, 1, MON, messages=5)
    put(engine, setup, 1, NEXT_MON, messages=7)  # after Wednesday: not counted then
    run(engine, derive_milestones, WED, None)
    assert milestones(engine) == []
    # Next Monday a snapshot adds XP to that row; its 7 messages are as they were.
    changed = ActivityChanges()
    put(engine, changed, 1, NEXT_MON, messages=7, xp=3.0)
    run(engine, derive_milestones, NEXT_MON, changed)
    assert milestones(engine) == [(1, "messages", "10 messages", NEXT_MON)]


def test_new_milestone_thresholds_count_everyone_again(engine: Engine) -> None:
    setup = ActivityChanges()
    put(engine, setup, 1, MON, messages=5)
    run(engine, derive_milestones, WED, None)
    assert milestones(engine) == []
    with Session(engine) as session, session.begin():
        rules = Rules(milestones=MilestoneRules(message_counts=[5], anniversary_years=[1]))
        derive_milestones(
            session, group_id=GROUP, today=WED, rules=rules, changes=ActivityChanges()
        )
    assert milestones(engine) == [(1, "messages", "5 messages", MON)]


def test_clan_days_sum_again_only_what_changed_and_agree_with_a_full_sum(
    engine: Engine,
) -> None:
    setup = ActivityChanges()
    put(engine, setup, 1, MON, xp=100.0, messages=2)
    put(engine, setup, 2, MON, xp=0.5)
    put(engine, setup, 2, TUE, messages=0, xp=0.0)  # a snapshot and nothing gained: not active
    with Session(engine) as session, session.begin():
        derive_clan_daily(session, group_id=GROUP, today=WED, timezone=UTC, changes=None)

    def days() -> list[tuple[Any, ...]]:
        return table(engine, ClanDaily, "day", "xp", "messages", "active_members")

    assert days() == [(MON, 100.5, 2, 2), (TUE, 0.0, 0, 0), (WED, 0.0, 0, 0)]
    changed = ActivityChanges()
    put(engine, changed, 2, TUE, xp=7.0, messages=1)
    put(engine, changed, 1, MON)  # a leave learnt late: Monday no longer counts for player 1
    with Session(engine) as session, session.begin():
        derive_clan_daily(session, group_id=GROUP, today=WED, timezone=UTC, changes=changed)
    expected = [(MON, 0.5, 0, 1), (TUE, 7.0, 1, 1), (WED, 0.0, 0, 0)]
    assert days() == expected
    with Session(engine) as session, session.begin():
        derive_clan_daily(session, group_id=GROUP, today=WED, timezone=UTC, changes=None)
    assert days() == expected


def test_clan_days_stored_before_the_upgrade_are_summed_again_once(engine: Engine) -> None:
    """Clan days stored by an earlier version (summed in another order: PostgreSQL's storage
    order) are not trusted: the first run after the upgrade sums every day again."""
    setup = ActivityChanges()
    put(engine, setup, 1, MON, xp=0.1)
    put(engine, setup, 2, MON, xp=0.2)
    with Session(engine) as session, session.begin():
        derive_clan_daily(session, group_id=GROUP, today=TUE, timezone=UTC, changes=None)
        # As an earlier version left them: a total off in the last bits, and no mark.
        session.execute(update(ClanDaily).values(xp=0.30000000000000004 + 1e-9))
        session.execute(delete(TransformState).where(TransformState.key == SUMMED_KEY))
    with Session(engine) as session, session.begin():
        derive_clan_daily(
            session, group_id=GROUP, today=TUE, timezone=UTC, changes=ActivityChanges()
        )
    assert table(engine, ClanDaily, "day", "xp") == [(MON, 0.1 + 0.2), (TUE, 0.0)]


def test_a_backfilled_member_seen_only_on_discord_gets_chat_rows_only(engine: Engine) -> None:
    """A finished backfill that found no snapshot is no history of game gains: no 0 XP rows."""
    add_rows(
        engine,
        IdentityLink,
        [{"group_id": GROUP, "discord_user_id": 11, "player_id": 1, "source": "manual"}],
    )
    add_rows(
        engine,
        BackfillProgress,
        [
            {
                "group_id": GROUP,
                "player_id": 1,
                "since": datetime(2025, 1, 1),
                "status": "done",
                "snapshots": 0,
                "finished_at": datetime(2026, 1, 1),
            }
        ],
    )
    with Session(engine) as session, session.begin():
        counts = derive_period_gains(
            session, group_id=GROUP, today=WED, rules=Rules(), timezone=UTC
        )
    metrics = {row[0] for row in table(engine, PeriodGain, "metric")}
    assert metrics == {"messages", "questions", "answers"}
    assert counts["30-day gains from history"] == 0


def test_period_gains_of_a_member_who_has_none_left_are_deleted(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Period gains are written a batch of members at a time; a member who drops out of every
    batch (here: their Discord link is withdrawn, and they have no snapshots) loses their rows."""
    monkeypatch.setattr(periods, "PLAYERS_PER_BATCH", 1)
    setup = ActivityChanges()
    for player_id in (1, 2):
        put(engine, setup, player_id, WED, messages=3)
    add_rows(
        engine,
        IdentityLink,
        [
            {"group_id": GROUP, "discord_user_id": 10 + p, "player_id": p, "source": "manual"}
            for p in (1, 2)
        ],
    )

    def chatters() -> list[tuple[Any, ...]]:
        rows = table(engine, PeriodGain, "player_id", "period", "metric", "gained")
        return sorted({(p, gained) for p, period, metric, gained in rows if metric == "messages"})

    with Session(engine) as session, session.begin():
        derive_period_gains(session, group_id=GROUP, today=WED, rules=Rules(), timezone=UTC)
    assert chatters() == [(1, 3.0), (2, 3.0)]
    with Session(engine) as session, session.begin():
        session.execute(delete(IdentityLink).where(IdentityLink.player_id == 1))
        derive_period_gains(session, group_id=GROUP, today=WED, rules=Rules(), timezone=UTC)
    assert chatters() == [(2, 3.0)]
    assert {row[0] for row in table(engine, PeriodGain, "player_id")} == {2}


def test_too_many_changes_say_everything() -> None:
    changes = ActivityChanges()
    for n in range(CHANGES_KEPT):
        changes.add(n, MON, None, (1.0, None, None, None, 0, 0, 0))
    assert not changes.everything and len(changes.rows) == CHANGES_KEPT
    changes.add(CHANGES_KEPT, MON, None, None)
    assert changes.everything and changes.rows == {}
    changes.add(1, TUE, None, None)
    assert changes.rows == {}


def test_a_row_change_reads_no_row_and_no_snapshot_as_zero() -> None:
    change = RowChange(MON, None, (None, 2.5, None, None, 3, 0, 0))
    assert change.value("xp") == 0.0 and change.value("ehp") == 2.5
    assert change.moved("ehp") and change.moved("messages") and not change.moved("xp")
    assert change.value("ehp", before=True) == 0.0


def test_the_columns_are_daily_activity_s_value_columns_in_table_order() -> None:
    keys = {column.name for column in DailyActivity.__table__.primary_key.columns}
    values = tuple(c.name for c in DailyActivity.__table__.columns if c.name not in keys)
    assert values == COLUMNS
