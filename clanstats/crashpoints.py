"""A test hook: kill the process at a named point, to prove a crash there loses nothing.

The reliability suite (`tests/reliability/`) sets `CLANSTATS_CRASH_AT` to a point's name, such
as `transform.after-daily-gains`, and the process dies at once the first time it reaches that
`crash_point(...)` call: SIGKILL, so no `finally`, no rollback, no flush runs, like a power cut
or a killed task. `name@N` dies on the Nth time instead (say, mid-batch), `name@N:INT` raises
KeyboardInterrupt instead (a Ctrl-C at exactly that point, not at the mercy of a timer), and
`name@N:GROUP` kills the whole process group, `main.py` with its stage, as a power cut does
(the test starts main.py in a group of its own). Without the variable, or with another name,
`crash_point` does nothing; it is never set in normal use.
"""

from __future__ import annotations

import os
import signal

CRASH_AT_ENV = "CLANSTATS_CRASH_AT"

_passes: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Kill this process here when CLANSTATS_CRASH_AT names this point (and its pass)."""
    wanted = os.environ.get(CRASH_AT_ENV)
    if not wanted:
        return
    where, _, how = wanted.partition(":")
    point, _, nth = where.partition("@")
    if point != name:
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] < (int(nth) if nth.isdigit() else 1):
        return
    if how == "INT":
        # What Python raises on Ctrl-C, raised right here: a SIGINT sent to ourselves may be
        # handled a few steps later (or by a thread) when the machine is busy.
        raise KeyboardInterrupt
    kill = getattr(signal, "SIGKILL", None)
    if kill is None:  # Windows has no SIGKILL; _exit skips cleanup just the same
        os._exit(137)
    if how == "GROUP":
        os.killpg(os.getpgrp(), kill)
    os.kill(os.getpid(), kill)
