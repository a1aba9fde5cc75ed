"""The skeleton every stage script shares: settings, logging, database, run record, exit code."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from clanstats.db.engine import engine_for
from clanstats.errors import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SOURCE,
    ClanStatsError,
    machine_write_error,
)
from clanstats.logs import (
    FILE_ONLY,
    close_progress_bars,
    console,
    setup_logging,
    silence_until_configured,
)
from clanstats.runlog import finish_stage_run, record_stage_counts, start_stage_run
from clanstats.settings import Settings, load_settings
from clanstats.warm_start import GoLineError, wait_for_go

log = logging.getLogger(__name__)

STAGE_RUN_ENV = "CLANSTATS_STAGE_RUN_ID"
PIPELINE_RUN_ENV = "CLANSTATS_PIPELINE_RUN_ID"
# Set by the pipeline for the stages after a harvest whose every source failed: sync then sends
# no Discord post and no upload (nothing new to announce); the folder copies still go.
NOTHING_NEW_ENV = "CLANSTATS_NOTHING_NEW"
# Set by the pipeline (to its run id) for report and export when it runs both: their outputs are
# then put in place together, as one set, at the end of export (`clanstats.output_set`).
OUTPUT_SET_ENV = "CLANSTATS_OUTPUT_SET"


@dataclass
class StageContext:
    """What a stage's work function gets: settings, the engine and its run id."""

    settings: Settings
    engine: Engine
    stage_run_id: int


@dataclass
class StageResult:
    """What a stage did, and which parts failed while the rest was kept."""

    counts: dict[str, object] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    # The exit code when there are failures: a source's (3), or a disk's or folder's (7).
    failure_exit_code: int = EXIT_SOURCE


StageWork = Callable[[StageContext], StageResult]


def run_stage(name: str, work: StageWork) -> int:
    """Run one stage's work with the shared error handling; return its exit code."""
    try:
        needed = wait_for_go()
    except GoLineError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_BUG
    except KeyboardInterrupt:
        print(f"{name}: interrupted before it began; nothing was done", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not needed:
        return EXIT_OK  # started ahead and not needed: it touched nothing
    engine: Engine | None = None
    stage_run_id: int | None = None
    exit_code, error = EXIT_OK, None
    silence_until_configured()
    try:
        settings = load_settings()
        setup_logging(settings.log_file, settings.log_level)
        engine = engine_for(settings, name)
        if PIPELINE_RUN_ENV not in os.environ:
            # Run alone (python -m scripts.<stage>): nobody backed up or migrated for us.
            # Imported here: under the pipeline a stage never needs Alembic, and importing it
            # costs every stage process a few hundred milliseconds.
            from clanstats.db.prepare import prepare_database

            prepare_database(settings, engine)
        stage_run_id = _stage_run_id(engine, name)
        log.info("stage %s started (stage run %s)", name, stage_run_id)
        try:
            result = work(StageContext(settings, engine, stage_run_id))
        finally:
            # A loop stopped by an error keeps its bar open: erase it before saying why.
            close_progress_bars()
        record_stage_counts(engine, stage_run_id, result.counts)
        if result.failures:
            exit_code, error = result.failure_exit_code, "; ".join(result.failures)
            for failure in result.failures:
                console.print(f"[yellow]{name}: {failure}[/]")
    except ClanStatsError as exc:
        exit_code, error = exc.exit_code, str(exc)
        log.error("%s: %s", name, exc, extra=FILE_ONLY)
        print(f"{name}: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        exit_code, error = EXIT_INTERRUPTED, "interrupted"
        print(f"{name}: interrupted; nothing half-written was kept", file=sys.stderr)
    except Exception as exc:
        machine = machine_write_error(exc)
        if machine is not None:
            # The disk or folder, not ClanStats: full, read-only, no permission, held open.
            exit_code, error = machine.exit_code, str(machine)
            log.error("%s: %s\n%s", name, machine, traceback.format_exc(), extra=FILE_ONLY)
            print(f"{name}: {machine}", file=sys.stderr)
        else:
            exit_code, error = EXIT_BUG, f"{type(exc).__name__}: {exc}"
            log.error("%s crashed:\n%s", name, traceback.format_exc(), extra=FILE_ONLY)
            print(
                f"{name}: unexpected error {type(exc).__name__}: {exc} (full details in app.log)",
                file=sys.stderr,
            )
    if engine is not None and stage_run_id is not None:
        try:
            finish_stage_run(engine, stage_run_id, exit_code=exit_code, error=error)
        except Exception:  # the outcome is already printed; don't mask it with a bookkeeping error
            log.exception("could not record the end of stage run %s", stage_run_id)
    if engine is not None:
        engine.dispose()  # close the connections now, not in the process's teardown
    log.info("stage %s finished with exit code %s", name, exit_code)
    return exit_code


def _stage_run_id(engine: Engine, name: str) -> int:
    given = os.environ.get(STAGE_RUN_ENV)
    if given and given.isdigit():
        return int(given)
    pipeline = os.environ.get(PIPELINE_RUN_ENV)
    return start_stage_run(engine, name, int(pipeline) if pipeline and pipeline.isdigit() else None)
