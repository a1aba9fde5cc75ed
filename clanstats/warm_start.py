"""Stage processes started ahead: the next stage's Python starts while the stage before it runs.

Starting a stage's process costs about half a second, most of it imports (SQLAlchemy, the table
definitions, pydantic), and a run of five stages paid it five times in a row. So a run starts each
stage's process while the stage before it is still working. The new process imports its code and
then waits on its standard input, before it reads settings, opens a log or touches the database,
for one line from the run: the environment it runs with (its run ids, the clock, what the harvest
found) as a JSON object. An empty line or the end of its input means it isn't needed (a stage
before it failed, or its outputs are skipped): it ends at once, having done nothing. Each stage
still runs in a process of its own and meets the others only in the database.

A stage run any other way (on its own, by hand, or from a terminal) never waits.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

# Set only by `WaitingStage`, in the environment of the process it starts.
WAIT_FOR_GO_ENV = "CLANSTATS_WAIT_FOR_GO"
# How long a process that isn't needed gets to end on its own before it is killed: long enough
# to finish its imports (it reads its input only then), short enough not to hold a run up.
CANCEL_SECONDS = 30.0


class GoLineError(ValueError):
    """The line a waiting stage read is not the run's JSON object of strings."""


def hold_interrupts_until_go() -> None:
    """In a process started ahead, ignore Ctrl+C until its go (`wait_for_go` restores it).

    Called before the stage's imports: Ctrl+C reaches every process of the console, and one
    still importing would die with a traceback; the run ends a process that isn't needed itself.
    """
    if os.environ.get(WAIT_FOR_GO_ENV) == "1":
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def wait_for_go() -> bool:
    """In a process started ahead, wait for the run's go line and take its environment.

    True: go on with the stage (at once when its process wasn't started ahead). False: the
    stage isn't needed, end without doing anything. Raises `GoLineError` for a line that is not
    a JSON object of strings.
    """
    if os.environ.pop(WAIT_FOR_GO_ENV, None) != "1":
        return True
    stdin = sys.stdin
    try:
        if stdin is None or stdin.isatty():
            return True  # a person at a terminal: nobody is going to send a go line
        line = stdin.readline()
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
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
    os.environ.update(env)
    return True


class WaitingStage:
    """A stage's process, started ahead, that waits for `go` (or `cancel`)."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        **popen: Any,
    ) -> None:
        self.name = name
        self.started_ahead = False  # set by `StartsAhead` for a stage started before its turn
        self.process: subprocess.Popen[bytes] = subprocess.Popen(
            list(command),
            cwd=cwd,
            env={**env, WAIT_FOR_GO_ENV: "1"},
            stdin=subprocess.PIPE,
            **popen,
        )

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
            # It has already ended (an import failed, or it was killed): waiting for it shows how.
            pass


class StartsAhead:
    """The next stage's process, started while the current stage runs; at most one waits."""

    def __init__(self, start: Callable[[str], WaitingStage]) -> None:
        self._start = start
        self._waiting: WaitingStage | None = None

    def take(self, name: str) -> WaitingStage:
        """The process started ahead for stage `name`, or one started now."""
        waiting, self._waiting = self._waiting, None
        if waiting is not None and waiting.name == name:
            return waiting
        if waiting is not None:
            waiting.cancel()
        return self._start(name)

    def start_ahead(self, name: str | None) -> None:
        """Start stage `name`'s process now, to wait for its turn (None: no stage comes next)."""
        self.close()
        if name is not None:
            # If it can't start now, it is started when its turn comes, and the error is its own.
            with contextlib.suppress(OSError):
                self._waiting = self._start(name)
                self._waiting.started_ahead = True

    def close(self) -> None:
        """End the process that is waiting, if any, without running its stage."""
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            waiting.cancel()
