"""Promotions: due or not, top of the ladder, roles off the ladder, the 'missing' text, levels.

Expected values were worked out by hand from the rows each test inserts; today is 2026-11-20.
The main ladder is the one in rules.example.yaml:
recruit (nothing), corporal (14 days, 10M XP), sergeant (60 days, 250 EHP, 20 messages in 30
days), lieutenant (180 days, 750 EHP, 150 EHB).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import (
    CurrentValue,
    DailyActivity,
    Membership,
    MemberStatus,
    Metric,
    Player,
    Promotion,
    WomGroup,
)
from clanstats.rules import PromotionRules, Rules
from clanstats.transform.levels import EXPERIENCE_TABLE, level_for_experience, total_level
from clanstats.transform.promotions import (
    MemberFacts,
    compact_number,
    derive_promotions,
    person_facts,
)
from simulator import metrics as sim_metrics

GROUP = 1
TODAY = date(2026, 11, 20)
T = datetime(2026, 11, 20, 12)
METRICS = {
    "overall": "skill",
    "attack": "skill",
    "strength": "skill",
    "hitpoints": "skill",
    "ehp": "computed",
    "ehb": "computed",
    "vorkath": "boss",
    "clue_scrolls_all": "activity",
}
EXAMPLE_LADDER = Rules.model_validate(
    {
        "ranks": [
            {"name": "recruit"},
            {"name": "corporal", "requirements": {"tenure_days": 14, "overall": 10_000_000}},
            {
                "name": "sergeant",
                "requirements": {"tenure_days": 60, "ehp": 250, "messages_30d": 20},
            },
            {
                "name": "lieutenant",
                "requirements": {"tenure_days": 180, "ehp": 750, "ehb": 150},
            },
        ]
    }
)


def ago(days: int) -> date:
    """The clan day `days` before today."""
    return TODAY - timedelta(days=days)


def noon(day: date | None) -> datetime | None:
    """Naive UTC noon of a day."""
    return None if day is None else datetime(day.year, day.month, day.day, 12)


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    """A migrated database with the group and the metrics."""
    engine = make_engine(migrated_url)
    with Session(engine) as session, session.begin():
        session.execute(insert(WomGroup), [{"id": GROUP, "name": "g", "fetched_at": T}])
        session.execute(
            insert(Metric),
            [
                {"id": n, "name": name, "kind": kind}
                for n, (name, kind) in enumerate(METRICS.items(), 1)
            ],
        )
    return engine


def add_member(
    engine: Engine,
    pid: int,
    role: str | None,
    *,
    joined: date | None,
    left: date | None = None,
    values: dict[str, float | None] | None = None,
    messages: dict[date, int] | None = None,
) -> None:
    """A player, their membership, current metric values and daily messages."""
    metric_ids = {name: n for n, name in enumerate(METRICS, 1)}
    with Session(engine) as session, session.begin():
        session.execute(
            insert(Player),
            [
                {
                    "group_id": GROUP,
                    "player_id": pid,
                    "username": f"p{pid}",
                    "display_name": f"Player {pid}",
                    "first_seen_at": T,
                }
            ],
        )
        session.execute(
            insert(Membership),
            [
                {
                    "group_id": GROUP,
                    "player_id": pid,
                    "role": role,
                    "joined_at": noon(joined),
                    "left_at": noon(left),
                    "updated_at": T,
                }
            ],
        )
        if values:
            session.execute(
                insert(CurrentValue),
                [
                    {"group_id": GROUP, "player_id": pid, "metric_id": metric_ids[m], "value": v}
                    for m, v in values.items()
                ],
            )
        if messages:
            session.execute(
                insert(DailyActivity),
                [
                    {"group_id": GROUP, "player_id": pid, "day": day, "messages": count}
                    for day, count in messages.items()
                ],
            )


def run(engine: Engine, rules: Rules) -> dict[str, object]:
    with Session(engine) as session, session.begin():
        return derive_promotions(session, group_id=GROUP, today=TODAY, rules=rules)


def promotions(engine: Engine) -> dict[int, dict[str, Any]]:
    """The group's promotions rows by player id, as dicts without the group id."""
    with Session(engine) as session:
        rows = session.scalars(select(Promotion).where(Promotion.group_id == GROUP)).all()
        columns = [c.name for c in Promotion.__table__.columns if c.name != "group_id"]
        return {row.player_id: {c: getattr(row, c) for c in columns} for row in rows}


