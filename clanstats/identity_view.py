"""`main.py identity`: who is linked to whom, and what the officers should sort out."""

from __future__ import annotations

from rich.table import Table
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from clanstats.db.models import IdentityIssue, IdentityLink
from clanstats.logs import console

ISSUE_TITLES = {
    "unlinked_member": "Members without a Discord link",
    "unlinked_discord": "Discord users who aren't linked to a member",
    "ambiguous": "Ambiguous matches (fix with identity.csv)",
    "manual_unknown_rsn": "identity.csv lines naming nobody in the clan",
    "unknown_relay_name": "Relay-chat names that match no member",
}


def show_identity(engine: Engine, group_id: int) -> None:
    """Print link counts by source and every open identity issue, grouped by kind."""
    with Session(engine) as session:
        by_source = dict(
            session.execute(
                select(IdentityLink.source, func.count())
                .where(IdentityLink.group_id == group_id)
                .group_by(IdentityLink.source)
            ).all()
        )
        issues = session.scalars(
            select(IdentityIssue)
            .where(IdentityIssue.group_id == group_id)
            .order_by(IdentityIssue.kind, IdentityIssue.name)
        ).all()
    console.print(
        f"Linked: {by_source.get('manual', 0)} from identity.csv, "
        f"{by_source.get('name', 0)} by matching names. Run `main.py transform` to refresh."
    )
    for kind, title in ISSUE_TITLES.items():
        rows = [issue for issue in issues if issue.kind == kind]
        if not rows:
            continue
        table = Table(title=f"{title} ({len(rows)})", title_justify="left")
        table.add_column("name")
        table.add_column("id")
        table.add_column("what to do")
        for issue in rows:
            table.add_row(issue.name, issue.subject, issue.detail)
        console.print(table)
