"""The Recruits sheet: new recruits to welcome, retention by month joined, and every recruit."""

from __future__ import annotations

from collections.abc import Callable

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from clanstats.report.data import ReportData
from clanstats.report.formats import STATUS_COLOURS, Formats
from clanstats.report.layout import (
    FIRST_ROW,
    Column,
    set_print_area,
    start_sheet,
    write_note,
    write_section,
    write_table,
    write_value,
)
from clanstats.report.recruit_queries import MARKS, Cohort, RecruitRow, cohorts_total

SHEET = "Recruits"
UNKNOWN = "unknown"
# Per mark: (header, kind, field of MarkCounts, share of those who reached it?, width).
MARK_FIGURES = (
    ("Reached", "int", "reached", False, 8),
    ("Stayed", "int", "stayed", False, 7.5),
    ("Stayed %", "pct", "stayed", True, 8),
    ("Active", "int", "active", False, 7.5),
    ("Active %", "pct", "active", True, 8),
    ("Unknown", "int", "unknown", False, 9),
)
# The tables share the sheet's columns (characters wide): the retention table's (A the month,
# B and C its counts, D on each mark's figures), B to F wide enough for the recruits' dates.
NAME_WIDTH, COUNT_WIDTH, DATE_WIDTH, DATE_COLUMNS = 20, 9, 11, range(1, 6)
WIDTHS = [
    max(width, DATE_WIDTH) if col in DATE_COLUMNS else width
    for col, width in enumerate(
        (NAME_WIDTH, COUNT_WIDTH, COUNT_WIDTH, *[f[-1] for f in MARK_FIGURES] * len(MARKS))
    )
]
# The answers' colours: stayed or active, left or not active, activity unknown.
ANSWER_COLOURS = {"yes": "active", "no": "quiet", UNKNOWN: "unknown"}


def write_recruits(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Recruits sheet: whom to welcome, each month's retention, every recruit."""
    sheet = start_sheet(
        workbook,
        formats,
        SHEET,
        "Recruits",
        f"Members who joined after the clan was on WOM (not the founding roster), counted from "
        f"their latest join, as of {data.today:%Y-%m-%d}. 30, 90 and 180 days after joining: "
        "stayed = still in the clan; active = stayed and had any XP, EHP, EHB, boss kill or "
        "Discord message in the 30 days up to then; unknown = stayed, but those 30 days lie "
        "before ClanStats first saw their game after they joined. Percentages are of the "
        "recruits who reached the mark; empty until someone has. To welcome: current members "
        "who joined in the last 30 days with no message or no game progress yet.",
    )
    if not data.recruits and not data.cohorts:
        write_note(
            sheet,
            formats,
            FIRST_ROW,
            "No recruits yet: members who join after the clan registered on WOM show here "
            "(run harvest and transform).",
        )
        return
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width)
    row = _welcome(sheet, formats, data, FIRST_ROW)
    row, header = _retention(sheet, formats, data.cohorts, row + 1)
    if data.recruits:
        row, header = _every_recruit(sheet, formats, data, row + 1)
    set_print_area(sheet, row - 1, len(WIDTHS) - 1, header_row=header)


def _welcome(sheet: Worksheet, formats: Formats, data: ReportData, row: int) -> int:
    """The current recruits still to welcome, longest in the clan first; return the next row."""
    row = write_section(sheet, formats, row, "New recruits to welcome")
    to_welcome = [r for r in data.recruits if r.welcome and r.left_on is None]
    if not to_welcome:
        return write_note(sheet, formats, row, "No new recruit needs a welcome.")
    to_welcome.sort(key=lambda r: (r.joined_on, data.name(r.player_id).lower()))
    columns: list[Column[RecruitRow]] = [
        Column("Name", "text", lambda r: data.label(r.player_id)),
        Column("Joined", "date", lambda r: r.joined_on),
        Column("Days in the clan", "int", lambda r: max(0, (data.today - r.joined_on).days)),
        Column("First message", "date", lambda r: r.first_message_on),
        Column("First game progress", "date", lambda r: r.first_game_on),
        # Last: the longest text runs on into the empty cells to its right.
        Column("Still missing", "text", lambda r: r.welcome),
    ]
    return write_table(sheet, formats, row, columns, to_welcome, autofilter=False, set_widths=False)


