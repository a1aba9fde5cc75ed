"""Writing output files safely and recording them in the output manifest.

Every output is written to a temporary file beside its target and renamed over it, so a reader
(a Drive client, a browser, Excel) sees the old file or the new one, never half of one. Each file
written is recorded with its SHA-256 so sync can send only what changed. The report and export
stages write into STAGING_FOLDER first and put a run's files in place as one set
(`clanstats.output_set`).
"""

from __future__ import annotations

import glob
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from clanstats.clock import utcnow
from clanstats.crashpoints import crash_point
from clanstats.db.models import OutputFile
from clanstats.errors import write_error

OUTPUT_SETTING = "OUTPUT_DIR in .env"
REPORT_FILE = "clan_report_summary_merged.xlsx"  # the officers' workbook, in each output folder
# Under OUTPUT_DIR: where a run's outputs wait until the whole set goes in place. On the same
# disk as the outputs, so putting them in place is a rename.
STAGING_FOLDER = ".staging"
LOCK_RETRY_DELAYS = (0.5, 2.0)  # three tries in all: a Drive client holds a file for seconds


class LockedError(PermissionError):
    """The destination stayed held by another program through every retry."""


def write_atomically(target: Path, data: bytes) -> None:
    """Write bytes to `target` through a temp file and a rename; no partial file is ever left."""
    write_file_atomically(target, lambda path: path.write_bytes(data))


def write_file_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Let `write` fill a temp path beside `target`, then rename it over `target`."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = write_temp(target, write)
    except OSError as exc:
        raise write_failed(exc, target) from None
    try:
        replace_with_retries(temp, target)
    except OSError as exc:
        raise write_failed(exc, target, replacing=True) from None
    finally:
        temp.unlink(missing_ok=True)


def write_temp(target: Path, write: Callable[[Path], object]) -> Path:
    """A complete, synced temp file beside `target` that `write` filled; renaming it over
    `target` is the caller's step. A failure leaves no temp behind."""
    remove_stale_temps(target)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temp = Path(name)
    try:
        write(temp)
        crash_point("outputs.before-rename")
        # mkstemp makes the file private (0600); outputs are meant to be read by others.
        temp.chmod(0o666 & ~_umask())
        with temp.open("rb") as written:
            os.fsync(written.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def replace_file(source: Path, destination: Path) -> None:
    """Rename `source` over `destination` (the seam tests use to simulate a locked file)."""
    source.replace(destination)


def replace_with_retries(
    source: Path,
    destination: Path,
    delays: Sequence[float] = LOCK_RETRY_DELAYS,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Rename `source` over `destination`, trying again while another program holds it.

    Windows refuses to replace a file another program has open: a Drive client or a virus
    scanner lets go within seconds, Excel only when the workbook is closed. The one rule for
    every output: try again after each of `delays`, then raise LockedError.
    """
    for delay in (*delays, None):
        try:
            replace_file(source, destination)
            return
        except PermissionError:
            if delay is None:
                raise LockedError(
                    f"locked by another program after {len(delays) + 1} tries"
                ) from None
            sleep(delay)


def write_failed(
    exc: OSError,
    target: Path,
    *,
    replacing: bool = False,
    kept: str = "the previous files are unchanged",
) -> Exception:
    """The one line for a disk or folder that can't take `target` (exit 7), or `exc` itself.

    A staged file is named by the place it is going to, which is the folder the user knows.
    """
    shown = unstaged(target)
    problem = write_error(exc, shown, setting=OUTPUT_SETTING, replacing=replacing, kept=kept)
    return exc if problem is None else problem


def unstaged(path: Path) -> Path:
    """Where a file under STAGING_FOLDER goes when its set is put in place (others: itself)."""
    parts = path.parts
    if STAGING_FOLDER not in parts:
        return path
    at = len(parts) - 1 - parts[::-1].index(STAGING_FOLDER)
    return Path(*parts[:at], *parts[at + 1 :])


def remove_stale_temps(target: Path) -> list[Path]:
    """Delete temp files a killed writer of `target` left beside it; return what went.

    Only one ClanStats run writes at a time (the run lock), so a temp file of ours that exists
    before a write starts belongs to a writer that died (power cut, killed task) and would
    otherwise sit in the folder, or be copied to Drive, for ever.
    """
    removed = []
    for stale in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        stale.unlink(missing_ok=True)
        removed.append(stale)
    return removed


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def sha256_of(path: Path) -> str:
    """The file's SHA-256 hex digest."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_output(
    session: Session,
    *,
    group_id: int,
    stage_run_id: int | None,
    path: Path,
    output_dir: Path,
    kind: str,
    public: bool,
) -> OutputFile:
    """Add a manifest row for a file just written (path relative to the output folder)."""
    row = OutputFile(
        group_id=group_id,
        stage_run_id=stage_run_id,
        path=path.relative_to(output_dir).as_posix(),
        kind=kind,
        public=public,
        sha256=sha256_of(path),
        bytes=path.stat().st_size,
        written_at=utcnow(),
    )
    session.add(row)
    return row
