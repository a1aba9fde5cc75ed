"""The `main.py` command line: parse, call the library, turn errors into one line and a code."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from clanstats import __version__
from clanstats.db.copy import DEFAULT_BATCH_ROWS
from clanstats.errors import (
    EXIT_BUG,
    EXIT_CODES,
    EXIT_CONFIG,
    EXIT_INTERRUPTED,
    ClanStatsError,
    ConfigError,
)
from clanstats.logs import FILE_ONLY, console, setup_logging, silence_until_configured
from clanstats.pipeline import PIPELINE, STAGES, run_pipeline, select_stages
from clanstats.rules import load_rules
from clanstats.settings import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from clanstats.groups import Group

log = logging.getLogger(__name__)


# The commands that back up, restore or tidy the database (`clanstats.db.care`).
DATABASE_CARE = ("backup", "restore", "optimize")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every stage and command and the exit codes in the help."""
    exit_codes = "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES.items())
    parser = argparse.ArgumentParser(
        prog="main.py",
        description=(
            "ClanStats: track an Old School RuneScape clan from Wise Old Man.\n"
            f"With no stage, runs the pipeline: {' -> '.join(s.name for s in PIPELINE)}, "
            "each stage in its own process.\nWith no WOM_GROUP_ID configured, runs the demo clan."
        ),
        epilog=f"exit codes:\n{exit_codes}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--from",
        dest="start_from",
        metavar="STAGE",
        help="resume the pipeline from this stage (skips the ones before it)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run the whole pipeline on a simulated clan served on 127.0.0.1 (offline; "
        "its database and outputs go to demo/)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="fetch every source even when rules.yaml's refresh intervals say it is fresh",
    )
    parser.add_argument("--version", action="version", version=f"ClanStats {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="STAGE")
    for stage in STAGES:
        label = "" if stage.in_pipeline else " (not part of a plain run)"
        command = commands.add_parser(
            stage.name, help=f"{stage.summary}{label}", description=stage.summary
        )
        command.add_argument(
            "--group",
            metavar="SLUG|ID",
            help="run for this one group of rules.yaml `groups:` only (for debugging)",
        )
        _accept_after_the_command(command, "--force", "--demo")
        if stage.name == "transform":
            command.add_argument(
                "--rebuild",
                action="store_true",
                help=(
                    "derive every table again from the raw tables"
                    " (a daily run works out only what is new)"
                ),
            )
        if stage.name == "sync":
            command.add_argument(
                "--dry-run", action="store_true", help="list what would change; change nothing"
            )
            command.add_argument(
                "--status",
                action="store_true",
                help="show each target's last sync, outcome, files changed and last error",
            )
    runs = commands.add_parser(
        "runs",
        help="list recent runs; `runs show ID`, `runs search TEXT`, `runs compare A B`",
        description="The run viewer: recent runs, one run in full, a search, a comparison.",
    )
    _accept_after_the_command(runs, "--demo")
    runs.add_argument("action", nargs="?", choices=("show", "search", "compare"))
    runs.add_argument("values", nargs="*", metavar="ID|TEXT")
    runs.add_argument("--json", action="store_true", help="print JSON for other tools")
    runs.add_argument("--limit", type=int, default=20, help="how many runs to list (20)")
    schedule = commands.add_parser(
        "schedule",
        help="schedule the daily run (Task Scheduler on Windows, cron elsewhere)",
        description="Install, show or remove the scheduled ClanStats run.",
    )
    schedule.add_argument("action", choices=("install", "show", "remove"))
    when = schedule.add_mutually_exclusive_group()
    when.add_argument("--daily", metavar="HH:MM", help="run once a day at this time")
    when.add_argument("--every", metavar="Nh|Nm", help="run every N hours (1-23) or minutes")
    backup = commands.add_parser("backup", help="back the database up now into BACKUP_DIR")
    restore = commands.add_parser(
        "restore", help="put a backup (default: the newest) in place of the database"
    )
    restore.add_argument("backup", nargs="?", help="a file in BACKUP_DIR, or a path")
    optimize = commands.add_parser(
        "optimize", help="prune old fetch-log rows, refresh statistics, compact when worthwhile"
    )
    for command in (backup, restore, optimize):
        _accept_after_the_command(command, "--demo")
    migrate_db = commands.add_parser(
        "migrate-db",
        help="copy the database into another one (PostgreSQL), batched, resumable, verified",
        description=(
            "Copy the configured database (DATABASE_URL) into the database at --to, then check "
            "every table's row count and checksum on both sides. Run it again after an "
            "interruption to continue where it stopped. The source is only read."
        ),
    )
    migrate_db.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the target: postgresql+psycopg://user:password@host/dbname (an empty database), "
        "or sqlite:///file.db",
    )
    migrate_db.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_ROWS,
        metavar="ROWS",
        help=f"rows per committed batch ({DEFAULT_BATCH_ROWS})",
    )
    migrate_db.add_argument(
        "--verify-only",
        action="store_true",
        help="copy nothing; compare row counts and checksums of an earlier copy",
    )
    doctor = commands.add_parser(
        "doctor", help="check settings, database, folders, targets and that WOM and Discord answer"
    )
    identity = commands.add_parser(
        "identity",
        help="list who is linked to whom, and the members and Discord users still to link",
        description="Show identity links and issues (as of the last transform).",
    )
    for command in (doctor, identity):
        _accept_after_the_command(command, "--demo")
    return parser


