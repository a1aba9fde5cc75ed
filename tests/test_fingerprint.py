"""Input fingerprints: what makes transform, report and export redo their work, and what doesn't."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, Date, Engine, Integer, MetaData, Table, update
from sqlalchemy.orm import Session

from clanstats.db.models import Membership, Player, Snapshot
from clanstats.fingerprint import (
    last_written,
    output_inputs,
    outputs_intact,
    remember,
    schema_signature,
    transform_inputs,
    unchanged,
)
from clanstats.outputs import record_output
from clanstats.runlog import start_stage_run
from tests.engagement_fixtures import GROUP, OTHER_GROUP, add_player, add_rows, clan_database

TODAY = date(2026, 11, 18)


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = clan_database(migrated_url)
    add_player(engine, 1)
    add_player(engine, 2)
    return engine


def inputs(engine: Engine, rules: Path, *, today: date = TODAY) -> str:
    with Session(engine) as session:
        return transform_inputs(
            session, group_id=GROUP, today=today, timezone="UTC", files=(rules, None)
        )


def test_the_same_inputs_give_the_same_fingerprint(engine: Engine, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("activity: {quiet_after_days: 7}\n", encoding="utf-8")
    first = inputs(engine, rules)
    assert inputs(engine, rules) == first
    # Bookkeeping times that every harvest rewrites don't count.
    with Session(engine) as session, session.begin():
        session.execute(update(Membership).values(updated_at=datetime(2026, 11, 18, 6)))
    assert inputs(engine, rules) == first


@pytest.mark.parametrize(
    "change",
    ["new snapshot", "renamed player", "role change", "rules edited", "next day"],
)
def test_anything_transform_reads_changes_it(engine: Engine, tmp_path: Path, change: str) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("activity: {quiet_after_days: 7}\n", encoding="utf-8")
    before = inputs(engine, rules)
    today = TODAY
    if change == "new snapshot":
        row = {"group_id": GROUP, "player_id": 1, "taken_at": datetime(2026, 11, 18, 6)}
        add_rows(engine, Snapshot, [row])
    elif change == "renamed player":
        with Session(engine) as session, session.begin():
            session.execute(update(Player).where(Player.player_id == 1).values(display_name="X"))
    elif change == "role change":
        with Session(engine) as session, session.begin():
            session.execute(update(Membership).where(Membership.player_id == 2).values(role="mod"))
    elif change == "rules edited":
        rules.write_text("activity: {quiet_after_days: 8}\n", encoding="utf-8")
    else:
        today = date(2026, 11, 19)
    assert inputs(engine, rules, today=today) != before


def test_another_groups_in_place_changes_dont_count(engine: Engine, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("", encoding="utf-8")
    before = inputs(engine, rules)
    add_player(engine, 7, group_id=OTHER_GROUP)
    assert inputs(engine, rules) == before


def test_a_stage_remembers_its_inputs_in_the_callers_transaction(engine: Engine) -> None:
    def remembered(group_id: int, fingerprint: str) -> bool:
        with Session(engine) as session:
            return unchanged(session, group_id, "report", fingerprint)

    def store(stage: str, fingerprint: str) -> None:
        with Session(engine) as session, session.begin():
            remember(session, GROUP, stage, fingerprint)

    def report_inputs() -> str:
        with Session(engine) as session:
            return output_inputs(
                session, group_id=GROUP, today=TODAY, timezone="UTC", files=(), stale_after_hours=26
            )

    assert not remembered(GROUP, "abc")
    store("report", "abc")
    assert remembered(GROUP, "abc")
    assert not remembered(OTHER_GROUP, "abc")
    # Report and export depend on transform's fingerprint too.
    first = report_inputs()
    store("transform", "new derived tables")
    assert report_inputs() != first


def test_outputs_are_intact_only_while_they_are_the_files_written(
    engine: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "output"
    out.mkdir()
    files = [out / "clan_data.json", out / "clan_dashboard.html"]
    with Session(engine) as session:
        assert last_written(session, GROUP, ["json", "dashboard"], out) == []
        assert not outputs_intact(session, GROUP, [], out)  # never written: not intact
    stage_run_id = start_stage_run(engine, "export", None)
    with Session(engine) as session:
        with session.begin():
            for path, kind in zip(files, ["json", "dashboard"], strict=True):
                path.write_text(f"{kind} v1", encoding="utf-8")
                record_output(
                    session,
                    group_id=GROUP,
                    stage_run_id=stage_run_id,
                    path=path,
                    output_dir=out,
                    kind=kind,
                    public=False,
                )
        written = last_written(session, GROUP, ["json", "dashboard"], out)
        assert sorted(written) == sorted(files)
        assert outputs_intact(session, GROUP, written, out)
        files[1].write_text("edited by hand", encoding="utf-8")
        assert not outputs_intact(session, GROUP, written, out)
        files[1].unlink()
        assert not outputs_intact(session, GROUP, written, out)


def test_an_upgrade_that_adds_a_column_is_a_change() -> None:
    # A run after an upgrade must derive again, or a new column stays empty until tomorrow.
    before, after = MetaData(), MetaData()
    Table("member_status", before, Column("player_id", Integer, primary_key=True))
    Table(
        "member_status",
        after,
        Column("player_id", Integer, primary_key=True),
        Column("away_until", Date),
    )
    same = MetaData()
    Table("member_status", same, Column("player_id", Integer, primary_key=True))
    assert schema_signature(before) == schema_signature(same)
    assert schema_signature(before) != schema_signature(after)
