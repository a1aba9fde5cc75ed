"""Competition attendance, the `competitions_joined` rank rule and `competitions` season points,
worked by hand. Today is Friday 4 December 2026 (UTC); the last 90 days start on 6 September.

Competitions: C1 starts 1 Aug (before the 90 days), C2 1 Oct, C3 20 Nov at 10:00, C4 starts
10 Dec (sign-ups only).

    P1  in since 2020: took part in C1 (2nd), C2 (1st) and signed up for C4
    P2  joined 15 Oct (after C2 started): took part in C3 (3rd)
    P3  left 20 Nov at 09:00, the day C3 started: took part in nothing
    P4  joined 1 Dec: no competition since
    P5  never a member (a guest WOM listed in C2, 4th)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from clanstats.db.models import (
    Competition,
    CompetitionAttendance,
    CompetitionParticipation,
    Membership,
    Player,
    Promotion,
    SeasonScore,
)
from clanstats.rules import Rules
from clanstats.transform.attendance import derive_attendance
from clanstats.transform.promotions import derive_promotions
from clanstats.transform.seasons import derive_season_scores
from tests.engagement_fixtures import GROUP, T0, add_player, clan_database, derive, table

TODAY = date(2026, 12, 4)
UTC = ZoneInfo("UTC")
STARTS = {
    1: datetime(2026, 8, 1, 10),
    2: datetime(2026, 10, 1, 10),
    3: datetime(2026, 11, 20, 10),
    4: datetime(2026, 12, 10, 10),
}
TOOK_PART = {1: [(1, 2), (2, 1), (4, 1)], 2: [(3, 3)], 5: [(2, 4)]}  # player: (competition, place)
COLUMNS = ("player_id", "joined", "best_rank", "last_joined_on", "held_90", "joined_90", "rate_90")


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = clan_database(migrated_url)
    add_player(engine, 1, joined=T0)
    add_player(engine, 2, joined=datetime(2026, 10, 15, 8))
    add_player(engine, 3, joined=T0, left=datetime(2026, 11, 20, 9))
    add_player(engine, 4, joined=datetime(2026, 12, 1, 8))
    with Session(engine) as session, session.begin():
        session.execute(
            insert(Player).values(
                group_id=GROUP, player_id=5, username="p5", display_name="P5", first_seen_at=T0
            )
        )
        session.execute(update(Membership).values(role="recruit"))
        for cid, starts in STARTS.items():
            session.execute(
                insert(Competition).values(
                    group_id=GROUP,
                    id=cid,
                    title=f"C{cid}",
                    metric="overall",
                    starts_at=starts,
                    ends_at=starts.replace(day=starts.day + 7),
                )
            )
        for pid, entries in TOOK_PART.items():
            for cid, rank in entries:
                session.execute(
                    insert(CompetitionParticipation).values(
                        group_id=GROUP,
                        competition_id=cid,
                        player_id=pid,
                        rank=rank,
                        fetched_at=T0,
                    )
                )
    return engine


def test_attendance_worked_by_hand(engine: Engine) -> None:
    derive(engine, derive_attendance, today=TODAY, timezone=UTC)
    assert table(engine, CompetitionAttendance, *COLUMNS) == [
        # C1 and C2 (C4 hasn't started); in the 90 days C2 and C3 were held while in: 1 of 2.
        (1, 2, 1, date(2026, 10, 1), 2, 1, 0.5),
        # Only C3 started after joining on 15 Oct, and they took part.
        (2, 1, 3, date(2026, 11, 20), 1, 1, 1.0),
        # Gone at the end of 20 Nov: only C2 was held for them.
        (3, 0, None, None, 1, 0, 0.0),
        # P4 joined after every started competition and took part in none: no row.
        # P5 was never a member: what they joined counts, no competition was held for them.
        (5, 1, 4, date(2026, 10, 1), 0, 0, None),
    ]


def test_a_day_before_a_competition_starts_it_counts_for_nobody(engine: Engine) -> None:
    derive(engine, derive_attendance, today=date(2026, 11, 19), timezone=UTC)
    rows = {row[0]: row for row in table(engine, CompetitionAttendance, *COLUMNS)}
    assert 2 not in rows  # C3 starts tomorrow: P2 has nothing yet
    assert rows[3] == (3, 0, None, None, 1, 0, 0.0)


def test_the_competitions_joined_rank_rule(engine: Engine) -> None:
    rules = Rules.model_validate(
        {
            "ranks": [
                {"name": "recruit"},
                {"name": "corporal", "requirements": {"competitions_joined": 2}},
            ]
        }
    )
    derive(engine, derive_promotions, today=TODAY, rules=rules, timezone=UTC)
    rows = promotions(engine)
    assert (rows[1]["is_due"], rows[1]["rule_met"]) == (True, "corporal: competitions joined 2/2")
    assert (rows[2]["is_due"], rows[2]["missing"]) == (False, "1 more competition")
    assert rows[4]["missing"] == "2 more competitions"


def test_competitions_as_season_points(engine: Engine) -> None:
    rules = Rules.model_validate(
        {
            "seasons": [
                # From 1 Sep: C2 and C3 (C1 is before it, C4 not started).
                {"name": "Autumn", "start": "2026-09-01", "end": "2026-12-31",
                 "points": {"competitions": 10}},
            ]
        }
    )  # fmt: skip
    derive(engine, derive_season_scores, today=TODAY, rules=rules, timezone=UTC)
    # P5 took part in C2 but was never in the clan: like a gain, it earns nothing.
    assert table(engine, SeasonScore, "player_id", "points", "place") == [
        (1, 10.0, 1),
        (2, 10.0, 1),
    ]


def promotions(engine: Engine) -> dict[int, dict[str, Any]]:
    with Session(engine) as session:
        columns = [c.name for c in Promotion.__table__.columns if c.name != "group_id"]
        return {
            row.player_id: {c: getattr(row, c) for c in columns}
            for row in session.scalars(select(Promotion))
        }