# The pipeline's own options, as a command's help words them when given after it.
_AFTER_THE_COMMAND = {
    "--force": "fetch even what rules.yaml's refresh intervals call fresh (same as before it)",
    "--demo": "on the demo clan (same as `--demo` before the command)",
}


def _accept_after_the_command(command: argparse.ArgumentParser, *flags: str) -> None:
    """Let `main.py harvest --force` mean `main.py --force harvest`, as users type it.

    SUPPRESS as the default: a flag left out after the command must not undo the same flag
    given before it (argparse copies a subcommand's defaults over the main namespace).
    """
    for flag in flags:
        command.add_argument(
            flag, action="store_true", default=argparse.SUPPRESS, help=_AFTER_THE_COMMAND[flag]
        )


def _doctor(demo: bool) -> int:
    """`main.py doctor`: every check, what to fix, exit 2 when something needs fixing.

    `--demo doctor` checks the demo's settings, files and database, not .env's.
    """
    from clanstats.doctor import all_ok, doctor_from_environment, print_doctor

    if not demo:
        checks = doctor_from_environment()
        print_doctor(checks)
        return 0 if all_ok(checks) else EXIT_CONFIG
    from clanstats.demo import DEMO_COMMAND, DEMO_DIR, DEMO_MARKER, demo_environment

    if not (DEMO_DIR / DEMO_MARKER).exists():
        raise ConfigError(
            f"there is no demo in {DEMO_DIR} to check yet: run `{DEMO_COMMAND}` first "
            "(`python main.py doctor` checks your own configuration)"
        )
    console.print(
        f"Checking the demo in {DEMO_DIR} (its own settings; .env is not read). Its WOM and "
        "Discord are simulated on 127.0.0.1 only while the demo runs, so they are not checked.",
        soft_wrap=True,
    )
    checks = doctor_from_environment(
        environ=demo_environment(),
        not_running="simulated by the demo only while it runs",
    )
    print_doctor(checks)
    return 0 if all_ok(checks) else EXIT_CONFIG


def _care(settings: Settings, args: argparse.Namespace) -> int:
    """The schedule, backup, restore and optimize commands."""
    from clanstats.db import care

    if args.command == "schedule":
        return _schedule(args)
    if args.command == "backup":
        console.print(f"Backed up to {care.make_backup(settings)}")
    elif args.command == "restore":
        chosen = Path(args.backup) if args.backup else None
        replaced = care.restore_backup(settings, chosen)
        kept = f"; the database it replaced is kept as {replaced}" if replaced else ""
        console.print(f"Restored{' ' + args.backup if args.backup else ' the newest backup'}{kept}")
    else:
        result = care.optimize(settings)
        console.print(
            ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in result.items())
        )
    return 0


