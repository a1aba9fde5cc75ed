"""The fetch log: one row per fetch of one source, written with that source's data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from clanstats.clock import utcnow
from clanstats.db.models import FetchLog


def record_fetch(
    session: Session,
    *,
    group_id: int | None,
    stage_run_id: int | None,
    source: str,
    started_at: datetime,
    requests: int,
    rows: int,
    outcome: str,
    error: str | None = None,
) -> None:
    """Add a fetch-log row in the caller's transaction."""
    session.add(
        FetchLog(
            group_id=group_id,
            stage_run_id=stage_run_id,
            source=source,
            started_at=started_at,
            finished_at=utcnow(),
            requests=requests,
            rows=rows,
            outcome=outcome,
            error=error,
        )
    )


def record_failed_fetch(
    engine: Engine,
    *,
    group_id: int | None,
    stage_run_id: int | None,
    source: str,
    started_at: datetime,
    error: str,
    requests: int = 0,
    outcome: str = "error",
) -> None:
    """Record a fetch that stored nothing, in a transaction of its own."""
    with Session(engine) as session, session.begin():
        record_fetch(
            session,
            group_id=group_id,
            stage_run_id=stage_run_id,
            source=source,
            started_at=started_at,
            requests=requests,
            rows=0,
            outcome=outcome,
            error=error,
        )
