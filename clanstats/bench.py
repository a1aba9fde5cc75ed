"""Benchmark harvest and transform on a simulated clan: requests, time, memory, storage.

    python -m clanstats.bench                      500 members, 90 simulated days of daily runs
    python -m clanstats.bench --members 50 --days 30 --json bench.json

Harvest scenarios, each the real stage in its own process against the loopback WOM server:
first run (empty database), a daily run after one new day, a run with nothing new. Then it
replays `--days` daily harvests in-process (reporting how the database grows per member-day)
and measures transform the same three ways: first run over all that history, the run after one
new day (incremental: it reads only the new snapshots and recomputes only the touched days),
and a run with nothing new.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from clanstats.db.engine import make_engine
from clanstats.harvest.wom import WomHarvest
from clanstats.pipeline import PIPELINE
from clanstats.settings import PROJECT_ROOT
from clanstats.sim.clan import SimConfig, SimulatedClan
from clanstats.sim.wom_server import FakeWomServer
from clanstats.wom.client import WomClient

API_KEY = "bench-key"
OUTPUT_STAGES = tuple(s.name for s in PIPELINE if s.name not in ("harvest", "transform"))
WORK_SHOWN = ("new snapshots", "snapshots read", "days recomputed", "transform seconds")
LIMIT = 100_000  # the simulated API answers at once; pacing is measured apart as wait time


@dataclass
class Scenario:
    """One measured stage run."""

    name: str
    seconds: float
    peak_memory_mb: float | None
    requests: int
    per_member_requests: int
    exit_code: int
    counts: dict[str, object]


def run_stage(
    data_dir: Path, server: FakeWomServer, group_id: int, name: str, stage: str = "harvest"
) -> Scenario:
    """Run a stage as a subprocess and measure it."""
    env = {
        **os.environ,
        "CLANSTATS_ENV_FILE": str(data_dir / "absent.env"),
        "CLANSTATS_DATA_DIR": str(data_dir),
        "WOM_BASE_URL": server.base_url,
        "WOM_GROUP_ID": str(group_id),
        "WOM_API_KEY": API_KEY,
        "WOM_REQUESTS_PER_MINUTE": str(LIMIT),
        "RULES_FILE": str(PROJECT_ROOT / "rules.example.yaml"),
        "WOM_BACKFILL_DAYS": "365",
    }
    server.reset_requests()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "main.py", stage],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    exit_code, peak = _wait_with_peak_memory(process)
    seconds = time.perf_counter() - started
    paths = [r.path for r in server.requests]
    return Scenario(
        name=name,
        seconds=round(seconds, 2),
        peak_memory_mb=peak,
        requests=len(paths),
        per_member_requests=sum(p.startswith("/v2/players/") for p in paths),
        exit_code=exit_code,
        counts=_last_counts(data_dir / "clanstats.db"),
    )


def _last_counts(db: Path) -> dict[str, object]:
    """What the last stage run recorded about its work."""
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT counts FROM stage_runs ORDER BY id DESC LIMIT 1").fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def _wait_with_peak_memory(process: subprocess.Popen[bytes]) -> tuple[int, float | None]:
    """Wait for a child; its peak RSS in MB where the OS tells it (POSIX), else None."""
    if hasattr(os, "wait4"):
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        # ru_maxrss is KiB on Linux and bytes on macOS.
        scale = 1 if sys.platform == "darwin" else 1024
        return process.returncode, round(usage.ru_maxrss * scale / 1_048_576, 1)
    return process.wait(), None


def _measure_dashboard(path: Path) -> dict[str, object]:
    """Size and time-to-interactive of the dashboard, where headless Chromium is installed."""
    if not path.exists():
        return {"skipped": "no dashboard was written"}
    try:
        from clanstats.export.dashboard_bench import measure_dashboard

        return measure_dashboard(path)
    except Exception as exc:  # a missing browser must not sink the other figures
        return {"bytes": path.stat().st_size, "skipped": f"not measured: {exc}"[:200]}


def database_bytes(db: Path) -> int:
    """The database's size with its WAL folded in."""
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db.stat().st_size


