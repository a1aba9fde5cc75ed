"""The Competitions sheet: the group's WOM competitions, newest first, and who takes part."""

from __future__ import annotations

from collections.abc import Callable

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from clanstats.competitions import PODIUM, GroupCompetition, Placing
from clanstats.report.competition_queries import AttendanceRow
from clanstats.report.data import ReportData
from clanstats.report.formats import STATUS_COLOURS, Formats
from clanstats.report.layout import (
    FIRST_ROW,
    Column,
    add_light_scale,
    metric_label,
    set_print_area,
    start_sheet,
    write_note,
    write_section,
    write_table,
)

SHEET = "Competitions"
NO_COMPETITIONS = "No competitions yet: the group's WOM competitions show here (run harvest)."
NO_ATTENDANCE = "No one has taken part in a competition yet."
# Characters per column; the attendance table sits in the history's columns A to F.
WIDTHS = (30, 16, 10, 11, 11, 10, 13, *(22,) * PODIUM)
PLACES = ("1st", "2nd", "3rd")
METRIC_NAMES = {"ehp": "EHP", "ehb": "EHB"}
# (fill, font) of each status: running green, upcoming blue, finished plain.
STATUS_FILLS = {"running": STATUS_COLOURS["active"], "upcoming": STATUS_COLOURS["new"]}


