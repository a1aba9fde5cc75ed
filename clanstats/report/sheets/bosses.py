"""The Bosses sheet: kills gained per member per boss over 30 days, with totals."""

from __future__ import annotations

from collections.abc import Callable

from xlsxwriter.workbook import Workbook

from clanstats.report.data import ReportData
from clanstats.report.formats import BOSS_HIGH, BOSS_LOW, Formats
from clanstats.report.layout import (
    FIRST_ROW,
    Column,
    add_colour_scale,
    add_light_scale,
    metric_label,
    set_print_area,
    start_sheet,
    write_note,
    write_table,
    write_value,
)
from clanstats.report.queries import Member

BOSS_COLUMN_WIDTH = 6.5
HEADER_HEIGHT = 150  # points: room for the longest boss name, rotated
# The print shows the most-killed bosses, one page wide at a readable size; all on screen.
PRINTED_BOSSES = 20


def write_bosses(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Bosses sheet."""
    sheet = start_sheet(
        workbook,
        formats,
        "Bosses",
        "Boss kills, last 30 days",
        f"Kills gained by each current member per boss in the 30 days to {data.today:%Y-%m-%d} "
        "(clan time). Only bosses someone killed; most-killed boss first; totals at the bottom. "
        f"Printed: the {PRINTED_BOSSES} most-killed bosses (every boss is on screen).",
    )
    members = [m for m in data.current_members if data.bosses.get(m.player_id)]
    if not members:
        write_note(
            sheet, formats, FIRST_ROW, "No current member gained a boss kill in the last 30 days."
        )
        return
    kills = {m.player_id: data.bosses[m.player_id] for m in members}
    totals: dict[str, float] = {}
    for per_boss in kills.values():
        for boss, gained in per_boss.items():
            totals[boss] = totals.get(boss, 0.0) + gained
    bosses = sorted(totals, key=lambda boss: (-totals[boss], boss))
    members.sort(key=lambda m: (-sum(kills[m.player_id].values()), m.display_name.lower()))

    columns: list[Column[Member]] = [
        Column("Name", "text", lambda m: data.label(m.player_id), width=24),
        Column("Total", "int", lambda m: sum(kills[m.player_id].values()), width=8),
    ]
    columns += [
        Column(metric_label(boss), "int", _kills_of(kills, boss), width=BOSS_COLUMN_WIDTH)
        for boss in bosses
    ]
    end = write_table(sheet, formats, FIRST_ROW, columns, members, header_height=HEADER_HEIGHT)
    # Boss names read upwards so 50 bosses fit on a screen.
    for offset, column in enumerate(columns[2:], start=2):
        sheet.write_string(FIRST_ROW, offset, column.header, formats.header(rotated=True))
    sheet.freeze_panes(FIRST_ROW + 1, 1)
    set_print_area(sheet, end, min(len(columns), 2 + PRINTED_BOSSES) - 1, header_row=FIRST_ROW)

    total_format = formats.cell("int", bold=True)
    sheet.write_string(end, 0, "All members", formats.cell("text", bold=True))
    write_value(sheet, end, 1, sum(totals.values()), total_format)
    for offset, boss in enumerate(bosses, start=2):
        write_value(sheet, end, offset, totals[boss], total_format)
    first, last = FIRST_ROW + 1, end - 1
    add_light_scale(sheet, first, last, 1)
    add_colour_scale(
        sheet, first, last, 2, len(columns) - 1, min_color=BOSS_LOW, max_color=BOSS_HIGH
    )


def _kills_of(kills: dict[int, dict[str, float]], boss: str) -> Callable[[Member], float | None]:
    """A getter for one boss's kills (None, an empty cell, when the member killed none)."""
    return lambda m: kills[m.player_id].get(boss)
