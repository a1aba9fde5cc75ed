"""Every error ClanStats reports to a user, and the exit code each one maps to.

    ClanStatsError                 base; .exit_code, str() is the one line shown to the user
    ├── ConfigError        (2)     a bad .env value, rules file, argument or path: the user fixes it
    ├── SourceError        (3)     an API (WOM, Discord) failed after retries or sent unusable data
    ├── DatabaseError      (4)     the database is corrupt, locked, or can't be migrated
    ├── RunLockedError     (5)     another ClanStats run holds the lock
    └── StageTimeoutError  (6)     a stage ran past its time limit and was stopped

Exit code 1 is an unexpected bug (a traceback goes to app.log, one line to the console) and
130 is Ctrl-C. The same table is in the README; `tests/test_errors.py` keeps them in step.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_BUG = 1
EXIT_CONFIG = 2
EXIT_SOURCE = 3
EXIT_DATABASE = 4
EXIT_LOCKED = 5
EXIT_TIMEOUT = 6
EXIT_INTERRUPTED = 130

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "success",
    EXIT_BUG: "unexpected error (a bug: see app.log and report it)",
    EXIT_CONFIG: "configuration error: a setting, rules file, argument or path needs fixing",
    EXIT_SOURCE: "a data source (WOM or Discord) failed; data stored before the failure is kept",
    EXIT_DATABASE: "database error: corrupt, unreadable or not migratable",
    EXIT_LOCKED: "another ClanStats run is in progress; this one did nothing",
    EXIT_TIMEOUT: "a stage ran past its time limit and was stopped",
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
