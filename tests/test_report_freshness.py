"""Data freshness: a source family is stale once its newest successful fetch is 26 hours old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import FetchLog
from clanstats.report.freshness import STALE_AFTER, Freshness, source_freshness

GROUP = 3
NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def database(migrated_url: str, *fetches: tuple[str, timedelta, str]) -> Engine:
    engine = make_engine(migrated_url)
    rows = [
        {
            "group_id": group,
            "source": source,
            "started_at": NOW.replace(tzinfo=None) - age,
            "finished_at": NOW.replace(tzinfo=None) - age,
            "outcome": outcome,
        }
        for group, (source, age, outcome) in [
            *((GROUP, fetch) for fetch in fetches),
            (GROUP + 1, ("wom:roster", timedelta(0), "ok")),  # another clan's: never counts
        ]
    ]
    with Session(engine) as session, session.begin():
        session.execute(insert(FetchLog), rows)
    return engine


def freshness(engine: Engine, *, discord: bool = True) -> dict[str, Freshness]:
    with Session(engine) as session:
        found = source_freshness(
            session, group_id=GROUP, now=NOW, timezone=LONDON, discord_expected=discord
        )
    return {f.family: f for f in found}


def test_stale_after_is_26_hours_and_the_boundary_is_still_fresh(migrated_url: str) -> None:
    assert timedelta(hours=26) == STALE_AFTER
    engine = database(
        migrated_url,
        ("wom:roster", STALE_AFTER, "ok"),
        ("discord:1", STALE_AFTER + timedelta(seconds=1), "ok"),
    )
    found = freshness(engine)
    assert found["wom"].state == "fresh" and not found["wom"].stale
    assert found["discord"].state == "stale"


def test_the_newest_success_of_any_source_in_the_family_counts(migrated_url: str) -> None:
    engine = database(
        migrated_url,
        ("wom:gains", timedelta(days=90), "ok"),  # first-run only: rarely fetched by design
        ("wom:hiscores", timedelta(hours=2), "ok"),
        ("wom:roster", timedelta(hours=1), "error"),
    )
    wom = freshness(engine)["wom"]
    # Shown in clan time: 10:00 UTC is 11:00 in London in summer.
    assert wom.last_success == datetime(2026, 7, 1, 11)
    assert wom.state == "fresh" and wom.failing_sources == 1


def test_a_source_that_failed_then_recovered_is_not_failing(migrated_url: str) -> None:
    engine = database(
        migrated_url,
        ("discord:1", timedelta(hours=3), "error"),
        ("discord:1", timedelta(hours=1), "ok"),
        ("discord:2", timedelta(hours=1), "skipped"),  # a channel the bot can't read
    )
    discord = freshness(engine)["discord"]
    assert discord.failing_sources == 0 and discord.state == "fresh"


def test_never_fetched_and_not_set_up(migrated_url: str) -> None:
    engine = database(migrated_url)
    assert freshness(engine)["wom"].state == "never"
    assert freshness(engine)["discord"].state == "never"
    assert freshness(engine, discord=False)["discord"].state == "not set up"


def test_discord_that_only_ever_failed_is_stale_even_when_switched_off(migrated_url: str) -> None:
    """Fetched but never successfully: stale with a failing source, in the workbook as in
    clan_data.json (one vocabulary, `clanstats.freshness`); "never" is for never fetched."""
    engine = database(migrated_url, ("discord:1", timedelta(hours=1), "error"))
    discord = freshness(engine, discord=False)["discord"]
    assert discord.state == "stale" and discord.stale and discord.failing_sources == 1
