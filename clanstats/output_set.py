"""A run's outputs as one set: written aside, then put in place together.

The report stage writes the workbook and export the JSON, the dashboard, the public summary and
the site bundle. Each file is first written (atomically) under OUTPUT_DIR/.staging/, at the path
it will have in the output folder. When the pipeline runs report and export together it gives
both the same set id (CLANSTATS_OUTPUT_SET): report then leaves its workbook staged ("held") and
export puts the whole set in place at its end. A run whose export fails leaves the previous set
whole, so sync, which only reads what is in place, never publishes files that disagree. A stage
run on its own puts its own files in place at once.

Putting a set in place is a few renames on one disk. A journal (.staging/promoting.json) lists
them before the first and goes after the last: a run killed in between is finished by the next
report, export or sync (`finish_interrupted`), so a set is never left half in place. The
workbook goes first because it is the file another program (Excel) most often holds open: if
it can't be replaced, nothing is, and the error says to close it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from clanstats.crashpoints import crash_point
from clanstats.db.models import TransformState
from clanstats.db.state import read_state, write_state
from clanstats.fingerprint import remember
from clanstats.outputs import (
    STAGING_FOLDER,
    record_output,
    remove_stale_temps,
    replace_with_retries,
    write_atomically,
    write_failed,
)
from clanstats.stage import OUTPUT_SET_ENV

JOURNAL = "promoting.json"
# transform_state key (per group) of a workbook report left staged for export to put in place:
# "<set id> <report's stage run id> <report's input fingerprint>".
HELD_KEY = "held:report"


@dataclass(frozen=True)
class Output:
    """One file of a set: where it goes, what it is, who wrote it, and whether it may go public."""

    target: Path
    kind: str
    public: bool
    stage_run_id: int | None


def current_set() -> str | None:
    """The set id the pipeline gave this stage, or None when the stage runs on its own."""
    return os.environ.get(OUTPUT_SET_ENV) or None


def staged(root: Path, target: Path) -> Path:
    """Where `target` (inside the output folder `root`) is written before it goes in place."""
    return root / STAGING_FOLDER / target.relative_to(root)


def start_set(root: Path, group_folder: Path) -> None:
    """Finish an interrupted promotion, then drop what an earlier, failed set left staged."""
    finish_interrupted(root)
    shutil.rmtree(staged(root, group_folder), ignore_errors=True)


def hold_workbook(
    engine: Engine, *, group_id: int, set_id: str, stage_run_id: int, fingerprint: str
) -> None:
    """Record that report's staged workbook waits for export to put the set in place."""
    with Session(engine) as session, session.begin():
        write_state(session, group_id, HELD_KEY, f"{set_id} {stage_run_id} {fingerprint}")


def held_workbook(
    session: Session, *, group_id: int, set_id: str | None, workbook: Path
) -> tuple[Output, str] | None:
    """Report's workbook held for this set, and report's fingerprint; None if none is."""
    held = read_state(session, group_id, HELD_KEY).split()
    if set_id is None or len(held) != 3 or held[0] != set_id or not held[1].isdigit():
        return None
    return Output(workbook, "workbook", False, int(held[1])), held[2]


def waiting_set(session: Session, *, group_id: int) -> str | None:
    """The id of a set report staged whose export never put it in place, if there is one."""
    held = read_state(session, group_id, HELD_KEY).split()
    return held[0] if held else None


def put_in_place(
    engine: Engine,
    root: Path,
    *,
    group_id: int,
    outputs: Sequence[Output],
    fingerprints: Mapping[str, str],
) -> None:
    """Rename each staged output over its target, then record the set in the manifest.

    The manifest rows and the stages' fingerprints are stored in one transaction after the
    renames: a crash before it leaves new files without rows, which the next run sees as
    changed and writes again.
    """
    # A set left half in place (say, a group's, before the alliance files) goes first: its
    # journal is the only record of what it still has to move.
    finish_interrupted(root)
    ordered = sorted(outputs, key=lambda output: output.kind != "workbook")
    journal = root / STAGING_FOLDER / JOURNAL
    relatives = [output.target.relative_to(root).as_posix() for output in ordered]
    write_atomically(journal, json.dumps(relatives).encode("utf-8"))
    moved = 0
    try:
        for output in ordered:
            _promote(root, output.target, partly_in_place=moved > 0)
            moved += 1
            crash_point("outputs.mid-promotion")
    except Exception:
        if moved == 0:
            journal.unlink(missing_ok=True)  # nothing moved: the previous set is whole
        raise  # else the journal stays and the next stage finishes the set
    crash_point("outputs.before-manifest")
    with Session(engine) as session, session.begin():
        for output in ordered:
            record_output(
                session,
                group_id=group_id,
                stage_run_id=output.stage_run_id,
                path=output.target,
                output_dir=root,
                kind=output.kind,
                public=output.public,
            )
        for stage, fingerprint in fingerprints.items():
            remember(session, group_id, stage, fingerprint)
        session.execute(
            delete(TransformState).where(
                TransformState.group_id == group_id, TransformState.key == HELD_KEY
            )
        )
    journal.unlink(missing_ok=True)
    _tidy(root)


def finish_interrupted(root: Path) -> bool:
    """Put in place what a promotion stopped halfway (killed, or a file held open) left
    staged; return whether there was such a set."""
    journal = root / STAGING_FOLDER / JOURNAL
    if not journal.is_file():
        return False
    try:
        relatives = [str(path) for path in json.loads(journal.read_text(encoding="utf-8"))]
    except ValueError:
        relatives = []  # cut short before its rename: no file had moved yet
    for relative in relatives:
        target = root / relative
        if staged(root, target).is_file():
            _promote(root, target, partly_in_place=True)
    journal.unlink(missing_ok=True)
    remove_stale_temps(journal)
    _tidy(root)
    return True


def _promote(root: Path, target: Path, *, partly_in_place: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        replace_with_retries(staged(root, target), target)
    except OSError as exc:
        # Windows refuses to replace a file another program holds open (Excel, a viewer).
        kept = (
            "part of the new set is in place; the next run puts the rest in place"
            if partly_in_place
            else "the previous files are unchanged"
        )
        raise write_failed(exc, target, replacing=True, kept=kept) from None


def _tidy(root: Path) -> None:
    """Remove the staging folders a finished set left empty (files of a failed set stay)."""
    staging = root / STAGING_FOLDER
    if not staging.is_dir():
        return
    for folder in sorted((p for p in staging.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    if not any(staging.iterdir()):
        staging.rmdir()
