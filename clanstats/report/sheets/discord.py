"""The Discord sheet: messages per member, the weekday x hour heatmap, messages per channel."""

from __future__ import annotations

from collections.abc import Callable

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from clanstats.report.chat_queries import CHANNEL_PERIODS, ChannelActivity
from clanstats.report.data import ReportData
from clanstats.report.formats import HEAT_HIGH, HEAT_LOW, Formats
from clanstats.report.layout import (
    FIRST_ROW,
    Column,
    add_colour_scale,
    add_light_scale,
    set_print_area,
    start_sheet,
    write_note,
    write_section,
    write_table,
    write_value,
)
from clanstats.report.queries import Member

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
RIGHT = 8  # column I: the heatmap and the channels sit right of the members table
MEMBER_WIDTHS = (24, 10, 10, 10, 10, 10, 19, 3)
RIGHT_WIDTHS = (28, *([8] * 8))


def write_discord(workbook: Workbook, formats: Formats, data: ReportData) -> None:
    """Write the Discord sheet."""
    sheet = start_sheet(
        workbook,
        formats,
        "Discord",
        "Discord activity",
        f"People's messages (no bots) to {data.today:%Y-%m-%d}: per member over 7/30/90 days, "
        "per weekday and hour over the last 90 days (clan time), and per channel or thread.",
    )
    gains = data.gains
    members = [m for m in data.current_members if gains.has(m.player_id, "messages")]
    if not members and not data.heatmap and not data.channels:
        write_note(
            sheet,
            formats,
            FIRST_ROW,
            "No Discord data: Discord is optional; set DISCORD_BOT_TOKEN and DISCORD_GUILD_ID "
            "in .env to count messages (see the README, Discord).",
        )
        return
    for col, width in enumerate((*MEMBER_WIDTHS, *RIGHT_WIDTHS)):
        sheet.set_column(col, col, width)
    members_end = _members(sheet, formats, data, members)
    row = _heatmap(sheet, formats, data)
    channels_end = _channels(sheet, formats, data.channels, row + 1)
    set_print_area(sheet, max(members_end, channels_end), RIGHT + len(RIGHT_WIDTHS) - 1)


def _members(sheet: Worksheet, formats: Formats, data: ReportData, members: list[Member]) -> int:
    """The per-member table; return the last row it used."""
    row = write_section(sheet, formats, FIRST_ROW, "Messages per member")
    if not members:
        return write_note(
            sheet, formats, row, "No member's messages are counted yet (see Unlinked)."
        )
    gains = data.gains

    def messages(period: str) -> Column[Member]:
        return Column(
            f"Messages {period}", "int", lambda m: gains.get(m.player_id, "messages", period)
        )

    members = sorted(
        members,
        key=lambda m: (-(gains.get(m.player_id, "messages", "30d") or 0), m.display_name.lower()),
    )
    columns: list[Column[Member]] = [
        Column("Name", "text", lambda m: data.label(m.player_id)),
        *(messages(period) for period in CHANNEL_PERIODS),
        Column("Questions 30d", "int", lambda m: gains.get(m.player_id, "questions", "30d")),
        Column("Answers 30d", "int", lambda m: gains.get(m.player_id, "answers", "30d")),
        Column("Chat / play", "text", lambda m: m.chat_play),
    ]
    end = write_table(sheet, formats, row, columns, members, set_widths=False)
    sheet.freeze_panes(row + 1, 1)
    add_light_scale(sheet, row + 1, end - 1, 2)
    return end - 1


def _heatmap(sheet: Worksheet, formats: Formats, data: ReportData) -> int:
    """Hours down, weekdays across, coloured by messages; return the row below it."""
    row = write_section(sheet, formats, FIRST_ROW, "When the clan talks (last 90 days)", RIGHT)
    if not data.heatmap:
        return write_note(sheet, formats, row, "No messages in the last 90 days.", RIGHT)
    header = formats.header()
    sheet.write_string(row, RIGHT, "Hour (clan time)", header)
    for day, name in enumerate(WEEKDAYS, start=1):
        sheet.write_string(row, RIGHT + day, name, header)
    sheet.write_string(row, RIGHT + 8, "Total", header)
    count, total = formats.cell("int"), formats.cell("int", bold=True)
    for hour in range(24):
        line = row + 1 + hour
        sheet.write_string(line, RIGHT, f"{hour:02d}:00", formats.cell("text"))
        for day in range(7):
            write_value(sheet, line, RIGHT + 1 + day, data.heatmap.get((day, hour), 0), count)
        hour_total = sum(data.heatmap.get((day, hour), 0) for day in range(7))
        write_value(sheet, line, RIGHT + 8, hour_total, total)
    last = row + 24
    sheet.write_string(last + 1, RIGHT, "Total", formats.cell("text", bold=True))
    for day in range(7):
        day_total = sum(data.heatmap.get((day, hour), 0) for hour in range(24))
        write_value(sheet, last + 1, RIGHT + 1 + day, day_total, total)
    write_value(sheet, last + 1, RIGHT + 8, sum(data.heatmap.values()), total)
    add_colour_scale(
        sheet, row + 1, last, RIGHT + 1, RIGHT + 7, min_color=HEAT_LOW, max_color=HEAT_HIGH
    )
    return last + 2


def _channels(sheet: Worksheet, formats: Formats, channels: list[ChannelActivity], row: int) -> int:
    """The per-channel table; return the last row it used."""
    row = write_section(sheet, formats, row, "Messages per channel", RIGHT)
    if not channels:
        return write_note(
            sheet, formats, row, "No channel had messages in the last 90 days.", RIGHT
        )
    columns: list[Column[ChannelActivity]] = [
        Column("Channel or thread", "text", lambda c: c.name),
        *(Column(f"{period[:-1]} days", "int", _count_of(period)) for period in CHANNEL_PERIODS),
        Column("Kind", "text", lambda c: c.kind),
        Column("In", "text", lambda c: c.parent_name),
    ]
    end = write_table(
        sheet, formats, row, columns, channels, left=RIGHT, autofilter=False, set_widths=False
    )
    add_light_scale(sheet, row + 1, end - 1, RIGHT + 3)
    return end - 1


def _count_of(period: str) -> Callable[[ChannelActivity], int]:
    """A channel's messages in a period: no row means none were sent (a real 0)."""
    return lambda channel: channel.messages.get(period, 0)
