"""Stage processes started ahead (`clanstats.warm_start`): real processes, real pipes, real runs."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from clanstats.errors import EXIT_BUG, EXIT_INTERRUPTED, EXIT_OK
from clanstats.settings import PROJECT_ROOT
from clanstats.warm_start import (
    WAIT_FOR_GO_ENV,
    StageCommand,
    StartsAhead,
    WaitingStage,
    wait_for_go,
)

POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="signals and ptys are POSIX's")

# A stand-in for a stage: waits for its go as a stage does, then says what it got.
GOES = """
import os, sys
from pathlib import Path
from clanstats.warm_start import hold_interrupts_until_go, wait_for_go
hold_interrupts_until_go()
print("ready", flush=True)
try:
    go = wait_for_go()
except KeyboardInterrupt:
    print("interrupted", flush=True)
    raise SystemExit(130)
if go:
    Path(sys.argv[1]).write_text(os.environ.get("WHO", "-"))
print("gone" if go else "not needed", flush=True)
"""


def stand_in_command(name: str, marker: Path) -> StageCommand:
    return StageCommand(
        name,
        [sys.executable, "-c", GOES, str(marker)],
        env={**os.environ, "WHO": "inherited"},
        cwd=PROJECT_ROOT,
        popen={"stdout": subprocess.PIPE},
    )


def stand_in(name: str, marker: Path) -> WaitingStage:
    return WaitingStage(stand_in_command(name, marker))


def stage_env(data: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CLANSTATS_ENV_FILE": str(data / "absent.env"),
        "CLANSTATS_DATA_DIR": str(data),
        "RULES_FILE": str(PROJECT_ROOT / "rules.example.yaml"),
        "WOM_GROUP_ID": "1",
    }


def test_the_go_line_gives_the_waiting_process_its_environment(tmp_path: Path) -> None:
    marker = tmp_path / "went"
    waiting = stand_in("a", marker)
    process = waiting.go({"WHO": "from the go line"})
    assert process.wait(timeout=60) == 0
    assert process.stdout is not None
    assert process.stdout.read().decode().splitlines() == ["ready", "gone"]
    assert marker.read_text() == "from the go line"


def test_a_process_not_needed_ends_having_done_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "went"
    waiting = stand_in("a", marker)
    waiting.cancel()
    assert waiting.process.returncode == 0
    assert waiting.process.stdout is not None
    assert waiting.process.stdout.read().decode().splitlines() == ["ready", "not needed"]
    assert not marker.exists()


def test_a_real_stage_not_needed_touches_nothing(tmp_path: Path) -> None:
    """The transform stage started ahead and cancelled: no database, no log, no output."""
    data = tmp_path / "data folder"
    data.mkdir()
    waiting = WaitingStage(
        StageCommand(
            "transform",
            [sys.executable, "-m", "scripts.transform"],
            env=stage_env(data),
            cwd=PROJECT_ROOT,
            popen={"stderr": subprocess.PIPE},
        )
    )
    waiting.cancel()
    assert waiting.process.returncode == EXIT_OK
    assert waiting.process.stderr is not None and waiting.process.stderr.read() == b""
    assert list(data.iterdir()) == []


def test_a_bad_go_line_is_one_line_and_the_stage_does_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "scripts.transform"],
        env={**stage_env(data), WAIT_FOR_GO_ENV: "1"},
        cwd=PROJECT_ROOT,
        input=b"not a go line\n",
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == EXIT_BUG
    assert done.stderr.decode().splitlines() == [
        "transform: a stage started ahead read 'not a go line' instead of its go line "
        "(a JSON object of strings); run it again with python main.py"
    ]
    assert list(data.iterdir()) == []


@pytest.mark.parametrize("line", ['["a list"]\n', '{"A": 1}\n', '{"A": "b"'])
def test_only_a_json_object_of_strings_is_a_go_line(
    line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(WAIT_FOR_GO_ENV, "1")
    monkeypatch.setattr(sys, "stdin", io.StringIO(line))
    with pytest.raises(ValueError, match="instead of its go line"):
        wait_for_go()


def test_a_process_not_started_ahead_goes_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    unread = io.StringIO('{"A": "b"}\n')
    monkeypatch.delenv(WAIT_FOR_GO_ENV, raising=False)
    monkeypatch.setattr(sys, "stdin", unread)
    assert wait_for_go() is True
    assert unread.tell() == 0  # its input was left alone


def test_the_wait_is_not_passed_on_to_the_stages_own_children(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(WAIT_FOR_GO_ENV, "1")
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"CLANSTATS_TEST_GO": "yes"}\n'))
    assert wait_for_go() is True
    assert os.environ.pop("CLANSTATS_TEST_GO") == "yes"
    assert WAIT_FOR_GO_ENV not in os.environ


@POSIX_ONLY
def test_a_stage_run_from_a_terminal_never_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    import pty

    main_fd, terminal_fd = pty.openpty()
    with os.fdopen(terminal_fd, "r") as terminal:
        monkeypatch.setenv(WAIT_FOR_GO_ENV, "1")
        monkeypatch.setattr(sys, "stdin", terminal)
        assert wait_for_go() is True  # without reading the terminal
    os.close(main_fd)


@POSIX_ONLY
def test_ctrl_c_while_waiting_ends_the_stage_as_interrupted_at_its_go(tmp_path: Path) -> None:
    """Ctrl+C reaches every process of the console: one waiting neither dies mid-import nor
    runs its stage after it."""
    marker = tmp_path / "went"
    waiting = stand_in("a", marker)
    assert waiting.process.stdout is not None
    assert waiting.process.stdout.readline() == b"ready\n"
    os.kill(waiting.process.pid, signal.SIGINT)
    process = waiting.go({"WHO": "after Ctrl+C"})
    assert process.wait(timeout=60) == 130
    assert waiting.process.stdout.read() == b"interrupted\n"
    assert not marker.exists()


@POSIX_ONLY
def test_a_real_stage_interrupted_while_waiting_says_so_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import scripts.transform as t, sys; print('ready', flush=True); sys.exit(t.main())",
        ],
        env={**stage_env(data), WAIT_FOR_GO_ENV: "1"},
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stdout.readline() == b"ready\n"
    os.kill(process.pid, signal.SIGINT)
    _, stderr = process.communicate(b'{"A": "b"}\n', timeout=120)
    assert process.returncode == EXIT_INTERRUPTED
    assert stderr.decode().splitlines() == [
        "transform: interrupted before it began; nothing was done"
    ]
    assert list(data.iterdir()) == []


@POSIX_ONLY
def test_a_process_that_inherited_ctrl_c_off_keeps_it_off(tmp_path: Path) -> None:
    code = (
        "import signal, sys; from clanstats.warm_start import hold_interrupts_until_go,"
        " wait_for_go; hold_interrupts_until_go(); assert wait_for_go();"
        " print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, WAIT_FOR_GO_ENV: "1"},
        cwd=PROJECT_ROOT,
        input=b"{}\n",
        capture_output=True,
        timeout=60,
        check=False,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    assert done.stdout == b"True\n", done.stderr


def test_taking_another_stage_ends_the_one_started_ahead(tmp_path: Path) -> None:
    started: list[str] = []

    def command(name: str) -> StageCommand:
        started.append(name)
        return stand_in_command(name, tmp_path / name)

    processes = StartsAhead(command)
    processes.start_ahead("report")
    waiting = processes.waiting
    assert waiting is not None
    # report's outputs were skipped: it never runs, and export starts at its turn.
    process, ahead = processes.go("export", {})
    assert not ahead and waiting.process.returncode == 0
    assert not (tmp_path / "report").exists()
    assert process.wait(timeout=60) == 0
    assert (tmp_path / "export").read_text() == "inherited"
    processes.start_ahead("sync")
    waiting = processes.waiting
    processes.close()
    assert waiting is not None and waiting.process.returncode == 0
    assert not (tmp_path / "sync").exists()
    assert started == ["report", "export", "sync"]


def test_a_process_ahead_that_died_is_replaced_at_its_turn(tmp_path: Path) -> None:
    processes = StartsAhead(lambda name: stand_in_command(name, tmp_path / name))
    processes.start_ahead("transform")
    dead = processes.waiting
    assert dead is not None
    dead.process.kill()
    dead.process.wait()
    process, ahead = processes.go("transform", {"WHO": "fresh"})
    assert not ahead and process is not dead.process
    assert process.wait(timeout=60) == 0
    assert (tmp_path / "transform").read_text() == "fresh"


def test_a_stage_started_at_its_turn_gets_its_whole_environment_at_once(tmp_path: Path) -> None:
    """The first stage, or one run alone: no wait, no Ctrl+C hold, no pipe for its input."""
    processes = StartsAhead(lambda name: stand_in_command(name, tmp_path / name))
    process, ahead = processes.go("harvest", {"WHO": "given at start"})
    assert not ahead and process.stdin is None
    assert process.wait(timeout=60) == 0
    assert (tmp_path / "harvest").read_text() == "given at start"
