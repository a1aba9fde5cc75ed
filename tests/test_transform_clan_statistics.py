"""Clan statistics, worked by hand: a few members' snapshots, stays and account types.

Eight skills stand for the game's: a member is maxed with all eight at 99 (13,034,431 XP).
The clan (UTC, so clan days are UTC days), with today Wednesday 18 November 2026:

    P1  ironman, in since 2020; on 7 Nov every skill at 99 (combat 126), EHP 1000.5, EHB 200.25;
        on 16 Nov cooking reaches 200M
    P2  regular, joined 10 Nov; a snapshot from 5 Nov (before joining): attack and hitpoints
        level 10, strength unknown (-1), the rest never ranked; EHP 0, EHB unknown
    P3  hardcore, in since 2020, left on Sunday 15 Nov at 18:00; on 1 Nov cooking level 70,
        every other skill 0 XP; EHP 10, EHB 5
    P4  no type known, in since 2020; no snapshot until 17 Nov, and that one has only EHB 3

The rows: the Sundays from the first snapshot (1, 8 and 15 Nov) and today.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.orm import Session

from clanstats.db.models import (
    ClanStatistics,
    CurrentValue,
    Membership,
    Metric,
    Player,
    Snapshot,
    SnapshotValue,
    TransformState,
)
from clanstats.transform.clan_statistics import derive_clan_statistics
from clanstats.transform.levels import combat_level
from tests.engagement_fixtures import GROUP, METRICS, T0, add_player, clan_database, derive

SKILLS = {
    "attack": 10,
    "strength": 11,
    "defence": 12,
    "hitpoints": 13,
    "prayer": 14,
    "ranged": 15,
    "magic": 16,
    "cooking": 17,
}
MAXED = 13_034_431  # level 99
LEVEL_10 = 1_154
LEVEL_70 = 737_627
TODAY = date(2026, 11, 18)
SUN_1, SUN_8, SUN_15 = date(2026, 11, 1), date(2026, 11, 8), date(2026, 11, 15)
COLUMNS = [c.name for c in ClanStatistics.__table__.columns if c.name not in ("group_id", "day")]


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = clan_database(migrated_url)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(Metric), [{"id": i, "name": n, "kind": "skill"} for n, i in SKILLS.items()]
        )
    add_player(engine, 1)
    add_player(engine, 2, joined=datetime(2026, 11, 10, 12, 0))
    add_player(engine, 3, left=datetime(2026, 11, 15, 18, 0))
    add_player(engine, 4)
    types = {1: "ironman", 2: "regular", 3: "hardcore", 4: None}
    with Session(engine) as session, session.begin():
        for pid, account_type in types.items():
            session.execute(
                update(Player).where(Player.player_id == pid).values(account_type=account_type)
            )
    snap(engine, 3, datetime(2026, 11, 1, 10), overall=LEVEL_70, ehp=10.0, ehb=5.0,
         cooking=LEVEL_70, **dict.fromkeys(("attack", "strength", "defence", "hitpoints",
                                             "prayer", "ranged", "magic"), 0))  # fmt: skip
    snap(engine, 2, datetime(2026, 11, 5, 8), overall=2 * LEVEL_10, ehp=0.0, ehb=None,
         attack=LEVEL_10, strength=None, hitpoints=LEVEL_10)  # fmt: skip
    snap(engine, 1, datetime(2026, 11, 7, 10), overall=8 * MAXED, ehp=1000.5, ehb=200.25,
         **dict.fromkeys(SKILLS, MAXED))  # fmt: skip
    snap(engine, 1, datetime(2026, 11, 16, 9), overall=7 * MAXED + 200_000_000,
         cooking=200_000_000)  # fmt: skip
    snap(engine, 4, datetime(2026, 11, 17, 12), ehb=3.0)
    return engine


def snap(engine: Engine, player_id: int, taken_at: datetime, **values: float | None) -> None:
    """Store a snapshot as harvest does: value rows for what changed, current_values kept."""
    ids = METRICS | SKILLS
    with Session(engine) as session, session.begin():
        snapshot_id = session.scalar(
            insert(Snapshot)
            .values(group_id=GROUP, player_id=player_id, taken_at=taken_at)
            .returning(Snapshot.id)
        )
        for name, value in values.items():
            session.execute(
                insert(SnapshotValue).values(
                    snapshot_id=snapshot_id, metric_id=ids[name], group_id=GROUP, value=value
                )
            )
        newest = session.scalar(
            select(Snapshot.taken_at)
            .where(Snapshot.player_id == player_id)
            .order_by(Snapshot.taken_at.desc())
        )
        if newest == taken_at:
            for name, value in values.items():
                key = {"group_id": GROUP, "player_id": player_id, "metric_id": ids[name]}
                session.execute(delete(CurrentValue).filter_by(**key))
                session.execute(insert(CurrentValue).values(**key, value=value))


def run(engine: Engine, *, today: date) -> None:
    derive(engine, derive_clan_statistics, today=today, timezone=ZoneInfo("UTC"))


def statistics(engine: Engine) -> dict[date, dict[str, Any]]:
    with Session(engine) as session:
        return {
            row.day: {c: getattr(row, c) for c in COLUMNS}
            for row in session.scalars(
                select(ClanStatistics).where(ClanStatistics.group_id == GROUP)
            )
        }


def rebuilt(engine: Engine, today: date) -> dict[date, dict[str, Any]]:
    """What a run with nothing remembered gives (the stored rows are put back after)."""
    kept = statistics(engine)
    with Session(engine) as session, session.begin():
        state = session.execute(select(TransformState.key, TransformState.value)).all()
        session.execute(delete(TransformState))
        session.execute(delete(ClanStatistics))
    run(engine, today=today)
    full = statistics(engine)
    with Session(engine) as session, session.begin():
        session.execute(delete(TransformState))
        session.execute(delete(ClanStatistics))
        session.add_all(TransformState(group_id=GROUP, key=k, value=v) for k, v in state)
        session.add_all(ClanStatistics(group_id=GROUP, day=d, **row) for d, row in kept.items())
    return full


NO_TYPES = dict.fromkeys(("regular", "ironman", "hardcore", "ultimate", "other_type"))


def row(**values: Any) -> dict[str, Any]:
    return {c: values.get(c, NO_TYPES.get(c)) for c in COLUMNS}


EXPECTED = {
    # P1, P3 and P4 are in; only P3 has a snapshot. P3: cooking 70 and seven 1s = 77, combat 1.
    SUN_1: row(
        members=3,
        measured=1,
        xp=737_627.0,
        ehp=10.0,
        ehb=5.0,
        maxed_total=0,
        maxed_combat=0,
        skills_99=0,
        skills_200m=0,
        total_level_average=77.0,
        total_level_median=77.0,
        combat_level_average=1.0,
        combat_level_median=1.0,
    ),
    # P1 is maxed: total 792, combat 126. Levels 792 and 77, combat 126 and 1.
    SUN_8: row(
        members=3,
        measured=2,
        xp=8 * MAXED + 737_627.0,
        ehp=1010.5,
        ehb=205.25,
        maxed_total=1,
        maxed_combat=1,
        skills_99=8,
        skills_200m=0,
        total_level_average=434.5,
        total_level_median=434.5,
        combat_level_average=63.5,
        combat_level_median=63.5,
    ),
    # P3 left that day; P2 joined: attack 10, hitpoints 10, six unknown or unranked = 26;
    # combat floor((10 * (1 + 10 + 0) + 13 * (10 + 1)) / 40) = floor(253 / 40) = 6.
    SUN_15: row(
        members=3,
        measured=2,
        xp=8 * MAXED + 2 * LEVEL_10,
        ehp=1000.5,
        ehb=200.25,
        maxed_total=1,
        maxed_combat=1,
        skills_99=8,
        skills_200m=0,
        total_level_average=409.0,
        total_level_median=409.0,
        combat_level_average=66.0,
        combat_level_median=66.0,
    ),
    # P4 is measured (EHB 3) but has no skill: left out of the levels. P1's cooking is 200M.
    TODAY: row(
        members=3,
        measured=3,
        xp=7 * MAXED + 200_000_000 + 2 * LEVEL_10,
        ehp=1000.5,
        ehb=203.25,
        maxed_total=1,
        maxed_combat=1,
        skills_99=8,
        skills_200m=1,
        total_level_average=409.0,
        total_level_median=409.0,
        combat_level_average=66.0,
        combat_level_median=66.0,
        regular=1,
        ironman=1,
        hardcore=0,
        ultimate=0,
        other_type=1,
    ),
}


def test_every_figure_of_every_sampled_day_worked_by_hand(engine: Engine) -> None:
    run(engine, today=TODAY)
    assert statistics(engine) == EXPECTED
    assert rebuilt(engine, TODAY) == EXPECTED


def test_a_snapshot_taken_late_on_sunday_and_stored_later_reworks_that_week(
    engine: Engine,
) -> None:
    run(engine, today=TODAY)
    # WOM took P2 at 20:00 on Sunday (attack 99); the next run stores it.
    snap(engine, 2, datetime(2026, 11, 15, 20), overall=MAXED + LEVEL_10, attack=MAXED)
    run(engine, today=TODAY)
    # P2: 99 + 10 + six 1s = 115; combat floor((10 * 11 + 13 * 100) / 40) = floor(1410 / 40) = 35.
    p2 = {"total": 115, "combat": 35, "xp": MAXED + LEVEL_10}
    sunday = EXPECTED[SUN_15] | {
        "xp": 8 * MAXED + p2["xp"],
        "skills_99": 9,
        "total_level_average": (792 + p2["total"]) / 2,
        "total_level_median": (792 + p2["total"]) / 2,
        "combat_level_average": (126 + p2["combat"]) / 2,
        "combat_level_median": (126 + p2["combat"]) / 2,
    }
    today = EXPECTED[TODAY] | {
        "xp": 7 * MAXED + 200_000_000 + p2["xp"],
        "skills_99": 9,
        "total_level_average": (792 + p2["total"]) / 2,
        "total_level_median": (792 + p2["total"]) / 2,
        "combat_level_average": (126 + p2["combat"]) / 2,
        "combat_level_median": (126 + p2["combat"]) / 2,
    }
    expected = EXPECTED | {SUN_15: sunday, TODAY: today}
    assert statistics(engine) == expected
    assert rebuilt(engine, TODAY) == expected


def test_a_join_date_learnt_later_reworks_the_weeks_before_it(engine: Engine) -> None:
    run(engine, today=TODAY)
    with Session(engine) as session, session.begin():
        session.execute(
            update(Membership)
            .where(Membership.player_id == 4)
            .values(joined_at=datetime(2026, 11, 12, 8))
        )
    run(engine, today=TODAY)
    expected = EXPECTED | {
        SUN_1: EXPECTED[SUN_1] | {"members": 2},
        SUN_8: EXPECTED[SUN_8] | {"members": 2},
    }
    assert statistics(engine) == expected
    assert rebuilt(engine, TODAY) == expected


def test_a_week_later_the_old_today_keeps_no_account_types_and_a_new_sunday_appears(
    engine: Engine,
) -> None:
    run(engine, today=TODAY)
    later = date(2026, 11, 24)  # the Tuesday after: Sunday 22 Nov is sampled, 18 Nov is not
    run(engine, today=later)
    stats = statistics(engine)
    assert sorted(stats) == [SUN_1, SUN_8, SUN_15, date(2026, 11, 22), later]
    # Nothing new since the 18th: that day's figures, but account types only for today.
    assert stats[date(2026, 11, 22)] == EXPECTED[TODAY] | NO_TYPES
    assert stats[later] == EXPECTED[TODAY]
    assert rebuilt(engine, later) == stats


def test_a_run_for_an_earlier_day_counts_no_snapshot_taken_after_it(engine: Engine) -> None:
    run(engine, today=TODAY)
    monday = date(2026, 11, 16)  # P1's 200M came at 09:00 that day; P4's EHB only on the 17th
    run(engine, today=monday)
    stats = statistics(engine)
    assert sorted(stats) == [SUN_1, SUN_8, SUN_15, monday]
    assert stats[monday] == EXPECTED[TODAY] | {"measured": 2, "ehb": 200.25}
    assert rebuilt(engine, monday) == stats


def test_a_clan_without_snapshots_has_no_statistics(migrated_url: str) -> None:
    engine = clan_database(migrated_url)
    add_player(engine, 1, joined=T0)
    run(engine, today=TODAY)
    assert statistics(engine) == {}


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        # A new account: hitpoints 10, the rest 1.
        ({"hitpoints": 10}, 3),
        # Every combat skill 99.
        (
            dict.fromkeys(
                ("attack", "strength", "defence", "hitpoints", "prayer", "ranged", "magic"), 99
            ),
            126,
        ),
        # A ranged pure: 1/4 (1 + 99 + 52/2) + 13/40 * floor(99 * 3/2) = 31.5 + 48.1 = 79.
        ({"hitpoints": 99, "prayer": 52, "ranged": 99}, 79),
    ],
)
def test_combat_level_follows_the_game_formula(levels: dict[str, int], expected: int) -> None:
    from clanstats.transform.levels import experience_for_level

    assert combat_level({s: experience_for_level(v) for s, v in levels.items()}) == expected


def test_a_skill_wom_adds_reworks_every_week_as_a_rebuild_would(engine: Engine) -> None:
    run(engine, today=TODAY)
    with Session(engine) as session, session.begin():
        session.execute(insert(Metric).values(id=18, name="sailing", kind="skill"))
    SKILLS["sailing"] = 18
    try:
        snap(engine, 1, datetime(2026, 11, 18, 9), sailing=0)
    finally:
        del SKILLS["sailing"]
    run(engine, today=TODAY)
    stats = statistics(engine)
    # Nine skills now: P1's eight 99s no longer make a maxed account, and every measured
    # member's total has one more level 1 (P4, with no skill at all, is still left out).
    assert stats[SUN_8]["maxed_total"] == 0
    assert stats[SUN_8]["total_level_average"] == (793 + 78) / 2
    assert stats == rebuilt(engine, TODAY)
