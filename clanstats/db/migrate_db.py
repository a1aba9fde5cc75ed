"""`main.py migrate-db --to URL`: copy the configured database into another one, and verify it.

The order of work: refuse what can't work (same database, a run going, a source not at the
newest schema, a target that can't be reached or holds another database), bring the target to
the newest schema with Alembic, copy each table (see `copy`), reset PostgreSQL's id sequences,
then checksum every table on both sides (see `checksum`). The source is only read. Rerunning
the same command after an interruption carries on where it stopped; with `verify_only` nothing
is copied.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table as RichTable
from sqlalchemy import Engine, Table, inspect
from sqlalchemy.exc import SQLAlchemyError

from clanstats.db import urls
from clanstats.db.checksum import table_checksum
from clanstats.db.copy import TargetMismatchError, copy_table, plan_copy, reset_sequences
from clanstats.db.engine import make_engine
from clanstats.db.migrate import current_revision, head_revision, upgrade_to_head
from clanstats.db.models import Base
from clanstats.db.urls import sqlite_path_from_url
from clanstats.errors import ConfigError, DatabaseError
from clanstats.lock import run_lock
from clanstats.logs import console
from clanstats.settings import Settings

log = logging.getLogger(__name__)

REVISION_TABLE = "alembic_version"


@dataclass(frozen=True)
class TableCheck:
    """One table compared across the two databases."""

    table: str
    source_rows: int
    target_rows: int
    source_digest: str
    target_digest: str

    @property
    def matches(self) -> bool:
        """Same row count and same checksum."""
        return (self.source_rows, self.source_digest) == (self.target_rows, self.target_digest)


def migrate_database(
    settings: Settings, to: str, *, batch_rows: int, verify_only: bool = False
) -> list[TableCheck]:
    """Copy (unless verify_only) and verify; raise DatabaseError when a table differs."""
    if batch_rows < 1:
        raise ConfigError(f"--batch-size {batch_rows} is not valid: expected 1 or more rows")
    source_url = settings.database_url.get_secret_value()
    target_url = _target_url(to, settings)
    if urls.same_database(source_url, target_url):
        raise ConfigError(
            f"--to {urls.masked(target_url)} is the database ClanStats uses now "
            "(DATABASE_URL): name a different, empty database"
        )
    with (
        run_lock(settings.lock_file),
        _source(settings) as source,
        _target(target_url, must_exist=verify_only) as target,
    ):
        tables = list(Base.metadata.sorted_tables)
        if not verify_only:
            _copy_all(source, target, target_url, tables, batch_rows)
        elif current_revision(target) != head_revision():
            raise _no_copy_yet(target_url)
        try:
            checks = verify(source, target, tables)
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"verifying {urls.describe(target_url)} failed "
                f"({urls.error_detail(exc, target_url)}): fix the cause and run "
                "`main.py migrate-db --to URL --verify-only`"
            ) from None
    print_checks(checks)
    differ = [check.table for check in checks if not check.matches]
    if differ:
        raise DatabaseError(
            f"the copy in {urls.describe(target_url)} differs from this database in "
            f"{', '.join(differ)}; the copy was changed, or this database was used since the "
            "copy started: empty the target (drop and create it) and run migrate-db again"
        )
    log.info("verified %d tables in %s", len(checks), urls.masked(target_url))
    return checks


def verify(source: Engine, target: Engine, tables: Sequence[Table]) -> list[TableCheck]:
    """Row counts and checksums of every table on both sides, plus the schema version."""
    checks = [_revision_check(source, target)]
    with _progress() as progress:
        for table in tables:
            sums = []
            for side, engine in (("source", source), ("target", target)):
                task = progress.add_task(f"verify {table.name} ({side})", total=None)
                with engine.connect() as conn:
                    sums.append(table_checksum(conn, table, partial(progress.advance, task)))
                progress.remove_task(task)
            ours, theirs = sums
            checks.append(
                TableCheck(table.name, ours.rows, theirs.rows, ours.digest, theirs.digest)
            )
    return checks


def print_checks(checks: Sequence[TableCheck]) -> None:
    """The verification as a table: rows on each side and whether the checksums match."""
    table = RichTable(title="migrate-db: source vs copy")
    for heading in ("table", "rows (source)", "rows (copy)", "checksum"):
        table.add_column(heading, justify="left" if heading == "table" else "right")
    # The schema version first, then the tables by name: easier to scan than copy order.
    for check in sorted(checks, key=lambda c: (c.table != REVISION_TABLE, c.table)):
        if check.table == REVISION_TABLE:
            rows = (check.source_digest, check.target_digest)
        else:
            rows = (f"{check.source_rows:,}", f"{check.target_rows:,}")
        verdict = "[green]match[/]" if check.matches else "[red]DIFFERS[/]"
        table.add_row(check.table, *rows, verdict)
    console.print(table)


def next_step(to: str, settings: Settings, *, copied: bool = True) -> str:
    """What the user does after a verified copy: the exact .env line, password masked."""
    shown = urls.masked(_target_url(to, settings))
    password = " (your password in place of ***)" if "***" in shown else ""
    return (
        f"{'Copied and verified' if copied else 'Verified'}. Next step: put this line in .env"
        f"{password}, replacing the DATABASE_URL line if there is one:\n"
        f"DATABASE_URL={shown}\n"
        "The old database is left as it was."
    )


# --- the steps -------------------------------------------------------------------------------


@contextmanager
def _source(settings: Settings) -> Iterator[Engine]:
    """The configured database, refused unless it exists at the newest schema."""
    path = settings.sqlite_path
    if path is not None and not path.exists():
        raise ConfigError(f"there is no database at {path} yet: run main.py first")
    engine = make_engine(settings.database_url.get_secret_value())
    try:
        revision, head = current_revision(engine), head_revision()
        if revision != head:
            where = urls.describe(settings.database_url.get_secret_value())
            raise DatabaseError(
                f"the database {where} is at schema {revision or '(none)'}, not {head}: run "
                "`python main.py` (or any stage) first so it is upgraded, then migrate-db again"
            )
        yield engine
    finally:
        engine.dispose()


@contextmanager
def _target(url: str, *, must_exist: bool) -> Iterator[Engine]:
    """The target database, refused when it can't be reached."""
    path = sqlite_path_from_url(url)
    if must_exist and path is not None and not path.exists():
        raise _no_copy_yet(url)
    engine = make_engine(url)
    try:
        try:
            with engine.connect():
                pass
        except SQLAlchemyError as exc:
            raise DatabaseError(_unreachable(url, exc)) from None
        yield engine
    finally:
        engine.dispose()


