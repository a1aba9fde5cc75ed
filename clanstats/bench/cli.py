"""Benchmark the pipeline on a simulated clan: per stage time, memory, requests, storage, outputs.

    python -m clanstats.bench                     the M size: 500 members, 365 days, 1M messages
    python -m clanstats.bench --size S --json bench-s.json
    python -m clanstats.bench --size L --database-url postgresql+psycopg://user@host/emptydb

Three pipeline runs, each stage in its own process against loopback WOM, Discord, upload and
webhook servers: the first run (with the one-off backfill of history), a daily run after one
new day, and a run with nothing new. Then the same clan with only 30 days of history (SQLite)
has a first and a daily run, to show how a daily transform grows with history. Needs nothing
beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

from clanstats.bench.database import choose_database
from clanstats.bench.report import build_report, print_report, transform_by_history
from clanstats.bench.scenarios import ScenarioFigures, ScenarioRunner, Step, scenarios
from clanstats.bench.sizes import SHORT_HISTORY_DAYS, SIZES, Size, choose_size, with_history
from clanstats.bench.world import BenchWorld
from clanstats.db.engine import make_engine
from clanstats.errors import EXIT_BUG, EXIT_OK, ClanStatsError, ConfigError

log = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    """The benchmark's command line."""
    parser = argparse.ArgumentParser(
        prog="python -m clanstats.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sizes = ", ".join(
        f"{s.name}: {s.members:,} members in {s.groups} group(s), {s.days} days, "
        f"{s.messages:,} messages"
        for s in SIZES.values()
    )
    parser.add_argument("--size", default="M", help=f"clan size ({sizes}); default M")
    parser.add_argument("--members", type=int, help="members in all, instead of the size's")
    parser.add_argument("--days", type=int, help="days of history, instead of the size's")
    parser.add_argument("--messages", type=int, help="Discord messages over the history (0: none)")
    parser.add_argument("--groups", type=int, help="WOM groups the members are split into")
    parser.add_argument(
        "--database-url",
        help="an EMPTY database to run on (sqlite:///new-file.db or postgresql+psycopg://...); "
        "default: a SQLite file in a temporary folder",
    )
    parser.add_argument(
        "--compare-history",
        type=int,
        default=SHORT_HISTORY_DAYS,
        metavar="DAYS",
        help="also time a daily transform on the same clan with only DAYS days of history "
        f"(on SQLite); default {SHORT_HISTORY_DAYS}, 0: don't",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    parser.add_argument(
        "--keep", type=Path, help="work in this new folder and keep it (database, outputs, logs)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every stage succeeded, else the exit code of the problem."""
    args = parser().parse_args(argv)
    try:
        size = choose_size(
            args.size.upper(),
            members=args.members,
            days=args.days,
            messages=args.messages,
            groups=args.groups,
        )
        short = with_history(size, args.compare_history) if args.compare_history else None
        if args.json is not None and not args.json.resolve().parent.is_dir():
            raise ConfigError(f"--json {args.json}: its folder doesn't exist; create it first")
        if args.keep is not None:
            if args.keep.exists():
                raise ConfigError(f"--keep {args.keep}: already exists; name a new folder")
            args.keep.mkdir(parents=True)
            report = _run(size, short, args.keep.resolve(), args.database_url)
        else:
            with tempfile.TemporaryDirectory(prefix="clanstats-bench-") as folder:
                report = _run(size, short, Path(folder), args.database_url)
    except ClanStatsError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return exc.exit_code
    print_report(report)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    failed = [s for run in report["scenarios"] for s in run["stages"] if s["exit_code"] != 0]
    for stage in failed:
        print(
            f"bench: {stage['stage']} exited {stage['exit_code']}: {stage['error']}",
            file=sys.stderr,
        )
    return EXIT_OK if not failed else EXIT_BUG


def _run(size: Size, short: Size | None, folder: Path, database_url: str | None) -> dict[str, Any]:
    """Run the three scenarios, measure the dashboard, then the short history's first and
    daily run; return the report."""
    url = choose_database(database_url, folder)
    runs, output_dir = _scenario_runs(size, folder, url, scenarios())
    # With several groups, each has its own dashboard; they are alike, so measure the first.
    dashboards = sorted(output_dir.rglob("clan_dashboard.html"))
    dashboard = measure_dashboard(dashboards[0]) if dashboards else {"skipped": "none written"}
    database = url.split(":", 1)[0].split("+", 1)[0]
    report = build_report(size, database, runs, dashboard)
    if short is not None:
        # On a SQLite file of its own: a second empty PostgreSQL database can't be assumed.
        short_folder = folder / "short-history"
        short_folder.mkdir()
        short_runs, _ = _scenario_runs(
            short, short_folder, choose_database(None, short_folder), scenarios()[:2]
        )
        report["transform_by_history"] = transform_by_history(
            [(short, "sqlite", short_runs), (size, database, runs)]
        )
    return report


def _scenario_runs(
    size: Size, folder: Path, url: str, steps: list[Step]
) -> tuple[list[ScenarioFigures], Path]:
    """Build a world of this size and run these scenarios on it until one fails; return their
    figures and the output folder."""
    runs: list[ScenarioFigures] = []
    with BenchWorld(size, folder, url) as world:
        engine = make_engine(url)
        try:
            runner = ScenarioRunner(world, engine)
            for name, stages, before in steps:
                before(world)
                runs.append(runner.run(name, stages))
                if runs[-1].as_json()["exit_code"] not in (0, 3):
                    break
        finally:
            engine.dispose()
    return runs, runner.settings.output_dir


def measure_dashboard(path: Path) -> dict[str, Any]:
    """Size and time to interactive in headless Chromium, where Chromium is installed."""
    try:
        from clanstats.export.dashboard_bench import measure_dashboard as in_chromium

        return in_chromium(path)
    except Exception as exc:  # a missing browser must not sink the other figures
        return {"bytes": path.stat().st_size, "skipped": f"not measured: {exc}"[:200]}
