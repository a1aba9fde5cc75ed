"""`main.py sync --status`: each target's last sync, what changed and what failed."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from clanstats.sync.history import last_success, latest_per_target

OUTCOME_STYLES = {"ok": "green", "skipped": "dim", "partial": "yellow", "failed": "red"}


def sync_status_table(engine: Engine, group_id: int) -> Table:
    """Return a table with one row per target that has ever synced."""
    table = Table(title="Sync targets")
    for column in ("target", "kind", "last sync (UTC)", "outcome", "files changed"):
        table.add_column(column)
    table.add_column("last success (UTC)")
    table.add_column("last error", overflow="fold")
    with Session(engine) as session:
        for row in latest_per_target(session, group_id=group_id):
            success = last_success(session, group_id=group_id, target=row.target)
            style = OUTCOME_STYLES.get(row.outcome, "")
            outcome = f"[{style}]{row.outcome}[/]" + (" (dry run)" if row.dry_run else "")
            table.add_row(
                row.target,
                row.kind,
                f"{row.finished_at:%Y-%m-%d %H:%M}",
                outcome,
                str(row.files_changed),
                f"{success.finished_at:%Y-%m-%d %H:%M}" if success else "never",
                row.error or "",
            )
    return table


def show_sync_status(engine: Engine, group_id: int, *, console: Console | None = None) -> None:
    """Print each target's last sync, outcome, files changed and last error."""
    table = sync_status_table(engine, group_id)
    out = console or Console()
    if table.row_count == 0:
        out.print("No sync has run yet: add sync_targets to rules.yaml and run `main.py sync`.")
        return
    out.print(table)
