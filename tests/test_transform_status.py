"""Member status: statuses and their boundary days, removal, streaks, engagement, chat/play.

Every expected value below was worked out by hand from the rows each test inserts; today is
2026-11-20 and the rules are the defaults (quiet after 7 days, inactive after 30, new for 14;
removal after 30 days in the clan and 30 days without activity) unless a test says otherwise.
Unless a test says otherwise, a member has been watched (has a stored snapshot) since joining,
and WOM doesn't know when their stats last changed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import (
    DailyActivity,
    IdentityLink,
    Membership,
    MemberStatus,
    NameChange,
    PeriodGain,
    Player,
    RelayName,
    Snapshot,
    WomGroup,
)
from clanstats.rules import Rules
from clanstats.transform.people_file import AltLink
from clanstats.transform.status import derive_member_status

GROUP = 1
OTHER_GROUP = 2
TODAY = date(2026, 11, 20)
T = datetime(2026, 11, 20, 12)
BERLIN = ZoneInfo("Europe/Berlin")
SINCE_JOINING = date(1, 1, 1)  # add_member's default: the first snapshot is from the join


def ago(days: int) -> date:
    """The clan day `days` before today."""
    return TODAY - timedelta(days=days)


def utc(moment: date | datetime | None) -> datetime | None:
    """A naive UTC datetime; a date becomes its noon, the same clan day in UTC and Berlin."""
    if moment is None or isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day, 12)


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    """The migrated database holding the two groups."""
    engine = make_engine(migrated_url)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(WomGroup),
            [{"id": g, "name": f"group {g}", "fetched_at": T} for g in (GROUP, OTHER_GROUP)],
        )
    return engine


def add_member(
    engine: Engine,
    pid: int,
    *,
    joined: date | datetime | None,
    left: date | datetime | None = None,
    group: int = GROUP,
    watched: date | datetime | None = SINCE_JOINING,
    last_changed: date | datetime | None = None,
) -> None:
    """A player, their membership, their first stored snapshot and WOM's lastChangedAt."""
    first_snapshot = utc(joined) if watched is SINCE_JOINING else utc(watched)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(Player),
            [
                {
                    "group_id": group,
                    "player_id": pid,
                    "username": f"p{pid}",
                    "display_name": f"Player {pid}",
                    "first_seen_at": T,
                    "last_changed_at": utc(last_changed),
                }
            ],
        )
        if first_snapshot is not None:
            session.execute(
                insert(Snapshot),
                [{"group_id": group, "player_id": pid, "taken_at": first_snapshot}],
            )
        session.execute(
            insert(Membership),
            [
                {
                    "group_id": group,
                    "player_id": pid,
                    "role": "member",
                    "joined_at": utc(joined),
                    "left_at": utc(left),
                    "updated_at": T,
                }
            ],
        )


def add_days(engine: Engine, pid: int, days: list[date], **columns: Any) -> None:
    """Daily activity rows for one player: the given columns, game columns NULL otherwise."""
    with Session(engine) as session, session.begin():
        session.execute(
            insert(DailyActivity),
            [{"group_id": GROUP, "player_id": pid, "day": day, **columns} for day in days],
        )


def run(engine: Engine, rules: Rules | None = None, **kwargs: Any) -> dict[str, object]:
    with Session(engine) as session, session.begin():
        return derive_member_status(
            session, group_id=GROUP, today=TODAY, rules=rules or Rules(), **kwargs
        )


def statuses(engine: Engine) -> dict[int, dict[str, Any]]:
    """The group's member_status rows by player id, as dicts."""
    with Session(engine) as session:
        rows = session.scalars(select(MemberStatus).where(MemberStatus.group_id == GROUP)).all()
        return {
            row.player_id: {c.name: getattr(row, c.name) for c in MemberStatus.__table__.columns}
            for row in rows
        }


