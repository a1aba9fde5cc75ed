"""A hand-built clan database for the engagement derivation tests (records, milestones, ...)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import (
    Achievement,
    Base,
    DailyActivity,
    DailyGain,
    Membership,
    Metric,
    Player,
    WomGroup,
)
from clanstats.rules import Rules

GROUP = 1
OTHER_GROUP = 2  # a second clan in the same file: its rows must never be touched
T0 = datetime(2020, 1, 1)
METRICS = {"overall": 1, "vorkath": 2, "zulrah": 3, "ehp": 4, "ehb": 5}

Derivation = Callable[..., dict[str, object]]


def clan_database(migrated_url: str) -> Engine:
    """A migrated database with two groups and the WOM metrics the tests use."""
    engine = make_engine(migrated_url)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(WomGroup), [{"id": g, "name": f"g{g}", "fetched_at": T0} for g in (1, 2)]
        )
        session.execute(
            insert(Metric),
            [
                {"id": i, "name": n, "kind": "skill" if n == "overall" else "boss"}
                for n, i in METRICS.items()
            ],
        )
    return engine


def add_player(
    engine: Engine,
    player_id: int,
    *,
    joined: datetime | None = T0,
    left: datetime | None = None,
    group_id: int = GROUP,
) -> None:
    """A player named "P<id>" and their membership (joined/left are naive UTC)."""
    with Session(engine) as session, session.begin():
        session.execute(
            insert(Player),
            [
                {
                    "group_id": group_id,
                    "player_id": player_id,
                    "username": f"p{player_id}",
                    "display_name": f"P{player_id}",
                    "first_seen_at": T0,
                }
            ],
        )
        session.execute(
            insert(Membership),
            [
                {
                    "group_id": group_id,
                    "player_id": player_id,
                    "joined_at": joined,
                    "left_at": left,
                    "updated_at": T0,
                }
            ],
        )


def add_activity(
    engine: Engine, player_id: int, day: date, *, group_id: int = GROUP, **values: float
) -> None:
    """A daily_activity row: game columns NULL and Discord counts 0 unless given."""
    row: dict[str, Any] = {
        "group_id": group_id,
        "player_id": player_id,
        "day": day,
        "messages": 0,
        "questions": 0,
        "answers": 0,
    }
    add_rows(engine, DailyActivity, [row | values])


def add_gain(
    engine: Engine, player_id: int, day: date, metric: str, gained: float, *, group_id: int = GROUP
) -> None:
    """A daily_gains row for a metric by name."""
    row = {
        "group_id": group_id,
        "player_id": player_id,
        "day": day,
        "metric_id": METRICS[metric],
        "gained": gained,
    }
    add_rows(engine, DailyGain, [row])


def add_achievement(
    engine: Engine, player_id: int, name: str, achieved_at: datetime, *, threshold: int = 99
) -> None:
    """A WOM achievement of this group."""
    row = {
        "group_id": GROUP,
        "player_id": player_id,
        "metric": name.split()[-1].lower(),
        "threshold": threshold,
        "name": name,
        "achieved_at": achieved_at,
    }
    add_rows(engine, Achievement, [row])


def add_rows(engine: Engine, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert rows into a table in their own transaction."""
    with Session(engine) as session, session.begin():
        session.execute(insert(model), rows)


def derive(
    engine: Engine,
    derivation: Derivation,
    *,
    today: date,
    rules: Rules | None = None,
    timezone: ZoneInfo | None = None,
) -> dict[str, object]:
    """Run one derivation for GROUP in a transaction, as the transform stage does."""
    extra = {"timezone": timezone} if timezone else {}
    with Session(engine) as session, session.begin():
        return derivation(session, group_id=GROUP, today=today, rules=rules or Rules(), **extra)


def table(engine: Engine, model: type[Base], *columns: str) -> list[tuple[Any, ...]]:
    """The table's rows as tuples of the given columns, sorted."""
    with Session(engine) as session:
        selected = [getattr(model, column) for column in columns]
        return sorted(tuple(row) for row in session.execute(select(*selected)))
