"""A run's outputs as one set (clanstats/output_set.py), on real files and a real database.

The pipeline-level proofs (a failed export, a killed promotion) are in tests/test_disk_faults.py
and tests/reliability/test_crash_safety.py; these pin the rules they rest on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import OutputFile
from clanstats.errors import WriteError
from clanstats.output_set import JOURNAL, Output, finish_interrupted, put_in_place, staged
from clanstats.outputs import STAGING_FOLDER, write_atomically

GROUP = 4242
REPORT = "clan_report_summary_merged.xlsx"


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    return make_engine(migrated_url)


def stage_file(root: Path, relative: str, content: bytes) -> Path:
    target = root / relative
    write_atomically(staged(root, target), content)
    return target


def put_set(engine: Engine, root: Path, data: Path, book: Path) -> None:
    """Put clan_data.json and the workbook in place as one set (listed JSON first)."""
    outputs = [Output(data, "json", False, None), Output(book, "workbook", False, None)]
    put_in_place(engine, root, group_id=GROUP, outputs=outputs, fingerprints={})


def manifest(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        rows = session.execute(select(OutputFile.path, OutputFile.kind)).all()
    return {path: kind for path, kind in rows}


def test_a_set_goes_in_place_whole_and_leaves_no_staging(engine: Engine, tmp_path: Path) -> None:
    root = tmp_path / "output"
    (root / "clan_data.json").parent.mkdir(parents=True)
    (root / "clan_data.json").write_bytes(b"old")
    book = stage_file(root, "clan_report_summary_merged.xlsx", b"new book")
    data = stage_file(root, "clan_data.json", b"new data")
    assert (root / "clan_data.json").read_bytes() == b"old"  # staged is not in place

    put_set(engine, root, data, book)

    assert data.read_bytes() == b"new data" and book.read_bytes() == b"new book"
    assert not (root / STAGING_FOLDER).exists()
    assert manifest(engine) == {"clan_data.json": "json", REPORT: "workbook"}


def test_a_set_left_half_in_place_is_finished_before_the_next_one_starts(
    engine: Engine, tmp_path: Path
) -> None:
    """Several groups: a group's export stopped between two renames (its journal lists what is
    left) must not be forgotten when the alliance files go in place next."""
    root = tmp_path / "output"
    left = stage_file(root, "quiet/clan_data.json", b"quiet, new")
    (root / "quiet").mkdir(parents=True, exist_ok=True)
    (root / "quiet" / REPORT).write_bytes(b"quiet book, new")  # renamed before the stop
    journal = root / STAGING_FOLDER / JOURNAL
    journal.write_text(json.dumps([f"quiet/{REPORT}", "quiet/clan_data.json"]))
    alliance = stage_file(root, "alliance.json", b"{}")

    put_in_place(
        engine,
        root,
        group_id=0,
        outputs=[Output(alliance, "alliance_json", False, None)],
        fingerprints={},
    )

    assert left.read_bytes() == b"quiet, new"
    assert alliance.read_bytes() == b"{}"
    assert not journal.exists() and not (root / STAGING_FOLDER).exists()


def test_finishing_says_whether_there_was_a_set_to_finish(tmp_path: Path) -> None:
    root = tmp_path / "output"
    assert finish_interrupted(root) is False
    target = stage_file(root, "clan_data.json", b"new")
    (root / STAGING_FOLDER / JOURNAL).write_text(json.dumps(["clan_data.json"]))
    assert finish_interrupted(root) is True
    assert target.read_bytes() == b"new"
    assert finish_interrupted(root) is False


def test_a_journal_cut_short_moves_nothing(tmp_path: Path) -> None:
    root = tmp_path / "output"
    target = stage_file(root, "clan_data.json", b"new")
    (root / STAGING_FOLDER / JOURNAL).write_text('["clan_da')  # killed while writing it
    assert finish_interrupted(root) is True
    assert not target.exists()  # the previous set (here: none) stays as it was


def test_a_target_that_cannot_be_replaced_leaves_the_previous_set_whole(
    engine: Engine, tmp_path: Path
) -> None:
    """The workbook goes first: when it can't be replaced (here a folder stands in its way, as
    a file Excel holds does on Windows), nothing of the set is in place and no journal stays."""
    root = tmp_path / "output"
    (root / REPORT).mkdir(parents=True)  # can't be replaced by a file
    (root / "clan_data.json").write_bytes(b"old")
    book = stage_file(root, REPORT, b"new book")
    data = stage_file(root, "clan_data.json", b"new data")
    with pytest.raises((WriteError, OSError)):
        put_set(engine, root, data, book)
    assert (root / "clan_data.json").read_bytes() == b"old"
    assert not (root / STAGING_FOLDER / JOURNAL).exists()
    assert manifest(engine) == {}
