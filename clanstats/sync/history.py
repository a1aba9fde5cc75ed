"""The sync history: one row per target per run, and what the next run needs from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from clanstats.clock import utcnow
from clanstats.db.models import SyncHistory

OUTCOMES = ("ok", "partial", "failed", "skipped")


@dataclass
class TargetOutcome:
    """How one target's delivery went; `summary` is the value shown in the stage counts."""

    target: str
    kind: str
    outcome: str
    summary: object
    started_at: datetime = field(default_factory=utcnow)
    files_changed: int = 0
    bytes: int = 0
    content_sha256: str | None = None
    error: str | None = None
    dry_run: bool = False
    changes: list[str] = field(default_factory=list)
    # The machine refused the write (a full, read-only or denied folder, a file held open).
    write_failed: bool = False


def record_outcome(engine: Engine, *, group_id: int, outcome: TargetOutcome) -> None:
    """Add the history row of one target's delivery."""
    with Session(engine) as session, session.begin():
        session.add(
            SyncHistory(
                group_id=group_id,
                target=outcome.target,
                kind=outcome.kind,
                started_at=outcome.started_at,
                finished_at=utcnow(),
                outcome=outcome.outcome,
                files_changed=outcome.files_changed,
                bytes=outcome.bytes,
                content_sha256=outcome.content_sha256,
                error=outcome.error,
                dry_run=outcome.dry_run,
            )
        )


def last_success(session: Session, *, group_id: int, target: str) -> SyncHistory | None:
    """Return the newest real (not dry-run) ok delivery to a target, if any."""
    return session.scalars(
        select(SyncHistory)
        .where(
            SyncHistory.group_id == group_id,
            SyncHistory.target == target,
            SyncHistory.outcome == "ok",
            SyncHistory.dry_run.is_(False),
        )
        .order_by(SyncHistory.started_at.desc(), SyncHistory.id.desc())
        .limit(1)
    ).first()


def latest_per_target(session: Session, *, group_id: int) -> list[SyncHistory]:
    """Return the newest history row of every target, by target name."""
    newest = (
        select(func.max(SyncHistory.id))
        .where(SyncHistory.group_id == group_id)
        .group_by(SyncHistory.target)
    )
    return list(
        session.scalars(
            select(SyncHistory).where(SyncHistory.id.in_(newest)).order_by(SyncHistory.target)
        )
    )