def test_status_follows_days_since_last_active_with_boundaries(engine: Engine) -> None:
    # "quiet_after_days: 7" means no XP and no messages for 7 days: idle 6 is active, 7 quiet.
    add_member(engine, 1, joined=ago(200))
    add_days(engine, 1, [ago(7)], xp=500.0)  # exactly quiet_after_days: quiet
    add_member(engine, 2, joined=ago(200))
    add_days(engine, 2, [ago(6)], messages=2)  # one day less: still active
    add_member(engine, 3, joined=ago(200))
    add_days(engine, 3, [ago(29)], ehp=0.5)  # one day short of inactive_after_days: quiet
    add_member(engine, 4, joined=ago(200))
    add_days(engine, 4, [ago(30)], boss_kills=1.0)  # exactly inactive_after_days: inactive
    add_member(engine, 5, joined=ago(13))  # joined 13 days ago: new, activity or not
    add_member(engine, 6, joined=ago(14))  # 14 days: no longer new; watched 14 days idle: quiet
    add_member(engine, 7, joined=None, watched=None)  # never seen at all: not enough history
    add_member(engine, 8, joined=ago(100), left=ago(10))
    add_days(engine, 8, [ago(10)], xp=100.0)
    add_member(engine, 9, joined=ago(200))
    # Snapshots that gained nothing are not activity.
    add_days(engine, 9, [ago(n) for n in range(40)], xp=0.0, ehp=0.0, ehb=0.0, boss_kills=0.0)
    add_member(engine, 10, joined=ago(200))
    add_days(engine, 10, [TODAY], ehb=0.2)  # an EHB gain alone is a game gain

    counts = run(engine)

    found = {pid: row["status"] for pid, row in statuses(engine).items()}
    assert found == {
        1: "quiet",
        2: "active",
        3: "quiet",
        4: "inactive",
        5: "new",
        6: "quiet",
        7: "unknown",
        8: "left",
        9: "inactive",
        10: "active",
    }
    # Removal candidates: 4 (30 idle days) and 9 (never active in 200 watched days).
    assert counts == {
        "active": 2,
        "quiet": 3,
        "inactive": 2,
        "unknown": 1,
        "new": 1,
        "left": 1,
        "removal candidates": 2,
    }


def test_join_and_leave_days_are_clan_days(engine: Engine) -> None:
    # 23:30 UTC is already the next day in Berlin (UTC+1 in November).
    add_member(engine, 1, joined=datetime(2026, 11, 6, 23, 30))
    add_member(engine, 2, joined=datetime(2026, 5, 1, 12), left=datetime(2026, 11, 19, 23, 30))

    run(engine, timezone=BERLIN)
    berlin = statuses(engine)
    run(engine)
    utc = statuses(engine)

    # Berlin: joined 11-07, 13 days ago -> new. UTC: joined 11-06, 14 days ago -> not new.
    assert (berlin[1]["joined_on"], berlin[1]["status"]) == (date(2026, 11, 7), "new")
    assert (utc[1]["joined_on"], utc[1]["status"]) == (date(2026, 11, 6), "quiet")
    assert (berlin[2]["left_on"], berlin[2]["tenure_days"]) == (date(2026, 11, 20), 203)
    assert (utc[2]["left_on"], utc[2]["tenure_days"]) == (date(2026, 11, 19), 202)


def test_last_days_tenure_and_leavers(engine: Engine) -> None:
    add_member(engine, 1, joined=ago(200))
    add_days(engine, 1, [ago(3)], xp=1000.0, messages=0)
    add_days(engine, 1, [ago(1)], messages=4)  # Discord only: game columns NULL
    add_member(engine, 2, joined=date(2026, 5, 1), left=date(2026, 8, 9))
    add_days(engine, 2, [date(2026, 8, 1), date(2026, 8, 2)], xp=10.0, messages=1)

    run(engine)
    rows = statuses(engine)

    member = rows[1]
    assert member["last_xp_on"] == ago(3)
    assert member["last_message_on"] == ago(1)
    assert member["last_active_on"] == ago(1)
    assert member["tenure_days"] == 200
    assert member["display_name"] == "Player 1"
    assert member["role"] == "member"
    leaver = rows[2]
    # Leavers keep their history but get no current streak, score or chat/play.
    assert leaver["tenure_days"] == 100  # 2026-05-01 -> 2026-08-09
    assert leaver["last_active_on"] == date(2026, 8, 2)
    assert (leaver["current_streak"], leaver["best_streak"]) == (0, 2)
    assert leaver["engagement_score"] is None
    assert leaver["chat_play"] is None
    assert leaver["removal_candidate"] is False


