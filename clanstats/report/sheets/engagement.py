"""The Milestones and Seasons sheets."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook

from clanstats.report.data import RECENT_DAYS, ReportData
from clanstats.report.formats import Formats
from clanstats.report.layout import (
    FIRST_ROW,
    Column,
    add_light_scale,
    set_print_area,
    start_sheet,
    write_note,
    write_table,
)
from clanstats.report.queries import Milestone, SeasonRow

MILESTONE_KINDS = {
    "achievement": "Achievement",
    "anniversary": "Anniversary",
    "messages": "Messages",
}


def write_milestones(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Milestones sheet: the last 90 days' milestones, newest first."""
    sheet = start_sheet(
        workbook,
        formats,
        "Milestones",
        "Milestones",
        f"WOM achievements, years in the clan and message milestones in the {RECENT_DAYS} days "
        f"to {data.today:%Y-%m-%d} (clan time), newest first.",
        portrait=True,
    )
    if not data.milestones:
        write_note(sheet, formats, FIRST_ROW, f"No milestones in the last {RECENT_DAYS} days.")
        return
    columns: list[Column[Milestone]] = [
        Column("Date", "date", lambda m: m.occurred_on),
        Column("Name", "text", lambda m: data.label(m.player_id), width=24),
        Column("Kind", "text", lambda m: MILESTONE_KINDS.get(m.kind, m.kind), width=13),
        Column("Milestone", "text", lambda m: m.title, width=44),
    ]
    end = write_table(sheet, formats, FIRST_ROW, columns, data.milestones)
    sheet.freeze_panes(FIRST_ROW + 1, 0)
    set_print_area(sheet, end - 1, len(columns) - 1, header_row=FIRST_ROW)


def _no_standings(data: ReportData) -> str:
    """Why the Seasons sheet is empty: no season set up, or nobody with points yet."""
    if not data.season_dates:
        return "No seasons: add one under `seasons:` in rules.yaml (see rules.example.yaml)."
    why = "no member data yet: run harvest" if not data.members else "nobody has points yet"
    names = ", ".join(data.season_dates)
    return f"No standings yet for {names}: {why}."


def write_seasons(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Seasons sheet: every season's standings, the current season first."""
    sheet = start_sheet(
        workbook,
        formats,
        "Seasons",
        "Seasons",
        "Points and places in each season from rules.yaml (current season first), with its "
        "first and last day; points weigh the gains and messages the season names, as of "
        f"{data.today:%Y-%m-%d}.",
        portrait=True,
    )
    if not data.seasons:
        write_note(sheet, formats, FIRST_ROW, _no_standings(data))
        return
    dates = data.season_dates
    columns: list[Column[SeasonRow]] = [
        Column("Season", "text", lambda s: s.season, width=22),
        Column("Starts", "date", lambda s: dates[s.season][0] if s.season in dates else None),
        Column("Ends", "date", lambda s: dates[s.season][1] if s.season in dates else None),
        Column("Current", "text", lambda s: s.is_current, width=8),
        Column("Place", "rank", lambda s: s.place, width=7),
        Column("Name", "text", lambda s: data.label(s.player_id), width=22),
        Column("Points", "dec1", lambda s: s.points, width=10),
    ]
    end = write_table(sheet, formats, FIRST_ROW, columns, data.seasons)
    sheet.freeze_panes(FIRST_ROW + 1, 0)
    set_print_area(sheet, end - 1, len(columns) - 1, header_row=FIRST_ROW)
    add_light_scale(sheet, FIRST_ROW + 1, end - 1, len(columns) - 1)
