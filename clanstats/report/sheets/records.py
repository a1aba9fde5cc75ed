"""The Records sheet: the clan's best days and weeks, the longest streaks, everyone's bests."""

from __future__ import annotations

from collections.abc import Callable

from xlsxwriter.workbook import Workbook

from clanstats.report.data import ReportData
from clanstats.report.formats import Formats
from clanstats.report.layout import (
    FIRST_ROW,
    GAME_MEASURES,
    Column,
    add_light_scale,
    set_print_area,
    start_sheet,
    write_note,
    write_section,
    write_table,
)
from clanstats.report.queries import Member, Record

MEASURES = GAME_MEASURES
SPANS = (("day", "day"), ("week", "week (Mon-Sun)"))
KIND = {measure: kind for measure, _, kind in MEASURES}
TOP_STREAKS = 15


def write_records(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Records sheet."""
    sheet = start_sheet(
        workbook,
        formats,
        "Records",
        "Records and streaks",
        f"Current members' best day and best Monday-Sunday week ever tracked, as of "
        f"{data.today:%Y-%m-%d}; the longest activity streaks (days in a row with XP or a "
        "message); and everyone's personal bests.",
    )
    current = {m.player_id: m for m in data.current_members}
    records = [r for r in data.records if r.player_id in current]
    if not records and not any(m.best_streak for m in current.values()):
        write_note(
            sheet,
            formats,
            FIRST_ROW,
            "No records or streaks yet: they need daily history (daily runs, or a backfill).",
        )
        return
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 24)
    sheet.set_column(2, 9, 12)
    row = write_section(sheet, formats, FIRST_ROW, "Clan records")
    holders = _clan_records(records)
    if holders:
        columns: list[Column[Record]] = [
            Column("Record", "text", _record_label),
            Column("Holder", "text", lambda r: data.label(r.player_id)),
            Column("Value", "int", lambda r: r.value, kind_of=lambda r: KIND[r.measure]),
            Column("From", "date", lambda r: r.start_on),
            Column("To", "date", lambda r: r.end_on),
        ]
        row = write_table(sheet, formats, row, columns, holders, autofilter=False, set_widths=False)
    else:
        row = write_note(sheet, formats, row, "No records yet: they need daily history.")

    row = write_section(sheet, formats, row + 1, f"Longest activity streaks (top {TOP_STREAKS})")
    streaks = sorted(
        (m for m in current.values() if m.current_streak or m.best_streak),
        key=lambda m: (-m.current_streak, -m.best_streak, m.display_name.lower()),
    )[:TOP_STREAKS]
    if streaks:
        streak_columns: list[Column[Member]] = [
            Column("Name", "text", lambda m: data.label(m.player_id)),
            Column("Current streak (days)", "int", lambda m: m.current_streak),
            Column("Best streak (days)", "int", lambda m: m.best_streak),
            Column("Best streak ended", "date", lambda m: m.best_streak_end),
        ]
        first = row + 1
        row = write_table(
            sheet, formats, row, streak_columns, streaks, autofilter=False, set_widths=False
        )
        add_light_scale(sheet, first, row - 1, 1)
    else:
        row = write_note(sheet, formats, row, "No activity streaks yet.")

    row = write_section(sheet, formats, row + 1, "Personal bests")
    best = {(r.player_id, r.span, r.measure): r.value for r in records}
    people = sorted(
        {r.player_id for r in records},
        key=lambda p: (-best.get((p, "week", "xp"), -1.0), data.name(p).lower()),
    )
    if not people:
        write_note(sheet, formats, row, "No personal bests yet.")
        set_print_area(sheet, row, 4)
        return
    best_columns: list[Column[int]] = [Column("Name", "text", data.label)]
    for measure, label, kind in MEASURES:
        for span, _ in SPANS:
            best_columns.append(Column(f"{label} best {span}", kind, _best_of(best, span, measure)))
    end = write_table(sheet, formats, row, best_columns, people, set_widths=False)
    set_print_area(sheet, end - 1, len(best_columns) - 1)


def _clan_records(records: list[Record]) -> list[Record]:
    """The holder of each (measure, span) record; ties go to the earliest."""
    holders = []
    for measure, _, _ in MEASURES:
        for span, _ in SPANS:
            candidates = [r for r in records if r.measure == measure and r.span == span]
            if candidates:
                holders.append(min(candidates, key=lambda r: (-r.value, r.start_on)))
    return holders


def _record_label(record: Record) -> str:
    label = next(label for measure, label, _ in MEASURES if measure == record.measure)
    span = dict(SPANS)[record.span]
    return f"Best {span}: {label}"


def _best_of(
    best: dict[tuple[int, str, str], float], span: str, measure: str
) -> Callable[[int], float | None]:
    return lambda player_id: best.get((player_id, span, measure))
