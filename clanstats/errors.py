"""Every error ClanStats reports to a user, and the exit code each one maps to.

    ClanStatsError                 base; .exit_code, str() is the one line shown to the user
    ├── ConfigError        (2)     a bad .env value, rules file, argument or path: the user fixes it
    ├── SourceError        (3)     an API (WOM, Discord) failed after retries or sent unusable data
    ├── DatabaseError      (4)     the database is corrupt, locked, or can't be migrated
    ├── RunLockedError     (5)     another ClanStats run holds the lock
    ├── StageTimeoutError  (6)     a stage ran past its time limit and was stopped
    └── WriteError         (7)     a disk or folder can't be written: full, read-only, no
                                   permission, a path too long, a file held open elsewhere

Exit code 1 is an unexpected bug (a traceback goes to app.log, one line to the console) and
130 is Ctrl-C. The same table is in the README; `tests/test_errors.py` keeps them in step.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_BUG = 1
EXIT_CONFIG = 2
EXIT_SOURCE = 3
EXIT_DATABASE = 4
EXIT_LOCKED = 5
EXIT_TIMEOUT = 6
EXIT_WRITE = 7
EXIT_INTERRUPTED = 130

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success",
    EXIT_BUG: "unexpected error (a bug: see app.log and report it)",
    EXIT_CONFIG: "configuration error: a setting, rules file, argument or path needs fixing",
    EXIT_SOURCE: "a data source (WOM or Discord) failed; data stored before the failure is kept",
    EXIT_DATABASE: "database error: corrupt, unreadable or not migratable",
    EXIT_LOCKED: "another ClanStats run is in progress; this one did nothing",
    EXIT_TIMEOUT: "a stage ran past its time limit and was stopped",
    EXIT_WRITE: (
        "a disk or folder can't be written (full, read-only, no permission, a path too long, or "
        "a file held open by another program); the previous files are unchanged"
    ),
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}


class ClanStatsError(Exception):
    """Base of every error shown to a user as one line with an exit code."""

    exit_code = EXIT_BUG


class ConfigError(ClanStatsError):
    """A setting, rules file, argument or path is wrong; the message says how to fix it."""

    exit_code = EXIT_CONFIG


class SourceError(ClanStatsError):
    """A data source failed after retries or answered with data that can't be used."""

    exit_code = EXIT_SOURCE


class DatabaseError(ClanStatsError):
    """The database can't be opened, checked, backed up or migrated."""

    exit_code = EXIT_DATABASE


class RunLockedError(ClanStatsError):
    """Another run holds the run lock."""

    exit_code = EXIT_LOCKED


class StageTimeoutError(ClanStatsError):
    """A stage subprocess exceeded its timeout and was stopped."""

    exit_code = EXIT_TIMEOUT


class WriteError(ClanStatsError):
    """A file can't be written where the settings say: the disk, the folder or the file is at
    fault, not ClanStats. The message names the folder (or file) and the fix."""

    exit_code = EXIT_WRITE


# Windows error numbers (OSError.winerror) Python doesn't map to a distinct errno.
_WIN_SHARING_VIOLATION = 32  # another program has the file open
_WIN_LOCK_VIOLATION = 33
_WIN_DISK_FULL = 112
_WIN_HANDLE_DISK_FULL = 39
_WIN_WRITE_PROTECT = 19
_WIN_FILENAME_EXCED_RANGE = 206  # a path longer than MAX_PATH (260)
WINDOWS_MAX_PATH = 260

DISK_FULL = "full"
READ_ONLY = "read-only"
DENIED = "denied"
HELD_OPEN = "held open"
TOO_LONG = "too long"
IO_ERROR = "i/o"


def write_problem(exc: OSError, path: str | os.PathLike[str] | None = None) -> str | None:
    """What kind of write failure `exc` is (one of the constants above), or None for the rest.

    Only failures of the machine (a full disk, a read-only disk or share, a permission, a path
    too long for Windows, a file another program holds) are named; anything else is a bug.
    """
    winerror = getattr(exc, "winerror", None)
    code = exc.errno
    if winerror in (_WIN_SHARING_VIOLATION, _WIN_LOCK_VIOLATION):
        return HELD_OPEN
    if winerror == _WIN_FILENAME_EXCED_RANGE or code == errno.ENAMETOOLONG:
        return TOO_LONG
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)) or winerror in (
        _WIN_DISK_FULL,
        _WIN_HANDLE_DISK_FULL,
    ):
        return DISK_FULL
    if code == errno.EROFS or winerror == _WIN_WRITE_PROTECT:
        return READ_ONLY
    if code in (errno.EACCES, errno.EPERM) or isinstance(exc, PermissionError):
        return READ_ONLY if _on_read_only_disk(exc, path) else DENIED
    if code == errno.EIO:
        return IO_ERROR
    # The OS names the path it refused: a staged file's path is longer than its final one.
    measured = exc.filename or path
    long_path = measured is not None and len(str(measured)) >= WINDOWS_MAX_PATH
    if code == errno.ENOENT and sys.platform == "win32" and long_path:
        return TOO_LONG  # what Windows says when a path is past MAX_PATH and long paths are off
    return None


