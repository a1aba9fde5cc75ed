"""Sparse snapshot storage: deltas only, -1 kept unknown, history merges stay exact."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import CurrentValue, Metric, Player, Snapshot, SnapshotValue, WomGroup
from clanstats.harvest.snapshots import SnapshotWriter
from clanstats.wom.shapes import DecodedSnapshot, decode_values

GROUP = 7
T0 = datetime(2026, 11, 1, 12)


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = make_engine(migrated_url)
    with Session(engine) as session, session.begin():
        session.add(WomGroup(id=GROUP, name="g", member_count=1, fetched_at=T0))
        session.flush()
        session.add(
            Player(group_id=GROUP, player_id=1, username="a", display_name="A", first_seen_at=T0)
        )
    return engine


def snap(day: int, **values: float | None) -> DecodedSnapshot:
    return DecodedSnapshot(
        T0 + timedelta(days=day), {name: ("skill", value) for name, value in values.items()}
    )


def state_at(engine: Engine, when: datetime) -> dict[str, float | None]:
    """Decode a player's state at a time the slow obvious way, from every row up to it."""
    with Session(engine) as session:
        rows = session.execute(
            select(Metric.name, SnapshotValue.value)
            .join(Snapshot, Snapshot.id == SnapshotValue.snapshot_id)
            .join(Metric, Metric.id == SnapshotValue.metric_id)
            .where(Snapshot.taken_at <= when)
            .order_by(Snapshot.taken_at)
        ).all()
    return dict(rows)


def value_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(SnapshotValue)) or 0


def add_latest(engine: Engine, snapshot: DecodedSnapshot) -> tuple[int, int]:
    with Session(engine) as session, session.begin():
        return SnapshotWriter(session, GROUP).add_latest({1: snapshot})


def test_decode_reads_every_section_and_turns_minus_one_into_unknown() -> None:
    data = {
        "skills": {"attack": {"metric": "attack", "experience": 1000, "rank": 5, "level": 9}},
        "bosses": {"zulrah": {"metric": "zulrah", "kills": -1, "rank": -1}},
        "activities": {"clue_scrolls_all": {"score": 12}},
        "computed": {"ehp": {"value": 12.5}},
        "raids": {"brand_new_thing": {"metric": "brand_new_thing", "value": 3}},
        "junk": "not a section",
    }
    assert decode_values(data) == {
        "attack": ("skill", 1000.0),
        "zulrah": ("boss", None),
        "clue_scrolls_all": ("activity", 12.0),
        "ehp": ("computed", 12.5),
        "brand_new_thing": ("raids", 3.0),
    }


def test_decode_tolerates_nulls_and_bad_names() -> None:
    data = {
        "skills": {"attack": None, "Bad Name!": {"experience": 1}, "defence": {"experience": None}}
    }
    assert decode_values(data) == {"defence": ("skill", None)}
    assert decode_values(None) == {}


def test_only_changes_are_stored(engine: Engine) -> None:
    assert add_latest(engine, snap(0, attack=100, defence=50, zulrah=None)) == (1, 2)
    assert add_latest(engine, snap(1, attack=150, defence=50, zulrah=None)) == (1, 1)
    assert add_latest(engine, snap(2, attack=150, defence=50, zulrah=None)) == (1, 0)
    assert value_rows(engine) == 3
    assert state_at(engine, T0 + timedelta(days=2)) == {"attack": 150, "defence": 50}


def test_same_snapshot_twice_is_stored_once(engine: Engine) -> None:
    add_latest(engine, snap(0, attack=100))
    assert add_latest(engine, snap(0, attack=100)) == (0, 0)


def test_known_value_becoming_unknown_is_kept_as_unknown(engine: Engine) -> None:
    add_latest(engine, snap(0, zulrah=10))
    add_latest(engine, snap(1, zulrah=None))
    assert state_at(engine, T0 + timedelta(days=1)) == {"zulrah": None}
    with Session(engine) as session:
        assert session.scalar(select(CurrentValue.value)) is None


def test_new_metric_needs_no_migration(engine: Engine) -> None:
    add_latest(engine, snap(0, attack=1))
    add_latest(engine, snap(1, attack=1, sailing=500))
    assert state_at(engine, T0 + timedelta(days=1)) == {"attack": 1, "sailing": 500}


def test_merging_older_history_keeps_every_state_exact(engine: Engine) -> None:
    add_latest(engine, snap(0, attack=100, defence=10))
    add_latest(engine, snap(4, attack=140, defence=10))
    with Session(engine) as session, session.begin():
        added, _ = SnapshotWriter(session, GROUP).merge_history(
            1,
            [snap(2, attack=120, defence=30), snap(0, attack=100, defence=10), snap(-3, attack=90)],
        )
    assert added == 2
    assert state_at(engine, T0 - timedelta(days=3)) == {"attack": 90}
    assert state_at(engine, T0) == {"attack": 100, "defence": 10}
    assert state_at(engine, T0 + timedelta(days=2)) == {"attack": 120, "defence": 30}
    # Day 4 had no defence row before the merge; it must still read 10, not day 2's 30.
    assert state_at(engine, T0 + timedelta(days=4)) == {"attack": 140, "defence": 10}
    with Session(engine) as session:
        query = select(Metric.name, CurrentValue.value).join(
            Metric, Metric.id == CurrentValue.metric_id
        )
        current = dict(session.execute(query).all())
    assert current == {"attack": 140, "defence": 10}


def test_an_older_latest_snapshot_goes_through_the_merge(engine: Engine) -> None:
    add_latest(engine, snap(5, attack=200))
    assert add_latest(engine, snap(3, attack=180))[0] == 1
    assert state_at(engine, T0 + timedelta(days=3)) == {"attack": 180}
    assert state_at(engine, T0 + timedelta(days=5)) == {"attack": 200}
