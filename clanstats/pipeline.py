"""The orchestrator: run stages in order, each in its own process, under one lock and one record."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rich.table import Table
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from clanstats import clock
from clanstats.db.care import optimize, optimize_due
from clanstats.db.engine import engine_for
from clanstats.db.models import FetchLog
from clanstats.db.prepare import prepare_database
from clanstats.errors import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SOURCE,
    EXIT_TIMEOUT,
    ConfigError,
)
from clanstats.lock import run_lock
from clanstats.logs import FILE_ONLY, console, file_logging_paused
from clanstats.runlog import (
    finish_pipeline_run,
    finish_stage_run,
    stage_counts,
    start_pipeline_run,
    start_stage_run,
)
from clanstats.settings import PROJECT_ROOT, Settings
from clanstats.stage import PIPELINE_RUN_ENV, STAGE_RUN_ENV

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stage:
    """A stage: its name, what it does, and whether a plain `main.py` runs it."""

    name: str
    summary: str
    in_pipeline: bool = True

    @property
    def module(self) -> str:
        """The module run as `python -m` for this stage."""
        return f"scripts.{self.name}"


STAGES: tuple[Stage, ...] = (
    Stage("harvest", "fetch the clan's state and events from Wise Old Man, and Discord activity"),
    Stage("transform", "derive every number officers decide with from the raw data"),
    Stage("report", "write the officers' workbook, clan_report_summary_merged.xlsx"),
    Stage("export", "write clan_data.json, the dashboard, the public summary and the site bundle"),
    Stage("sync", "deliver the outputs to the folders, website and Discord in rules.yaml"),
    Stage(
        "backfill",
        "fetch each member's past snapshots from WOM (explicit, resumable, per player)",
        in_pipeline=False,
    ),
)
STAGE_NAMES = tuple(stage.name for stage in STAGES)
PIPELINE = tuple(stage for stage in STAGES if stage.in_pipeline)
# The stages that write what officers see; with nothing ever harvested they would write an
# empty clan over whatever is there (a 0-member dashboard), so they are skipped.
OUTPUT_STAGES = frozenset({"report", "export", "sync"})
FRESH_SKIP_LABEL = "skipped: fetched"  # how the harvest counts a source skipped as fresh


@dataclass
class StageOutcome:
    """How one stage subprocess ended."""

    stage: str
    exit_code: int
    seconds: float
    counts: Mapping[str, object]
    stage_run_id: int | None = None


@dataclass(frozen=True)
class NothingNew:
    """A harvest where every source failed, and when the data the outputs show was harvested."""

    last_good: datetime | None  # naive UTC; None: nothing was ever harvested

    @property
    def skips_outputs(self) -> bool:
        """Whether the output stages must not run: there is no data to write at all."""
        return self.last_good is None

    def line(self, timezone: ZoneInfo) -> str:
        """The run summary's one line about the outputs."""
        if self.last_good is None:
            return (
                "outputs not refreshed: every source failed and no data harvested yet, so "
                "report, export and sync were skipped; fix the failures above and run again"
            )
        local = self.last_good.replace(tzinfo=UTC).astimezone(timezone)
        return (
            "outputs not refreshed: every source failed; they show the data harvested "
            f"{local:%Y-%m-%d %H:%M %Z}"
        )


def nothing_new(engine: Engine, outcome: StageOutcome) -> NothingNew | None:
    """Whether a harvest brought nothing new because every source failed, from the fetch log.

    New data is a successful fetch that sent requests in this stage run. A source skipped as
    fresh is no failure: its data is as new as the officers asked for.
    """
    if outcome.exit_code != EXIT_SOURCE or outcome.stage_run_id is None:
        return None
    if any(str(value).startswith(FRESH_SKIP_LABEL) for value in outcome.counts.values()):
        return None
    fetched = (FetchLog.outcome == "ok") & (FetchLog.requests > 0)
    with Session(engine) as session:
        new = session.scalar(
            select(func.count())
            .select_from(FetchLog)
            .where(fetched, FetchLog.stage_run_id == outcome.stage_run_id)
        )
        if new:
            return None
        return NothingNew(session.scalar(select(func.max(FetchLog.finished_at)).where(fetched)))


def select_stages(only: str | None, start_from: str | None) -> list[Stage]:
    """The stages to run: one by name, the pipeline from a stage on, or the whole pipeline."""
    by_name = {stage.name: stage for stage in STAGES}
    if only:
        return [by_name[only]]
    if start_from:
        names = [stage.name for stage in PIPELINE]
        if start_from not in names:
            raise ConfigError(
                f"--from {start_from}: not a pipeline stage; use one of {', '.join(names)}"
            )
        return list(PIPELINE[names.index(start_from) :])
    return list(PIPELINE)