def test_removal_candidates_and_their_reasons(engine: Engine) -> None:
    add_member(engine, 1, joined=ago(210))
    add_days(engine, 1, [ago(30)], xp=50.0)  # 30 idle days: the whole window is empty
    add_days(engine, 1, [ago(n) for n in range(30)], xp=0.0)  # WOM saw no gains
    add_member(engine, 2, joined=ago(210))
    add_days(engine, 2, [ago(29)], messages=1)  # inside the 30-day window
    add_member(engine, 3, joined=ago(31))  # never active, watched (no WOM update) since joining
    add_member(engine, 4, joined=ago(29))  # tenure 29 is short of 30
    add_member(engine, 5, joined=ago(300), left=ago(5))  # leavers are never candidates
    add_member(engine, 6, joined=None)  # unknown tenure can't reach the minimum
    # A first run: one snapshot today. Without WOM's lastChangedAt nothing says they're idle.
    add_member(engine, 7, joined=ago(300), watched=TODAY)
    # With it, WOM's word is evidence: last change 45 days ago.
    add_member(engine, 8, joined=ago(300), watched=TODAY, last_changed=ago(45))

    run(engine)
    rows = statuses(engine)

    reasons = {pid: (r["removal_candidate"], r["removal_reason"]) for pid, r in rows.items()}
    assert reasons == {
        1: (
            True,
            "no XP and no messages for 30 days (last active 2026-10-21); in the clan 210 days",
        ),
        2: (False, None),
        3: (
            True,
            "never active since tracking began 2026-10-20; in the clan 31 days; "
            "no WOM update in that time",
        ),
        4: (False, None),
        5: (False, None),
        6: (False, None),
        7: (False, None),
        8: (
            True,
            "no XP and no messages for 45 days (last active 2026-10-06); in the clan 300 days; "
            "no WOM update in that time",
        ),
    }
    assert (rows[7]["status"], rows[8]["status"]) == ("unknown", "inactive")
    assert rows[8]["last_xp_on"] == ago(45)


def test_wom_window_gains_are_evidence_on_a_first_run(engine: Engine) -> None:
    # First runs with no lastChangedAt: WOM's own exact-window gains still say who played.
    for pid in (1, 2, 3):
        add_member(engine, pid, joined=ago(300), watched=TODAY)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(PeriodGain),
            [
                {
                    "group_id": GROUP,
                    "player_id": 1,
                    "period": "7d",
                    "metric": "xp",
                    "gained": 1500.0,
                    "source": "wom",
                },
                {
                    "group_id": GROUP,
                    "player_id": 2,
                    "period": "30d",
                    "metric": "boss_kills",
                    "gained": 4.0,
                    "source": "wom",
                },
                {
                    "group_id": GROUP,
                    "player_id": 3,
                    "period": "7d",
                    "metric": "xp",
                    "gained": 0.0,
                    "source": "wom",
                },
            ],
        )
    run(engine)
    rows = statuses(engine)
    # A gain in the last 7 days: active. In the last 30 only: not inactive, but quiet or active
    # can't be told apart yet. Nothing gained: no evidence either way.
    assert [rows[pid]["status"] for pid in (1, 2, 3)] == ["active", "unknown", "unknown"]
    assert not any(rows[pid]["removal_candidate"] for pid in (1, 2, 3))


def test_removal_follows_the_rules_file(engine: Engine) -> None:
    add_member(engine, 1, joined=ago(100))
    add_days(engine, 1, [ago(40)], messages=3)
    rules = Rules.model_validate({"removal": {"min_tenure_days": 120, "no_activity_days": 30}})

    run(engine, rules)
    assert statuses(engine)[1]["removal_candidate"] is False  # 100 days in, 120 needed

    rules = Rules.model_validate({"removal": {"min_tenure_days": 90, "no_activity_days": 41}})
    run(engine, rules)
    assert statuses(engine)[1]["removal_candidate"] is False  # active 40 days ago, window 41

    rules = Rules.model_validate({"removal": {"min_tenure_days": 90, "no_activity_days": 40}})
    run(engine, rules)
    assert statuses(engine)[1]["removal_reason"] == (
        "no XP and no messages for 40 days (last active 2026-10-11); in the clan 100 days; "
        "no WOM update in that time"
    )


