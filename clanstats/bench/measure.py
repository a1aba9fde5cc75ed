"""Measuring one stage process: wall time, peak memory, and the requests each server received."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from clanstats.bench.child import PEAK_FILE_ENV
from clanstats.warm_start import StageCommand
from simulator.discord_server import FakeDiscordServer
from simulator.upload_receiver import UploadReceiver
from simulator.wom_server import FakeWomServer


@dataclass
class ProcessFigures:
    """How a child process ended, how long it took and its peak resident memory."""

    exit_code: int
    seconds: float
    peak_memory_mb: float | None
    error: str


def module_command(
    name: str, module: str, *, env: Mapping[str, str], cwd: Path, stderr_file: Path
) -> StageCommand:
    """How to start `python -m module` (stage `name`) with its own peak memory recorded."""
    peak_file = stderr_file.with_suffix(".peak")
    return StageCommand(
        name,
        [sys.executable, "-m", "clanstats.bench.child", module],
        env={**env, PEAK_FILE_ENV: str(peak_file)},
        cwd=cwd,
        stderr_file=stderr_file,
        popen={"stdout": subprocess.DEVNULL},
    )


def run_measured(
    start: Callable[[], subprocess.Popen[bytes]],
    stderr_file: Path,
    meanwhile: Callable[[], None] = lambda: None,
) -> ProcessFigures:
    """Start (or give its go to) a stage's process and wait for its end, with its own peak
    memory (not this process's). Its time counts from here; `meanwhile` runs once it has
    gone (to start the next stage ahead, as the pipeline does: `clanstats.warm_start`)."""
    peak_file = stderr_file.with_suffix(".peak")
    started = time.perf_counter()
    process = start()
    meanwhile()
    exit_code, peak = _wait_with_peak_memory(process)
    seconds = time.perf_counter() - started
    if peak_file.exists():
        # The stage's own figure; wait4's includes this process's size at fork on Linux.
        peak = float(peak_file.read_text(encoding="ascii"))
    error = ""
    if exit_code != 0:
        lines = stderr_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        error = lines[-1][:300] if lines else f"exit code {exit_code}"
    return ProcessFigures(exit_code, round(seconds, 2), peak, error)


def _wait_with_peak_memory(process: subprocess.Popen[bytes]) -> tuple[int, float | None]:
    """Wait for a child; its peak RSS in MB where the OS reports it (POSIX), else None."""
    if hasattr(os, "wait4"):
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        # ru_maxrss is KiB on Linux and bytes on macOS.
        scale = 1 if sys.platform == "darwin" else 1024
        return process.returncode, round(usage.ru_maxrss * scale / 1_048_576, 1)
    return process.wait(), None


@dataclass
class RequestTally:
    """Requests one stage made, per source."""

    wom: int = 0
    wom_per_member: int = 0
    wom_rate_limited: int = 0
    discord: int = 0
    discord_rate_limited: int = 0
    discord_webhook_posts: int = 0
    uploads: int = 0


class RequestCounter:
    """Counts what the loopback servers received between `start()` and `stop()`."""

    def __init__(
        self,
        wom: FakeWomServer,
        discord: FakeDiscordServer | None,
        website: UploadReceiver,
    ) -> None:
        self.wom = wom
        self.discord = discord
        self.website = website
        self._posts = 0
        self._uploads = 0

    def start(self) -> None:
        """Forget earlier requests and remember how many posts and uploads there were."""
        self.wom.reset_requests()
        self._uploads = len(self.website.accepted)
        if self.discord is not None:
            self.discord.reset_requests()
            self._posts = len(self.discord.webhook_posts)

    def stop(self) -> RequestTally:
        """What arrived since `start()`."""
        wom = self.wom.requests
        tally = RequestTally(
            wom=len(wom),
            wom_per_member=sum("/players/" in r.path for r in wom),
            wom_rate_limited=sum(r.status == 429 for r in wom),
            uploads=len(self.website.accepted) - self._uploads,
        )
        if self.discord is not None:
            rest = [r for r in self.discord.requests if "/webhooks/" not in r.path]
            tally.discord = len(rest)
            tally.discord_rate_limited = sum(r.status == 429 for r in rest)
            tally.discord_webhook_posts = len(self.discord.webhook_posts) - self._posts
        return tally
