"""Backups of a PostgreSQL database through PostgreSQL's own tools: pg_dump -Fc and pg_restore.

The password goes to the tools in PGPASSWORD, never on their command line (other users of the
machine can read command lines).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import make_url

from clanstats.db.backup import prune_backups
from clanstats.errors import ConfigError, DatabaseError

log = logging.getLogger(__name__)

DUMP_GLOB = "clanstats-*.dump"
TOOL_TIMEOUT_SECONDS = 6 * 3600
INSTALL_HINT = (
    "install PostgreSQL's client tools (Debian/Ubuntu: apt install postgresql-client; macOS: "
    "brew install libpq; Windows: the PostgreSQL installer's Command Line Tools) and put their "
    "bin folder on PATH"
)


def dump_postgres(url: str, backup_dir: Path, *, keep: int, label: str = "") -> Path:
    """`pg_dump -Fc` the database into `backup_dir`; prune to `keep` dumps; return the file."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    target = backup_dir / f"clanstats-{stamp}{'-' + label if label else ''}.dump"
    partial = target.with_suffix(".dump.partial")
    try:
        _run("pg_dump", url, ["--format=custom", f"--file={partial}"])
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    prune_backups(backup_dir, keep=keep, pattern=DUMP_GLOB)
    log.info("backed up the PostgreSQL database to %s", target)
    return target


def dump_ok(dump: Path) -> bool:
    """Whether pg_restore can read the dump's table of contents (a cut-off file can't)."""
    tool = _tool("pg_restore")
    done = subprocess.run(
        [tool, "--list", str(dump)], capture_output=True, text=True, check=False, timeout=600
    )
    return done.returncode == 0


def restore_postgres(url: str, dump: Path) -> None:
    """Replace the database's objects with the dump's, in one transaction (all or nothing)."""
    _run(
        "pg_restore",
        url,
        ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(dump)],
    )
    log.info("restored the PostgreSQL database from %s", dump)


def _run(tool: str, url: str, args: list[str]) -> None:
    parsed = make_url(url)
    command = [_tool(tool), f"--dbname={parsed.database or ''}"]
    if parsed.host:
        command.append(f"--host={parsed.host}")
    if parsed.port:
        command.append(f"--port={parsed.port}")
    if parsed.username:
        command.append(f"--username={parsed.username}")
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    done = subprocess.run(
        [*command, "--no-password", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=TOOL_TIMEOUT_SECONDS,
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[0][:300]
        raise DatabaseError(
            f"{tool} failed on database {parsed.database!r} at {parsed.host or 'localhost'}: "
            f"{reason}; nothing was changed"
        )


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ConfigError(f"{name} is not on PATH (PostgreSQL backups need it): {INSTALL_HINT}")
    return found
