"""Run one stage module as `python -m` would, and leave its own peak memory for the benchmark.

    python -m clanstats.bench.child scripts.transform

A child's peak resident memory as the parent sees it (`wait4`, `RUSAGE_CHILDREN`) starts from
the parent's size at fork on Linux, so a benchmark holding a simulated clan would be counted in
every stage. The stage's own high-water mark (`VmHWM` in /proc/self/status, Linux) is written
to the file named by CLANSTATS_BENCH_PEAK_FILE when the stage's `main()` returns; the process
then ends as the stage script's own `__main__` does (`exit_process`).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from clanstats.quick_exit import exit_process

PEAK_FILE_ENV = "CLANSTATS_BENCH_PEAK_FILE"


def own_peak_memory_mb() -> float | None:
    """This process's peak resident memory in MB since it started, where Linux tells it."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)  # reported in kB
    return None


def _write_peak() -> None:
    target = os.environ.get(PEAK_FILE_ENV)
    peak = own_peak_memory_mb()
    if target and peak is not None:
        Path(target).write_text(str(peak), encoding="ascii")


def main() -> None:
    """Run the `main()` of the stage module named by the first argument, then record the peak."""
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m clanstats.bench.child MODULE [ARGS...]")
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    try:
        exit_code = importlib.import_module(module).main()
    finally:
        _write_peak()  # also when the stage raised: the benchmark still reports its memory
    exit_process(exit_code)


if __name__ == "__main__":
    main()