def _migrate_db(settings: Settings, args: argparse.Namespace) -> int:
    """`main.py migrate-db --to URL`: copy, verify, then say which DATABASE_URL to set."""
    from clanstats.db.migrate_db import migrate_database, next_step

    migrate_database(settings, args.to, batch_rows=args.batch_size, verify_only=args.verify_only)
    console.print(next_step(args.to, settings, copied=not args.verify_only), soft_wrap=True)
    return 0


def _schedule(args: argparse.Namespace) -> int:
    """Install, show or remove the scheduled run for this folder's Python."""
    import subprocess

    from clanstats import schedule
    from clanstats.settings import PROJECT_ROOT

    python = Path(sys.executable)  # not resolved: a venv's python must stay the venv's
    if sys.platform == "win32":
        if args.action == "install":
            command = schedule.windows_create_command(
                PROJECT_ROOT, python, daily=args.daily, every=args.every
            )
        elif args.action == "show":
            command = schedule.windows_show_command()
        else:
            command = schedule.windows_delete_command()
        return subprocess.run(command, check=False).returncode
    if args.action == "install":
        line = schedule.cron_line(PROJECT_ROOT, python, daily=args.daily, every=args.every)
        schedule.install_cron(line)
        console.print(f"Installed in your crontab:\n{line}")
    elif args.action == "show":
        console.print(schedule.show_cron() or "No ClanStats line in your crontab.")
    else:
        removed = schedule.remove_cron()
        console.print("Removed." if removed else "There was no ClanStats line in your crontab.")
    return 0


def _runs(settings: Settings, args: argparse.Namespace) -> int:
    """`main.py runs ...`: the run viewer."""
    from clanstats import runs_view as view

    engine, log_file = _open_database(settings, "runs"), settings.log_file
    values: list[str] = args.values
    if args.action is None:
        data: object = view.list_runs_json(engine, limit=args.limit) if args.json else None
        if data is None:
            view.print_runs(view.list_runs(engine, limit=args.limit))
    elif args.action == "show":
        run_id = _run_ids(values, 1, "runs show ID")[0]
        data = view.show_run_json(engine, run_id, log_file) if args.json else None
        if data is None:
            view.print_run(view.show_run(engine, run_id, log_file))
    elif args.action == "search":
        text = " ".join(values).strip()
        if not text:
            raise ConfigError("runs search needs the text to look for: `main.py runs search TEXT`")
        data = view.search_runs_json(engine, text, log_file) if args.json else None
        if data is None:
            view.print_search(view.search_runs(engine, text, log_file), text)
    else:
        first, second = _run_ids(values, 2, "runs compare A B")
        data = view.compare_runs_json(engine, first, second) if args.json else None
        if data is None:
            view.print_comparison(first, second, view.compare_runs(engine, first, second))
    if data is not None:
        print(view.to_json_text(data))
    return 0


def _run_ids(values: list[str], count: int, usage: str) -> list[int]:
    if len(values) != count or not all(v.isdigit() for v in values):
        raise ConfigError(f"expected {count} run number(s): `main.py {usage}` (see `main.py runs`)")
    return [int(v) for v in values]


def _stage_env(args: argparse.Namespace) -> dict[str, str]:
    """What the command line tells the stage processes: `--force`, `transform --rebuild`,
    `sync --dry-run`, `--group`."""
    env: dict[str, str] = {}
    if args.force:
        from clanstats.freshness import FORCE_ENV

        env[FORCE_ENV] = "1"
    if args.command == "sync" and args.dry_run:
        from clanstats.sync.stage import DRY_RUN_ENV

        env[DRY_RUN_ENV] = "1"
    if args.command == "transform" and args.rebuild:
        from clanstats.transform.rebuild import REBUILD_ENV

        env[REBUILD_ENV] = "1"
    if getattr(args, "group", None):
        from clanstats.groups import GROUP_ENV

        env[GROUP_ENV] = args.group
    return env


def _groups(settings: Settings, args: argparse.Namespace) -> list[Group]:
    """The configured groups (`--group` picks one); ConfigError when settings and rules clash."""
    from clanstats.groups import configured_groups

    return configured_groups(
        settings, load_rules(settings.rules_file), getattr(args, "group", None)
    )


