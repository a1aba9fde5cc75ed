"""The orchestrator: run stages in order, each in its own process, under one lock and one record."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from rich import box
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from clanstats import clock
from clanstats.db.care import optimize, optimize_due
from clanstats.db.engine import engine_for
from clanstats.db.models import FetchLog, StageRun
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
from clanstats.logs import FILE_ONLY, console, file_logging_paused, start_clean_line
from clanstats.runlog import (
    finish_pipeline_run,
    finish_stage_run,
    stage_counts,
    start_pipeline_run,
    start_stage_run,
)
from clanstats.settings import PROJECT_ROOT, Settings
from clanstats.stage import NOTHING_NEW_ENV, OUTPUT_SET_ENV, PIPELINE_RUN_ENV, STAGE_RUN_ENV
from clanstats.warm_start import StageCommand, StartsAhead

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
# Run together, these stages' outputs go in place as one set (clanstats/output_set.py).
ONE_SET = frozenset({"report", "export"})
# The counts the run summary shows for each stage, most important first, as many as fit on its
# one line; `main.py runs show ID` has them all. With several groups, each group's are summed.
# Sync shows each target's outcome instead.
HEADLINE_COUNTS: dict[str, tuple[str, ...]] = {
    "harvest": ("members", "joins/leaves", "new messages"),
    "backfill": ("snapshots added", "players left to do"),
    "transform": ("promotions due", "removal candidates"),
    "report": ("members", "stale data"),
    "export": ("files written", "dashboard KB"),
}
# Counts saying a stage found nothing to do: shown before any other.
NOTHING_TO_DO = ("nothing new", "skipped", "none configured", "not configured")
# The summary table's frame: no outer edges, so only 3 gaps of 3 characters between 4 columns.
TABLE_FRAME = 3 * 3


@dataclass
class StageOutcome:
    """How one stage subprocess ended."""

    stage: str
    exit_code: int
    seconds: float
    counts: Mapping[str, object]
    stage_run_id: int | None = None
    error: str | None = None


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
    settings: Settings,
    stages: Sequence[Stage],
    *,
    env: Mapping[str, str] | None = None,
    command: str = "python main.py",
) -> int:
    """Lock, back up, migrate, then run each stage as a subprocess; return the run's exit code.

    `command` is how the user runs ClanStats on these settings, for the summary's pointer to
    the run viewer (the demo's is `python main.py --demo`).
    """
    with run_lock(settings.lock_file):
        engine = engine_for(settings, "pipeline")
        prepare_database(settings, engine)
        names = [stage.name for stage in stages]
        run_id = start_pipeline_run(engine, names)
        log.info("pipeline run %s started: %s", run_id, ", ".join(names))
        outcomes: list[StageOutcome] = []
        exit_code, error = EXIT_OK, None
        stale: NothingNew | None = None
        one_set = {OUTPUT_SET_ENV: str(run_id)} if set(names) >= ONE_SET else {}
        by_name = {stage.name: stage for stage in stages}
        processes = StartsAhead(lambda name: _stage_command(by_name[name], env or {}))
        try:
            for index, stage in enumerate(stages):
                if stale is not None and stale.skips_outputs and stage.name in OUTPUT_STAGES:
                    continue
                stage_env = {
                    **({NOTHING_NEW_ENV: "1"} if stale else {}),
                    **(one_set if stage.name in ONE_SET else {}),
                }
                following = stages[index + 1].name if index + 1 < len(stages) else None
                outcome = _run_stage_process(
                    engine, settings, stage, run_id, stage_env, processes, following
                )
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
            processes.close()
            note = stale.line(settings.timezone) if stale is not None else None
            if note is not None:
                log.warning("%s", note, extra=FILE_ONLY)
                error = f"{error}; {note}" if error else note
            finish_pipeline_run(engine, run_id, exit_code=exit_code, error=error)
            engine.dispose()
        print_summary(run_id, outcomes, exit_code, note, command=command)
        return exit_code


def _stage_command(stage: Stage, env: Mapping[str, str]) -> StageCommand:
    """How a stage's process is started: `python -m scripts.<stage>` in the project."""
    return StageCommand(
        stage.name,
        [sys.executable, "-m", stage.module],
        env={**os.environ, **env, "PYTHONIOENCODING": "utf-8"},
        cwd=PROJECT_ROOT,
    )


def _run_stage_process(
    engine: Engine,
    settings: Settings,
    stage: Stage,
    run_id: int,
    extra_env: Mapping[str, str],
    processes: StartsAhead,
    following: str | None,
) -> StageOutcome:
    """Run one stage's process with a timeout, and record its end.

    Its process may have been started ahead (`warm_start`); the stage after this one is started
    ahead once this one has its go, to import while this one works. Time counts from the go.
    """
    stage_run_id = start_stage_run(engine, stage.name, run_id)
    go_env = {
        **extra_env,
        **clock.child_environment(),
        PIPELINE_RUN_ENV: str(run_id),
        STAGE_RUN_ENV: str(stage_run_id),
    }
    started = time.monotonic()
    _print_header(stage)
    with file_logging_paused():
        process, started_ahead = processes.go(stage.name, go_env)
        try:
            processes.start_ahead(following)
            exit_code = process.wait(timeout=settings.stage_timeout_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            exit_code = EXIT_TIMEOUT
        except KeyboardInterrupt:
            process.kill()
            process.wait()
            exit_code = EXIT_INTERRUPTED
        except BaseException:
            process.kill()  # never a stage left running without its timeout
            process.wait()
            raise
    if exit_code != EXIT_OK:
        start_clean_line()  # a stage stopped mid-bar leaves the bar on the line
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
    seconds, error = _record_stage_end(engine, stage_run_id)
    log.info(
        "stage %s exited %s after %.1fs (its process: %.1fs%s)",
        stage.name,
        exit_code,
        seconds,
        time.monotonic() - started,
        ", started ahead while the stage before it ran" if started_ahead else "",
    )
    counts = stage_counts(engine, stage_run_id)
    return StageOutcome(stage.name, exit_code, seconds, counts, stage_run_id, error)


def _print_header(stage: Stage) -> None:
    """The stage's one line: cut to a terminal's width, whole in a log file."""
    start_clean_line()
    summary = stage.summary
    if console.is_terminal:
        room = console.width - len(f">> {stage.name}: ")
        if len(summary) > room:
            summary = summary[: max(0, room - 1)].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    console.print(Text.assemble((f">> {stage.name}", "bold"), f": {summary}"), soft_wrap=True)


def _record_stage_end(engine: Engine, stage_run_id: int) -> tuple[float, str | None]:
    """End the stage run now that its process has ended; its seconds and error as recorded.

    The stage closes its own record before its process exits, so its end is set again here:
    the time a stage took is then the time the user waited for it, the same in the run
    summary and in `main.py runs show`.
    """
    with Session(engine) as session, session.begin():
        run = session.get(StageRun, stage_run_id)
        if run is None:
            return 0.0, None
        run.finished_at = clock.utcnow()
        return (run.finished_at - run.started_at).total_seconds(), run.error


def print_summary(
    run_id: int,
    outcomes: Sequence[StageOutcome],
    exit_code: int,
    note: str | None = None,
    *,
    command: str = "python main.py",
) -> None:
    """The run's table, one line per stage, and where to see each stage in full."""
    results = [
        {0: "[green]ok[/]", EXIT_SOURCE: "[yellow]partial[/]"}.get(
            outcome.exit_code, f"[red]failed ({outcome.exit_code})[/]"
        )
        for outcome in outcomes
    ]
    times = [f"{outcome.seconds:.1f}s" for outcome in outcomes]
    widths = [
        max([len("stage"), *(len(outcome.stage) for outcome in outcomes)]),
        max([len("result"), *(Text.from_markup(result).cell_len for result in results)]),
        max([len("time"), *map(len, times)]),
    ]
    room = max(10, console.width - TABLE_FRAME - sum(widths))
    table = Table(
        title=f"ClanStats run {run_id}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("stage", no_wrap=True, min_width=widths[0])
    table.add_column("result", no_wrap=True, min_width=widths[1])
    table.add_column("time", justify="right", no_wrap=True, min_width=widths[2])
    table.add_column("what it did", no_wrap=True, max_width=room)
    for outcome, result, seconds in zip(outcomes, results, times, strict=True):
        table.add_row(outcome.stage, result, seconds, Text(headline(outcome, room)))
    console.print(table)
    console.print(f"Details of each stage: {command} runs show {run_id}", soft_wrap=True)
    if note is not None:
        console.print(f"[yellow]{note}[/]")
    if exit_code:
        console.print(f"[red]run ended with exit code {exit_code}[/]: details in app.log")


def headline(outcome: StageOutcome, width: int) -> str:
    """A stage's most telling counts, as many whole ones as fit in `width` characters.

    A stage with nothing to do says so first; a failed stage without counts shows its error.
    """
    counts = {k: v for k, v in outcome.counts.items() if not isinstance(v, Mapping)}
    if not counts and outcome.error:
        return _fit([outcome.error.splitlines()[0]], width)
    if outcome.stage == "sync":
        return _fit([_sync_item(key, value) for key, value in counts.items()], width)
    idle = [key for key, value in counts.items() if str(value).startswith(NOTHING_TO_DO)]
    items = [f"{key} {counts[key]}" for key in idle]
    return _fit(items + _headline_counts(outcome.stage, counts, set(idle)), width)


def _headline_counts(stage: str, counts: Mapping[str, object], shown: set[str]) -> list[str]:
    """The stage's headline counts found in `counts`; the first three counts if there are none.

    A count is found under its name or under "<group>: <name>"; several groups' numbers are
    summed. Counts already `shown` are left out.
    """
    found: list[str] = []
    for name in HEADLINE_COUNTS.get(stage, ()):
        keys = [key for key in counts if key == name or key.partition(": ")[2] == name]
        values = [counts[key] for key in keys if key not in shown]
        if not values:
            continue
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        total = round(sum(numbers), 1) if len(numbers) == len(values) else values[0]
        found.append(f"{name} {total}")
    if found or shown:
        return found
    return [f"{key} {value}" for key, value in list(counts.items())[:3]]


def _sync_item(key: str, value: object) -> str:
    """A sync target's outcome in a few words: "drive: 6 changed", "website: sent"."""
    target, _, label = key.partition(": ")
    text = re.split(r" \(| with ", str(value))[0]
    if label == "files changed":
        # "2 (partial)": two copied, the rest failed; the stage's failure line says why.
        failed = re.search(r"\((partial|failed)\)", str(value))
        return f"{target}: {text} changed" + (f", {failed.group(1)}" if failed else "")
    if label == "would change":
        return f"{target}: would change {text}"
    return f"{target}: {text}"


def _fit(items: Sequence[str], width: int) -> str:
    """Join whole items while they fit in `width`; " …" marks items left out."""
    kept: list[str] = []
    for item in items:
        if len(", ".join([*kept, item])) > width:
            break
        kept.append(item)
    if len(kept) == len(items):
        return ", ".join(kept)
    while kept and len(", ".join(kept)) + 2 > width:
        kept.pop()
    if not kept:
        return items[0][: max(1, width - 1)] + "…"
    return ", ".join(kept) + " …"