def run_pipeline(
    settings: Settings, stages: Sequence[Stage], *, env: Mapping[str, str] | None = None
) -> int:
    """Lock, back up, migrate, then run each stage as a subprocess; return the run's exit code."""
    with run_lock(settings.lock_file):
        engine = engine_for(settings, "pipeline")
        prepare_database(settings, engine)
        names = [stage.name for stage in stages]
        run_id = start_pipeline_run(engine, names)
        log.info("pipeline run %s started: %s", run_id, ", ".join(names))
        outcomes: list[StageOutcome] = []
        exit_code, error = EXIT_OK, None
        stale: NothingNew | None = None
        try:
            for stage in stages:
                if stale is not None and stale.skips_outputs and stage.name in OUTPUT_STAGES:
                    continue
                outcome = _run_stage_process(engine, settings, stage, run_id, env or {})
                outcomes.append(outcome)
                if stage.name == "harvest" and stage is not stages[-1]:
                    # Decided from the database, so the harvest stage stays unaware of it.
                    stale = nothing_new(engine, outcome)
                if outcome.exit_code == EXIT_SOURCE:
                    # A source failed but what was fetched is stored: later stages still help.
                    exit_code, error = EXIT_SOURCE, f"{stage.name} finished partially"
                elif outcome.exit_code != EXIT_OK:
                    # Killed by a signal (negative): not a code of ours, so report it as a bug.
                    code = outcome.exit_code if 0 < outcome.exit_code < 256 else EXIT_BUG
                    exit_code, error = code, f"{stage.name} failed"
                    break
            if exit_code == EXIT_OK and optimize_due(settings):
                # Weekly care while the lock is held: prune old fetch logs, compact if worthwhile.
                optimize(settings, take_lock=False)
                log.info("weekly optimize done")
        finally:
            note = stale.line(settings.timezone) if stale is not None else None
            if note is not None:
                log.warning("%s", note, extra=FILE_ONLY)
                error = f"{error}; {note}" if error else note
            finish_pipeline_run(engine, run_id, exit_code=exit_code, error=error)
            engine.dispose()
        _print_summary(run_id, outcomes, exit_code, note)
        return exit_code


def _run_stage_process(
    engine: Engine, settings: Settings, stage: Stage, run_id: int, extra_env: Mapping[str, str]
) -> StageOutcome:
    """Run one stage as `python -m scripts.<stage>` with a timeout, and record its end."""
    stage_run_id = start_stage_run(engine, stage.name, run_id)
    env = {
        **os.environ,
        **extra_env,
        **clock.child_environment(),
        PIPELINE_RUN_ENV: str(run_id),
        STAGE_RUN_ENV: str(stage_run_id),
        "PYTHONIOENCODING": "utf-8",
    }
    started = time.monotonic()
    console.print(f"[bold]>> {stage.name}[/]: {stage.summary}")
    with file_logging_paused():
        try:
            completed = subprocess.run(
                [sys.executable, "-m", stage.module],
                cwd=PROJECT_ROOT,
                env=env,
                timeout=settings.stage_timeout_seconds,
                check=False,
            )
            exit_code = completed.returncode
        except subprocess.TimeoutExpired:
            exit_code = EXIT_TIMEOUT
        except KeyboardInterrupt:
            exit_code = EXIT_INTERRUPTED
    seconds = time.monotonic() - started
    if exit_code == EXIT_TIMEOUT:
        message = (
            f"{stage.name} ran past STAGE_TIMEOUT_SECONDS={settings.stage_timeout_seconds} "
            "and was stopped; nothing it had not committed was kept"
        )
        console.print(f"[red]{message}[/]")
        log.error(message, extra=FILE_ONLY)
        finish_stage_run(engine, stage_run_id, exit_code=exit_code, error=message)
    elif exit_code < 0 or exit_code > 255:
        finish_stage_run(engine, stage_run_id, exit_code=exit_code, error="killed by a signal")
    else:
        # The stage closes its own record; this catches a stage that died before it could.
        finish_stage_run(engine, stage_run_id, exit_code=exit_code, error=None)
    log.info("stage %s exited %s after %.1fs", stage.name, exit_code, seconds)
    counts = stage_counts(engine, stage_run_id)
    return StageOutcome(stage.name, exit_code, seconds, counts, stage_run_id)


def _print_summary(
    run_id: int, outcomes: Sequence[StageOutcome], exit_code: int, note: str | None = None
) -> None:
    table = Table(title=f"ClanStats run {run_id}", title_justify="left")
    table.add_column("stage")
    table.add_column("result")
    table.add_column("time", justify="right")
    table.add_column("what it did")
    for outcome in outcomes:
        result = {0: "[green]ok[/]", EXIT_SOURCE: "[yellow]partial[/]"}.get(
            outcome.exit_code, f"[red]failed ({outcome.exit_code})[/]"
        )
        counts = ", ".join(f"{k} {v}" for k, v in outcome.counts.items() if not isinstance(v, dict))
        table.add_row(outcome.stage, result, f"{outcome.seconds:.1f}s", counts)
    console.print(table)
    if note is not None:
        console.print(f"[yellow]{note}[/]")
    if exit_code:
        console.print(f"[red]run ended with exit code {exit_code}[/]: details in app.log")
