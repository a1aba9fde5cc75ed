"""The benchmark's figures: one JSON document, a console table, and the M-size targets."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from clanstats.bench.scenarios import ScenarioFigures
from clanstats.bench.sizes import Size

# Issue 9's targets for the M size on 2 cores.
DAILY_SECONDS, NOTHING_NEW_SECONDS, MEMORY_MB, INTERACTIVE_MS = 60, 10, 1024, 1500
WORK_SHOWN = (
    "new messages",
    "new snapshots",
    "snapshots read",
    "days recomputed",
    "derived",
    "files written",
    "unchanged",
)


def build_report(
    size: Size,
    database: str,
    runs: list[ScenarioFigures],
    dashboard: dict[str, Any],
) -> dict[str, Any]:
    """Every figure of one benchmark, ready for JSON."""
    first, daily = runs[0], runs[1] if len(runs) > 1 else None
    report: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": _cpus(), "python": platform.python_version(), "os": platform.system()},
        "size": {
            "name": size.name,
            "members": size.members,
            "days": size.days,
            "messages": size.messages,
            "groups": size.groups,
        },
        "database": database,
        "scenarios": [run.as_json() for run in runs],
        "dashboard": dashboard,
        "storage": {
            "database_bytes": runs[-1].database_bytes,
            "bytes_per_member_day": round(runs[-1].database_bytes / size.member_days, 1),
            "bytes_per_member_day_by_part": {
                part: round(stored / size.member_days, 1)
                for part, stored in runs[-1].storage_parts.items()
            },
        },
        "discord_harvest": _harvest_rate(first),
    }
    if daily is not None:
        grown = daily.database_bytes - first.database_bytes
        report["storage"]["daily_run_growth_bytes"] = grown
        report["storage"]["daily_growth_bytes_per_member"] = round(grown / size.members, 1)
    report["targets"] = targets(runs, dashboard)
    return report


def _cpus() -> int | None:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _harvest_rate(first: ScenarioFigures) -> dict[str, Any]:
    """Messages stored by the first harvest and how fast, over the whole harvest stage."""
    harvest = next((s for s in first.stages if s.stage == "harvest"), None)
    if harvest is None:
        return {}
    # Counted in the database, not taken from the stage's own count.
    messages = first.messages_stored
    return {
        "messages_served": first.messages_served,
        "messages_stored": messages,
        "harvest_seconds": harvest.seconds,
        "messages_per_second": round(messages / max(harvest.seconds, 0.01)),
        "discord_requests": harvest.requests.discord,
    }


def summed(counts: dict[str, Any], key: str) -> float:
    """A count over every group: `key` alone, or `<group>: key` with several groups."""
    return sum(
        value
        for name, value in counts.items()
        if (name == key or name.endswith(f": {key}")) and isinstance(value, int | float)
    )


def targets(runs: list[ScenarioFigures], dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 9 with the measured figure and whether it is met."""
    by_name = {run.name.split(" ")[0]: run for run in runs}
    found: list[dict[str, Any]] = []
    daily = by_name.get("daily")
    if daily is not None:
        wait = daily.rate_limit_wait_seconds
        found.append(
            _target(
                f"daily run, harvest to sync, under {DAILY_SECONDS} s (rate-limit wait apart)",
                daily.seconds - wait,
                DAILY_SECONDS,
            )
        )
        per_member = sum(s.requests.wom_per_member for s in daily.stages)
        found.append(_target("no per-member WOM requests in a daily run", per_member, 1))
    nothing = by_name.get("nothing")
    if nothing is not None:
        found.append(
            _target(
                f"a run with nothing new under {NOTHING_NEW_SECONDS} s",
                nothing.seconds,
                NOTHING_NEW_SECONDS,
            )
        )
    peaks = [run.peak_memory_mb for run in runs if run.peak_memory_mb is not None]
    if peaks:
        found.append(_target("peak memory under 1 GB (any stage)", max(peaks), MEMORY_MB))
    interactive = dashboard.get("interactive_ms")
    if isinstance(interactive, int | float):
        found.append(
            _target(
                f"dashboard interactive within {INTERACTIVE_MS} ms", interactive, INTERACTIVE_MS
            )
        )
    return found


