"""Two runs started together: one runs to the end, the other exits 5 at once with one line."""

from __future__ import annotations

from pathlib import Path

from clanstats.errors import EXIT_LOCKED, EXIT_OK
from tests.reliability.world import ClanWorld, integrity, query


def test_two_runs_started_together_one_runs_the_other_exits_5(tmp_path: Path) -> None:
    with ClanWorld(tmp_path) as world:
        first, second = world.start_main(), world.start_main()
        (_out_1, err_1), (_out_2, err_2) = (
            first.communicate(timeout=240),
            second.communicate(timeout=240),
        )
    codes = sorted([first.returncode, second.returncode])
    assert codes == [EXIT_OK, EXIT_LOCKED], (err_1, err_2)
    refused = err_1 if first.returncode == EXIT_LOCKED else err_2
    lines = refused.strip().splitlines()
    assert len(lines) == 1 and "another ClanStats run is in progress" in lines[0]
    # The refused run left no trace: one pipeline run, every stage of it complete.
    assert query(world.db, "SELECT exit_code FROM pipeline_runs") == [(EXIT_OK,)]
    stages = query(world.db, "SELECT stage, status FROM stage_runs ORDER BY id")
    assert [stage for stage, _ in stages] == ["harvest", "transform", "report", "export", "sync"]
    assert {status for _, status in stages} == {"ok"}
    assert integrity(world.db) == "ok"
    assert (tmp_path / "output" / "clan_dashboard.html").exists()