def test_the_example_ladder(engine: Engine) -> None:
    # Due for sergeant: 75 days, 12M XP, 300 EHP, 4 + 20 messages in the 30 days (the 50 sent
    # 30 days ago are outside). Next is lieutenant: 180 - 75 = 105 days, 750 - 300 = 450 EHP,
    # 150 - 40 = 110 EHB; readiness (75/180 + 300/750 + 40/150) / 3 = 0.3611.
    add_member(
        engine,
        1,
        "recruit",
        joined=ago(75),
        values={"overall": 12_000_000, "ehp": 300, "ehb": 40},
        messages={TODAY: 4, ago(29): 20, ago(30): 50},
    )
    # Already corporal (role case differs): 20/60 days, 100/250 EHP, 3/20 messages;
    # readiness (20/60 + 100/250 + 3/20) / 3 = 0.2944.
    add_member(
        engine,
        2,
        "Corporal",
        joined=ago(20),
        values={"overall": 11_000_000, "ehp": 100},
        messages={ago(3): 3},
    )
    # 8.8M of 10M XP: 1.2M short; readiness (1 + 0.88) / 2 = 0.94.
    add_member(engine, 3, "recruit", joined=ago(30), values={"overall": 8_800_000})
    # At the top: nothing next.
    add_member(engine, 4, "lieutenant", joined=ago(400), values={"ehp": 1000, "ehb": 200})
    add_member(engine, 5, "owner", joined=ago(900), values={"ehp": 5000})
    add_member(engine, 6, "recruit", joined=ago(90), left=ago(2))  # left: no row
    # Unknown join date: tenure can't be met; readiness (0 + 1) / 2 = 0.5.
    add_member(engine, 7, "recruit", joined=None, values={"overall": 20_000_000})
    # A sergeant the rules would only make a recruit (no XP known, no messages): not due, and
    # the next rank is still the one above sergeant. EHB is unknown (WOM's -1): readiness
    # (1 + 1 + 0) / 3 = 0.667.
    add_member(engine, 8, "sergeant", joined=ago(200), values={"ehp": 800, "ehb": None})
    # Meets lieutenant but not sergeant (no messages): the highest rank met counts.
    add_member(engine, 9, "recruit", joined=ago(200), values={"ehp": 800, "ehb": 200})

    counts = run(engine, EXAMPLE_LADDER)
    rows = promotions(engine)

    assert rows[1] == {
        "player_id": 1,
        "current_role": "recruit",
        "eligible_rank": "sergeant",
        "next_rank": "lieutenant",
        "is_due": True,
        "rule_met": "sergeant: tenure 75/60 days, EHP 300/250, messages 24/20",
        "missing": "105 more days, 450 EHP, 110 EHB",
        "readiness": 0.361,
        "held_back": None,
    }
    assert rows[2] == {
        "player_id": 2,
        "current_role": "Corporal",
        "eligible_rank": "corporal",
        "next_rank": "sergeant",
        "is_due": False,
        "rule_met": None,
        "missing": "40 more days, 150 EHP, 17 more messages",
        "readiness": 0.294,
        "held_back": None,
    }
    assert (rows[3]["eligible_rank"], rows[3]["next_rank"], rows[3]["is_due"]) == (
        "recruit",
        "corporal",
        False,
    )
    assert (rows[3]["missing"], rows[3]["readiness"]) == ("1.2M XP", 0.94)
    assert rows[4] == {
        "player_id": 4,
        "current_role": "lieutenant",
        "eligible_rank": "lieutenant",
        "next_rank": None,
        "is_due": False,
        "rule_met": None,
        "missing": None,
        "readiness": None,
        "held_back": None,
    }
    assert rows[5] == {
        "player_id": 5,
        "current_role": "owner",
        "eligible_rank": None,
        "next_rank": None,
        "is_due": False,
        "rule_met": None,
        "missing": "role not on the rank ladder",
        "readiness": None,
        "held_back": None,
    }
    assert 6 not in rows
    assert (rows[7]["next_rank"], rows[7]["missing"], rows[7]["readiness"]) == (
        "corporal",
        "join date unknown",
        0.5,
    )
    assert rows[8]["eligible_rank"] == "recruit"
    assert (rows[8]["is_due"], rows[8]["next_rank"]) == (False, "lieutenant")
    assert (rows[8]["missing"], rows[8]["readiness"]) == ("EHB unknown", 0.667)
    assert rows[9]["is_due"] is True
    assert rows[9]["rule_met"] == "lieutenant: tenure 200/180 days, EHP 800/750, EHB 200/150"
    assert rows[9]["next_rank"] is None
    assert counts == {
        "promotions due": 2,
        "promotions held back": 0,
        "ranks configured": 4,
        "roles not on the rank ladder": 1,
    }