def _cohort_columns() -> list[Column[Cohort]]:
    """The retention table's columns: the month, its counts, then six figures per mark."""
    columns: list[Column[Cohort]] = [
        Column("Month joined", "month", lambda c: c.month),
        Column("Recruits", "int", lambda c: c.recruits),
        Column("Still in", "int", lambda c: c.still_in),
    ]
    columns += [
        Column(header, kind, _mark_figure(days, field, share))
        for days in MARKS
        for header, kind, field, share, _ in MARK_FIGURES
    ]
    return columns


def _mark_figure(days: int, field: str, share: bool) -> Callable[[Cohort], float | None]:
    """A getter for one figure at one mark: how many reached it (0 too), else a count or a
    share of them, empty while nobody has."""

    def figure(cohort: Cohort) -> float | None:
        counts = cohort.at(days)
        if field == "reached":
            return counts.reached
        return counts.share(field) if share else counts.count(field)

    return figure


def _retention(
    sheet: Worksheet, formats: Formats, cohorts: list[Cohort], row: int
) -> tuple[int, int]:
    """Each month's recruits at 30, 90 and 180 days, newest first, then every month together;
    return the next free row and the table's header row."""
    row = write_section(sheet, formats, row, "Retention by month joined")
    if not cohorts:
        return write_note(sheet, formats, row, "No month has recruits yet."), row
    columns = _cohort_columns()
    fixed = len(columns) - len(MARKS) * len(MARK_FIGURES)
    # A band over each mark's columns above the table's own header.
    for col in range(fixed):
        sheet.write_blank(row, col, None, formats.header())
    for index, days in enumerate(MARKS):
        first = fixed + index * len(MARK_FIGURES)
        last = first + len(MARK_FIGURES) - 1
        sheet.merge_range(
            row, first, row, last, f"{days} days after joining", formats.header("group")
        )
    header = row + 1
    end = write_table(sheet, formats, header, columns, cohorts, autofilter=False, set_widths=False)
    if len(cohorts) > 1:
        total = cohorts_total(cohorts)
        sheet.write_string(end, 0, "All months", formats.cell("text", bold=True))
        for col, column in enumerate(columns[1:], start=1):
            write_value(sheet, end, col, column.value(total), formats.cell(column.kind, bold=True))
        end += 1
    return end, header


def _every_recruit(
    sheet: Worksheet, formats: Formats, data: ReportData, row: int
) -> tuple[int, int]:
    """Every recruit, newest join first, former members greyed; return the next free row and
    the table's header row."""
    row = write_section(sheet, formats, row, "Every recruit, newest first")
    columns: list[Column[RecruitRow]] = [
        Column("Name", "text", lambda r: data.label(r.player_id)),
        Column("Joined", "date", lambda r: r.joined_on),
        Column("Month joined", "month", lambda r: r.cohort),
        Column("Left", "date", lambda r: r.left_on),
        Column("First message", "date", lambda r: r.first_message_on),
        Column("First game progress", "date", lambda r: r.first_game_on),
    ]
    for days in MARKS:
        columns.append(Column(f"Stayed {days}d", "flag", _answer(days, "stayed")))
        columns.append(Column(f"Active {days}d", "flag", _answer(days, "active")))
    end = write_table(
        sheet,
        formats,
        row,
        columns,
        data.recruits,
        muted=lambda r: r.left_on is not None,
        set_widths=False,
    )
    first_answer = len(columns) - 2 * len(MARKS)
    for answer, status in ANSWER_COLOURS.items():
        fill, font = STATUS_COLOURS[status]
        sheet.conditional_format(
            row + 1,
            first_answer,
            end - 1,
            len(columns) - 1,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{answer}"',
                "format": formats.make(bg_color=fill, font_color=font),
            },
        )
    return end, row


def _answer(days: int, question: str) -> Callable[[RecruitRow], bool | str | None]:
    """A getter for whether a recruit stayed, or was active, at the mark: yes or no, "unknown"
    (they stayed but those days lie before the history) or None (not that long ago)."""

    def answer(recruit: RecruitRow) -> bool | str | None:
        if question == "stayed":
            return recruit.stayed(days)
        return UNKNOWN if recruit.activity_unknown(days) else recruit.active(days)

    return answer
