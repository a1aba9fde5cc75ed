"""The public summary and the Eleventy bundle: whitelisted fields only, opt-outs honoured."""

from __future__ import annotations

import json
import os
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import (
    ClanDaily,
    ClanStatistics,
    Competition,
    CompetitionAttendance,
    CompetitionParticipation,
    GoalWeek,
    MemberStatus,
    NameChange,
    PeriodGain,
    Player,
    Recruit,
    RecruitCohort,
    SeasonScore,
    WomGroup,
)
from clanstats.export.public import build_public_summary
from clanstats.outputs import write_atomically, write_file_atomically
from clanstats.rules import Rules
from tests.eleventy_site import built_page, needs_eleventy

GROUP = 3
TODAY = date(2026, 11, 20)
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = make_engine(migrated_url)
    status = {
        "group_id": GROUP,
        "role": "recruit",
        "status": "active",
        "tenure_days": 40,
        "current_streak": 1,
        "best_streak": 3,
        "removal_candidate": False,
    }
    with Session(engine) as session, session.begin():
        session.execute(
            insert(WomGroup), [{"id": GROUP, "name": "Clan", "fetched_at": datetime(2026, 11, 20)}]
        )
        session.execute(
            insert(MemberStatus),
            [
                {
                    **status,
                    "player_id": 1,
                    "display_name": "Alice",
                    "removal_candidate": True,
                    "removal_reason": "no XP and no messages for 45 days",
                },
                {**status, "player_id": 2, "display_name": "Private Pete"},
                {**status, "player_id": 3, "display_name": HOSTILE},
                {**status, "player_id": 4, "display_name": "Gone", "status": "left"},
            ],
        )
        session.execute(
            insert(NameChange),
            [
                {
                    "group_id": GROUP,
                    "id": 1,
                    "player_id": 2,
                    "old_name": "Pete Old",
                    "new_name": "Private Pete",
                    "status": "approved",
                    "created_at": datetime(2026, 1, 1),
                },
            ],
        )
        session.execute(
            insert(PeriodGain),
            [
                {
                    "group_id": GROUP,
                    "player_id": 1,
                    "period": "30d",
                    "metric": "xp",
                    "gained": 1500,
                    "source": "history",
                },
                {
                    "group_id": GROUP,
                    "player_id": 1,
                    "period": "30d",
                    "metric": "messages",
                    "gained": 99,
                    "source": "history",
                },
                {
                    "group_id": GROUP,
                    "player_id": 1,
                    "period": "90d",
                    "metric": "xp",
                    "gained": 9000,
                    "source": "history",
                },
            ],
        )
        session.execute(
            insert(SeasonScore),
            [
                {
                    "group_id": GROUP,
                    "season": "Autumn",
                    "player_id": 2,
                    "points": 50,
                    "place": 1,
                    "is_current": True,
                },
                {
                    "group_id": GROUP,
                    "season": "Autumn",
                    "player_id": 1,
                    "points": 10,
                    "place": 2,
                    "is_current": True,
                },
            ],
        )
        session.execute(
            insert(GoalWeek),
            [
                {
                    "group_id": GROUP,
                    "goal": "XP",
                    "week_start": date(2026, 11, 16),
                    "metric": "overall",
                    "target": 100,
                    "progress": 150,
                    "achieved": True,
                    "is_current": True,
                },
            ],
        )
    return engine


def summary(engine: Engine, rules: Rules) -> dict:
    with Session(engine) as session:
        return build_public_summary(
            session,
            group_id=GROUP,
            today=TODAY,
            timezone=ZoneInfo("UTC"),
            rules=rules,
            generated_at=datetime(2026, 11, 20, 6),
        )


