"""A full or read-only disk under the outputs: one line naming the folder and the fix, exit 7.

The disk fails at its lowest layer (`os.fsync` of the output's temp file raises ENOSPC or
EROFS, through tests/disk_faults/sitecustomize.py in every process main.py starts), after a
good run wrote a complete set of outputs. Before, the stage died with "unexpected error" and
exit 1, a traceback in app.log.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from clanstats.errors import EXIT_OK, EXIT_WRITE
from clanstats.outputs import REPORT_FILE
from clanstats.settings import PROJECT_ROOT
from simulator.wom_server import FakeWomServer
from tests.test_main_cli import live_server, query, run_main, wom_env

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the failing disk reads /proc/self/fd (Linux)"
)
FAULTS = PROJECT_ROOT / "tests" / "disk_faults"
__all__ = ["live_server"]  # the fixture, used by name below


# (stage, its output, the failing disk, what the line says), tried one after the other on the
# outputs of one good run.
CASES = [
    ("export", "clan_data.json", "ENOSPC", "the disk is full"),
    ("report", "clan_report_summary_merged.xlsx", "EROFS", "read-only disk or share"),
]


def test_a_failing_disk_is_one_line_with_exit_7_and_the_outputs_stay(
    tmp_path: Path, live_server: FakeWomServer
) -> None:
    data = tmp_path
    first = run_main(data, **wom_env(live_server))
    assert first.returncode == EXIT_OK, first.stderr
    outputs = data / "output"
    for stage, output, kind, said in CASES:
        before = (outputs / output).read_bytes()
        # Nothing is new since the good run, so the stage would keep its file: forget its
        # fingerprint (clanstats/fingerprint.py) so it writes again.
        with sqlite3.connect(data / "clanstats.db") as db:
            db.execute("DELETE FROM transform_state WHERE key = ?", (f"fingerprint:{stage}",))
        result = run_main(
            data,
            stage,
            **wom_env(live_server),
            PYTHONPATH=str(FAULTS),
            CLANSTATS_TEST_DISK_FAULT=kind,
            CLANSTATS_TEST_DISK_FAULT_FILE=output,
        )
        assert result.returncode == EXIT_WRITE, result.stderr
        lines = [line for line in result.stderr.splitlines() if f"{output} in {outputs}" in line]
        assert len(lines) == 1, result.stderr
        assert said in lines[0] and "OUTPUT_DIR" in lines[0]
        assert "unexpected error" not in result.stderr + result.stdout
        assert (outputs / output).read_bytes() == before  # the previous file is whole
        assert not [p.name for p in outputs.rglob("*.tmp")]
        [(status, exit_code)] = query(
            data / "clanstats.db",
            f"SELECT status, exit_code FROM stage_runs WHERE stage = '{stage}' "
            "ORDER BY id DESC LIMIT 1",
        )
        assert exit_code == EXIT_WRITE and status != "ok"


def _files(folder: Path) -> dict[str, bytes]:
    """Every visible file under `folder` (not the staging folder) and its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    }


def _forget_fingerprints(data: Path) -> None:
    """Make report and export write again although nothing is new (see test above)."""
    with sqlite3.connect(data / "clanstats.db") as db:
        db.execute("DELETE FROM transform_state WHERE key LIKE 'fingerprint:%'")


def test_a_failed_export_keeps_the_previous_set_whole_and_sync_publishes_only_whole_sets(
    tmp_path: Path, live_server: FakeWomServer
) -> None:
    """Issue 20 item 2: the workbook of a run whose export failed sat beside the previous day's
    clan_data.json and dashboard, and a sync published that mix. Now the run's outputs go in
    place as one set at the end of export, or not at all; a full sync-target folder is one
    line with exit 7."""
    data = tmp_path
    drive = data / "drive"
    drive.mkdir()
    rules = data / "rules.yaml"
    rules.write_text(
        (PROJECT_ROOT / "rules.example.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "sync_targets: []",
            f"sync_targets:\n  - name: drive\n    kind: folder\n    path: {drive.as_posix()}\n"
            '    files: ["*.xlsx", "*.html", "*.json"]\n    backup_keep: 0',
        ),
        encoding="utf-8",
    )
    env = {**wom_env(live_server), "RULES_FILE": str(rules)}
    first = run_main(data, **env)
    assert first.returncode == EXIT_OK, first.stderr
    outputs = data / "output"
    good_set = _files(outputs)
    shipped = sorted(_files(drive))
    assert REPORT_FILE in shipped and "clan_data.json" in shipped
    assert _files(drive) == {name: good_set[name] for name in shipped}

    _forget_fingerprints(data)
    failed = run_main(
        data,
        **env,
        PYTHONPATH=str(FAULTS),
        CLANSTATS_TEST_DISK_FAULT="ENOSPC",
        CLANSTATS_TEST_DISK_FAULT_FILE="clan_data.json",
    )
    assert failed.returncode == EXIT_WRITE, failed.stderr
    assert f"clan_data.json in {outputs}: the disk is full" in failed.stderr
    # The report stage succeeded, yet its new workbook is not in place: the set is whole.
    assert _files(outputs) == good_set
    assert not [p.name for p in outputs.rglob("*.tmp")]

    alone = run_main(data, "sync", **env)  # what a user, or the next scheduled step, runs
    assert alone.returncode == EXIT_OK, alone.stderr
    assert "not published" in alone.stdout + alone.stderr
    assert _files(drive) == {name: good_set[name] for name in shipped}

    # The drive's disk fills up while sync copies a new file into it: one line, exit 7.
    _forget_fingerprints(data)
    assert run_main(data, "export", **env).returncode == EXIT_OK
    full = run_main(
        data,
        "sync",
        **env,
        PYTHONPATH=str(FAULTS),
        CLANSTATS_TEST_DISK_FAULT="ENOSPC",
        CLANSTATS_TEST_DISK_FAULT_FILE="clan_data.json",
    )
    assert full.returncode == EXIT_WRITE, full.stderr
    said = " ".join(full.stderr.split())  # the console wraps the line at its width
    assert said.count("sync target 'drive'") == 1, full.stderr
    assert f"can't write clan_data.json in {drive}: the disk is full" in said
    assert "the path of sync target 'drive' in rules.yaml" in said
    # Every file was staged before any was renamed: the drive still holds the whole last set.
    assert _files(drive) == {name: good_set[name] for name in shipped}
    assert not [p.name for p in drive.rglob("*.tmp")]

    _forget_fingerprints(data)
    again = run_main(data, **env)
    assert again.returncode == EXIT_OK, again.stderr
    assert not (outputs / ".staging").exists()
    newest = _files(outputs)
    assert newest[REPORT_FILE] != good_set[REPORT_FILE]
    assert _files(drive) == {name: newest[name] for name in shipped}
    # The set in place is one run's: every file's newest manifest row was written in it.
    runs = query(
        data / "clanstats.db",
        "SELECT DISTINCT s.pipeline_run_id FROM output_manifest m JOIN stage_runs s "
        "ON s.id = m.stage_run_id WHERE m.id IN (SELECT MAX(id) FROM output_manifest "
        "GROUP BY path)",
    )
    assert len(runs) == 1