def _show_sync_status(settings: Settings, args: argparse.Namespace) -> int:
    from clanstats.sync.status import show_sync_status

    return _show_per_group(settings, args, "sync status", show_sync_status)


def _show_per_group(
    settings: Settings,
    args: argparse.Namespace,
    purpose: str,
    show: Callable[[Engine, int], object],
) -> int:
    """Show one view of the database for each configured group, titled when there are several."""
    groups = _groups(settings, args)
    engine = _open_database(settings, purpose)
    for group in groups:
        if group.slug is not None:
            console.print(f"[bold]{group.name}[/] ({group.slug})", markup=True, highlight=False)
        show(engine, group.id)
    return 0


def _open_database(settings: Settings, purpose: str) -> Engine:
    """The engine of a database a run has made; ConfigError when there is none yet."""
    from clanstats.db.engine import engine_for
    from clanstats.db.migrate import current_revision

    if settings.sqlite_path is not None and not settings.sqlite_path.exists():
        raise ConfigError(f"there is no database at {settings.sqlite_path} yet: run main.py first")
    engine = engine_for(settings, purpose)
    if current_revision(engine) is None:
        engine.dispose()
        raise ConfigError("the database has no ClanStats tables yet: run main.py first")
    return engine


def _show_identity(settings: Settings, args: argparse.Namespace) -> int:
    from clanstats.identity_view import show_identity

    return _show_per_group(settings, args, "identity", show_identity)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of main.py; returns the process exit code."""
    args = build_parser().parse_args(argv)
    silence_until_configured()
    try:
        if args.command == "doctor":
            return _doctor(args.demo)
        showing = args.command in ("identity", "runs") or (args.command == "sync" and args.status)
        if args.demo and args.command in ("schedule", "migrate-db"):
            raise ConfigError(
                f"`{args.command}` acts on your own configuration, not the demo's: run it "
                "without --demo"
            )
        if args.demo and (showing or args.command in DATABASE_CARE):
            # Look at (or care for) the last demo run's database; don't run the demo again.
            from clanstats.demo import demo_environment

            demo_settings = load_settings(environ=demo_environment())
            setup_logging(demo_settings.log_file, demo_settings.log_level)
            if args.command == "identity":
                return _show_identity(demo_settings, args)
            if args.command == "runs":
                return _runs(demo_settings, args)
            if args.command in DATABASE_CARE:
                return _care(demo_settings, args)
            return _show_sync_status(demo_settings, args)
        extra_env = _stage_env(args)
        if args.demo:
            from clanstats.demo import run_demo

            return run_demo(select_stages(args.command, args.start_from), extra_env)
        settings = load_settings()
        setup_logging(settings.log_file, settings.log_level)
        if args.command == "identity":
            return _show_identity(settings, args)
        if args.command == "runs":
            return _runs(settings, args)
        if args.command == "schedule" or args.command in DATABASE_CARE:
            return _care(settings, args)
        if args.command == "migrate-db":
            return _migrate_db(settings, args)
        if args.command == "sync" and args.status:
            return _show_sync_status(settings, args)
        stages = select_stages(args.command, args.start_from)
        # A mistake in rules.yaml, or between it and .env, stops the run before it starts.
        alliance = bool(load_rules(settings.rules_file).groups)
        if alliance or settings.wom_group_id is not None:
            _groups(settings, args)
        if extra_env:
            return run_pipeline(settings, stages, env=extra_env)
        if settings.wom_group_id is None and not alliance:
            console.print(
                "[yellow]WOM_GROUP_ID is not set in .env, so this runs the demo clan. "
                "Set it to your group's number to track your clan.[/]"
            )
            from clanstats.demo import run_demo

            return run_demo(stages)
        return run_pipeline(settings, stages)
    except ClanStatsError as exc:
        log.error("%s", exc, extra=FILE_ONLY)
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        log.error("main.py crashed:\n%s", traceback.format_exc(), extra=FILE_ONLY)
        print(f"unexpected error {type(exc).__name__}: {exc} (details in app.log)", file=sys.stderr)
        return EXIT_BUG
