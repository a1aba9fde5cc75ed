"""The Unlinked sheet: Discord users and members still to link, and ambiguous names."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook

from clanstats.report.data import ReportData
from clanstats.report.formats import Formats
from clanstats.report.layout import (
    FIRST_ROW,
    Column,
    set_print_area,
    start_sheet,
    write_note,
    write_table,
)
from clanstats.report.queries import IdentityIssue

ISSUE_KINDS = {
    "unlinked_discord": "Discord user, no member",
    "unlinked_member": "Member, no Discord",
    "ambiguous": "Name fits several",
    "manual_unknown_rsn": "identity.csv: unknown name",
    "unknown_relay_name": "Relay name, no member",
}
SUBJECTS = {
    "unlinked_discord": "Discord user id",
    "unlinked_member": "WOM player id",
    "unknown_relay_name": "relay name",
}


def write_unlinked(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Unlinked sheet."""
    sheet = start_sheet(
        workbook,
        formats,
        "Unlinked",
        "Unlinked identities",
        "Who transform could not link between Discord and the clan as of "
        f"{data.today:%Y-%m-%d}, and what to do: most are fixed by a `discord_user_id,rsn` line "
        "in identity.csv.",
    )
    if not data.issues:
        write_note(sheet, formats, FIRST_ROW, "Everyone is linked (or Discord is not set up).")
        return
    columns: list[Column[IdentityIssue]] = [
        Column("Kind", "text", lambda i: ISSUE_KINDS.get(i.kind, i.kind.replace("_", " "))),
        Column("Name", "text", lambda i: i.name, width=24),
        # Ids stay text: a 19-digit Discord id would lose its last digits as an Excel number.
        Column("Id", "text", lambda i: i.subject, width=21),
        Column("Id is", "text", lambda i: SUBJECTS.get(i.kind, "")),
        Column("What to do", "text", lambda i: i.detail, width=70),
    ]
    end = write_table(sheet, formats, FIRST_ROW, columns, data.issues)
    sheet.freeze_panes(FIRST_ROW + 1, 0)
    set_print_area(sheet, end - 1, len(columns) - 1, header_row=FIRST_ROW)
