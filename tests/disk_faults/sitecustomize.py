"""A disk that fails, for the processes of tests/test_disk_faults.py (put on PYTHONPATH there).

Python imports `sitecustomize` at start-up, so every ClanStats process the test starts (main.py
and its stages) gets this: `os.fsync` of a file whose name contains CLANSTATS_TEST_DISK_FAULT_FILE
fails with the errno named by CLANSTATS_TEST_DISK_FAULT (ENOSPC, EROFS, ...), as the lowest
layer does when the disk is full or read-only. Linux only (it reads /proc/self/fd).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

_KIND = os.environ.get("CLANSTATS_TEST_DISK_FAULT")
_FILE = os.environ.get("CLANSTATS_TEST_DISK_FAULT_FILE", "")

if _KIND:
    _code = getattr(errno, _KIND)
    _real_fsync = os.fsync

    def _failing_fsync(fd: int) -> None:
        path = Path(f"/proc/self/fd/{fd}").readlink()
        if _FILE in path.name:
            raise OSError(_code, os.strerror(_code))  # as a real disk: no file name
        _real_fsync(fd)

    os.fsync = _failing_fsync
