"""Recruits and their cohorts, worked by hand from member_status rows and days of activity.

The clan registered on WOM on 8 May 2026; today is Friday 4 December 2026 (UTC).

    P1  listed by WOM on 8 May, no in-game date: the founding roster, not a recruit
    P2  joined in game on 1 Mar (before WOM); first snapshot 20 May; one message, 25 May
    P3  listed 10 Jun, left 1 Aug; first snapshot 10 Jun; a gain on 15 Jun
    P6  listed 20 Jun; snapshots 19 and 20 Jun; a message on 19 Jun (before joining), a gain 1 Sep
    P8  back on 1 Sep (latest join) after an earlier stay; snapshots 15 Jul and 20 Sep; quiet
    P4  listed 20 Nov; snapshots 20 and 21 Nov; a gain on 22 Nov, no message
    P5  joined in game 25 Nov; no snapshot; a message on 26 Nov
    P10 listed 25 Nov; snapshots 20 Nov (history from before) and 26 Nov, whose gain on 26 Nov
        may all be play from before joining
    P7  joined in game 30 Nov, left 2 Dec
    P9  listed 28 Nov; nothing yet

Game progress counts from the day after a recruit's first snapshot on or after their (latest)
join day: a gain before that spans time outside the clan.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, insert, update
from sqlalchemy.orm import Session

from clanstats.db.models import (
    DailyActivity,
    DiscordChannel,
    MemberStatus,
    Recruit,
    RecruitCohort,
    Snapshot,
    WomGroup,
)
from clanstats.transform.recruits import derive_recruits
from tests.engagement_fixtures import GROUP, T0, add_player, clan_database, derive, table

TODAY = date(2026, 12, 4)
JOINS: dict[int, tuple[date, str, date | None]] = {
    1: (date(2026, 5, 8), "wom_listed", None),
    2: (date(2026, 3, 1), "clan_sync", None),
    3: (date(2026, 6, 10), "wom_listed", date(2026, 8, 1)),
    6: (date(2026, 6, 20), "wom_listed", None),
    8: (date(2026, 9, 1), "wom_listed", None),
    4: (date(2026, 11, 20), "wom_listed", None),
    10: (date(2026, 11, 25), "wom_listed", None),
    5: (date(2026, 11, 25), "clan_sync", None),
    7: (date(2026, 11, 30), "clan_sync", date(2026, 12, 2)),
    9: (date(2026, 11, 28), "wom_listed", None),
}
SNAPSHOT_DAYS = {
    2: [date(2026, 5, 20)],
    3: [date(2026, 6, 10)],
    6: [date(2026, 6, 19), date(2026, 6, 20)],
    8: [date(2026, 7, 15), date(2026, 9, 20)],
    4: [date(2026, 11, 20), date(2026, 11, 21)],
    10: [date(2026, 11, 20), date(2026, 11, 26)],
}
ACTIVITY: list[tuple[int, date, dict[str, float]]] = [
    (2, date(2026, 5, 25), {"messages": 1}),
    (3, date(2026, 6, 15), {"xp": 500.0}),
    (6, date(2026, 6, 19), {"messages": 3}),
    (6, date(2026, 9, 1), {"boss_kills": 1.0}),
    (4, date(2026, 11, 22), {"ehp": 0.5}),
    (10, date(2026, 11, 26), {"xp": 20_000.0}),
    (5, date(2026, 11, 26), {"messages": 2}),
    (3, date(2026, 6, 16), {"xp": 0.0}),  # a row with nothing in it is no activity
]
RECRUIT_COLUMNS = [c.name for c in Recruit.__table__.columns if c.name != "group_id"]
COHORT_COLUMNS = [c.name for c in RecruitCohort.__table__.columns if c.name != "group_id"]


def database(migrated_url: str) -> Engine:
    engine = clan_database(migrated_url)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(DiscordChannel).values(
                group_id=GROUP, channel_id=10, name="general", kind="text", updated_at=T0
            )
        )
        session.execute(
            update(WomGroup)
            .where(WomGroup.id == GROUP)
            .values(wom_created_at=datetime(2026, 5, 8, 14))
        )
        for pid, (joined, source, left) in JOINS.items():
            session.execute(
                insert(MemberStatus).values(
                    group_id=GROUP,
                    player_id=pid,
                    display_name=f"P{pid}",
                    status="left" if left else "active",
                    joined_on=joined,
                    left_on=left,
                    tenure_source=source,
                )
            )
    for pid in JOINS:
        add_player(engine, pid)
    with Session(engine) as session, session.begin():
        for pid, days in SNAPSHOT_DAYS.items():
            for day in days:
                for hour in (9, 20):  # the earliest counts
                    session.execute(
                        insert(Snapshot).values(
                            group_id=GROUP,
                            player_id=pid,
                            taken_at=datetime(day.year, day.month, day.day, hour),
                        )
                    )
        for pid, day, values in ACTIVITY:
            session.execute(
                insert(DailyActivity).values(
                    group_id=GROUP, player_id=pid, day=day, **({"messages": 0} | values)
                )
            )
    return engine


def recruit(pid: int, cohort: date, *, left: date | None = None, game: date | None = None,
            message: date | None = None, stayed: tuple[Any, Any, Any] = (None, None, None),
            active: tuple[Any, Any, Any] = (None, None, None), welcome: str | None = None
            ) -> tuple[Any, ...]:  # fmt: skip
    row = {
        "player_id": pid,
        "joined_on": JOINS[pid][0],
        "cohort": cohort,
        "left_on": left,
        "first_game_on": game,
        "first_message_on": message,
        **{f"stayed_{n}": v for n, v in zip((30, 90, 180), stayed, strict=True)},
        **{f"active_{n}": v for n, v in zip((30, 90, 180), active, strict=True)},
        "welcome": welcome,
    }
    return tuple(row[c] for c in RECRUIT_COLUMNS)


MAR, JUN, SEP, NOV = date(2026, 3, 1), date(2026, 6, 1), date(2026, 9, 1), date(2026, 11, 1)
T, F = True, False
EXPECTED_RECRUITS = sorted([
    # 30 days: 31 Mar, its 30 days before ClanStats saw the game (from 21 May) and quiet:
    # unknown. 90 days: 30 May, the message of 25 May. 180 days: 28 Aug, watched and quiet.
    recruit(2, MAR, message=date(2026, 5, 25), stayed=(T, T, T), active=(None, T, F)),
    # Left on 1 Aug: stayed 30 days (10 Jul), not 90 (8 Sep); 180 days (7 Dec) not yet.
    recruit(3, JUN, left=date(2026, 8, 1), game=date(2026, 6, 15), stayed=(T, F, None),
            active=(T, F, None)),
    # The message of 19 Jun came before joining. 30 days (20 Jul): quiet. 90 (18 Sep): 1 Sep.
    recruit(6, JUN, game=date(2026, 9, 1), stayed=(T, T, None), active=(F, T, None)),
    # Back on 1 Sep, seen from 21 Sep (the day after 20 Sep; 15 Jul was their earlier stay).
    # 30 days (1 Oct): its 30 days start 2 Sep, before that: unknown. 90 (30 Nov): quiet.
    recruit(8, SEP, stayed=(T, T, None), active=(None, F, None)),
    recruit(4, NOV, game=date(2026, 11, 22), welcome="no message yet"),
    recruit(5, NOV, message=date(2026, 11, 26), welcome="no game progress yet"),
    # The gain of 26 Nov is from 20 Nov's snapshot: maybe all before joining, so not progress.
    recruit(10, NOV, welcome="no message and no game progress yet"),
    recruit(7, NOV, left=date(2026, 12, 2)),
    recruit(9, NOV, welcome="no message and no game progress yet"),
])  # fmt: skip


def cohort(month: date, recruits: int, still_in: int, *marks: int) -> tuple[Any, ...]:
    return (month, recruits, still_in, *marks)


EXPECTED_COHORTS = [
    # per mark: reached, stayed, active, unknown
    cohort(MAR, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 0),
    cohort(JUN, 2, 1, 2, 2, 1, 0, 2, 1, 1, 0, 0, 0, 0, 0),
    cohort(SEP, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0),
    cohort(NOV, 5, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
]


def test_recruits_and_cohorts_worked_by_hand(migrated_url: str) -> None:
    engine = database(migrated_url)
    counts = derive(engine, derive_recruits, today=TODAY, timezone=ZoneInfo("UTC"))
    assert table(engine, Recruit, *RECRUIT_COLUMNS) == EXPECTED_RECRUITS
    assert COHORT_COLUMNS[:3] == ["month", "recruits", "still_in"]
    assert table(engine, RecruitCohort, *COHORT_COLUMNS) == EXPECTED_COHORTS
    assert counts == {"recruits": 9, "recruits to welcome": 4}


def test_without_a_registration_date_every_known_join_is_a_recruit(migrated_url: str) -> None:
    engine = database(migrated_url)
    with Session(engine) as session, session.begin():
        session.execute(update(WomGroup).values(wom_created_at=None))
    derive(engine, derive_recruits, today=TODAY, timezone=ZoneInfo("UTC"))
    recruited = [row[0] for row in table(engine, Recruit, "player_id")]
    assert recruited == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


def test_a_clan_with_no_members_has_no_recruits(migrated_url: str) -> None:
    engine = clan_database(migrated_url)
    derive(engine, derive_recruits, today=TODAY, timezone=ZoneInfo("UTC"))
    assert table(engine, Recruit, "player_id") == []
    assert table(engine, RecruitCohort, "month") == []


def test_without_discord_a_recruit_is_welcomed_only_for_game_progress(migrated_url: str) -> None:
    engine = database(migrated_url)
    with Session(engine) as session, session.begin():
        session.execute(delete(DiscordChannel))
    derive(engine, derive_recruits, today=TODAY, timezone=ZoneInfo("UTC"))
    welcome = dict(table(engine, Recruit, "player_id", "welcome"))
    # P4 has made game progress: nothing to ask. P5, P9 and P10 have made none.
    assert {pid: why for pid, why in welcome.items() if why} == {
        5: "no game progress yet",
        9: "no game progress yet",
        10: "no game progress yet",
    }
