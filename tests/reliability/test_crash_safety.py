"""Crash safety: SIGKILL each stage (or main.py with it) at named points, then recover.

A reference history runs every stage once, uninterrupted, keeping a copy of the data folder
before each stage. Each case starts from the copy before its stage, kills the stage at a crash
point (`clanstats/crashpoints.py`), or kills `main.py` and its stage together at one, then
checks: the database passes `PRAGMA integrity_check`; every visible output file is whole (the
previous one or the new one, never part of one); and running the stages again ends exactly where
the reference ended (`compare.py` says what is normalised).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from clanstats.errors import EXIT_OK
from tests.reliability.compare import (
    Normaliser,
    database_contents,
    differences,
    output_contents,
)
from tests.reliability.world import ClanWorld, clan_today, files_under, integrity, query

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and killpg are POSIX")

STAGES = ("harvest", "backfill", "transform", "report", "export", "sync")


@dataclass(frozen=True)
class Reference:
    """The uninterrupted history: the data folder before each stage, and its end state."""

    root: Path
    database: dict[str, list[tuple[Any, ...]]]
    outputs: dict[str, Any]
    drive: dict[str, Any]
    norm: Normaliser

    def before(self, stage: str) -> Path:
        return self.root / f"before-{stage}"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reference]:
    root = tmp_path_factory.mktemp("reference")
    data = root / "data"
    data.mkdir()
    clan = clan_today()
    with ClanWorld(data, clan) as world:
        for stage in STAGES:
            shutil.copytree(data, root / f"before-{stage}")
            result = world.main(stage)
            assert result.returncode == EXIT_OK, result.stderr
    norm = Normaliser(clan.now)
    yield Reference(
        root,
        database_contents(data / "clanstats.db", norm),
        output_contents(data / "output", norm),
        output_contents(data / "drive", norm),
        norm,
    )


def start_from(reference: Reference, stage: str, data: Path) -> None:
    shutil.copytree(reference.before(stage), data)


def recover(world: ClanWorld, stage: str) -> None:
    """Run the crashed stage and every later one again: what a user does after a crash."""
    runs = {
        "harvest": [["harvest"], ["backfill"], ["--from", "transform"]],
        "backfill": [["backfill"], ["--from", "transform"]],
    }.get(stage, [["--from", stage]])
    for args in runs:
        result = world.main(*args)
        assert result.returncode == EXIT_OK, f"{args} after the crash: {result.stderr}"


def assert_outputs_whole(world: ClanWorld, reference: Reference, stage: str) -> None:
    """Every visible file is the previous one or the new one; none is cut short."""
    before = reference.before(stage)
    for folder, after in (("output", reference.outputs), ("drive", reference.drive)):
        old = output_contents(before / folder, reference.norm) if (before / folder).exists() else {}
        now = output_contents(world.data_dir / folder, reference.norm)  # raises on a cut file
        for name, content in now.items():
            assert content in (old.get(name), after.get(name)), f"{folder}/{name} is not whole"


def assert_ends_like_the_reference(world: ClanWorld, reference: Reference) -> None:
    assert integrity(world.db) == "ok"
    for got, want in (
        (database_contents(world.db, reference.norm), reference.database),
        (output_contents(world.data_dir / "output", reference.norm), reference.outputs),
        (output_contents(world.data_dir / "drive", reference.norm), reference.drive),
    ):
        assert got == want, differences(got, want)
    leftovers = [
        p for p in [*files_under(world.data_dir / "output"), *files_under(world.data_dir / "drive")]
        if p.name.endswith(".tmp")
    ]  # fmt: skip
    assert leftovers == [], "a crashed write's temp file was never cleaned up"


CRASH_POINTS = [
    ("harvest", "harvest.mid-wom-source@2"),  # hiscores written, not committed
    ("harvest", "harvest.mid-discord-batch@3"),  # a channel's batch written, not committed
    ("backfill", "backfill.mid-player@4"),  # three players committed, the fourth in flight
    ("transform", "transform.after-daily-gains"),
    ("transform", "transform.mid-derivations@4"),
    ("report", "report.mid-workbook@3"),  # the temp workbook exists, three sheets in
    ("report", "outputs.before-rename"),  # the temp workbook is complete, not renamed
    ("report", "report.before-manifest"),  # the workbook is in place, its manifest row isn't
    ("export", "export.between-files@2"),  # two files staged, none in place
    ("export", "outputs.mid-promotion@2"),  # two of the set in place: the journal finishes it
    ("export", "outputs.before-manifest"),  # the set in place, its manifest rows not written
    ("sync", "sync.mid-folder-copy@2"),  # half a file in the folder's temp file
    ("sync", "sync.before-history-row@2"),  # uploaded, its history row not written
]


@pytest.mark.parametrize(("stage", "point"), CRASH_POINTS, ids=[p for _, p in CRASH_POINTS])
def test_a_stage_killed_at_a_crash_point_loses_nothing(
    tmp_path: Path, reference: Reference, stage: str, point: str
) -> None:
    data = tmp_path / "data"
    start_from(reference, stage, data)
    with ClanWorld(data, clan_today()) as world:
        crashed = world.main(stage, CLANSTATS_CRASH_AT=point)
        assert crashed.returncode != EXIT_OK
        last = query(world.db, "SELECT stage, error FROM stage_runs ORDER BY id DESC LIMIT 1")
        assert last == [(stage, "killed by a signal")], "the crash point was never reached"
        assert integrity(world.db) == "ok"
        assert_outputs_whole(world, reference, stage)
        recover(world, stage)
        assert_ends_like_the_reference(world, reference)


def test_a_set_killed_while_going_in_place_is_finished_by_the_next_run(
    tmp_path: Path, reference: Reference
) -> None:
    """report stages the workbook and export puts it in place with its own files: killed
    between two renames, the next run finishes the set from the journal, then goes on."""
    data = tmp_path / "data"
    start_from(reference, "report", data)
    with ClanWorld(data, clan_today()) as world:
        crashed = world.main("--from", "report", CLANSTATS_CRASH_AT="outputs.mid-promotion@2")
        assert crashed.returncode != EXIT_OK
        last = query(world.db, "SELECT stage, error FROM stage_runs ORDER BY id DESC LIMIT 1")
        assert last == [("export", "killed by a signal")], "the crash point was never reached"
        staging = world.data_dir / "output" / ".staging"
        assert (staging / "promoting.json").is_file()
        assert_outputs_whole(world, reference, "report")
        recover(world, "report")
        assert not staging.exists()
        assert_ends_like_the_reference(world, reference)


@pytest.mark.parametrize(
    "point",
    ["transform.mid-derivations@3:GROUP", "export.between-files@3:GROUP"],
)
def test_main_and_its_stage_killed_together_lose_nothing(
    tmp_path: Path, reference: Reference, point: str
) -> None:
    """A power cut takes main.py with its stage: the whole process group dies at a named point
    (never at a moment a timer picks, which a busy machine would move)."""
    data = tmp_path / "data"
    start_from(reference, "transform", data)
    with ClanWorld(data, clan_today()) as world:
        process = subprocess.Popen(
            [sys.executable, "main.py", "--from", "transform"],
            env={**os.environ, **world.env, "CLANSTATS_CRASH_AT": point},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the kill takes only main and stage
        )
        assert process.wait(timeout=120) == -signal.SIGKILL
        assert integrity(world.db) == "ok"
        assert_outputs_whole(world, reference, "transform")
        recover(world, "transform")
        assert_ends_like_the_reference(world, reference)