def test_total_level_activities_and_unknown_metrics(engine: Engine) -> None:
    rules = Rules.model_validate(
        {
            "ranks": [
                {"name": "member"},
                {"name": "veteran", "requirements": {"total_level": 150, "clue_scrolls_all": 10}},
                {"name": "elite", "requirements": {"zulrah": 100}},  # never seen by WOM here
            ]
        }
    )
    # Attack 13,034,431 XP = 99, strength 101,333 = 50, hitpoints unknown = 1: 150. Overall
    # (200M) is not a skill level. Clues 12 >= 10: due for veteran; elite can't be met.
    add_member(
        engine,
        1,
        "member",
        joined=ago(10),
        values={
            "overall": 200_000_000,
            "attack": 13_034_431,
            "strength": 101_333,
            "hitpoints": None,
            "clue_scrolls_all": 12,
        },
    )
    # One XP short of 99 attack (98) and hitpoints without a row (1): 149, one level short;
    # 5 of 10 clues. Readiness (149/150 + 5/10) / 2 = 0.7467.
    add_member(
        engine,
        2,
        "member",
        joined=ago(10),
        values={"attack": 13_034_430, "strength": 101_333, "clue_scrolls_all": 5},
    )
    add_member(engine, 3, "member", joined=ago(10))  # nothing known at all
    add_member(engine, 4, "veteran", joined=ago(10))  # next is elite: unknown metric

    run(engine, rules)
    rows = promotions(engine)

    assert rows[1]["is_due"] is True
    assert rows[1]["rule_met"] == "veteran: total level 150/150, clue scrolls all 12/10"
    assert (rows[1]["next_rank"], rows[1]["missing"]) == ("elite", "unknown metric zulrah")
    assert rows[1]["readiness"] == 0.0
    assert rows[2]["is_due"] is False
    assert rows[2]["missing"] == "1 more total level, 5 clue scrolls all"
    assert rows[2]["readiness"] == 0.747
    assert rows[3]["missing"] == "total level unknown, clue scrolls all unknown"
    assert rows[3]["readiness"] == 0.0
    assert (rows[4]["eligible_rank"], rows[4]["missing"]) == ("member", "unknown metric zulrah")


def test_skill_and_boss_labels_in_missing(engine: Engine) -> None:
    rules = Rules.model_validate(
        {
            "ranks": [
                {"name": "a"},
                {"name": "b", "requirements": {"strength": 5_000_000, "vorkath": 100}},
            ]
        }
    )
    # 5M - 1.56M = 3.44M, shown as 3.4M (one decimal); 100 - 88 = 12 kills.
    add_member(engine, 1, "a", joined=ago(10), values={"strength": 1_560_000, "vorkath": 88})

    run(engine, rules)

    assert promotions(engine)[1]["missing"] == "3.4M Strength XP, 12 Vorkath kills"


def set_status(
    engine: Engine, pid: int, status: str, reason: str | None = None, main: int | None = None
) -> None:
    """A member_status row, as the status derivation (which runs first) leaves it."""
    with Session(engine) as session, session.begin():
        session.execute(
            insert(MemberStatus),
            [
                {
                    "group_id": GROUP,
                    "player_id": pid,
                    "display_name": f"Player {pid}",
                    "status": status,
                    "last_active_on": ago(45),
                    "removal_candidate": reason is not None,
                    "removal_reason": reason,
                    "main_player_id": main,
                }
            ],
        )


def test_inactive_members_and_removal_candidates_are_held_back(engine: Engine) -> None:
    # Bug 6: a member on the removal list was "due" for corporal. All three qualify for it.
    for pid in (1, 2, 3):
        add_member(engine, pid, "recruit", joined=ago(100), values={"overall": 12e6})
    set_status(engine, 1, "active")
    set_status(engine, 2, "inactive")
    set_status(engine, 3, "quiet", reason="never active since tracking began 2026-08-12")

    counts = run(engine, EXAMPLE_LADDER)
    rows = promotions(engine)

    assert [rows[pid]["is_due"] for pid in (1, 2, 3)] == [True, False, False]
    assert rows[2]["held_back"] == "inactive: no XP and no messages for 45 days"
    assert rows[3]["held_back"] == (
        "removal candidate: never active since tracking began 2026-08-12"
    )
    # They still qualify: officers see the rank they would get once active again.
    assert {rows[pid]["eligible_rank"] for pid in (1, 2, 3)} == {"corporal"}
    assert (counts["promotions due"], counts["promotions held back"]) == (1, 2)

    off = Rules.model_validate(
        {**EXAMPLE_LADDER.model_dump(), "promotions": {"hold_inactive": False}}
    )
    run(engine, off)
    assert [promotions(engine)[pid]["is_due"] for pid in (1, 2, 3)] == [True, True, True]


def test_no_ranks_configured_leaves_no_rows(engine: Engine) -> None:
    add_member(engine, 1, "recruit", joined=ago(100))
    run(engine, EXAMPLE_LADDER)
    assert set(promotions(engine)) == {1}

    counts = run(engine, Rules())

    assert promotions(engine) == {}
    assert counts == {"promotions due": 0, "ranks configured": 0}