def daily_growth(
    db: Path, clan: SimulatedClan, server: FakeWomServer, group_id: int, days: int
) -> dict[str, float]:
    """Replay `days` daily harvests in-process; return growth per member-day and timings."""
    engine = make_engine(f"sqlite:///{db.as_posix()}")
    client = WomClient(
        base_url=server.base_url,
        api_key=API_KEY,
        user_agent="ClanStats bench",
        requests_per_minute=LIMIT,
    )
    before = database_bytes(db)
    members = len(clan.group_details()["memberships"])
    started = time.perf_counter()
    for _ in range(days):
        clan.advance(days=1)
        now = clan.now.astimezone(UTC).replace(tzinfo=None)
        WomHarvest(
            engine=engine,
            client=client,
            group_id=group_id,
            stage_run_id=None,
            lookback_days=365,
            now=now,
        ).run()
    seconds = time.perf_counter() - started
    engine.dispose()
    grown = database_bytes(db) - before
    return {
        "days": days,
        "members": members,
        "bytes_grown": grown,
        "bytes_per_member_day": round(grown / max(members * days, 1), 1),
        "seconds_per_daily_harvest_in_process": round(seconds / max(days, 1), 3),
        "requests_per_day": round(client.stats.requests / max(days, 1), 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print a table, optionally write JSON."""
    parser = argparse.ArgumentParser(prog="python -m clanstats.bench", description=__doc__)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--history-days", type=int, default=365, help="simulated history")
    parser.add_argument("--days", type=int, default=90, help="daily harvests to replay")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    # The clan starts far enough back that the replayed days end today (transform's windows
    # are relative to the real date).
    start = today - timedelta(days=args.days + 1)
    config = SimConfig(seed=42, members=args.members, days=args.history_days, now=start)
    clan = SimulatedClan(config)
    with (
        tempfile.TemporaryDirectory(prefix="clanstats-bench ") as folder,
        FakeWomServer(clan, api_keys=(API_KEY,), limit_with_key=LIMIT) as server,
    ):
        data = Path(folder)
        group = config.group_id
        scenarios = [run_stage(data, server, group, "harvest: first run")]
        clan.advance(days=1)
        scenarios.append(run_stage(data, server, group, "harvest: daily run (one new day)"))
        scenarios.append(run_stage(data, server, group, "harvest: nothing new"))
        size_after_first = database_bytes(data / "clanstats.db")
        scenarios.append(run_stage(data, server, group, "backfill: a year per member", "backfill"))
        growth = daily_growth(data / "clanstats.db", clan, server, group, args.days - 1)
        scenarios.append(run_stage(data, server, group, "transform: first run", "transform"))
        daily_growth(data / "clanstats.db", clan, server, group, 1)
        scenarios.append(
            run_stage(data, server, group, "transform: daily run (one new day)", "transform")
        )
        scenarios.append(run_stage(data, server, group, "transform: nothing new", "transform"))
        for stage in OUTPUT_STAGES:
            scenarios.append(run_stage(data, server, group, f"{stage}: a year of history", stage))
        dashboard = _measure_dashboard(data / "output" / "clan_dashboard.html")
        size_after_year = database_bytes(data / "clanstats.db")
    report = {
        "clan": {"members": args.members, "history_days": args.history_days},
        "scenarios": [asdict(s) for s in scenarios],
        "database_bytes_after_first_runs": size_after_first,
        "database_bytes_with_a_year": size_after_year,
        "dashboard": dashboard,
        "daily_growth": growth,
        "baseline_to_beat": {
            "requests": 1300,
            "minutes": 19,
            "memory_gb": 3.9,
            "bytes_per_member_day": 11_000,
        },
    }
    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0 if all(s.exit_code == 0 for s in scenarios) else 1


def _print(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"ClanStats, {report['clan']['members']} members")
    columns = ("scenario", "time (s)", "peak memory (MB)", "WOM requests", "per-member", "work")
    for column in columns:
        table.add_column(column, justify="left" if column in ("scenario", "work") else "right")
    for s in report["scenarios"]:
        work = s["counts"]
        shown = ", ".join(f"{k} {work[k]}" for k in WORK_SHOWN if k in work)
        table.add_row(
            s["name"],
            str(s["seconds"]),
            str(s["peak_memory_mb"]),
            str(s["requests"]),
            str(s["per_member_requests"]),
            shown,
        )
    console = Console(width=max(Console().width, 132))
    console.print(table)
    growth = report["daily_growth"]
    dashboard = report["dashboard"]
    console.print(
        f"dashboard: {dashboard.get('bytes', 0) / 1e6:.2f} MB, interactive in "
        f"{dashboard.get('interactive_ms', dashboard.get('skipped'))} ms; database with a year of "
        f"history: {report['database_bytes_with_a_year'] / 1e6:.1f} MB"
    )
    console.print(
        f"database after the first runs: {report['database_bytes_after_first_runs'] / 1e6:.1f} MB; "
        f"{growth['days']} daily harvests grew it {growth['bytes_grown'] / 1e6:.2f} MB = "
        f"[bold]{growth['bytes_per_member_day']} bytes per member-day[/] "
        f"({growth['requests_per_day']} requests a day, "
        f"{growth['seconds_per_daily_harvest_in_process']} s each in-process)"
    )


if __name__ == "__main__":
    sys.exit(main())
