"""The Clan statistics sheet: what the members are today, and the same figures week by week."""

from __future__ import annotations

import math
from dataclasses import dataclass

from xlsxwriter.chart import Chart
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from clanstats.report.data import ReportData
from clanstats.report.formats import CHART_EHB, CHART_EHP, CHART_XP, Formats
from clanstats.report.layout import (
    FIRST_ROW,
    ROW_HEIGHT,
    Column,
    columns_pixels,
    set_print_area,
    start_sheet,
    write_note,
    write_section,
    write_table,
)
from clanstats.report.queries import StatisticsDay
from clanstats.report.sheets.charts import AXIS_FONT, date_axis

SHEET = "Clan statistics"
# The week-by-week table; its columns also hold the tables above it (labels in A, values in B).
COLUMNS: list[Column[StatisticsDay]] = [
    Column("Week ending", "date", lambda d: d.day),
    Column("Members", "int", lambda d: d.members),
    Column("Measured", "int", lambda d: d.measured),
    Column("Total XP", "int", lambda d: d.measured_value("xp")),
    Column("EHP", "dec1", lambda d: d.measured_value("ehp")),
    Column("EHB", "dec1", lambda d: d.measured_value("ehb")),
    Column("Maxed", "int", lambda d: d.measured_value("maxed_total")),
    Column("Maxed combat", "int", lambda d: d.measured_value("maxed_combat")),
    Column("99s", "int", lambda d: d.measured_value("skills_99")),
    Column("200M skills", "int", lambda d: d.measured_value("skills_200m")),
    Column("Average total level", "dec1", lambda d: d.total_level_average),
    Column("Median total level", "dec1", lambda d: d.total_level_median),
    Column("Average combat level", "dec1", lambda d: d.combat_level_average),
    Column("Median combat level", "dec1", lambda d: d.combat_level_median),
]
HEADERS = [column.header for column in COLUMNS]
# Characters per column; the XP columns (B holds today's total too) grow to fit the clan's XP.
WIDTHS = (22, 15, 10, 15, 10, 10, 8, 9, 7, 9, 10, 10, 10, 10)
XP_COLUMNS = (1, HEADERS.index("Total XP"))
TABLE_HEADER = 45  # points: three lines ("Average / combat / level")
# Today's figures: (label, value kind, StatisticsDay field).
TODAY_FIGURES = (
    ("Members", "int", "members"),
    ("Measured", "int", "measured"),
    ("Total XP", "int", "xp"),
    ("Total EHP", "dec1", "ehp"),
    ("Total EHB", "dec1", "ehb"),
    ("Maxed accounts", "int", "maxed_total"),
    ("Maxed combat (126)", "int", "maxed_combat"),
    ("Skills at 99", "int", "skills_99"),
    ("Skills at 200M XP", "int", "skills_200m"),
    ("Average total level", "dec1", "total_level_average"),
    ("Median total level", "dec1", "total_level_median"),
    ("Average combat level", "dec1", "combat_level_average"),
    ("Median combat level", "dec1", "combat_level_median"),
)
ALWAYS_KNOWN = frozenset({"members", "measured"})
ACCOUNT_TYPES = (
    ("Regular", "regular"),
    ("Ironman", "ironman"),
    ("Hardcore ironman", "hardcore"),
    ("Ultimate ironman", "ultimate"),
    ("Other or unknown", "other_type"),
)
CHART_COLUMN = 3  # D: the charts sit right of today's tables
CHART_HEIGHT, CHART_GAP = 230, 10  # pixels
ROW_PIXELS = ROW_HEIGHT * 4 // 3  # a default row: 15 points are 20 pixels
AXIS_TICKS = 6
GRIDLINES = {"visible": True, "line": {"color": "#E0E0E0"}}


@dataclass(frozen=True)
class Figure:
    """A labelled figure of today's clan (None: no data)."""

    label: str
    kind: str
    value: float | None
    share: float | None = None  # of the members, for an account type