def write_error(
    exc: OSError,
    path: str | os.PathLike[str],
    *,
    setting: str,
    kept: str = "the previous files are unchanged",
    replacing: bool = False,
) -> WriteError | None:
    """The one line for a failed write of `path`, naming its folder and the fix; None when the
    failure isn't the machine's (a bug: let it through to app.log).

    `setting` says where the folder is set ("OUTPUT_DIR in .env"); `kept` what is still as it
    was; `replacing` that the failure came renaming over an existing file, which on Windows is
    how a file open in Excel (or held by a Drive client) shows.
    """
    problem = write_problem(exc, path)
    if problem == DENIED and replacing:
        problem = HELD_OPEN
    if problem is None:
        return None
    target = Path(path)
    folder, name = target.parent, target.name
    why = exc.strerror or type(exc).__name__
    elsewhere = f"or point {setting} at another folder"
    line = {
        DISK_FULL: (
            f"can't write {name} in {folder}: the disk is full ({why}); free some space on it, "
            f"or point {setting} at a folder on another disk, then run again"
        ),
        READ_ONLY: (
            f"can't write {name} in {folder}: the folder is on a read-only disk or share ({why});"
            f" make it writable (a write-protected USB stick? a share mounted read-only?) "
            f"{elsewhere}"
        ),
        DENIED: (
            f"can't write {name} in {folder}: permission denied ({why}); give your user write "
            f"access to that folder {elsewhere}"
        ),
        HELD_OPEN: (
            f"{target} is open in another program (Excel, a viewer or a Drive client) or "
            "read-only; close it, then run again"
        ),
        TOO_LONG: (
            f"can't write {target}: the path is {len(str(exc.filename or target))} characters, "
            "more than "
            f"Windows allows ({WINDOWS_MAX_PATH}); point {setting} at a shorter folder such as "
            "C:\\ClanStats\\output, or turn on Windows' long paths"
        ),
        IO_ERROR: (
            f"can't write {name} in {folder}: the disk reported an input/output error ({why}); "
            "check the disk or its connection (a USB or network drive that went away?), then "
            "run again"
        ),
    }[problem]
    return WriteError(f"{line} ({kept})")


def _on_read_only_disk(exc: OSError, path: str | os.PathLike[str] | None) -> bool:
    """Whether a permission error comes from a disk mounted read-only (POSIX can tell)."""
    statvfs = getattr(os, "statvfs", None)
    flag = getattr(os, "ST_RDONLY", None)
    where = exc.filename or path
    if statvfs is None or flag is None or where is None:
        return False
    probe = Path(where)
    for folder in (probe, *probe.parents):
        try:
            return bool(statvfs(folder).f_flag & flag)
        except OSError:
            continue
    return False


# SQLite's primary result codes for a disk that can't take a write.
_SQLITE_FULL = 13
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_DISK_ERRNO = {
    _SQLITE_FULL: errno.ENOSPC,
    _SQLITE_READONLY: errno.EROFS,
    _SQLITE_IOERR: errno.EIO,
}


def sqlite_disk_problem(exc: BaseException) -> str | None:
    """DISK_FULL, READ_ONLY or IO_ERROR when SQLite (or SQLAlchemy around it) failed because
    the disk can't take a write; else None."""
    driver = getattr(exc, "orig", exc)  # SQLAlchemy wraps the driver's error
    code = getattr(driver, "sqlite_errorcode", None)
    if not isinstance(code, int) or (code & 0xFF) not in _SQLITE_DISK_ERRNO:
        return None
    return write_problem(OSError(_SQLITE_DISK_ERRNO[code & 0xFF], "database"))


def machine_write_error(exc: BaseException) -> WriteError | None:
    """A disk or folder that can't be written (full, read-only, failing, no permission, a path
    too long, a file held open) met where no writer named it; else None (a bug).

    The last line of defence of a stage or command: the message names the file when the error
    does (or the database), and the settings that place ClanStats' folders.
    """
    problem = sqlite_disk_problem(exc)
    if problem is not None:
        database = getattr(exc, "orig", exc)
        reason = {
            DISK_FULL: "the disk is full; free some space on it",
            READ_ONLY: "the database or its folder is read-only; make it writable",
            IO_ERROR: "the disk reported an input/output error; check the disk",
        }[problem]
        return WriteError(
            f"can't write the database ({database}): {reason}, or move it (DATABASE_URL in "
            ".env), then run again (what was not committed was rolled back)"
        )
    if not isinstance(exc, OSError) or write_problem(exc, exc.filename) is None:
        return None
    if exc.filename is None:
        why = exc.strerror or str(exc)
        return WriteError(
            f"a disk ClanStats writes to failed ({why}); check the folders OUTPUT_DIR, "
            "BACKUP_DIR and the database's (DATABASE_URL) in .env, then run again"
        )
    return write_error(
        exc,
        exc.filename,
        setting="the folder's setting in .env (OUTPUT_DIR, BACKUP_DIR, LOG_FILE)",
        kept="nothing half-written was kept",
    )
