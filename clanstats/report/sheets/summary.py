"""The Summary sheet: data freshness, clan KPIs, this week's goals, the season's top 10, charts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from clanstats.percent import goal_percent
from clanstats.report.data import STATUS_ORDER, ReportData
from clanstats.report.formats import Formats, status_label
from clanstats.report.freshness import Freshness
from clanstats.report.layout import (
    FIRST_ROW,
    Column,
    add_bars,
    set_print_area,
    start_sheet,
    write_note,
    write_section,
    write_table,
)
from clanstats.report.queries import ClanDay, GoalProgress, SeasonRow
from clanstats.report.sheets.charts import CHART_COLUMNS, add_summary_charts

T = TypeVar("T")
SEASON_TOP = 10
CHART_COLUMN = 6  # G: the charts sit right of the tables
DECIMAL_METRICS = frozenset({"ehp", "ehb"})
SUMMARY_HEADER = 16  # the Summary's headers are short: one line each


@dataclass(frozen=True)
class Kpi:
    """A labelled clan figure for the last 7 and 30 days (None: no data)."""

    label: str
    kind: str
    week: float | None
    month: float | None


def write_summary(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Summary sheet."""
    sheet = start_sheet(
        workbook,
        formats,
        "Summary",
        f"{data.clan_name}: ClanStats report",
        f"The clan on {data.today:%A %d %B %Y} (clan time, {data.timezone}): is the data fresh, "
        "who is in, the last 7 and 30 days (up to today), this week's goals and the season's "
        f"top {SEASON_TOP}. The charts end at yesterday: today is not over yet. "
        f"Written {data.now:%Y-%m-%d %H:%M}.",
    )
    for col, width in enumerate((26, 20, 13, 13, 22, 9)):
        sheet.set_column(col, col, width)
    row = _freshness(sheet, formats, data, FIRST_ROW)
    row = _members_now(sheet, formats, data, row + 1)
    row = _recent(sheet, formats, data, row + 1)
    row = _goals(sheet, formats, data, row + 1)
    row = _seasons(sheet, formats, data, row + 1)
    charts_end = add_summary_charts(workbook, sheet, formats, data, FIRST_ROW, CHART_COLUMN)
    # The tables on the left, the charts on the right: all on one landscape page.
    last_col = CHART_COLUMN + CHART_COLUMNS - 1 if charts_end > FIRST_ROW else CHART_COLUMN - 1
    set_print_area(sheet, max(row, charts_end), last_col)
    sheet.fit_to_pages(1, 1)


def _table(
    sheet: Worksheet, formats: Formats, row: int, columns: Sequence[Column[T]], items: Sequence[T]
) -> int:
    """A small Summary table: no filter, the sheet's own widths, one-line headers."""
    return write_table(
        sheet,
        formats,
        row,
        columns,
        items,
        autofilter=False,
        set_widths=False,
        header_height=SUMMARY_HEADER,
    )


def _freshness(sheet: Worksheet, formats: Formats, data: ReportData, row: int) -> int:
    hours = data.stale_after.total_seconds() / 3600
    row = write_section(sheet, formats, row, f"Data freshness (stale after {hours:g} hours)")
    columns: list[Column[Freshness]] = [
        Column("Source", "text", lambda f: f.label),
        Column("Last successful fetch", "datetime", lambda f: f.last_success),
        Column("Hours ago", "dec1", lambda f: _hours_ago(f, data)),
        Column("Status", "status", lambda f: f.state),  # coloured below
        Column("Note", "text", _freshness_note),
    ]
    end = _table(sheet, formats, row, columns, data.freshness)
    for index, fresh in enumerate(data.freshness, start=row + 1):
        # A family never fetched still shows "never" in the date column, not an empty cell.
        if fresh.last_success is None:
            sheet.write_string(index, 1, fresh.state, formats.cell("text"))
        sheet.write_string(index, 3, fresh.state, formats.freshness(fresh.state))
    return end


def _hours_ago(fresh: Freshness, data: ReportData) -> float | None:
    if fresh.last_success is None:
        return None
    return round((data.now - fresh.last_success).total_seconds() / 3600, 1)


def _freshness_note(fresh: Freshness) -> str | None:
    if fresh.failing_sources:
        plural = "s" if fresh.failing_sources > 1 else ""
        return f"{fresh.failing_sources} source{plural} failing: see app.log"
    return {"stale": "run harvest", "never": "run harvest", "not set up": "optional"}.get(
        fresh.state
    )


def _members_now(sheet: Worksheet, formats: Formats, data: ReportData, row: int) -> int:
    row = write_section(sheet, formats, row, "Members now")
    current = data.current_members
    statuses = Counter(m.status for m in current)
    due = {p.player_id for p in data.promotions if p.is_due}
    held = {p.player_id for p in data.promotions if p.held_back and not p.is_due}
    # (label, count, the status it counts: its colour; None for other figures)
    figures: list[tuple[str, int, str | None]] = [
        ("Members", len(current), None),
        *((status_label(s).capitalize(), statuses[s], s) for s in STATUS_ORDER),
        ("Removal candidates", sum(m.removal_candidate for m in current), None),
        ("Promotions due", sum(m.player_id in due for m in current), None),
        ("Promotions held back", sum(m.player_id in held for m in current), None),
    ]
    columns: list[Column[tuple[str, int, str | None]]] = [
        Column("Measure", "text", lambda f: f[0]),
        Column("Now", "int", lambda f: f[1]),
    ]
    end = _table(sheet, formats, row, columns, figures)
    for index, (label, _, status) in enumerate(figures, start=row + 1):
        if status is not None:
            sheet.write_string(index, 0, label, formats.status(status, align="left"))
    return end