def _target(name: str, measured: float, limit: float) -> dict[str, Any]:
    return {"target": name, "measured": round(measured, 2), "limit": limit, "met": measured < limit}


def _work(counts: dict[str, Any]) -> list[str]:
    """The counts shown in the table, summed over groups; text counts from the first group."""
    shown = []
    for key in WORK_SHOWN:
        texts = [v for k, v in counts.items() if k == key or k.endswith(f": {key}")]
        if texts and all(isinstance(v, int | float) for v in texts):
            shown.append(f"{key} {summed(counts, key):g}")
        elif texts:
            shown.append(f"{key}: {texts[0]}")
    return shown


def print_report(report: dict[str, Any], console: Console | None = None) -> None:
    """Show the figures as tables."""
    console = console or Console(width=max(Console().width, 140))
    size = report["size"]
    table = Table(
        title=(
            f"ClanStats benchmark {size['name']}: {size['members']:,} members in "
            f"{size['groups']} group(s), {size['days']} days, {size['messages']:,} messages; "
            f"{report['database']}"
        ),
        title_justify="left",
    )
    for column in ("run", "stage", "exit", "s", "peak MB", "WOM", "per-member", "Discord"):
        table.add_column(column, justify="left" if column in ("run", "stage") else "right")
    table.add_column("uploads+posts", justify="right")
    table.add_column("what it did")
    for run in report["scenarios"]:
        table.add_row(run["name"], "backup + migrate", "", f"{run['prepare_seconds']:.1f}")
        for stage in run["stages"]:
            requests, counts = stage["requests"], stage["counts"]
            work = ", ".join(_work(counts))
            table.add_row(
                "",
                stage["stage"],
                str(stage["exit_code"]),
                f"{stage['seconds']:.1f}",
                str(stage["peak_memory_mb"]),
                str(requests["wom"]),
                str(requests["wom_per_member"]),
                str(requests["discord"]),
                str(requests["uploads"] + requests["discord_webhook_posts"]),
                (stage["error"] or work)[:70],
            )
        table.add_row(
            "",
            "[bold]whole run[/]",
            str(run["exit_code"]),
            f"[bold]{run['seconds']:.1f}[/]",
            str(run["peak_memory_mb"]),
            end_section=True,
        )
    console.print(table)
    storage, dashboard, harvest = report["storage"], report["dashboard"], report["discord_harvest"]
    console.print(
        f"database {storage['database_bytes'] / 1e6:.1f} MB = "
        f"{storage['bytes_per_member_day']} bytes per member-day; a daily run grew it "
        f"{storage.get('daily_growth_bytes_per_member', '?')} bytes per member"
    )
    parts = storage.get("bytes_per_member_day_by_part", {})
    console.print(
        "bytes per member-day by part: "
        + ", ".join(f"{part} {value:,.0f}" for part, value in parts.items())
    )
    if harvest:
        console.print(
            f"first harvest: {harvest['messages_stored']:,} of {harvest['messages_served']:,} "
            f"messages in {harvest['harvest_seconds']} s = {harvest['messages_per_second']:,} "
            f"messages/s ({harvest['discord_requests']:,} Discord requests)"
        )
    console.print(
        f"dashboard {dashboard.get('bytes', 0) / 1e6:.2f} MB, interactive in "
        f"{dashboard.get('interactive_ms', dashboard.get('skipped'))} ms"
    )
    for target in report["targets"]:
        mark = "[green]met[/]" if target["met"] else "[red]missed[/]"
        console.print(f"{mark}  {target['target']}: {target['measured']}")