def test_a_leave_of_absence_keeps_a_member_off_the_removal_list_until_it_ends(
    engine: Engine,
) -> None:
    for pid in (1, 2, 3, 4):
        add_member(engine, pid, joined=ago(300))  # never active since: all would be candidates
    add_member(engine, 5, joined=ago(300), left=ago(2))
    absences = [
        # Hand-worked against TODAY = 2026-11-20 (inclusive ends, names matched as OSRS does).
        {"name": "PLAYER_1", "from": "2026-11-01", "until": "2026-11-20", "reason": "exams"},
        {"name": "player-2", "from": "2026-10-01", "until": "2026-11-19"},  # ended yesterday
        {"name": "Player 3", "from": "2026-11-21", "until": "2026-12-24"},  # starts tomorrow
        {"name": "Player 5", "from": "2026-11-01", "until": "2026-12-01"},  # left the clan
        {"name": "Zezima", "from": "2026-11-01", "until": "2026-12-01"},  # no such member
        {"name": "Gone Long Ago", "from": "2026-01-01", "until": "2026-02-01"},  # expired: quiet
    ]
    counts = run(engine, Rules.model_validate({"absences": absences}))
    rows = statuses(engine)
    assert {
        pid: (r["removal_candidate"], r["away_until"], r["away_reason"]) for pid, r in rows.items()
    } == {
        1: (False, date(2026, 11, 20), "exams"),
        2: (True, None, None),
        3: (True, None, None),
        4: (True, None, None),
        5: (False, None, None),
    }
    assert rows[1]["removal_reason"] is None and rows[1]["status"] == "inactive"
    assert counts["away"] == 1
    assert counts["absences naming no current member"] == "Player 5, Zezima"


def test_a_leave_of_absence_follows_a_member_through_a_rename(engine: Engine) -> None:
    """An absence names the member as they were called when they asked; renames since, a name
    two members have had, and a name someone else has now (it wins) are hand-worked here."""
    for pid in (1, 2, 3, 4):
        add_member(engine, pid, joined=ago(300))  # never active since: all would be candidates
    renames = [
        (1, "Bank Alt", "Player 1"),  # the absence was written before this rename
        (2, "Shared", "Player 2"),  # two members were once called "Shared"
        (3, "Shared", "Player 3"),
        (2, "Player 4", "Shared"),  # player 2 had player 4's name before player 4 did
    ]
    with Session(engine) as session, session.begin():
        session.execute(
            insert(NameChange),
            [
                {
                    "group_id": GROUP,
                    "id": n,
                    "player_id": pid,
                    "old_name": old,
                    "new_name": new,
                    "status": "approved",
                    "created_at": T,
                    "resolved_at": T,
                }
                for n, (pid, old, new) in enumerate(renames, start=1)
            ],
        )
    absences = [
        {"name": "bank_alt", "from": "2026-11-01", "until": "2026-11-30"},
        {"name": "Shared", "from": "2026-11-01", "until": "2026-11-30"},
        {"name": "Player 4", "from": "2026-11-01", "until": "2026-11-30"},
    ]
    counts = run(engine, Rules.model_validate({"absences": absences}))
    away = {pid for pid, row in statuses(engine).items() if row["away_until"] is not None}
    assert away == {1, 4}
    assert counts["absences naming no current member"] == "Shared"


def test_streaks_through_the_database(engine: Engine) -> None:
    for pid in range(1, 7):
        add_member(engine, pid, joined=ago(200))
    add_days(engine, 1, [ago(1), ago(2), ago(3)], xp=5.0)  # today not active yet: 3
    add_days(engine, 2, [TODAY], messages=1)
    add_days(engine, 2, [ago(1)], xp=5.0)  # chat and game days both count: 2
    add_days(engine, 3, [TODAY, ago(2), ago(3)], xp=5.0)  # gap yesterday: 1, best 2
    add_days(engine, 4, [date(2026, 10, d) for d in range(6, 11)], xp=5.0)  # 5 ending 10-10
    add_days(engine, 4, [TODAY, ago(1)], messages=2)
    add_days(engine, 5, [date(2026, 10, d) for d in (1, 2, 3)], xp=5.0)  # a tie: earlier wins
    add_days(engine, 5, [date(2026, 11, d) for d in (1, 2, 3)], xp=5.0)
    add_days(engine, 6, [ago(n) for n in range(10)], xp=0.0, messages=0)  # zeros don't count
    add_days(engine, 6, [TODAY + timedelta(days=1)], xp=5.0)  # after today: not read

    run(engine)
    found = {
        pid: (r["current_streak"], r["best_streak"], r["best_streak_end"])
        for pid, r in statuses(engine).items()
    }

    assert found == {
        1: (3, 3, ago(1)),
        2: (2, 2, TODAY),
        3: (1, 2, ago(2)),
        4: (2, 5, date(2026, 10, 10)),
        5: (0, 3, date(2026, 10, 3)),
        6: (0, 0, None),
    }