def _recent(sheet: Worksheet, formats: Formats, data: ReportData, row: int) -> int:
    row = write_section(sheet, formats, row, "The last 7 and 30 days")
    week = [d for d in data.days if d.day > data.today - timedelta(days=7)]
    month = [d for d in data.days if d.day > data.today - timedelta(days=30)]

    def total(days: list[ClanDay], field: str) -> float | None:
        return sum(getattr(d, field) for d in days) if days else None

    kpis = [
        Kpi(label, kind, total(week, field), total(month, field))
        for label, kind, field in (
            ("Joins", "int", "joins"),
            ("Leaves", "int", "leaves"),
            ("XP gained", "int", "xp"),
            ("EHP gained", "dec1", "ehp"),
            ("EHB gained", "dec1", "ehb"),
            ("Boss kills", "int", "boss_kills"),
            ("Discord messages", "int", "messages"),
        )
    ]
    columns: list[Column[Kpi]] = [
        Column("Measure", "text", lambda k: k.label),
        Column("Last 7 days", "int", lambda k: k.week, kind_of=lambda k: k.kind),
        Column("Last 30 days", "int", lambda k: k.month, kind_of=lambda k: k.kind),
    ]
    end = _table(sheet, formats, row, columns, kpis)
    if not data.days:
        end = write_note(sheet, formats, end, "No clan days yet: run harvest and transform.")
    return end


def _goals(sheet: Worksheet, formats: Formats, data: ReportData, row: int) -> int:
    if not data.goals:
        row = write_section(sheet, formats, row, "This week's goals")
        return write_note(
            sheet, formats, row, "No weekly goals: add some under `goals:` in rules.yaml."
        )
    monday = data.goals[0].week_start
    row = write_section(sheet, formats, row, f"This week's goals (week from {monday:%a %d %b})")

    def kind(goal: GoalProgress) -> str:
        return "dec1" if goal.metric in DECIMAL_METRICS else "int"

    columns: list[Column[GoalProgress]] = [
        Column("Goal", "text", lambda g: g.goal),
        Column("Progress", "int", lambda g: g.progress, kind_of=kind),
        Column("Target", "int", lambda g: g.target, kind_of=kind),
        Column("Done", "percent", lambda g: goal_percent(g.progress, g.target)),
        Column("", "bar", lambda g: goal_percent(g.progress, g.target)),  # the percent's bar
        Column("Met", "status", lambda g: "met" if g.achieved else "not yet"),
    ]
    end = _table(sheet, formats, row, columns, data.goals)
    for index, goal in enumerate(data.goals, start=row + 1):
        state = "active" if goal.achieved else "quiet"
        sheet.write_string(index, 5, "met" if goal.achieved else "not yet", formats.status(state))
    add_bars(sheet, row + 1, end - 1, 4, scale=(0, 100))  # 44% fills 44% of its own cell
    return end


def _seasons(sheet: Worksheet, formats: Formats, data: ReportData, row: int) -> int:
    """The current season's dates, days left and top 10; a season the rules say is running
    is shown (with why it has no standings) even before anyone has points."""
    current = [s for s in data.seasons if s.is_current]
    names = list(dict.fromkeys(s.season for s in current)) or data.running_seasons
    if not names:
        row = write_section(sheet, formats, row, "Season")
        return write_note(sheet, formats, row, _no_season(data))
    for season in names:
        top = [s for s in current if s.season == season][:SEASON_TOP]
        row = write_section(sheet, formats, row, f"{season}: top {SEASON_TOP}")
        timing = data.season_timing(season)
        if timing:
            row = write_note(sheet, formats, row, timing)
        if not top:
            why = "no member data yet: run harvest" if not data.members else "nobody has points yet"
            row = write_note(sheet, formats, row, f"No standings yet: {why}.") + 1
            continue
        columns: list[Column[SeasonRow]] = [
            Column("Place", "rank", lambda s: s.place),
            Column("Name", "text", lambda s: data.label(s.player_id)),
            Column("Points", "dec1", lambda s: s.points),
        ]
        row = _table(sheet, formats, row, columns, top)
        row += 1
    return row


def _no_season(data: ReportData) -> str:
    """Why no season shows: the next one's start, or none set up."""
    upcoming = sorted(
        (start, name) for name, (start, _) in data.season_dates.items() if start > data.today
    )
    if upcoming:
        start, name = upcoming[0]
        return f"No season under way: the next, {name}, starts {start:%a %d %b %Y}."
    return "No season under way (see `seasons:` in rules.yaml)."
