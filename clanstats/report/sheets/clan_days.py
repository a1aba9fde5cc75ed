"""The Clan days sheet: the clan's daily numbers for a year (the Summary's charts read it)."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook

from clanstats.report.data import HISTORY_DAYS, RECENT_DAYS, ReportData
from clanstats.report.formats import Formats
from clanstats.report.layout import (
    FIRST_ROW,
    Column,
    set_print_area,
    start_sheet,
    write_note,
    write_table,
)
from clanstats.report.queries import ClanDay

SHEET = "Clan days"
COLUMNS: list[Column[ClanDay]] = [
    Column("Date", "date", lambda d: d.day),
    Column("Members", "int", lambda d: d.members),
    Column("Joins", "int", lambda d: d.joins),
    Column("Leaves", "int", lambda d: d.leaves),
    Column("Active members", "int", lambda d: d.active_members),
    Column("XP", "int", lambda d: d.xp),
    Column("EHP", "dec1", lambda d: d.ehp),
    Column("EHB", "dec1", lambda d: d.ehb),
    Column("Boss kills", "int", lambda d: d.boss_kills),
    Column("Messages", "int", lambda d: d.messages),
]
HEADERS = [column.header for column in COLUMNS]
FIRST_DATA_ROW = FIRST_ROW + 1


def write_clan_days(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Clan days sheet, oldest day first."""
    sheet = start_sheet(
        workbook,
        formats,
        SHEET,
        "Clan days",
        f"The clan's members, joins, leaves, active members and totals per day for the "
        f"{HISTORY_DAYS} days to {data.today:%Y-%m-%d} (clan time), oldest first; the last row, "
        f"today, is the day so far. Printed: the last {RECENT_DAYS} days.",
        portrait=True,
    )
    if not data.days:
        write_note(sheet, formats, FIRST_ROW, "No clan days yet: run harvest and transform.")
        return
    end = write_table(sheet, formats, FIRST_ROW, COLUMNS, data.days)
    sheet.freeze_panes(FIRST_DATA_ROW, 1)
    set_print_area(sheet, end - 1, len(COLUMNS) - 1)
    # The print: the last 90 days (the Summary's charts), under the title and header rows,
    # which repeat on every page.
    first_printed = max(FIRST_DATA_ROW, end - RECENT_DAYS)
    sheet.print_area(first_printed, 0, end - 1, len(COLUMNS) - 1)
    sheet.repeat_rows(0, FIRST_ROW)