def write_clan_statistics(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Clan statistics sheet: today's clan, the weeks newest first, two charts."""
    days = data.statistics
    latest = days[0].day if days else data.today
    sheet = start_sheet(
        workbook,
        formats,
        SHEET,
        "Clan statistics",
        f"What the members were on {latest:%Y-%m-%d} (clan time) and at the end (Sunday) of each "
        "week before it, up to a year; the week-by-week table is newest first, its first row "
        "this week so far. Measured: members with a WOM snapshot by that day's end; the totals, "
        "maxed accounts, 99s, 200M skills and levels count only them. Account types are known "
        "for today only: WOM says what an account is now, not what it was.",
    )
    if not days:
        write_note(
            sheet,
            formats,
            FIRST_ROW,
            "No clan statistics yet: they need a stored WOM snapshot (run harvest and transform).",
        )
        return
    for col, width in enumerate(_widths(days)):
        sheet.set_column(col, col, width)
    row = _today(sheet, formats, days[0], FIRST_ROW)
    row = _account_types(sheet, formats, days[0], row + 1)
    charted = len(_measured(days, "xp")) >= 2  # a trend needs two measured days
    if charted:
        row = max(row, FIRST_ROW + math.ceil((2 * CHART_HEIGHT + CHART_GAP) / ROW_PIXELS))
    top = write_section(sheet, formats, row + 1, "Week by week")
    end = write_table(
        sheet,
        formats,
        top,
        COLUMNS,
        days,
        autofilter=False,
        set_widths=False,
        header_height=TABLE_HEADER,
    )
    if charted:
        _add_charts(workbook, sheet, days, top + 1, end - 1)
    set_print_area(sheet, end - 1, len(COLUMNS) - 1, header_row=top)


def _widths(days: list[StatisticsDay]) -> list[float]:
    """Each column's width in characters, the XP columns wide enough for the largest total."""
    largest = max(_measured(days, "xp"), default=0)
    xp_width = max(WIDTHS[XP_COLUMNS[0]], len(f"{largest:,.0f}") + 3)
    return [xp_width if col in XP_COLUMNS else width for col, width in enumerate(WIDTHS)]


def _measured(days: list[StatisticsDay], field: str) -> list[float]:
    """A figure of each day someone was measured."""
    return [value for value in (d.measured_value(field) for d in days) if value is not None]


def _small_table(
    sheet: Worksheet, formats: Formats, row: int, columns: list[Column[Figure]], items: list[Figure]
) -> int:
    """A table of today's figures: no filter, the sheet's widths, one-line headers."""
    return write_table(
        sheet, formats, row, columns, items, autofilter=False, set_widths=False, header_height=16
    )


def _today(sheet: Worksheet, formats: Formats, today: StatisticsDay, row: int) -> int:
    row = write_section(sheet, formats, row, f"The clan on {today.day:%a %d %b %Y}")
    figures = [
        Figure(
            label,
            kind,
            getattr(today, field) if field in ALWAYS_KNOWN else today.measured_value(field),
        )
        for label, kind, field in TODAY_FIGURES
    ]
    columns: list[Column[Figure]] = [
        Column("Measure", "text", lambda f: f.label),
        Column("Value", "int", lambda f: f.value, kind_of=lambda f: f.kind),
    ]
    return _small_table(sheet, formats, row, columns, figures)


def _account_types(sheet: Worksheet, formats: Formats, today: StatisticsDay, row: int) -> int:
    row = write_section(sheet, formats, row, "Members by account type")
    counts = [getattr(today, field) for _, field in ACCOUNT_TYPES]
    if all(count is None for count in counts):
        return write_note(
            sheet, formats, row, "Account types are known for today only: run transform."
        )
    figures = [
        Figure(
            label,
            "int",
            count,
            count / today.members if count is not None and today.members else None,
        )
        for (label, _), count in zip(ACCOUNT_TYPES, counts, strict=True)
    ]
    columns: list[Column[Figure]] = [
        Column("Account type", "text", lambda f: f.label),
        Column("Members", "int", lambda f: f.value),
        Column("Share", "pct", lambda f: f.share),
    ]
    return _small_table(sheet, formats, row, columns, figures)


def _add_charts(
    workbook: Workbook, sheet: Worksheet, days: list[StatisticsDay], first: int, last: int
) -> None:
    """Chart total XP, and EHP and EHB, from the week-by-week table's rows first..last, one
    above the other right of today's tables."""
    size = {
        "width": columns_pixels(sheet, CHART_COLUMN, len(COLUMNS) - 1) - CHART_GAP,
        "height": CHART_HEIGHT,
    }
    major_days = 7 * max(1, math.ceil(len(days) / 12))  # a dozen labels at most
    xp = _line_chart(workbook, "Total XP at each week's end", size, major_days)
    xp.add_series(_series(first, last, "Total XP", CHART_XP))
    xp.set_y_axis(_fitted_axis(_measured(days, "xp")))
    xp.set_legend({"none": True})
    sheet.insert_chart(FIRST_ROW, CHART_COLUMN, xp, {"x_offset": CHART_GAP})
    # EHB on its own axis: on EHP's, a clan's few thousand hours of bossing would lie flat.
    hours = _line_chart(workbook, "Total EHP and EHB (hours) at each week's end", size, major_days)
    hours.add_series(_series(first, last, "EHP", CHART_EHP))
    hours.add_series({**_series(first, last, "EHB", CHART_EHB), "y2_axis": True})
    hours.set_y_axis({"name": "EHP", **_fitted_axis(_measured(days, "ehp"))})
    hours.set_y2_axis({"name": "EHB", **_fitted_axis(_measured(days, "ehb"))})
    hours.set_legend({"position": "top"})
    place = {"x_offset": CHART_GAP, "y_offset": CHART_HEIGHT + CHART_GAP}
    sheet.insert_chart(FIRST_ROW, CHART_COLUMN, hours, place)


def _line_chart(workbook: Workbook, title: str, size: dict[str, float], major_days: int) -> Chart:
    """A line chart over the weeks' ends, titled, `size` pixels."""
    chart = workbook.add_chart({"type": "line"})
    chart.set_title({"name": title, "name_font": {"size": 11}})
    chart.set_x_axis(date_axis(major_days=major_days))
    chart.set_size(size)
    return chart


def _series(first: int, last: int, header: str, colour: str) -> dict[str, object]:
    """One week-by-week column over rows first..last, the week ends as dates."""
    column = HEADERS.index(header)
    return {
        "name": header,
        "categories": [SHEET, first, 0, last, 0],
        "values": [SHEET, first, column, last, column],
        "line": {"color": colour, "width": 2.25},
        "marker": {
            "type": "circle",
            "size": 4,
            "fill": {"color": colour},
            "border": {"none": True},
        },
    }


def _fitted_axis(values: list[float]) -> dict[str, object]:
    """A value axis fitted to these totals (a year's growth would lie flat on an axis from 0),
    in steps of 1, 2 or 5 x 10^n labelled in B, M or K ("5.2B"), with as many decimals as the
    step needs so that no two labels read the same."""
    style = {"num_font": AXIS_FONT, "major_gridlines": GRIDLINES}
    if not values:
        return {"num_format": "#,##0", **style}
    low, high = min(values), max(values)
    span = max(high - low, abs(high) / 100, 1.0)
    power = 10 ** math.floor(math.log10(span / AXIS_TICKS))
    step = next(f * power for f in (1, 2, 5, 10) if f * power * AXIS_TICKS >= span)
    unit, suffix = next(
        ((u, s) for u, s in ((10**9, "B"), (10**6, "M"), (10**3, "K")) if high >= u), (1, "")
    )
    decimals = max(0, -math.floor(math.log10(step / unit) + 1e-9))
    number = "#,##0" + ("." + "0" * decimals if decimals else "")
    scaling = "," * round(math.log10(unit) / 3)
    return {
        "min": math.floor(low / step) * step,
        "max": max(math.ceil(high / step), math.floor(low / step) + 1) * step,
        "major_unit": step,
        "num_format": number + scaling + (f'"{suffix}"' if suffix else ""),
        **style,
    }