def _no_copy_yet(url: str) -> DatabaseError:
    return DatabaseError(
        f"{urls.describe(url)} holds no copy of this database yet: run "
        "`main.py migrate-db --to URL` without --verify-only first"
    )


def _unreachable(url: str, exc: SQLAlchemyError) -> str:
    detail = urls.error_detail(exc, url)
    name, database = urls.describe(url), urls.database_name(url)
    if "does not exist" in detail:
        fix = f"create it first (`createdb {database}`, or CREATE DATABASE {database})"
    else:
        fix = "check the server is running and the URL's host, port, user, password and database"
    return f"can't reach the target database {name} ({detail}): {fix}"


def _copy_all(
    source: Engine, target: Engine, target_url: str, tables: Sequence[Table], batch_rows: int
) -> None:
    name = urls.describe(target_url)
    _prepare_target(target, name)
    try:
        with source.connect() as src:
            with target.connect() as dst:
                plans = plan_copy(src, dst, tables)
            left = sum(plan.remaining for plan in plans)
            resumed = sum(plan.copied for plan in plans)
            log.info(
                "copying %d rows into %s (%d there already)", left, urls.masked(target_url), resumed
            )
            if resumed:
                console.print(f"Resuming: {resumed:,} rows are in {name} already.")
            with _progress() as progress:
                for plan in plans:
                    task = progress.add_task(f"copy {plan.table.name}", total=plan.remaining)
                    copy_table(
                        src,
                        target,
                        plan,
                        batch_rows=batch_rows,
                        advance=partial(progress.advance, task),
                    )
                    progress.remove_task(task)
        reset_sequences(target, tables)
        log.info("copied %d rows into %s", left, urls.masked(target_url))
    except TargetMismatchError as exc:
        raise DatabaseError(
            f"{name} already holds a different ClanStats database ({exc}): copy into an "
            "empty database, or drop that one and create it again"
        ) from None
    except KeyboardInterrupt:
        console.print(
            "Interrupted: every batch copied so far is kept; run the same command to continue."
        )
        raise
    except SQLAlchemyError as exc:
        detail = urls.error_detail(exc, target_url)
        raise DatabaseError(
            f"copying into {name} failed ({detail}); what was copied is kept: fix the cause and "
            "run the same command again to continue"
        ) from None


def _prepare_target(target: Engine, name: str) -> None:
    """Bring an empty target (or a copy under way) to the newest schema; refuse anything else."""
    revision = current_revision(target)
    if revision is None:
        ours = set(Base.metadata.tables) & set(inspect(target).get_table_names())
        if ours:
            raise DatabaseError(
                f"{name} already has tables ({', '.join(sorted(ours)[:3])}...) but no ClanStats "
                "schema version: copy into an empty database"
            )
    elif revision != head_revision():
        raise DatabaseError(
            f"{name} already holds a ClanStats database at schema {revision}: copy into an "
            "empty database, or drop that one and create it again"
        )
    upgrade_to_head(target)


def _revision_check(source: Engine, target: Engine) -> TableCheck:
    ours, theirs = current_revision(source) or "-", current_revision(target) or "-"
    return TableCheck(REVISION_TABLE, 1, 1, ours, theirs)


@contextmanager
def _progress() -> Iterator[Progress]:
    """A progress display on a terminal; nothing when output goes to a file or pipe."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    with progress:
        yield progress


def _target_url(to: str, settings: Settings) -> str:
    """The `--to` URL as the engine takes it, or a ConfigError naming --to."""
    return urls.read_database_url(to, data_dir=settings.data_dir, name="--to", show=True)
