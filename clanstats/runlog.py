"""Record pipeline runs and stage runs in the database (start, end, status, counts, error)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from clanstats.clock import utcnow
from clanstats.db.models import PipelineRun, StageRun


def start_pipeline_run(engine: Engine, stages: list[str]) -> int:
    """Insert a running pipeline run and return its id."""
    with Session(engine) as session, session.begin():
        run = PipelineRun(started_at=utcnow(), status="running", stages=",".join(stages))
        session.add(run)
        session.flush()
        return run.id


def finish_pipeline_run(engine: Engine, run_id: int, *, exit_code: int, error: str | None) -> None:
    """Close a pipeline run with its outcome."""
    status = "ok" if exit_code == 0 else "failed"
    with Session(engine) as session, session.begin():
        session.execute(
            update(PipelineRun)
            .where(PipelineRun.id == run_id)
            .values(finished_at=utcnow(), status=status, exit_code=exit_code, error=error)
        )


def start_stage_run(engine: Engine, stage: str, pipeline_run_id: int | None) -> int:
    """Insert a running stage run and return its id."""
    with Session(engine) as session, session.begin():
        run = StageRun(
            stage=stage, pipeline_run_id=pipeline_run_id, started_at=utcnow(), status="running"
        )
        session.add(run)
        session.flush()
        return run.id


def record_stage_counts(engine: Engine, stage_run_id: int, counts: Mapping[str, object]) -> None:
    """Store what a stage did (rows, requests, ...) as JSON on its stage run."""
    with Session(engine) as session, session.begin():
        session.execute(
            update(StageRun)
            .where(StageRun.id == stage_run_id)
            .values(counts=json.dumps(dict(counts), default=str))
        )


def finish_stage_run(
    engine: Engine, stage_run_id: int, *, exit_code: int, error: str | None
) -> None:
    """Close a stage run with its outcome; a run closed once stays closed."""
    status = {0: "ok", 3: "partial", 6: "timeout"}.get(exit_code, "failed")
    with Session(engine) as session, session.begin():
        session.execute(
            update(StageRun)
            .where(StageRun.id == stage_run_id, StageRun.finished_at.is_(None))
            .values(finished_at=utcnow(), status=status, exit_code=exit_code, error=error)
        )


def stage_counts(engine: Engine, stage_run_id: int) -> dict[str, object]:
    """Read back the counts a stage recorded."""
    with Session(engine) as session:
        run = session.get(StageRun, stage_run_id)
        return json.loads(run.counts) if run and run.counts else {}
