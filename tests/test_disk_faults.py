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
from clanstats.settings import PROJECT_ROOT
from clanstats.sim.wom_server import FakeWomServer
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