def test_rerun_changes_nothing(engine: Engine) -> None:
    add_member(engine, 1, "recruit", joined=ago(75), values={"overall": 12e6, "ehp": 300})
    add_member(engine, 2, "deputy_owner", joined=ago(75))

    first_counts = run(engine, EXAMPLE_LADDER)
    first = promotions(engine)
    second_counts = run(engine, EXAMPLE_LADDER)

    assert promotions(engine) == first
    assert (
        first_counts
        == second_counts
        == {
            "promotions due": 1,  # corporal
            "promotions held back": 0,
            "ranks configured": 4,
            "roles not on the rank ladder": 1,
        }
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (40, "40"),
        (12.5, "12.5"),
        (2_500, "2,500"),
        (48_000, "48K"),
        (1_200_000, "1.2M"),
        (999_960, "1M"),
        (3_500_000_000, "3.5B"),
    ],
)
def test_compact_number(value: float, text: str) -> None:
    assert compact_number(value) == text


def test_levels_from_experience() -> None:
    # The game's table: level 2 at 83 XP, 99 at 13,034,431; WOM's -1 (unranked) is level 1.
    levels = [level_for_experience(xp) for xp in (-1, 0, 82, 83, 13_034_430, 13_034_431)]
    assert levels == [1, 1, 1, 2, 98, 99]
    assert level_for_experience(200_000_000) == 99
    assert total_level({"overall": 300e6, "attack": 13_034_431, "defence": None}) == 100
    assert total_level({"overall": 300e6}) is None
    assert total_level({"attack": None}) is None
    # The simulator works the table out on its own (it imports nothing from ClanStats): the two
    # agree level by level, and with the game's published figures (OSRS wiki, "Experience"),
    # so a slip in the formula both copy would show too.
    assert sim_metrics.EXPERIENCE_TABLE == EXPERIENCE_TABLE
    published = {2: 83, 10: 1_154, 50: 101_333, 92: 6_517_253, 99: 13_034_431, 126: 188_884_740}
    for level, xp in published.items():
        assert EXPERIENCE_TABLE[level - 1] == xp, level


@pytest.mark.parametrize(
    ("judge", "expected"),
    [
        # As one player: 100 days (the main's), 15 + 5 = 20 messages, 300 EHP and 12M XP (the
        # alt's): sergeant for both accounts.
        ("person", {1: ("sergeant", True), 2: ("sergeant", True), 3: ("recruit", False)}),
        # Account by account: the main lacks corporal's 10M XP (already corporal: not due);
        # the alt has 12M XP but only 20 of sergeant's 60 days: due corporal.
        ("account", {1: ("recruit", False), 2: ("corporal", True), 3: ("recruit", False)}),
    ],
)
def test_a_player_with_an_alt_is_judged_as_one_player_unless_the_rules_say_account(
    engine: Engine, judge: str, expected: dict[int, tuple[str, bool]]
) -> None:
    add_member(
        engine,
        1,
        "corporal",
        joined=ago(100),
        values={"overall": 5_000_000, "ehp": 100},
        messages={ago(3): 15},
    )
    add_member(
        engine,
        2,
        "recruit",
        joined=ago(20),
        values={"overall": 12_000_000, "ehp": 300},
        messages={ago(1): 5},
    )
    add_member(engine, 3, "recruit", joined=ago(70), values={"ehp": 300})  # no alt: as before
    set_status(engine, 1, "active")
    set_status(engine, 2, "active", main=1)  # player 1's alt
    rules = EXAMPLE_LADDER.model_copy(
        update={"promotions": PromotionRules.model_validate({"judge": judge})}
    )
    run(engine, rules)
    got = {pid: (row["eligible_rank"], row["is_due"]) for pid, row in promotions(engine).items()}
    assert got == expected


def test_a_players_competitions_count_each_competition_once() -> None:
    def facts(tenure: int | None, competitions: set[int], ehb: float | None) -> MemberFacts:
        return MemberFacts(
            tenure_days=tenure,
            messages_30d=1,
            competitions=frozenset(competitions),
            skill_xp={},
            values={"ehb": ehb},
        )

    # Main 1 and alt 2 were both in competition 7: three competitions, not four.
    judged = person_facts(
        {1: facts(None, {5, 7}, None), 2: facts(40, {7, 9}, 12.0), 3: facts(9, {7}, 1.0)},
        {2: 1},
    )
    assert judged[1] == judged[2]
    assert (judged[1].tenure_days, judged[1].messages_30d) == (40, 2)
    assert (judged[1].competitions_joined, judged[1].values) == (3, {"ehb": 12.0})
    assert judged[3].competitions_joined == 1  # no alts: their own
