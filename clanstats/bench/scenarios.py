"""The three scenarios, each a pipeline run the way `main.py` does it, one stage at a time.

Like `main.py`: back the database up and migrate it, record a pipeline run, then run each stage
module `scripts.<stage>` in its own process (through `clanstats.bench.child`, which records the
process's own peak memory), each started while the stage before it runs (`clanstats.warm_start`),
then the weekly optimize when it is due.
Unlike `main.py`, each stage process is waited for with its peak memory, and the loopback
servers' requests are counted per stage.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from clanstats.bench.database import database_bytes, storage_by_part, stored_messages
from clanstats.bench.measure import RequestCounter, RequestTally, module_command, run_measured
from clanstats.bench.world import BenchWorld
from clanstats.db.care import optimize, optimize_due
from clanstats.db.prepare import prepare_database
from clanstats.errors import EXIT_OK, EXIT_SOURCE
from clanstats.runlog import (
    finish_pipeline_run,
    finish_stage_run,
    stage_counts,
    start_pipeline_run,
    start_stage_run,
)
from clanstats.settings import PROJECT_ROOT, Settings, load_settings
from clanstats.stage import PIPELINE_RUN_ENV, STAGE_RUN_ENV
from clanstats.warm_start import StageCommand, StartsAhead

DAILY = ("harvest", "transform", "report", "export", "sync")
# A user's first day: the pipeline, with the one-off backfill of history after the harvest.
FIRST = ("harvest", "backfill", "transform", "report", "export", "sync")


@dataclass
class StageFigures:
    """One stage process: outcome, time, peak memory, requests per source, what it counted."""

    stage: str
    exit_code: int
    seconds: float
    peak_memory_mb: float | None
    requests: RequestTally
    counts: dict[str, object]
    error: str = ""


@dataclass
class ScenarioFigures:
    """One pipeline run: its stages, the run's own steps, and what it left behind."""

    name: str
    stages: list[StageFigures] = field(default_factory=list)
    prepare_seconds: float = 0.0
    optimize_seconds: float = 0.0
    database_bytes: int = 0
    storage_parts: dict[str, int] = field(default_factory=dict)
    output_bytes: dict[str, int] = field(default_factory=dict)
    messages_served: int = 0
    messages_stored: int = 0

    @property
    def seconds(self) -> float:
        """The whole run: backup and migration, every stage, optimize."""
        stages = sum(stage.seconds for stage in self.stages)
        return round(self.prepare_seconds + stages + self.optimize_seconds, 2)

    @property
    def rate_limit_wait_seconds(self) -> float:
        """Time the stages reported waiting on rate limits (already inside their times)."""
        return round(
            sum(
                float(value)
                for stage in self.stages
                for key, value in stage.counts.items()
                if "rate-limit wait" in key and isinstance(value, int | float)
            ),
            2,
        )

    @property
    def peak_memory_mb(self) -> float | None:
        """The largest stage's peak memory."""
        peaks = [s.peak_memory_mb for s in self.stages if s.peak_memory_mb is not None]
        return max(peaks) if peaks else None

    def as_json(self) -> dict[str, object]:
        """The scenario's figures with its totals."""
        return {
            **asdict(self),
            "seconds": self.seconds,
            "seconds_without_rate_limit_wait": round(
                self.seconds - self.rate_limit_wait_seconds, 2
            ),
            "rate_limit_wait_seconds": self.rate_limit_wait_seconds,
            "peak_memory_mb": self.peak_memory_mb,
            "exit_code": max((s.exit_code for s in self.stages), default=0),
        }


Step = tuple[str, Sequence[str], Callable[[BenchWorld], None]]


def scenarios() -> list[Step]:
    """The three runs, in order, each with what happens in the simulation before it."""
    return [
        ("first run", FIRST, lambda world: None),
        ("daily run (one new day)", DAILY, BenchWorld.advance_day),
        ("nothing new", DAILY, lambda world: None),
    ]


