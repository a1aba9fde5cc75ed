"""Folder targets: copy changed outputs into a folder safely, keeping backups of what they replace.

A syncing client (Google Drive, a website's git checkout) must never see half a file or a file
outside the folder the rules name, so every destination is resolved inside the target root,
written to a temp name beside it and renamed, and the file it replaces is copied to
`<root>/.clanstats-backups/<relative path>.<UTC stamp>` first.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import logging
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path, PurePosixPath

from clanstats.clock import utcnow
from clanstats.crashpoints import crash_point
from clanstats.db.models import OutputFile
from clanstats.errors import ConfigError, write_error
from clanstats.logs import FILE_ONLY
from clanstats.outputs import (
    LOCK_RETRY_DELAYS,
    LockedError,
    replace_with_retries,
    sha256_of,
    write_temp,
)
from clanstats.rules import FolderTarget
from clanstats.sync.history import TargetOutcome

log = logging.getLogger(__name__)

BACKUP_FOLDER = ".clanstats-backups"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"


class RefusedError(Exception):
    """A file failed validation or would land outside the target root; nothing is written."""


@dataclass(frozen=True)
class _Planned:
    """One file to deliver: where it goes, its bytes, and whether it is new or changed."""

    relative: str
    destination: Path
    content: bytes
    change: str  # "new" | "changed" | "same"


def sync_folder(
    target: FolderTarget,
    files: Sequence[OutputFile],
    *,
    output_dir: Path,
    project_root: Path,
    dry_run: bool = False,
    now: datetime | None = None,
    lock_retry_delays: Sequence[float] = LOCK_RETRY_DELAYS,
    sleep: Callable[[float], None] = time.sleep,
) -> TargetOutcome:
    """Copy the changed files of `files` into the target folder; report what happened."""
    now = now or utcnow()
    root = target_root(target, project_root)
    try:
        plan = [
            _plan(target, root, row.path, output_dir) for row in files if _selected(target, row)
        ]
    except RefusedError as exc:
        return TargetOutcome(target.name, "folder", "failed", "failed", error=str(exc))
    changes = [f"{p.relative} ({p.change})" for p in plan if p.change != "same"]
    if dry_run:
        return TargetOutcome(
            target.name, "folder", "ok", len(changes),
            files_changed=len(changes), dry_run=True, changes=changes,
        )  # fmt: skip
    changed = [item for item in plan if item.change != "same"]
    try:
        staged = _stage_all(target, root, changed, now)
    except _StagingError as staging:
        # Nothing was replaced: the folder still holds the last whole set.
        log.warning("sync %s: files not staged: %s", target.name, staging, extra=FILE_ONLY)
        # Named by the file it was writing: a full disk's error carries no file name.
        line = _machine_line(target, staging.destination, staging.error)
        reason = line or f"nothing copied, old copies kept: {_os_reason(staging.error)}"
        return TargetOutcome(
            target.name, "folder", "failed", "0 (failed)", error=reason, changes=changes,
            write_failed=line is not None,
        )  # fmt: skip
    copied, sent_bytes, failed, machine = 0, 0, [], False
    for item, (temp, backup) in zip(changed, staged, strict=True):
        try:
            _put_in_place(target, item, temp, backup, now, lock_retry_delays, sleep)
        except OSError as exc:
            log.warning(
                "sync %s: %s not copied: %s", target.name, item.relative, exc, extra=FILE_ONLY
            )
            line = _machine_line(target, item.destination, exc)
            machine = machine or line is not None
            failed.append(line or f"{item.relative}: {_os_reason(exc)}")
            continue
        copied += 1
        sent_bytes += len(item.content)
    outcome = "ok" if not failed else ("partial" if copied else "failed")
    error: str | None = None
    if failed:
        error = failed[0] if len(failed) == 1 else (
            f"{len(failed)} file(s) not copied, old copies kept: " + "; ".join(failed)
        )  # fmt: skip
    return TargetOutcome(
        target.name, "folder", outcome, copied if not failed else f"{copied} ({outcome})",
        files_changed=copied, bytes=sent_bytes, error=error, changes=changes,
        write_failed=machine,
    )  # fmt: skip


def _stage_all(
    target: FolderTarget, root: Path, items: Sequence[_Planned], now: datetime
) -> list[tuple[Path, Path | None]]:
    """Write every changed file's temp (and back up what it will replace) before any rename.

    A disk that is full or read-only fails here, while the folder still holds the previous set
    whole; then every temp and backup this run made is removed again.
    """
    temps: list[Path] = []
    backups: list[Path | None] = []
    try:
        for item in items:
            try:
                backup = None
                if item.destination.exists() and target.backup_keep > 0:
                    backup = _backup(root, item, now)
                backups.append(backup)
                item.destination.parent.mkdir(parents=True, exist_ok=True)
                temps.append(_write_temp(item.destination, item.content))
            except OSError as exc:
                raise _StagingError(item.destination, exc) from exc
    except BaseException:
        for made in [*temps, *backups]:
            if made is not None:
                made.unlink(missing_ok=True)
        raise
    return list(zip(temps, backups, strict=True))


class _StagingError(Exception):
    """Writing a file's temp (or its backup) failed: which file, and the disk's error."""

    def __init__(self, destination: Path, error: OSError) -> None:
        super().__init__(f"{destination}: {error}")
        self.destination = destination
        self.error = error


def _put_in_place(
    target: FolderTarget,
    item: _Planned,
    temp: Path,
    backup: Path | None,
    now: datetime,
    retry_delays: Sequence[float],
    sleep: Callable[[float], None],
) -> None:
    """Rename one staged temp over its destination (retrying a lock), then prune its backups."""
    try:
        replace_with_retries(temp, item.destination, retry_delays, sleep)
    except OSError:
        if backup is not None:
            backup.unlink(missing_ok=True)  # the old file is still in place: nothing to keep
        raise
    finally:
        temp.unlink(missing_ok=True)
    if backup is not None:
        prune_backups(backup.parent, item.destination.name, target, now)


def _machine_line(target: FolderTarget, destination: Path, exc: OSError) -> str | None:
    """The one line for a target folder the machine won't let us write (exit 7), else None."""
    problem = write_error(
        exc,
        destination,
        setting=f"the path of sync target {target.name!r} in rules.yaml",
        kept="the old copies are kept",
        replacing=isinstance(exc, LockedError),
    )
    return None if problem is None else str(problem)


