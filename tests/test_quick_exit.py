"""A process ended by exit_process keeps its exit code, its printed lines and its log."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "", "PYTHONPATH": str(ROOT), "LOG": str(tmp_path / "app.log")},
    )


def test_the_exit_code_printed_lines_and_log_file_all_survive(tmp_path: Path) -> None:
    result = run(
        """
        import logging, os, sys
        from clanstats.quick_exit import exit_process
        logging.basicConfig(filename=os.environ["LOG"], level=logging.INFO)
        logging.getLogger("stage").info("stored 12 snapshots")
        sys.stdout.write("no newline at the end")  # still in the buffer when exiting
        print("stage failed", file=sys.stderr)
        exit_process(3)
        """,
        tmp_path,
    )
    assert result.returncode == 3
    assert result.stdout == "no newline at the end"
    assert result.stderr == "stage failed\n"
    assert "stored 12 snapshots" in (tmp_path / "app.log").read_text(encoding="utf-8")


def test_a_thread_still_working_is_waited_for(tmp_path: Path) -> None:
    result = run(
        """
        import threading, time
        from clanstats.quick_exit import exit_process
        def late():
            time.sleep(0.3)
            print("the thread finished", flush=True)
        threading.Thread(target=late).start()
        exit_process(0)
        """,
        tmp_path,
    )
    assert result.returncode == 0
    assert result.stdout == "the thread finished\n"


def test_a_process_without_console_streams_keeps_its_exit_code(tmp_path: Path) -> None:
    """pythonw (a scheduled task on Windows) runs with sys.stdout and sys.stderr set to None."""
    result = run(
        """
        import sys
        from clanstats.quick_exit import exit_process
        sys.stdout = sys.stderr = None
        exit_process(4)
        """,
        tmp_path,
    )
    assert result.returncode == 4