def test_engagement_score_formula(engine: Engine) -> None:
    for pid in range(1, 6):
        add_member(engine, pid, joined=ago(200))
    # 10 game days and 5 chat days in the window, plus a day just outside it:
    # 100 * (0.6 * 10/30 + 0.4 * 5/30) = 100 * (0.2 + 0.0667) = 26.67 -> 26.7
    add_days(engine, 1, [ago(n) for n in range(5)], xp=10.0, messages=1)
    add_days(engine, 1, [ago(n) for n in range(5, 10)], xp=10.0)
    add_days(engine, 1, [ago(30)], xp=10.0, messages=9)
    # Every day of the 30 both played and chatted: 100 * (0.6 + 0.4) = 100.0
    add_days(engine, 2, [ago(n) for n in range(30)], boss_kills=1.0, messages=1)
    # One chat day: 100 * 0.4 / 30 = 1.33 -> 1.3
    add_days(engine, 3, [ago(29)], messages=1)
    # One game day: 100 * 0.6 / 30 = 2.0
    add_days(engine, 4, [TODAY], xp=1.0)
    # Nothing: 0.0

    run(engine)
    scores = {pid: r["engagement_score"] for pid, r in statuses(engine).items()}

    assert scores == {1: 26.7, 2: 100.0, 3: 1.3, 4: 2.0, 5: 0.0}


def test_chat_play(engine: Engine) -> None:
    for pid in range(1, 9):
        add_member(engine, pid, joined=ago(200))
    three = [ago(1), ago(5), ago(9)]
    add_days(engine, 1, three, messages=2)
    add_days(engine, 2, three, xp=100.0)
    add_days(engine, 3, three, xp=100.0)
    add_days(engine, 4, three, xp=100.0)
    add_days(engine, 5, [ago(3)], xp=100.0)
    add_days(engine, 5, [ago(4)], messages=1)
    add_days(engine, 6, [ago(1), ago(2)], messages=1)
    add_days(engine, 8, three, xp=100.0)
    add_days(engine, 8, [ago(30)], messages=5)  # outside the 30 days
    with Session(engine) as session, session.begin():
        session.execute(
            insert(IdentityLink),
            [
                {"group_id": GROUP, "discord_user_id": 1002, "player_id": 2, "source": "name"},
                {"group_id": GROUP, "discord_user_id": 1008, "player_id": 8, "source": "name"},
            ],
        )
        session.execute(
            insert(RelayName),
            [
                {"group_id": GROUP, "name_key": "player3", "player_id": 3, "source": "name"},
                {"group_id": GROUP, "name_key": "stranger", "player_id": None, "source": "name"},
            ],
        )

    run(engine)
    found = {pid: r["chat_play"] for pid, r in statuses(engine).items()}

    assert found == {
        1: "chats, doesn't play",
        2: "plays, doesn't chat",  # linked Discord account
        3: "plays, doesn't chat",  # heard in relay chat
        4: "not on Discord",
        5: "both",
        6: "neither",  # 2 chat days are not enough to call it one-sided
        7: "neither",
        8: "plays, doesn't chat",
    }


def test_rerun_changes_nothing_and_other_groups_are_left_alone(engine: Engine) -> None:
    add_member(engine, 1, joined=ago(200))
    add_days(engine, 1, [ago(2), ago(3)], xp=7.0, messages=1)
    add_member(engine, 2, joined=ago(50), left=ago(3))
    add_member(engine, 9, joined=ago(50), group=OTHER_GROUP)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(MemberStatus),
            [{"group_id": OTHER_GROUP, "player_id": 9, "display_name": "x", "status": "active"}],
        )
        # A stale row for a player who no longer has a membership goes away.
        session.execute(
            insert(MemberStatus),
            [{"group_id": GROUP, "player_id": 77, "display_name": "gone", "status": "active"}],
        )

    first_counts = run(engine)
    first = statuses(engine)
    second_counts = run(engine)

    assert statuses(engine) == first
    assert second_counts == first_counts
    assert set(first) == {1, 2}
    with Session(engine) as session:
        other = session.scalars(
            select(MemberStatus.status).where(MemberStatus.group_id == OTHER_GROUP)
        ).all()
    assert other == ["active"]


