"""The run lock: one ClanStats run at a time per data folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from clanstats.errors import RunLockedError


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold the run lock, or raise RunLockedError at once if another run holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # An OS-level lock (not a PID file): it is released when the holder dies, even on SIGKILL.
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise RunLockedError(
            f"another ClanStats run is in progress (lock {path}); this run did nothing. "
            "Wait for it to finish"
        ) from None
    try:
        yield
    finally:
        lock.release()