def test_only_whitelisted_fields_go_public(engine: Engine) -> None:
    public = summary(engine, Rules())
    alice = next(m for m in public["members"] if m["name"] == "Alice")
    assert alice == {
        "name": "Alice",
        "role": "recruit",
        "status": "active",
        "days_in_clan": 40,
        "gains": {"30d": {"xp": 1500}},
    }
    text = json.dumps(public)
    assert "no XP and no messages" not in text  # officers' notes stay private
    assert "messages" not in json.dumps(public["members"])  # no per-person Discord numbers
    assert "Gone" not in text  # former members aren't listed
    assert public["goals"] == [
        {"name": "XP", "target": 100, "progress": 150, "achieved": True, "percent": 100}
    ]
    assert public["statistics"] is None  # no clan statistics worked out yet


def test_the_clans_newest_statistics_go_public_as_headline_figures(engine: Engine) -> None:
    row = {
        "group_id": GROUP,
        "members": 3,
        "measured": 3,
        "ehp": 812.5,
        "ehb": 40.25,
        "maxed_combat": 2,
        "skills_99": 30,
        "skills_200m": 1,
        "total_level_median": 2000.0,
        "combat_level_average": 118.0,
        "combat_level_median": 121.0,
    }
    types = ("regular", "ironman", "hardcore", "ultimate", "other_type")
    with Session(engine) as session, session.begin():
        session.execute(
            insert(ClanStatistics),
            [
                {
                    **row,
                    "day": date(2026, 11, 15),
                    "xp": 5e8,
                    "maxed_total": 0,
                    "total_level_average": 1950.0,
                    **dict.fromkeys(types),
                },
                {
                    **row,
                    "day": TODAY,
                    "xp": 612_345_678.4,
                    "maxed_total": 1,
                    "total_level_average": 1987.6667,
                    **dict(zip(types, (2, 1, 0, 0, 0), strict=True)),
                },
            ],
        )
    public = summary(engine, Rules())
    assert public["statistics"] == {
        "day": "2026-11-20",
        "members": 3,
        "maxed": 1,
        "total_level_average": 1987.7,
        "xp": 612_345_678,
    }
    assert type(public["statistics"]["xp"]) is int


def test_recruits_and_whom_to_welcome_stay_off_the_public_summary(engine: Engine) -> None:
    # Officers' information: the welcome list names members and says what they haven't done,
    # and a month's few recruits could be told apart by their counts.
    with Session(engine) as session, session.begin():
        session.execute(
            insert(Recruit),
            [
                {
                    "group_id": GROUP,
                    "player_id": 1,
                    "joined_on": date(2026, 11, 10),
                    "cohort": date(2026, 11, 1),
                    "first_game_on": date(2026, 11, 11),
                    "welcome": "no message yet",
                }
            ],
        )
        session.execute(
            insert(RecruitCohort),
            [
                {
                    "group_id": GROUP,
                    "month": date(2026, 5, 1),
                    "recruits": 3,
                    "still_in": 1,
                    **{
                        f"{kind}_{days}": count
                        for days in (30, 90, 180)
                        for kind, count in zip(
                            ("reached", "stayed", "active", "unknown"), (3, 1, 1, 0), strict=True
                        )
                    },
                }
            ],
        )
    public = summary(engine, Rules())
    text = json.dumps(public)
    assert "no message yet" not in text and "welcome" not in text
    assert "2026-11-10" not in text and "2026-05" not in text  # no join day, no cohort month
    assert not {"recruits", "cohorts", "to_welcome"} & _keys(public)
    alice = next(m for m in public["members"] if m["name"] == "Alice")
    assert set(alice) == {"name", "role", "status", "days_in_clan", "gains"}


def _keys(value: object) -> set[str]:
    """Every key in a JSON value, however deep."""
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in _keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in _keys(item)}
    return set()


def test_opted_out_members_vanish_under_any_of_their_names(engine: Engine) -> None:
    public = summary(engine, Rules(opt_out=["pete_old"]))  # an old name, spelled loosely
    text = json.dumps(public)
    assert "Private Pete" not in text and "Pete Old" not in text
    assert public["clan"]["members"] == 2
    assert public["season"]["standings"] == [{"place": 2, "name": "Alice", "points": 10.0}]


COMPETITION_TITLE = "<script>alert(3)</script> week"


