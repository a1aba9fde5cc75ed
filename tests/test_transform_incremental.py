"""Daily runs equal a rebuild: transform's incremental path against `transform --rebuild`.

A generated clan's raw data arrives over several daily runs the way harvest stores it: new
snapshots and messages each day, a backfilled snapshot older than what was already read, a
leave or return learnt late, identity links coming and going, rules.yaml edited between runs,
sometimes a run for an earlier day than the one before.
After the last daily run, a copy of the database is rebuilt from its raw tables; every table
of both must hold the same rows (surrogate ids aside). Nothing here computes an expected value:
the rebuild is the reference, and the daily path must reach it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from sqlalchemy import Engine, Table, delete, insert, inspect, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import Base, DiscordMessage, MembershipEvent
from clanstats.harvest.snapshots import SnapshotWriter
from clanstats.rules import Rules
from clanstats.transform import periods
from clanstats.transform.identity_file import ManualLink
from clanstats.transform.rebuild import forget_derived
from clanstats.transform.stage import run_transform
from clanstats.wom.shapes import DecodedSnapshot, decode_values
from tests.databases import SqliteTemplate
from tests.history_builder import (
    GROUP,
    UTC_ZONE,
    Message,
    PlayerHistory,
    Snap,
    World,
    build,
    clan_day,
    message_row,
    rule_sets,
    values,
    wom_data,
    worlds,
)
from tests.test_transform_properties import PROPERTY


@pytest.fixture
def database(
    sqlite_template: SqliteTemplate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Path]]:
    """(a migrated template, where each example's database goes)."""
    folder = tmp_path_factory.mktemp("incremental")
    template = folder / "template.db"
    sqlite_template.copy_to(template)
    yield template, folder / "example.db"


@st.composite
def daily_runs(draw: st.DrawFn, world: World) -> list[dict[str, Any]]:
    """The runs before the last: each a day, rules, and which links exist.

    Mostly day after day; sometimes a run is for an earlier day than the one before it (an
    officer setting CLANSTATS_NOW back), so rows written then lie in its future.
    """
    days = sorted(set(draw(st.lists(st.integers(1, 45), min_size=1, max_size=4))), reverse=True)
    if len(days) > 1 and draw(st.booleans()):
        first, second = draw(st.sampled_from([(i, i + 1) for i in range(len(days) - 1)]))
        days[first], days[second] = days[second], days[first]
    links = world.manual_links()
    return [
        {
            "today": world.today - timedelta(days=back),
            "rules": draw(rule_sets()),
            "links": [link for link in links if draw(st.booleans())],
        }
        for back in days
    ]


@PROPERTY
@given(world=worlds(), data=st.data())
def test_daily_runs_give_the_same_tables_as_a_rebuild(
    database: tuple[Path, Path], world: World, data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    template, path = database
    runs = data.draw(daily_runs(world))
    final_rules = data.draw(rule_sets())
    snapshots = sorted(
        ((p.player_id, s) for p in world.players for s in p.snapshots),
        key=lambda item: (item[1].taken_at, item[0]),
    )
    # Some snapshots reach the database late, after newer ones were read: a backfill.
    late = {i for i in range(len(snapshots)) if data.draw(st.integers(0, 4)) == 0}
    note(f"runs = {runs!r}\nlate = {sorted(late)}\nfinal rules = {final_rules!r}")

    # The daily runs write period gains one member at a time, the rebuild all in one batch:
    # the batches must not show (a member whose last rows go is deleted between batches).
    monkeypatch.setattr(periods, "PLAYERS_PER_BATCH", 1)
    fresh_copy(template, path)
    engine = make_engine(f"sqlite:///{path.as_posix()}")
    try:
        build(without_messages(world), engine)
        moves = held_back_moves(engine)
        stored: set[int] = set()
        sent: set[int] = set()
        for run in runs:
            end = run["today"]
            ready = {
                i
                for i, (_, snap) in enumerate(snapshots)
                if i not in late and clan_day(snap.taken_at, world.timezone) <= end
            }
            store(engine, snapshots, ready - stored, backfill=False)
            stored |= ready
            sent |= send_messages(engine, world, sent, up_to=end)
            release_moves(engine, moves, world, up_to=end)
            transform(engine, world, run["rules"], run["links"], end)
        store(engine, snapshots, set(range(len(snapshots))) - stored - late, backfill=False)
        store(engine, snapshots, late - stored, backfill=True)
        send_messages(engine, world, sent, up_to=world.today)
        release_moves(engine, moves, world, up_to=None)
        transform(engine, world, final_rules, world.manual_links(), world.today)
        daily = every_table(engine)
    finally:
        engine.dispose()

    monkeypatch.setattr(periods, "PLAYERS_PER_BATCH", 100)
    rebuilt_path = path.with_name("rebuilt.db")
    shutil.copyfile(path, rebuilt_path)
    engine = make_engine(f"sqlite:///{rebuilt_path.as_posix()}")
    try:
        with Session(engine) as session, session.begin():
            forget_derived(session, GROUP)
        transform(engine, world, final_rules, world.manual_links(), world.today)
        rebuilt = every_table(engine)
    finally:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{rebuilt_path}{suffix}").unlink(missing_ok=True)
    assert daily.keys() == rebuilt.keys()
    differences = {
        name: (
            [row for row in daily[name] if row not in rebuilt[name]],
            [row for row in rebuilt[name] if row not in daily[name]],
        )
        for name in daily
        if daily[name] != rebuilt[name]
    }
    assert not differences, "tables differ (daily runs, rebuild): " + repr(differences)


def test_a_rebuild_forgets_every_table_transform_writes(database: tuple[Path, Path]) -> None:
    """After `forget_derived` the database is as it was before transform first ran."""
    template, path = database
    fresh_copy(template, path)
    engine = make_engine(f"sqlite:///{path.as_posix()}")
    try:
        world = busy_world()
        build(world, engine)
        store(engine, [(1, s) for s in world.players[0].snapshots], {0, 1}, backfill=False)
        before = every_table(engine)
        transform(engine, world, Rules(), world.manual_links(), world.today)
        written = [name for name, rows in every_table(engine).items() if rows != before[name]]
        assert {"daily_gains", "period_gains", "member_status", "transform_state"} <= set(written)
        with Session(engine) as session, session.begin():
            forget_derived(session, GROUP)
        assert every_table(engine) == before
    finally:
        engine.dispose()


def test_a_changed_timezone_works_every_table_out_again(database: tuple[Path, Path]) -> None:
    """Days are clan days: after TIMEZONE changes, yesterday's rows are in the wrong days.

    The 19 Nov 12:00 UTC rise is on 20 Nov in Auckland (UTC+13); a run in UTC first and then in
    Auckland must give what a first run in Auckland gives.
    """
    template, folder = database
    world = busy_world()
    auckland = replace(world, timezone=ZoneInfo("Pacific/Auckland"))
    tables = []
    for name, zones in (("moved", (world, auckland)), ("direct", (auckland,))):
        path = folder.parent / f"{name}.db"
        fresh_copy(template, path)
        engine = make_engine(f"sqlite:///{path.as_posix()}")
        try:
            build(world, engine)
            store(engine, [(1, s) for s in world.players[0].snapshots], {0, 1}, backfill=False)
            for zoned in zones:
                transform(engine, zoned, Rules(), world.manual_links(), world.today)
            tables.append(every_table(engine))
        finally:
            engine.dispose()
    moved, direct = tables
    assert {row[1] for row in direct["daily_gains"]} == {date(2026, 11, 20)}
    assert moved == direct


# --- driving the runs -------------------------------------------------------------------------


def fresh_copy(template: Path, path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, path)


def without_messages(world: World) -> World:
    return replace(world, players=tuple(replace(p, messages=()) for p in world.players))


def store(
    engine: Engine, snapshots: list[tuple[int, Snap]], which: set[int], *, backfill: bool
) -> None:
    """Store these snapshots as the daily harvest does, or as a backfill (older history)."""
    if not which:
        return
    with Session(engine) as session, session.begin():
        writer = SnapshotWriter(session, GROUP)
        for i in sorted(which):
            player_id, snap = snapshots[i]
            decoded = DecodedSnapshot(snap.taken_at, decode_values(wom_data(snap.values)))
            if backfill:
                writer.merge_history(player_id, [decoded])
            else:
                writer.add_latest({player_id: decoded})


def send_messages(engine: Engine, world: World, sent: set[int], *, up_to: date) -> set[int]:
    """Store the messages written on or before `up_to` not stored yet; return their numbers."""
    numbered = [(n, player, message) for n, (player, message) in enumerate(all_messages(world))]
    due = [
        (n, p, m)
        for n, p, m in numbered
        if n not in sent and clan_day(m.at, world.timezone) <= up_to
    ]
    if due:
        with Session(engine) as session, session.begin():
            session.execute(insert(DiscordMessage), [message_row(n, p, m) for n, p, m in due])
    return {n for n, _, _ in due}


def all_messages(world: World) -> list[tuple[PlayerHistory, Message]]:
    return [(p, m) for p in world.players for m in p.messages]


def held_back_moves(engine: Engine) -> list[dict[str, Any]]:
    """Take the activity feed's events out of the database: they arrive with the runs."""
    with Session(engine) as session, session.begin():
        rows = [
            {c: row._mapping[c] for c in row._mapping if c != "id"}
            for row in session.execute(select(*MembershipEvent.__table__.columns))
        ]
        session.execute(delete(MembershipEvent))
    return rows


def release_moves(
    engine: Engine, moves: list[dict[str, Any]], world: World, *, up_to: date | None
) -> None:
    """Store the feed's events of days up to `up_to` (every one left when None)."""
    due = [m for m in moves if up_to is None or clan_day(m["occurred_at"], world.timezone) <= up_to]
    for move in due:
        moves.remove(move)
    if due:
        with Session(engine) as session, session.begin():
            session.execute(insert(MembershipEvent), due)


def transform(
    engine: Engine, world: World, rules: Rules, links: list[ManualLink], today: date
) -> None:
    with Session(engine) as session, session.begin():
        run_transform(
            session,
            group_id=GROUP,
            rules=rules,
            manual=links,
            timezone=world.timezone,
            today=today,
        )


def every_table(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, sorted; a surrogate `id` key is left out (rows are compared by
    content: a rebuild numbers them afresh)."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with Session(engine) as session:
        for name in sorted(inspect(engine).get_table_names()):
            table = Base.metadata.tables.get(name)
            if table is None:
                continue  # alembic_version
            columns = [c for c in table.columns if not is_surrogate(table, c.name)]
            rows = session.execute(select(*columns)).all()
            tables[name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


def is_surrogate(table: Table, column: str) -> bool:
    keys = [c.name for c in table.primary_key.columns]
    return keys == ["id"] and column == "id"


def busy_world() -> World:
    """One member with a rise, a message and a Discord link."""
    today = date(2026, 11, 20)
    member = PlayerHistory(
        player_id=1,
        first_joined_at=datetime(2026, 5, 1, 9, 0, 30),
        moves=(),
        feed_has_first_join=True,
        snapshots=(
            Snap(datetime(2026, 11, 18, 12), values(overall=100, ehp=1.0)),
            Snap(datetime(2026, 11, 19, 12), values(overall=150, ehp=1.5)),
        ),
        last_changed_at=None,
        on_discord=True,
        messages=(Message(datetime(2026, 11, 19, 13, 0, 15), "discord", False),),
    )
    return World(today=today, timezone=UTC_ZONE, players=(member,))