def write_competitions(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Competitions sheet: every competition with its top three, then attendance."""
    sheet = start_sheet(
        workbook,
        formats,
        SHEET,
        "WOM competitions",
        "The group's Wise Old Man competitions, newest start first; starts and ends are clan "
        f"days ({data.timezone}). Participants: the standings ClanStats has read, or WOM's own "
        "count until it has read them; the top three by WOM's place (most gained first) with "
        f"what they gained. Attendance as of {data.today:%Y-%m-%d}: per player, the started "
        "competitions they took part in, their best place and the start day of the last one; "
        "over the last 90 days, how many of the competitions that started while they were in "
        "the clan they joined, and the rate. Grey rows: former members and guests.",
    )
    if not data.competitions and not data.attendance:
        write_note(sheet, formats, FIRST_ROW, NO_COMPETITIONS)
        write_note(sheet, formats, FIRST_ROW + 1, NO_ATTENDANCE)
        return
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width)
    row, header = _history(sheet, formats, data, FIRST_ROW)
    row, attendance_header = _attendance(sheet, formats, data, row + 1)
    set_print_area(sheet, row - 1, len(WIDTHS) - 1, header_row=attendance_header or header)


def _history(
    sheet: Worksheet, formats: Formats, data: ReportData, row: int
) -> tuple[int, int | None]:
    """Every competition, newest start first; return the next free row and the header row."""
    row = write_section(sheet, formats, row, "Competitions")
    if not data.competitions:
        return write_note(sheet, formats, row, NO_COMPETITIONS), None
    columns: list[Column[GroupCompetition]] = [
        Column("Title", "wrap", lambda c: c.title, width=WIDTHS[0]),
        Column("Metric", "wrap", lambda c: _metric(c.metric), width=WIDTHS[1]),
        Column("Type", "text", lambda c: c.competition_type),
        Column("Starts", "date", lambda c: c.starts_on),
        Column("Ends", "date", lambda c: c.ends_on),
        Column("Status", "flag", lambda c: c.status),
        Column("Participants", "int", lambda c: c.participants_or_wom),
        *[
            Column(place, "text", _podium_getter(data, index))
            for index, place in enumerate(PLACES[:PODIUM])
        ],
    ]
    end = write_table(
        sheet, formats, row, columns, data.competitions, autofilter=False, set_widths=False
    )
    status = [column.header for column in columns].index("Status")
    for answer, (fill, font) in STATUS_FILLS.items():
        sheet.conditional_format(
            row + 1,
            status,
            end - 1,
            status,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{answer}"',
                "format": formats.make(bg_color=fill, font_color=font),
            },
        )
    return end, row


def _attendance(
    sheet: Worksheet, formats: Formats, data: ReportData, row: int
) -> tuple[int, int | None]:
    """Each player's attendance, current members first, then former members greyed; return
    the next free row and the header row."""
    row = write_section(sheet, formats, row, "Attendance")
    if not data.attendance:
        return write_note(sheet, formats, row, NO_ATTENDANCE), None
    current_ids = {m.player_id for m in data.current_members}
    current = sorted((a for a in data.attendance if a.player_id in current_ids), key=_order(data))
    former = sorted(
        (a for a in data.attendance if a.player_id not in current_ids), key=_order(data)
    )
    columns: list[Column[AttendanceRow]] = [
        Column("Name", "text", lambda a: data.label(a.player_id)),
        Column("Competitions joined", "int", lambda a: a.joined),
        Column("Best place", "rank", lambda a: a.best_rank),
        Column("Last joined (start day)", "date", lambda a: a.last_joined_on),
        Column("Joined of held 90d", "flag", _joined_of_held),
        Column("Rate 90d", "pct", lambda a: a.rate_90),
    ]
    end = write_table(
        sheet,
        formats,
        row,
        columns,
        current + former,
        muted=lambda a: a.player_id not in current_ids,
        autofilter=False,
        set_widths=False,
    )
    # Compares current members only, as the Members sheet's tints do.
    add_light_scale(sheet, row + 1, row + len(current), len(columns) - 1)
    return end, row


def _order(data: ReportData) -> Callable[[AttendanceRow], tuple[float, int, str]]:
    """Sort key: highest 90-day rate first (none last), then most joined, then name."""

    def key(a: AttendanceRow) -> tuple[float, int, str]:
        rate = a.rate_90 if a.rate_90 is not None else -1.0
        return (-rate, -a.joined, data.name(a.player_id).lower())

    return key


def _joined_of_held(attendance: AttendanceRow) -> str:
    """ "2 of 3": competitions joined of those held for them in the last 90 days."""
    if not attendance.held_90:
        return "none held"
    return f"{attendance.joined_90} of {attendance.held_90}"


def _metric(metric: str | None) -> str | None:
    """A competition's metric as officers say it (ehp -> EHP, chambers_of_xeric -> Chambers
    of Xeric)."""
    if metric is None:
        return None
    return METRIC_NAMES.get(metric, metric_label(metric))


def _podium_getter(data: ReportData, index: int) -> Callable[[GroupCompetition], str | None]:
    """A getter for a competition's place `index` (0: the winner): "Zezima (1.2M)"; the first
    place says why there are none when its standings are missing."""

    def place(competition: GroupCompetition) -> str | None:
        if index < len(competition.top):
            return _placing(data, competition.top[index])
        if index:
            return None
        if competition.status == "upcoming" and not competition.standings_read:
            return "not started: participants are WOM's sign-ups"
        if not competition.standings_read:
            return "standings not read yet: participants are WOM's count"
        return "nobody took part"

    return place


def _placing(data: ReportData, placing: Placing) -> str:
    """A name with what they gained: "Zezima (1.2M)", or "Zezima (gain unknown)"."""
    # In brackets: names hold spaces and digits, and "Mory pk 1 5" would not say which is which.
    gained = "gain unknown" if placing.gained is None else short_number(placing.gained)
    return f"{data.label(placing.player_id)} ({gained})"


def short_number(value: float) -> str:
    """A gain as officers read it: 40, 12.5, 2,500, 48K, 1.2M, 3.5B (transform's promotions
    write theirs the same way; stages share no code)."""
    # Thresholds sit where rounding to one decimal would reach 1000 of the smaller unit.
    size = abs(value)
    for limit, unit, suffix in ((999_950_000, 1e9, "B"), (999_950, 1e6, "M"), (10_000, 1e3, "K")):
        if size >= limit:
            return f"{value / unit:,.1f}".removesuffix(".0") + suffix
    return f"{value:,.1f}".removesuffix(".0")