def seed_competitions(engine: Engine, *, extra: int = 0) -> None:
    """A running skill competition whose podium holds Pete (opted out by his old name in some
    tests) and a guest only WOM knows, an EHB race never read, and `extra` older ones."""
    with Session(engine) as session, session.begin():
        session.execute(
            insert(Player),
            [
                {
                    "group_id": GROUP,
                    "player_id": pid,
                    "username": name.lower(),
                    "display_name": name,
                    "first_seen_at": datetime(2026, 1, 1),
                }
                for pid, name in ((1, "Alice"), (2, "Private Pete"), (3, HOSTILE), (5, "Guest Gal"))
            ],
        )
        competition = {
            "group_id": GROUP,
            "competition_type": "classic",
            "participant_count": None,
            "details_fetched_at": None,
        }
        session.execute(
            insert(Competition),
            [
                {
                    **competition,
                    "id": 21,
                    "title": COMPETITION_TITLE,
                    "metric": "overall",
                    "starts_at": datetime(2026, 11, 16, 10),
                    "ends_at": datetime(2026, 11, 23, 10),
                    "details_fetched_at": datetime(2026, 11, 20, 5),
                },
                {
                    **competition,
                    "id": 20,
                    "title": "EHB race",
                    "metric": "ehb",
                    "starts_at": datetime(2026, 10, 1, 10),
                    "ends_at": datetime(2026, 10, 8, 10),
                    "participant_count": 9,
                },
                *(
                    {
                        **competition,
                        "id": 100 + n,
                        "title": f"Old {n}",
                        "metric": "zulrah",
                        "starts_at": datetime(2026, 1, 1 + n),
                        "ends_at": datetime(2026, 1, 2 + n),
                    }
                    for n in range(extra)
                ),
            ],
        )
        session.execute(
            insert(CompetitionParticipation),
            [
                {
                    "group_id": GROUP,
                    "competition_id": 21,
                    "player_id": pid,
                    "rank": rank,
                    "gained": gained,
                    "fetched_at": datetime(2026, 11, 20, 5),
                }
                for pid, rank, gained in (
                    (2, 1, 5000.4),
                    (1, 2, 1500.0),
                    (5, 3, None),
                    (3, 4, 10.0),
                )
            ],
        )
        session.execute(
            insert(CompetitionAttendance),
            [
                {
                    "group_id": GROUP,
                    "player_id": 1,
                    "joined": 4,
                    "best_rank": 2,
                    "last_joined_on": date(2026, 11, 16),
                    "held_90": 3,
                    "joined_90": 2,
                    "rate_90": 2 / 3,
                }
            ],
        )


def test_competitions_go_public_with_their_top_three(engine: Engine) -> None:
    seed_competitions(engine)
    public = summary(engine, Rules())
    assert public["competitions"] == [
        {
            "title": COMPETITION_TITLE,
            "metric": "overall",
            "starts_on": "2026-11-16",
            "ends_on": "2026-11-23",
            "status": "running",
            "participants": 4,
            "top": [
                {"rank": 1, "name": "Private Pete", "gained": 5000},
                {"rank": 2, "name": "Alice", "gained": 1500},
                {"rank": 3, "name": "Guest Gal", "gained": None},  # unknown, not 0
            ],
        },
        # Standings never read: WOM's own count stands in.
        {
            "title": "EHB race",
            "metric": "ehb",
            "starts_on": "2026-10-01",
            "ends_on": "2026-10-08",
            "status": "finished",
            "participants": 9,
            "top": [],
        },
    ]
    assert type(public["competitions"][0]["top"][0]["gained"]) is int
    # Who joins how often is the officers' business: no attendance goes public.
    attendance = {"joined", "best_rank", "last_joined_on", "held_90", "joined_90", "rate_90"}
    assert not attendance & _keys(public)


def test_opted_out_players_leave_the_podium_and_nobody_moves_up(engine: Engine) -> None:
    seed_competitions(engine)
    # Pete by an old name; the guest, whom only WOM's players table knows, by hers.
    public = summary(engine, Rules(opt_out=["pete_old", "GUEST GAL"]))
    text = json.dumps(public)
    assert "Private Pete" not in text and "Pete Old" not in text and "Guest Gal" not in text
    assert public["competitions"][0]["top"] == [{"rank": 2, "name": "Alice", "gained": 1500}]
    assert public["competitions"][0]["participants"] == 4  # a count names nobody


