"""Stage processes started ahead: the next stage's Python starts while the stage before it runs.

Starting a stage's process costs about half a second, most of it imports (SQLAlchemy, the table
definitions, pydantic), and a run of five stages paid it five times in a row. So a run starts each
stage's process while the stage before it is still working. The new process imports its code and
then waits on its standard input, before it reads settings, opens a log or touches the database,
for one line from the run: the environment it runs with (its run ids, the clock, what the harvest
found) as a JSON object. An empty line or the end of its input means it isn't needed (a stage
before it failed, or its outputs are skipped): it ends at once, having done nothing. Each stage
still runs in a process of its own and meets the others only in the database.

Only a process started ahead waits: the first stage of a run, a stage run on its own (by hand,
from a terminal) and a stage whose process ahead has died are started at their turn with their
whole environment, as before. Ctrl+C that reaches a waiting process (it reaches every process of
the console) is noted, not acted on, until its go: it then ends as interrupted, having done
nothing, instead of dying mid-import with a traceback in the middle of another stage's output.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, NamedTuple

# Set only by `WaitingStage`, in the environment of the process it starts.
WAIT_FOR_GO_ENV = "CLANSTATS_WAIT_FOR_GO"
# How long a process that isn't needed gets to end on its own before it is killed: long enough
# to finish its imports (it reads its input only then), short enough not to hold a run up.
CANCEL_SECONDS = 30.0


class GoLineError(ValueError):
    """The line a waiting stage read is not the run's JSON object of strings."""


# The Ctrl+C handler the hold replaced (restored at the go), and whether Ctrl+C came meanwhile.
_held_handler: Any = None
_interrupted = False


def hold_interrupts_until_go() -> None:
    """In a process started ahead, note Ctrl+C instead of acting on it until its go.

    Called before the stage's imports (`scripts/__init__.py`). A process that inherited Ctrl+C
    switched off keeps it off.
    """
    global _held_handler
    if os.environ.get(WAIT_FOR_GO_ENV) != "1":
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        return
    _held_handler = previous
    signal.signal(signal.SIGINT, _note_interrupt)


def _note_interrupt(signum: int, frame: FrameType | None) -> None:
    global _interrupted
    _interrupted = True


def _release_interrupts() -> None:
    """Give Ctrl+C back the handler the hold replaced."""
    global _held_handler
    if _held_handler is not None:
        signal.signal(signal.SIGINT, _held_handler)
        _held_handler = None


def wait_for_go() -> bool:
    """In a process started ahead, wait for the run's go line and take its environment.

    True: go on with the stage (at once when its process wasn't started ahead). False: the
    stage isn't needed, end without doing anything. Raises `GoLineError` for a line that is not
    a JSON object of strings, and KeyboardInterrupt for a go after a Ctrl+C.
    """
    if os.environ.pop(WAIT_FOR_GO_ENV, None) != "1":
        return True
    stdin = sys.stdin
    try:
        if stdin is None or stdin.isatty():
            return True  # a person at a terminal: nobody is going to send a go line
        line = stdin.readline()
    finally:
        _release_interrupts()
    if not line.strip():
        return False
    try:
        env = json.loads(line)
    except ValueError:
        env = None
    if not isinstance(env, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in env.items()
    ):
        raise GoLineError(
            f"a stage started ahead read {line.strip()[:80]!r} instead of its go line "
            "(a JSON object of strings); run it again with python main.py"
        )
    if _interrupted:
        raise KeyboardInterrupt  # Ctrl+C came while it waited: the run is being stopped
    os.environ.update(env)
    return True


@dataclass(frozen=True)
class StageCommand:
    """How to start one stage's process: the command, its environment and where its output goes."""

    name: str
    command: Sequence[str]
    env: Mapping[str, str]
    cwd: Path
    stderr_file: Path | None = None  # None: the run's own stderr
    popen: Mapping[str, Any] = field(default_factory=dict)

    def start(self, extra_env: Mapping[str, str], **popen: Any) -> subprocess.Popen[bytes]:
        """Start the process with `extra_env` added to its environment."""
        if self.stderr_file is None:
            return self._popen(extra_env, popen)
        with self.stderr_file.open("wb") as stderr:
            return self._popen(extra_env, {**popen, "stderr": stderr})

    def _popen(
        self, extra_env: Mapping[str, str], popen: Mapping[str, Any]
    ) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            list(self.command), cwd=self.cwd, env={**self.env, **extra_env}, **self.popen, **popen
        )


class WaitingStage:
    """A stage's process, started ahead, that waits for `go` (or `cancel`)."""

    def __init__(self, stage: StageCommand) -> None:
        self.name = stage.name
        # A pipe for its input changes how Windows hands out the other two: where this process
        # has none (pythonw), the child must get a real one, not a pipe already closed.
        missing = {
            stream: subprocess.DEVNULL
            for stream, ours in (("stdout", sys.stdout), ("stderr", sys.stderr))
            if ours is None and stream not in stage.popen
        }
        self.process = stage.start({WAIT_FOR_GO_ENV: "1"}, stdin=subprocess.PIPE, **missing)

    @property
    def alive(self) -> bool:
        """Whether it is still there to be sent its go (an import error or a kill ends it)."""
        return self.process.poll() is None

    def go(self, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        """Send the stage its environment and let it run; the process, to wait for."""
        self._send(json.dumps(dict(env)) + "\n")
        return self.process

    def cancel(self) -> None:
        """End the process without running the stage."""
        self._send("\n")
        try:
            self.process.wait(timeout=CANCEL_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _send(self, line: str) -> None:
        stdin = self.process.stdin
        if stdin is None or stdin.closed:
            return
        try:
            stdin.write(line.encode("utf-8"))
            stdin.close()
        except OSError:
            # It has already ended (it was killed just now): waiting for it shows how.
            pass


class Running(NamedTuple):
    """A stage's process that has its go, and whether it was started ahead."""

    process: subprocess.Popen[bytes]
    started_ahead: bool


class StartsAhead:
    """Starts each stage's process, the next one ahead while the current stage runs.

    At most one waits. Until its go, it belongs here, so `close` always ends it.
    """

    def __init__(self, command_of: Callable[[str], StageCommand]) -> None:
        self._command_of = command_of
        self._waiting: WaitingStage | None = None

    @property
    def waiting(self) -> WaitingStage | None:
        """The process started ahead and waiting for its go, if any."""
        return self._waiting

    def go(self, name: str, env: Mapping[str, str]) -> Running:
        """Run stage `name` with `env` added: in the process started ahead for it if there is
        one still alive, else in one started now with its whole environment."""
        waiting, self._waiting = self._waiting, None
        if waiting is not None and waiting.name == name and waiting.alive:
            return Running(waiting.go(env), started_ahead=True)
        if waiting is not None:
            waiting.cancel()
        return Running(self._command_of(name).start(env), started_ahead=False)

    def start_ahead(self, name: str | None) -> None:
        """Start stage `name`'s process now, to wait for its turn (None: no stage comes next)."""
        self.close()
        if name is not None:
            # If it can't start now, it is started when its turn comes, and the error is its own.
            with contextlib.suppress(OSError, ValueError):
                self._waiting = WaitingStage(self._command_of(name))

    def close(self) -> None:
        """End the process that is waiting, if any, without running its stage."""
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            waiting.cancel()