def alt_lines(*pairs: tuple[str, str]) -> list[AltLink]:
    """People file lines (alt, main), numbered from 2 as under the header."""
    return [AltLink(line, alt, main) for line, (alt, main) in enumerate(pairs, start=2)]


def test_a_player_is_judged_by_all_their_accounts(engine: Engine) -> None:
    """Hand-worked: each person's accounts and what each did; defaults (quiet after 7 days,
    inactive after 30; removal after 30 days in and 30 quiet)."""
    for pid in range(1, 10):
        add_member(engine, pid, joined=ago(300))
    add_member(engine, 10, joined=ago(5))  # new
    add_member(engine, 11, joined=ago(300), left=ago(3))
    add_days(engine, 1, [ago(2)], xp=10.0)  # main 1 active; alts 2 (quiet) and 3 (inactive)
    add_days(engine, 2, [ago(10)], xp=10.0)
    add_days(engine, 4, [ago(40)], xp=10.0)  # main 4 and alt 5: both quiet 30+ days
    add_days(engine, 5, [ago(50)], messages=2)
    add_days(engine, 6, [ago(40)], xp=10.0)  # main 6 a candidate, alt 7 away: 6 stays
    add_days(engine, 8, [ago(40)], xp=10.0)  # 8 quiet 40 days; its main 10 is new, not active
    rules = Rules.model_validate(
        {"absences": [{"name": "Player 7", "from": "2026-11-01", "until": "2026-11-30"}]}
    )
    counts = run(
        engine,
        rules,
        alts=alt_lines(
            ("Player 2", "Player 1"),
            ("player_3", "PLAYER 1"),
            ("Player 5", "Player 4"),
            ("Player 7", "Player 6"),
            ("Player 8", "Player 10"),
            ("Player 9", "Player 11"),  # the main left: not linked, named in the summary
            ("Zezima", "Player 1"),  # no such member
        ),
    )
    rows = statuses(engine)
    got = {
        pid: (r["status"], r["removal_candidate"], r["main_player_id"]) for pid, r in rows.items()
    }
    assert got == {
        1: ("active", False, None),
        2: ("active", False, 1),  # quiet on its own: 10 days
        3: ("active", False, 1),  # never active: inactive on its own, and a candidate
        4: ("inactive", True, None),
        5: ("inactive", True, 4),
        6: ("inactive", False, None),  # their alt is on leave: not every account is quiet
        7: ("inactive", False, 6),
        8: ("inactive", False, 10),  # in the clan 300 days, but their main joined 5 days ago
        9: ("inactive", True, None),
        10: ("new", False, None),
        11: ("left", False, None),
    }
    assert rows[4]["removal_reason"] == (
        "no XP and no messages for 40 days (last active 2026-10-11); in the clan 300 days; "
        "no WOM update in that time; Player 4's other accounts are quiet too"
    )
    assert rows[5]["removal_reason"].endswith("; Player 4's other accounts are quiet too")
    assert counts["alts"] == 5
    assert counts["people file naming no current member"] == "Player 11, Zezima"


def test_a_people_line_naming_an_account_already_named_after_a_rename_is_left_out(
    engine: Engine,
) -> None:
    for pid in (1, 2, 3):
        add_member(engine, pid, joined=ago(300))
    with Session(engine) as session, session.begin():
        session.execute(
            insert(NameChange),
            [
                {
                    "group_id": GROUP,
                    "id": 1,
                    "player_id": 3,
                    "old_name": "Old Three",
                    "new_name": "Player 3",
                    "status": "approved",
                    "created_at": T,
                    "resolved_at": T,
                }
            ],
        )
    counts = run(engine, alts=alt_lines(("Player 3", "Player 1"), ("Old Three", "Player 2")))
    assert {pid: r["main_player_id"] for pid, r in statuses(engine).items()} == {
        1: None,
        2: None,
        3: 1,  # the earlier line wins
    }
    assert counts["people file lines left out"] == (
        "line 3 (Old Three,Player 2): names an account already named (after a rename)"
    )
    assert "people file naming no current member" not in counts
