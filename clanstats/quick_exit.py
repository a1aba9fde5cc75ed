"""End a ClanStats process at once when its work is done, skipping Python's teardown.

A stage process ends with everything it did committed, its files closed and its engine disposed.
Python's normal exit then frees every imported module and object one at a time: about 0.3 s in a
stage process (SQLAlchemy, pydantic and the ORM models), paid five times a run and by every stage
a test starts. `exit_process` flushes what could still be buffered (log files, stdout, stderr)
and ends the process with its exit code without that teardown.

Only the `if __name__ == "__main__":` lines of main.py and the stage scripts call it: a function
called in-process (a test, the benchmark's child) still returns its exit code normally.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from typing import NoReturn


def exit_process(exit_code: int) -> NoReturn:
    """Flush logs and the standard streams, then end the process with `exit_code`.

    While a thread other than the main one may still be working, exit the normal way, which
    waits for it.
    """
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if any(not thread.daemon for thread in others):
        sys.exit(exit_code)
    logging.shutdown()  # flushes and closes every log handler (app.log)
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # pythonw on Windows has no console streams
            continue
        # A closed or broken pipe: nothing more can be said.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(exit_code)