def test_only_the_newest_competitions_go_public(engine: Engine) -> None:
    seed_competitions(engine, extra=12)
    titles = [c["title"] for c in summary(engine, Rules())["competitions"]]
    assert titles == [COMPETITION_TITLE, "EHB race", *(f"Old {n}" for n in range(11, 3, -1))]


def test_counts_are_whole_numbers_and_hours_keep_two_decimals(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        session.execute(
            insert(PeriodGain),
            [
                {
                    "group_id": GROUP,
                    "player_id": 1,
                    "period": "7d",
                    "metric": metric,
                    "gained": gained,
                    "source": "history",
                }
                for metric, gained in (
                    ("xp", 5_243_600.0),
                    ("boss_kills", 49.0),
                    ("ehp", 12.3456),
                    ("ehb", 3.0),
                )
            ],
        )
        session.execute(
            insert(ClanDaily),
            [
                {
                    "group_id": GROUP,
                    "day": TODAY,
                    "members": 3,
                    "joins": 0,
                    "leaves": 0,
                    "active_members": 2,
                    "xp": 5_243_600.0,
                    "ehp": 12.3456,
                    "ehb": 3.0,
                    "boss_kills": 49.0,
                    "messages": 7,
                }
            ],
        )
    public = summary(engine, Rules())
    text = json.dumps(public)
    # Counts are written as integers ("xp": 5243600), never as floats ("xp": 5243600.0).
    assert re.search(r'"xp": 5243600[,}]', text) and "5243600.0" not in text
    alice = next(m for m in public["members"] if m["name"] == "Alice")
    week = alice["gains"]["7d"]
    assert type(week["xp"]) is int and type(week["boss_kills"]) is int
    assert week["ehp"] == 12.35 and week["ehb"] == 3.0
    assert public["totals"] == {"xp_7d": 5_243_600, "boss_kills_7d": 49, "messages_7d": 7}
    assert all(type(v) is int for v in public["totals"].values())
    goal = public["goals"][0]
    assert type(goal["target"]) is int and type(goal["progress"]) is int


@needs_eleventy
def test_the_bundle_builds_with_real_eleventy_and_escapes_names(
    engine: Engine, tmp_path: Path
) -> None:
    page = built_page(summary(engine, Rules()), tmp_path)
    assert "<h1" in page and "Clan</h1>" in page
    assert "<td>Alice</td>" in page and "<td>1,500</td>" in page  # thousands separated
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and HOSTILE not in page
    assert "XP: 150 of 100" in page
    assert "Together they have" not in page  # no clan statistics yet: no sentence about them


@needs_eleventy
def test_the_bundle_shows_each_competitions_podium(engine: Engine, tmp_path: Path) -> None:
    seed_competitions(engine)
    page = built_page(summary(engine, Rules(opt_out=["Guest Gal"])), tmp_path)
    assert "<h2" in page and "Competitions</h2>" in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt; week" in page and COMPETITION_TITLE not in page
    assert "2026-11-16 to 2026-11-23" in page and "(running, 4 taking part)" in page
    assert '<li value="1">Private Pete: 5,000</li>' in page
    assert '<li value="2">Alice: 1,500</li>' in page and "Guest Gal" not in page
    assert "(finished, 9 took part)" in page


def test_outputs_are_replaced_whole_and_readable(tmp_path: Path) -> None:
    target = tmp_path / "out put" / "file.json"
    write_atomically(target, b"first")
    with pytest.raises(RuntimeError):
        write_file_atomically(target, lambda path: (path.write_bytes(b"half"), _fail()))
    assert target.read_bytes() == b"first"
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]  # no temp file left
    if os.name == "posix":
        assert target.stat().st_mode & 0o044  # others may read it (a web server, a sync client)


def _fail() -> None:
    raise RuntimeError("disk full")