class ScenarioRunner:
    """Runs pipeline runs against a world and measures them."""

    def __init__(self, world: BenchWorld, engine: Engine) -> None:
        self.world = world
        self.engine = engine
        self.settings: Settings = load_settings(environ=world.env)
        assert world.wom is not None and world.website is not None
        self.counter = RequestCounter(world.wom, world.discord, world.website)

    def run(self, name: str, stages: Sequence[str]) -> ScenarioFigures:
        """One pipeline run of `stages`; a failed stage ends it, as in `main.py`."""
        figures = ScenarioFigures(name, messages_served=self.world.messages_served())
        started = time.perf_counter()
        prepare_database(self.settings, self.engine)
        figures.prepare_seconds = round(time.perf_counter() - started, 2)
        run_id = start_pipeline_run(self.engine, list(stages))
        exit_code, error = EXIT_OK, None
        processes = StartsAhead(self._command)
        try:
            for index, stage in enumerate(stages):
                following = stages[index + 1] if index + 1 < len(stages) else None
                done = self._stage(stage, run_id, processes, following)
                figures.stages.append(done)
                if done.exit_code == EXIT_SOURCE:
                    exit_code, error = EXIT_SOURCE, f"{stage} finished partially"
                elif done.exit_code != EXIT_OK:
                    exit_code, error = done.exit_code, f"{stage} failed"
                    break
        finally:
            processes.close()
        if exit_code == EXIT_OK and self.settings.is_sqlite and optimize_due(self.settings):
            started = time.perf_counter()
            optimize(self.settings, take_lock=False)
            figures.optimize_seconds = round(time.perf_counter() - started, 2)
        finish_pipeline_run(self.engine, run_id, exit_code=exit_code, error=error)
        figures.database_bytes = database_bytes(self.engine)
        figures.storage_parts = storage_by_part(self.engine)
        figures.messages_stored = stored_messages(self.engine)
        figures.output_bytes = output_sizes(self.settings.output_dir)
        return figures

    def _command(self, stage: str) -> StageCommand:
        stderr_file = self._stderr_file(stage)
        stderr_file.with_suffix(".peak").unlink(missing_ok=True)
        return module_command(
            stage,
            f"scripts.{stage}",
            env={**os.environ, **self.world.env, "PYTHONIOENCODING": "utf-8"},
            cwd=PROJECT_ROOT,
            stderr_file=stderr_file,
        )

    def _stderr_file(self, stage: str) -> Path:
        return self.world.folder / f"{stage}.stderr.txt"

    def _stage(
        self, stage: str, run_id: int, processes: StartsAhead, following: str | None
    ) -> StageFigures:
        stage_run_id = start_stage_run(self.engine, stage, run_id)
        go_env = {PIPELINE_RUN_ENV: str(run_id), STAGE_RUN_ENV: str(stage_run_id)}
        self.counter.start()
        process = run_measured(
            lambda: processes.go(stage, go_env).process,
            self._stderr_file(stage),
            meanwhile=lambda: processes.start_ahead(following),
        )
        requests = self.counter.stop()
        died = process.exit_code < 0 or process.exit_code > 255
        finish_stage_run(
            self.engine,
            stage_run_id,
            exit_code=process.exit_code,
            error="killed by a signal" if died else None,
        )
        return StageFigures(
            stage=stage,
            exit_code=process.exit_code,
            seconds=process.seconds,
            peak_memory_mb=process.peak_memory_mb,
            requests=requests,
            counts=stage_counts(self.engine, stage_run_id),
            error=process.error,
        )


def output_sizes(output_dir: Path) -> dict[str, int]:
    """Bytes per output file (each Eleventy bundle as one `site/` entry)."""
    sizes: dict[str, int] = {}
    if not output_dir.is_dir():
        return sizes
    for path in sorted(output_dir.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            parts = path.relative_to(output_dir).parts
            if "site" in parts:
                parts = (*parts[: parts.index("site")], "site/")
            key = "/".join(parts)
            sizes[key] = sizes.get(key, 0) + path.stat().st_size
    return sizes
