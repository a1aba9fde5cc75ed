"""Members' stays: from the activity feed and the roster, and what falls in an absence.

Each case is worked out by hand: the feed's joins and leaves, the roster's row for the player
(the current stay), and the stays and absences that follow.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import Membership, MembershipEvent, Player, WomGroup
from clanstats.transform.stays import (
    Stays,
    changed_absences,
    load_stays,
    remember_absences,
)

GROUP = 1
T = datetime(2026, 11, 20, 12)


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour)


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = make_engine(migrated_url)
    with Session(engine) as session, session.begin():
        session.execute(insert(WomGroup), [{"id": GROUP, "name": "g", "fetched_at": T}])
        session.execute(
            insert(Player),
            [
                {
                    "group_id": GROUP,
                    "player_id": pid,
                    "username": f"p{pid}",
                    "display_name": f"P{pid}",
                    "first_seen_at": T,
                }
                for pid in range(1, 7)
            ],
        )
    return engine


def add(
    engine: Engine,
    pid: int,
    events: list[tuple[str, datetime]],
    roster: tuple[datetime | None, datetime | None] | None,
) -> None:
    with Session(engine) as session, session.begin():
        if events:
            session.execute(
                insert(MembershipEvent),
                [
                    {
                        "group_id": GROUP,
                        "player_id": pid,
                        "kind": kind,
                        "occurred_at": moment,
                        "source": "wom",
                    }
                    for kind, moment in events
                ],
            )
        if roster is not None:
            session.execute(
                insert(Membership),
                [
                    {
                        "group_id": GROUP,
                        "player_id": pid,
                        "joined_at": roster[0],
                        "left_at": roster[1],
                        "updated_at": T,
                    }
                ],
            )


def test_stays_from_the_feed_and_the_roster(engine: Engine) -> None:
    # 1: joined, left, came back (the feed saw it all); the roster has the current stay.
    add(engine, 1, [("joined", at(1)), ("left", at(5)), ("joined", at(9))], (at(9), None))
    # 2: the feed reaches back only to the leave; the roster knew when that stay began.
    add(engine, 2, [("left", at(10))], (at(2), at(10)))
    # 3: came back, and the roster saw it before the feed said so.
    add(engine, 3, [("joined", at(1)), ("left", at(4))], (at(8), None))
    # 4: left before ClanStats ever saw them: only the feed knows them.
    add(engine, 4, [("left", at(3))], None)
    # 5: gone from the roster, the feed hasn't said when yet.
    add(engine, 5, [], (at(1), at(15)))
    # 6: a member all along, no events.
    add(engine, 6, [], (None, None))
    with Session(engine) as session:
        stays = load_stays(session, GROUP)
    assert stays[1].periods == ((at(1), at(5)), (at(9), None))
    assert stays[1].absences == ((at(5), at(9)),)
    assert stays[2].periods == ((at(2), at(10)),)
    assert stays[3].periods == ((at(1), at(4)), (at(8), None))
    assert stays[4].periods == ((None, at(3)),)
    assert stays[5].absences == ((at(15), None),)
    assert stays[6].absences == ()
    assert stays[1].first_joined == at(1)


def test_what_falls_in_an_absence() -> None:
    stays = Stays(((at(1), at(5)), (at(9), None)))
    assert not stays.away_at(at(5))  # the leave itself: still theirs
    assert stays.away_at(at(5, 13)) and stays.away_at(at(8))
    assert not stays.away_at(at(9))  # back
    # A rise measured from before the leave to after the return mixes both: not credited.
    assert stays.separates(at(4), at(10))
    assert stays.separates(at(6), at(10))  # from a snapshot taken while away
    assert stays.separates(None, at(7))  # a first snapshot while away
    assert not stays.separates(at(9), at(10))
    assert not stays.separates(at(2), at(4))
    berlin = ZoneInfo("Europe/Berlin")
    # Clan days: the leaving and returning days count; the days between don't.
    assert not stays.away_on(date(2026, 11, 5), berlin)
    assert stays.away_on(date(2026, 11, 6), berlin) and stays.away_on(date(2026, 11, 8), berlin)
    assert not stays.away_on(date(2026, 11, 9), berlin)


def test_a_learnt_leave_or_return_is_noticed_once(engine: Engine) -> None:
    add(engine, 1, [("joined", at(1))], (at(1), None))
    with Session(engine) as session, session.begin():
        stays = load_stays(session, GROUP)
        assert changed_absences(session, GROUP, stays) == set()
        remember_absences(session, GROUP, stays)
    add(engine, 2, [("left", at(10))], (at(2), at(10)))
    with Session(engine) as session, session.begin():
        stays = load_stays(session, GROUP)
        assert changed_absences(session, GROUP, stays) == {2}
        remember_absences(session, GROUP, stays)
    with Session(engine) as session:
        assert changed_absences(session, GROUP, load_stays(session, GROUP)) == set()
