"""Input fingerprints: let transform, report and export skip a run that has nothing new.

A fingerprint is a SHA-256 over everything a stage's result depends on: for transform the raw
data (how far each append-only table and each harvest cursor has got, and the content of the
small tables harvest updates in place), `rules.yaml`, the identity and people files, the
clan's local date, the timezone and the code's version; for report and export, transform's
fingerprint plus each source's freshness state and their own settings. A stage stores its
fingerprint (in `transform_state`, key `fingerprint:<stage>`) in the transaction that records
its work, and skips when the new one is the same and, for an output, the file is still the one
it wrote (same SHA-256 as in the output manifest).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, func, select
from sqlalchemy.orm import Session

from clanstats import __version__
from clanstats.clock import utcnow
from clanstats.db.models import Base, OutputFile
from clanstats.db.state import read_state, write_state
from clanstats.freshness import fetches_by_family, is_stale
from clanstats.outputs import sha256_of

# Rows are only ever added to these: their count and highest id say whether anything is new.
# (Snapshot values and current values change only with a snapshot.)
APPEND_ONLY = {
    "snapshots": "id",
    "membership_events": "id",
    "achievements": None,
    "window_gains": None,
    "discord_messages": None,
}
# Small tables harvest updates in place: their content counts, not their bookkeeping times.
UPDATED_IN_PLACE = (
    "wom_groups",
    "players",
    "memberships",
    "name_changes",
    "competitions",
    "competition_participations",
    "metrics",
    "gain_windows",
    "harvest_cursors",
    "discord_channels",
    "discord_users",
)
BOOKKEEPING_COLUMNS = frozenset({"fetched_at", "details_fetched_at", "updated_at", "last_seen_at"})


def transform_inputs(
    session: Session, *, group_id: int, today: date, timezone: str, files: Sequence[Path | None]
) -> str:
    """The fingerprint of everything transform reads."""
    digest = _start(group_id, today, timezone, files)
    tables = Base.metadata.tables
    for name, key in APPEND_ONLY.items():
        table = tables[name]
        columns: list[Any] = [func.count()]
        if key is not None:
            columns.append(func.max(table.c[key]))
        digest.update(repr((name, *session.execute(select(*columns)).one())).encode())
    for name in UPDATED_IN_PLACE:
        _hash_rows(digest, session, tables[name], group_id)
    return digest.hexdigest()


def output_inputs(
    session: Session,
    *,
    group_id: int,
    today: date,
    timezone: str,
    files: Sequence[Path | None],
    stale_after_hours: float,
    settings: Iterable[object] = (),
) -> str:
    """The fingerprint of what report or export read: transform's result, freshness, settings."""
    digest = _start(group_id, today, timezone, files)
    digest.update(read_state(session, group_id, state_key("transform")).encode())
    now = utcnow()
    for family, fetches in sorted(fetches_by_family(session, group_id).items()):
        last = fetches.last_success
        stale = is_stale(last, now, stale_after_hours)
        digest.update(repr((family, stale, fetches.failing_sources)).encode())
    digest.update(repr(tuple(settings)).encode())
    return digest.hexdigest()


def unchanged(session: Session, group_id: int, stage: str, fingerprint: str) -> bool:
    """Whether `stage` last finished with exactly these inputs."""
    return read_state(session, group_id, state_key(stage)) == fingerprint


def remember(session: Session, group_id: int, stage: str, fingerprint: str) -> None:
    """Store the inputs `stage` just finished with, in the caller's transaction."""
    write_state(session, group_id, state_key(stage), fingerprint)


def last_written(
    session: Session, group_id: int, kinds: Iterable[str], output_dir: Path
) -> list[Path]:
    """The files the newest stage run that wrote outputs of these kinds wrote."""
    kinds = tuple(kinds)
    newest = session.scalar(
        select(func.max(OutputFile.stage_run_id)).where(
            OutputFile.group_id == group_id, OutputFile.kind.in_(kinds)
        )
    )
    if newest is None:
        return []
    rows = session.scalars(
        select(OutputFile.path).where(
            OutputFile.group_id == group_id,
            OutputFile.kind.in_(kinds),
            OutputFile.stage_run_id == newest,
        )
    )
    return [output_dir / path for path in rows]


def outputs_intact(
    session: Session, group_id: int, paths: Sequence[Path], output_dir: Path
) -> bool:
    """Whether there are files and each is exactly what its newest manifest row says."""
    if not paths:
        return False
    for path in paths:
        recorded = session.scalar(
            select(OutputFile.sha256)
            .where(
                OutputFile.group_id == group_id,
                OutputFile.path == path.relative_to(output_dir).as_posix(),
            )
            .order_by(OutputFile.written_at.desc(), OutputFile.id.desc())
            .limit(1)
        )
        if recorded is None or not path.is_file() or sha256_of(path) != recorded:
            return False
    return True


def state_key(stage: str) -> str:
    """The `transform_state` key a stage's fingerprint is kept under."""
    return f"fingerprint:{stage}"


def schema_signature(metadata: MetaData) -> str:
    """Every table with its columns: an upgrade that adds one changes it.

    In a fingerprint it makes the first run after an upgrade derive and write again (new
    columns filled at once), though the version number and the data are unchanged.
    """
    return repr(sorted((t.name, tuple(sorted(t.c.keys()))) for t in metadata.tables.values()))


def _start(
    group_id: int, today: date, timezone: str, files: Sequence[Path | None]
) -> hashlib._Hash:
    digest = hashlib.sha256(repr((__version__, group_id, today.isoformat(), timezone)).encode())
    digest.update(schema_signature(Base.metadata).encode())
    for path in files:
        content = path.read_bytes() if path is not None and path.is_file() else b""
        digest.update(hashlib.sha256(content).digest())
    return digest


def _hash_rows(digest: hashlib._Hash, session: Session, table: Table, group_id: int) -> None:
    columns = [c for c in table.c if c.name not in BOOKKEEPING_COLUMNS]
    query = select(*columns).order_by(*table.primary_key.columns)
    if "group_id" in table.c:
        query = query.where(table.c.group_id == group_id)
    digest.update(table.name.encode())
    for row in session.execute(query):
        digest.update(repr(tuple(row)).encode())
