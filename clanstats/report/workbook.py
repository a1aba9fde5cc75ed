"""Write the whole workbook through `clanstats.outputs.write_file_atomically`.

Officers only ever find the last good workbook or the new complete one: a crash or a full disk
mid-write leaves the old file untouched and deletes the temp file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from xlsxwriter.workbook import Workbook

from clanstats.crashpoints import crash_point
from clanstats.errors import ConfigError
from clanstats.outputs import unstaged, write_file_atomically
from clanstats.report.data import ReportData, load_report_data
from clanstats.report.formats import Formats
from clanstats.report.freshness import STALE_AFTER
from clanstats.report.sheets.bosses import write_bosses
from clanstats.report.sheets.clan_days import write_clan_days
from clanstats.report.sheets.clan_statistics import write_clan_statistics
from clanstats.report.sheets.competitions import write_competitions
from clanstats.report.sheets.discord import write_discord
from clanstats.report.sheets.engagement import write_milestones, write_seasons
from clanstats.report.sheets.identity import write_unlinked
from clanstats.report.sheets.members import write_members
from clanstats.report.sheets.officers import write_inactive, write_promotions
from clanstats.report.sheets.people import write_people
from clanstats.report.sheets.records import write_records
from clanstats.report.sheets.recruits import write_recruits
from clanstats.report.sheets.summary import write_summary
from clanstats.rules import Rules

# Text is only ever text: a name like "=HYPERLINK(...)" must never become a formula or a link.
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": "yyyy-mm-dd",
}

SheetWriter = Callable[[Workbook, Formats, ReportData], None]
SHEETS: tuple[SheetWriter, ...] = (
    write_summary,
    write_members,
    write_people,
    write_bosses,
    write_discord,
    write_inactive,
    write_promotions,
    write_recruits,
    write_records,
    write_milestones,
    write_seasons,
    write_competitions,
    write_unlinked,
    write_clan_statistics,
    write_clan_days,
)


def write_report(
    engine: Engine,
    path: Path,
    *,
    group_id: int,
    today: date,
    now: datetime,
    timezone: ZoneInfo,
    discord_expected: bool,
    stale_after: timedelta = STALE_AFTER,
    rules: Rules | None = None,
) -> dict[str, object]:
    """Read the group's derived tables and write the workbook to `path`; return run counts.

    `rules` (the rules file's) give the seasons' dates and days left, and what is set up
    before there is data for it (ranks, seasons).
    """
    started = time.perf_counter()
    with Session(engine) as session:
        data = load_report_data(
            session,
            group_id=group_id,
            today=today,
            now=now,
            timezone=timezone,
            discord_expected=discord_expected,
            stale_after=stale_after,
            rules=rules,
        )
    write_workbook(data, path)
    stale = [f.label for f in data.freshness if f.expected and f.state != "fresh"]
    return {
        "workbook": path.name,
        "members": len(data.current_members),
        "stale data": ", ".join(stale) if stale else "none",
        "report seconds": round(time.perf_counter() - started, 2),
    }


def write_workbook(data: ReportData, path: Path) -> None:
    """Write every sheet to a temp file, then atomically replace `path` with it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"OUTPUT_DIR={unstaged(path).parent}: can't create it ({exc.strerror}); fix the path"
        ) from None
    write_file_atomically(path, lambda temp: _write_sheets(data, temp))


def _write_sheets(data: ReportData, temp: Path) -> None:
    workbook = Workbook(str(temp), WORKBOOK_OPTIONS)
    workbook.set_properties(
        {"title": f"{data.clan_name}: ClanStats report", "author": "ClanStats", "created": data.now}
    )
    formats = Formats(workbook)
    for write_sheet in SHEETS:
        write_sheet(workbook, formats, data)
        crash_point("report.mid-workbook")
    workbook.close()
