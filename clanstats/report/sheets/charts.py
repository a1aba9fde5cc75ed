"""The Summary's native Excel charts, drawn from the Clan days sheet.

They end at yesterday: today is not over, and its numbers so far would read as a collapse.
"""

from __future__ import annotations

from datetime import timedelta

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from clanstats.report.data import RECENT_DAYS, ReportData
from clanstats.report.formats import CHART_MEMBERS, CHART_MESSAGES, CHART_XP, FONT, Formats
from clanstats.report.sheets.clan_days import FIRST_DATA_ROW, HEADERS, SHEET

CHART_SIZE = {"width": 680, "height": 330}
CHART_COLUMNS = 11  # default-width columns (64 px) the charts span: 680 px and a margin
AXIS_FONT = {"name": FONT, "size": 9}


def add_summary_charts(
    workbook: Workbook, sheet: Worksheet, formats: Formats, data: ReportData, row: int, col: int
) -> int:
    """Insert the activity and membership charts at (row, col) and the note under them.

    Return the row below them. Without a full day (only today, or no day at all) there is no
    chart and no note.
    """
    full_days = full_day_count(data)
    if not full_days:
        return row
    # Clan days lists the days oldest first and today (if there) last: its row is left out.
    last = FIRST_DATA_ROW + full_days - 1
    recent_first = max(FIRST_DATA_ROW, last - RECENT_DAYS + 1)
    recent = [d.xp for d in data.days if d.day < data.today][-RECENT_DAYS:]
    xp_axis = xp_axis_scale(max(recent, default=0))
    sheet.insert_chart(row, col, _activity_chart(workbook, recent_first, last, xp_axis))
    sheet.insert_chart(row + 18, col, _members_chart(workbook, FIRST_DATA_ROW, last))
    yesterday = data.today - timedelta(days=1)
    note = (
        f"The charts end at yesterday ({yesterday:%a %d %b}): today is not over, so its numbers "
        f"so far are left out (the {SHEET} sheet lists them)."
    )
    # Wrapped under the charts, inside the printed width, in a cell two rows tall: a taller row
    # would stretch whatever the tables on the left have on it.
    sheet.merge_range(row + 36, col, row + 37, col + CHART_COLUMNS - 1, note, formats.note_wrapped)
    return row + 38


MAX_TICKS = 8


def xp_axis_scale(largest: float) -> dict[str, object]:
    """The XP axis's labels: whole millions ("0M, 1M, 2M") for a clan gaining millions a day,
    whole thousands ("0K, 200K") below that, plain counts for a small clan. The step is a
    whole 1, 2 or 5 x 10^n of the unit, so no two labels round to the same text."""
    for unit, num_format in ((1_000_000, '#,##0,,"M"'), (1_000, '#,##0,"K"')):
        if largest >= 2 * unit:
            return {"num_format": num_format, "major_unit": _step(largest, unit), "min": 0}
    return {"num_format": "#,##0", "min": 0}


def _step(largest: float, unit: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... units giving at most MAX_TICKS steps."""
    power = unit
    while True:
        for factor in (1, 2, 5):
            if largest / (factor * power) <= MAX_TICKS:
                return factor * power
        power *= 10


def full_day_count(data: ReportData) -> int:
    """How many of the clan days are over: every one before today."""
    return sum(day.day < data.today for day in data.days)


def _series(first: int, last: int, header: str, **style: object) -> dict[str, object]:
    """One Clan days column as a series over rows first..last, dates as categories."""
    column = HEADERS.index(header)
    return {
        "name": header,
        "categories": [SHEET, first, 0, last, 0],
        "values": [SHEET, first, column, last, column],
        **style,
    }


def _activity_chart(
    workbook: Workbook, first: int, last: int, xp_axis: dict[str, object]
) -> object:
    """Daily XP (columns) and messages (a line on the right axis) over the 90 days to yesterday."""
    chart = workbook.add_chart({"type": "column"})
    chart.add_series(_series(first, last, "XP", fill={"color": CHART_XP}, gap=40))
    messages = workbook.add_chart({"type": "line"})
    messages.add_series(
        _series(
            first,
            last,
            "Messages",
            line={"color": CHART_MESSAGES, "width": 1.75},
            y2_axis=True,
        )
    )
    chart.combine(messages)
    chart.set_title(
        {
            "name": f"XP and messages per day, the {RECENT_DAYS} days to yesterday",
            "name_font": {"size": 12},
        }
    )
    chart.set_x_axis(date_axis(major_days=14))
    chart.set_y_axis(
        {
            "name": "XP",
            **xp_axis,
            "num_font": AXIS_FONT,
            "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}},
        }
    )
    messages.set_y2_axis({"name": "Messages", "num_format": "#,##0", "num_font": AXIS_FONT})
    chart.set_legend({"position": "bottom"})
    chart.set_size(CHART_SIZE)
    return chart


def _members_chart(workbook: Workbook, first: int, last: int) -> object:
    """Members and active members per day over the year to yesterday."""
    chart = workbook.add_chart({"type": "line"})
    chart.add_series(_series(first, last, "Members", line={"color": CHART_MEMBERS, "width": 2.25}))
    chart.add_series(
        _series(
            first,
            last,
            "Active members",
            line={"color": CHART_XP, "width": 1.25},
        )
    )
    chart.set_title(
        {"name": "Members and active members per day, to yesterday", "name_font": {"size": 12}}
    )
    chart.set_x_axis(date_axis(major_days=30))
    chart.set_y_axis(
        {
            "name": "Members",
            "min": 0,
            "num_font": AXIS_FONT,
            "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}},
        }
    )
    chart.set_legend({"position": "bottom"})
    chart.set_size(CHART_SIZE)
    return chart


def date_axis(*, major_days: int) -> dict[str, object]:
    """A chart's date axis: "4 Nov" labels every `major_days` days, slanted."""
    return {
        "date_axis": True,
        "num_format": "d mmm",
        "major_unit": major_days,
        "major_unit_type": "days",
        "num_font": {**AXIS_FONT, "rotation": -45},
    }