def target_root(target: FolderTarget, project_root: Path) -> Path:
    """Return the resolved target folder; ConfigError naming the target if it isn't a folder."""
    path = Path(target.path).expanduser()
    if not path.is_absolute():
        path = project_root / path
    if not path.is_dir():
        raise ConfigError(
            f"sync target {target.name!r}: path {path} is not a folder that exists; create it "
            "or fix sync_targets in rules.yaml"
        )
    return path.resolve()


def _selected(target: FolderTarget, row: OutputFile) -> bool:
    if target.public_only and not row.public:
        return False
    return any(fnmatch.fnmatchcase(row.path, pattern) for pattern in target.files)


def _plan(target: FolderTarget, root: Path, relative: str, output_dir: Path) -> _Planned:
    """Validate one file and decide whether it changes; RefusedError names what is wrong."""
    destination = safe_destination(root, relative)
    source = output_dir / relative
    suffix = PurePosixPath(relative).suffix.lower()
    if suffix not in target.allowed_types:
        allowed = ", ".join(target.allowed_types)
        raise RefusedError(f"{relative}: type {suffix or '(none)'} is not allowed ({allowed})")
    try:
        content = source.read_bytes()
    except OSError as exc:
        raise RefusedError(
            f"{relative}: can't be read from {output_dir} ({_os_reason(exc)})"
        ) from None
    if len(content) > target.max_bytes:
        raise RefusedError(
            f"{relative}: {len(content):,} bytes is over the limit of {target.max_bytes:,} "
            "(max_bytes)"
        )
    if suffix == ".json":
        try:
            json.loads(content)
        except ValueError as exc:
            raise RefusedError(f"{relative}: not valid JSON ({exc})") from None
    if not destination.exists():
        return _Planned(relative, destination, content, "new")
    same = sha256_of(destination) == hashlib.sha256(content).hexdigest()
    return _Planned(relative, destination, content, "same" if same else "changed")


def safe_destination(root: Path, relative: str) -> Path:
    """Return `root / relative` if it stays inside root (no `..`, no links leading out)."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts or "\\" in relative:
        raise RefusedError(f"{relative}: not a plain relative path; refused")
    destination = root.joinpath(*parts)
    # resolve() follows every link on the way, so a link to outside shows up as outside.
    if not destination.resolve().is_relative_to(root):
        raise RefusedError(f"{relative}: leads outside {root} (a link?); refused")
    return destination


def _write_temp(destination: Path, content: bytes) -> Path:
    return write_temp(destination, partial(_write_in_two_halves, content))


def _write_in_two_halves(content: bytes, temp: Path) -> None:
    with temp.open("wb") as out:
        out.write(content[: len(content) // 2])
        crash_point("sync.mid-folder-copy")  # half a file in the temp: never seen as the file
        out.write(content[len(content) // 2 :])


def _backup(root: Path, item: _Planned, now: datetime) -> Path:
    folder = safe_destination(root, f"{BACKUP_FOLDER}/{item.relative}").parent
    folder.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime(STAMP_FORMAT)
    backup = folder / f"{item.destination.name}.{stamp}"
    counter = 1
    while backup.exists():  # two syncs in one second: keep both
        backup = folder / f"{item.destination.name}.{stamp}-{counter}"
        counter += 1
    temp = folder / f".{backup.name}.tmp"
    try:
        shutil.copyfile(item.destination, temp)
        temp.replace(backup)
    except BaseException:
        temp.unlink(missing_ok=True)  # a full disk leaves no half copy in the backups
        raise
    return backup


def prune_backups(folder: Path, name: str, target: FolderTarget, now: datetime) -> list[Path]:
    """Delete backups of `name` beyond `backup_keep` or older than `backup_days`; return them."""
    pattern = re.compile(re.escape(name) + r"\.(\d{8}T\d{6}Z)(?:-(\d+))?")
    found: list[tuple[datetime, int, Path]] = []
    for path in folder.iterdir():
        match = pattern.fullmatch(path.name)
        if match:
            stamp = datetime.strptime(match.group(1), STAMP_FORMAT)
            found.append((stamp, int(match.group(2) or 0), path))
    found.sort(reverse=True)
    oldest_kept = now - timedelta(days=target.backup_days)
    removed = []
    for index, (stamp, _, path) in enumerate(found):
        if index >= target.backup_keep or stamp < oldest_kept:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            removed.append(path)
    return removed


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__
