"""The Members sheet: one row per member with their gains, chat, streak and engagement."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook

from clanstats.report.data import RECENT_DAYS, ReportData
from clanstats.report.formats import (
    SCALE_HIGH,
    SCALE_LOW,
    SCALE_MID,
    Formats,
    tenure_source_label,
)
from clanstats.report.layout import (
    FIRST_ROW,
    GAME_MEASURES,
    Column,
    add_colour_scale,
    add_light_scale,
    set_print_area,
    start_sheet,
    write_note,
    write_table,
)
from clanstats.report.queries import Gains, Member

# The last 30 days come first (the window the status and removal rules use); the other
# windows follow, each a block of its own. Only the first block prints: see write_members.
MAIN_PERIOD = "30d"
OTHER_PERIODS = ("7d", "90d", "365d")
CHAT_PERIODS = ("7d", "30d", "90d")
LAST_PRINTED = "Chat / play"  # the print ends with this column: one readable page wide


def write_members(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Members sheet."""
    sheet = start_sheet(
        workbook,
        formats,
        "Members",
        f"Members of {data.clan_name}",
        f"Every member on {data.today:%Y-%m-%d}, by status then 30-day XP. 7d/30d/90d/365d = "
        "the last 7/30/90/365 days up to today (clan time); an empty cell means no data. "
        "Not enough history yet: ClanStats hasn't watched them long enough to tell. "
        "Away until: a leave of absence in rules.yaml. (alt of ...): an alt in people.csv; a "
        "player is active while any of their accounts is. Tenure from: the in-game join (WOM clan "
        "sync) or, without one, when WOM listed them. "
        f"Grey rows at the end: members who left in the last {RECENT_DAYS} days. "
        f"Printed: Name to {LAST_PRINTED} (the last 30 days); the 7-, 90- and 365-day columns "
        "follow on screen.",
    )
    current = data.current_members
    rows = current + data.recent_leavers
    if not rows:
        write_note(sheet, formats, FIRST_ROW, "No members yet: run harvest and transform first.")
        return
    columns = member_columns(data)
    end = write_table(
        sheet,
        formats,
        FIRST_ROW,
        columns,
        rows,
        muted=lambda member: not member.is_current,
        header_height=45,  # "Boss kills 365d" takes three lines
    )
    sheet.freeze_panes(FIRST_ROW + 1, 1)
    headers = [column.header for column in columns]
    set_print_area(sheet, end - 1, headers.index(LAST_PRINTED), header_row=FIRST_ROW)
    first, last_current = FIRST_ROW + 1, FIRST_ROW + len(current)
    # Tints and scales compare current members only: leavers' partial numbers would skew them.
    # A pale tint, not a data bar: a bar would sit under the number.
    for header in ("XP 30d", "EHP 30d", "EHB 30d", "Boss kills 30d", "Messages 30d"):
        add_light_scale(sheet, first, last_current, headers.index(header))
    score = headers.index("Engagement")
    add_colour_scale(
        sheet,
        first,
        last_current,
        score,
        score,
        min_type="num",
        min_value=0,
        min_color=SCALE_LOW,
        mid_type="num",
        mid_value=50,
        mid_color=SCALE_MID,
        max_type="num",
        max_value=100,
        max_color=SCALE_HIGH,
    )
    streak = headers.index("Streak")
    add_colour_scale(
        sheet, first, last_current, streak, streak, min_color="#FFFFFF", max_color=SCALE_HIGH
    )


def member_columns(data: ReportData) -> list[Column[Member]]:
    """The Members sheet's columns, in order: who, the last 30 days, then the other windows."""
    gains = data.gains
    columns: list[Column[Member]] = [
        # Printed one page wide: a long "(alt of ...)" label is cut on paper, whole in its cell.
        Column("Name", "text", lambda m: data.label(m.player_id), width=22),
        Column("Role", "text", lambda m: m.role),
        Column("Status", "status", lambda m: m.status),  # fitted: "not enough history yet"
        Column("Away until", "date", lambda m: m.away_until),
        Column("Joined", "date", lambda m: m.joined_on),
        Column("Tenure (days)", "int", lambda m: m.tenure_days, width=8),
        Column("Tenure from", "text", lambda m: tenure_source_label(m.tenure_source)),
        Column("Last active", "date", lambda m: m.last_active_on),
        *_period_block(gains, MAIN_PERIOD),
        _gain_column(gains, f"Answers {MAIN_PERIOD}", "int", "answers", MAIN_PERIOD),
        Column("Streak", "int", lambda m: m.current_streak, width=8),
        Column("Best streak", "int", lambda m: m.best_streak, width=8),
        Column("Engagement", "score", lambda m: m.engagement_score, width=11),
        Column(LAST_PRINTED, "text", lambda m: m.chat_play),
    ]
    for period in OTHER_PERIODS:
        columns += _period_block(gains, period)
    return columns


def _period_block(gains: Gains, period: str) -> list[Column[Member]]:
    """XP, EHP, EHB, boss kills (and messages, where Discord counts them) over one window."""
    block = [
        _gain_column(gains, f"{label} {period}", kind, metric, period)
        for metric, label, kind in GAME_MEASURES
    ]
    if period in CHAT_PERIODS:
        block.append(_gain_column(gains, f"Messages {period}", "int", "messages", period))
    return block


def _gain_column(gains: Gains, header: str, kind: str, metric: str, period: str) -> Column[Member]:
    return Column(header, kind, lambda m: gains.get(m.player_id, metric, period))
