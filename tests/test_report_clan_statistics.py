"""The workbook's Clan statistics sheet, read back with openpyxl, against `clan_statistics` rows
written by hand: today's clan and account types, the weeks newest first, the charts, and what
the sheet says when there is nothing to show or nobody was measured.
"""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import ClanStatistics, WomGroup
from clanstats.outputs import REPORT_FILE
from clanstats.report.workbook import write_report

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")

GROUP = 19
TODAY = date(2026, 11, 20)  # a Friday
NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)
SHEET = "Clan statistics"
NO_TYPES = dict.fromkeys(("regular", "ironman", "hardcore", "ultimate", "other_type"))
# Today: 10 members, 9 of them measured, account types known.
TODAY_ROW: dict[str, Any] = {
    "day": TODAY,
    "members": 10,
    "measured": 9,
    "xp": 1_234_567_890.0,
    "ehp": 4_321.5,
    "ehb": 876.25,
    "maxed_total": 2,
    "maxed_combat": 3,
    "skills_99": 41,
    "skills_200m": 1,
    "total_level_average": 1_987.5,
    "total_level_median": 2_001.0,
    "combat_level_average": 110.25,
    "combat_level_median": 115.5,
    "regular": 6,
    "ironman": 2,
    "hardcore": 1,
    "ultimate": 0,
    "other_type": 1,
}
LAST_SUNDAY: dict[str, Any] = {
    "day": date(2026, 11, 15),
    "members": 9,
    "measured": 9,
    "xp": 1_200_000_000.0,
    "ehp": 4_200.0,
    "ehb": 850.5,
    "maxed_total": 2,
    "maxed_combat": 3,
    "skills_99": 40,
    "skills_200m": 1,
    "total_level_average": 1_980.0,
    "total_level_median": 1_990.0,
    "combat_level_average": 110.0,
    "combat_level_median": 115.0,
    **NO_TYPES,
}
SUNDAY_BEFORE: dict[str, Any] = {
    "day": date(2026, 11, 8),
    "members": 8,
    "measured": 7,
    "xp": 1_150_000_000.0,
    "ehp": 4_100.25,
    "ehb": 800.0,
    "maxed_total": 1,
    "maxed_combat": 2,
    "skills_99": 35,
    "skills_200m": 0,
    "total_level_average": 1_975.5,
    "total_level_median": 1_985.0,
    "combat_level_average": 109.5,
    "combat_level_median": 114.0,
    **NO_TYPES,
}
# Before anyone had a snapshot: nothing measured, the levels unknown (NULL).
UNMEASURED: dict[str, Any] = {
    "day": date(2026, 11, 1),
    "members": 8,
    "measured": 0,
    "xp": 0.0,
    "ehp": 0.0,
    "ehb": 0.0,
    "maxed_total": 0,
    "maxed_combat": 0,
    "skills_99": 0,
    "skills_200m": 0,
    "total_level_average": None,
    "total_level_median": None,
    "combat_level_average": None,
    "combat_level_median": None,
    **NO_TYPES,
}
# Written by a run for a later day: not part of a report for TODAY.
LATER = {**TODAY_ROW, "day": date(2026, 11, 22), "members": 99}
WEEK_HEADERS = [
    "Week ending", "Members", "Measured", "Total XP", "EHP", "EHB", "Maxed", "Maxed combat",
    "99s", "200M skills", "Average total level", "Median total level", "Average combat level",
    "Median combat level",
]  # fmt: skip


def clan(migrated_url: str, rows: list[dict[str, Any]]) -> Engine:
    engine = make_engine(migrated_url)
    with Session(engine) as session, session.begin():
        session.execute(insert(WomGroup), [{"id": GROUP, "name": "Stats Clan", "fetched_at": NOW}])
        if rows:
            session.execute(insert(ClanStatistics), [{"group_id": GROUP, **r} for r in rows])
    return engine


def report(engine: Engine, folder: Path) -> Path:
    path = folder / REPORT_FILE
    write_report(
        engine,
        path,
        group_id=GROUP,
        today=TODAY,
        now=NOW,
        timezone=ZoneInfo("UTC"),
        discord_expected=False,
    )
    engine.dispose()
    return path


def row_of(sheet: Worksheet, text: str, col: int = 1) -> int:
    """The first row whose cell in `col` reads `text`."""
    return next(row for row in range(1, sheet.max_row + 1) if sheet.cell(row, col).value == text)


def figures(sheet: Worksheet, heading: str, col: int = 1) -> dict[str, tuple[Any, ...]]:
    """The small table under `heading` from column `col`: its label -> the cells after it."""
    rows = {}
    for row in sheet.iter_rows(min_row=row_of(sheet, heading, col) + 2, min_col=col):
        if row[0].value is None:
            break
        rows[row[0].value] = tuple(cell.value for cell in row[1:])
    return rows


def week_rows(sheet: Worksheet) -> tuple[int, list[tuple[Any, ...]]]:
    """The week-by-week table's header row and its rows."""
    header = row_of(sheet, "Week ending")
    assert [cell.value for cell in sheet[header]] == WEEK_HEADERS
    rows = []
    for values in sheet.iter_rows(min_row=header + 1, max_col=len(WEEK_HEADERS), values_only=True):
        if values[0] is None:
            break
        rows.append(values)
    return header, rows


def clan_statistics_charts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        xml = [archive.read(n).decode() for n in charts]
    return [chart for chart in xml if f"'{SHEET}'!" in chart]


def test_the_sheet_shows_today_and_the_weeks_as_stored(migrated_url: str, tmp_path: Path) -> None:
    engine = clan(migrated_url, [LATER, UNMEASURED, SUNDAY_BEFORE, TODAY_ROW, LAST_SUNDAY])
    path = report(engine, tmp_path)
    book = load_workbook(path)
    names = book.sheetnames
    assert names.index(SHEET) == names.index("Clan days") - 1
    sheet = book[SHEET]
    assert sheet["A1"].value == "Clan statistics"
    explanation = sheet["A2"].value
    assert "Measured: members with a WOM snapshot by that day's end" in explanation
    assert "Account types are known for today only" in explanation

    today = figures(sheet, "The clan on Fri 20 Nov 2026")
    assert {label: values[0] for label, values in today.items()} == {
        "Members": 10,
        "Measured": 9,
        "Total XP": 1_234_567_890,
        "Total EHP": 4_321.5,
        "Total EHB": 876.25,
        "Maxed accounts": 2,
        "Maxed combat (126)": 3,
        "Skills at 99": 41,
        "Skills at 200M XP": 1,
        "Average total level": 1_987.5,
        "Median total level": 2_001.0,
        "Average combat level": 110.25,
        "Median combat level": 115.5,
    }
    types = figures(sheet, "Members by account type")
    assert {label: values[:2] for label, values in types.items()} == {
        "Regular": (6, 0.6),
        "Ironman": (2, 0.2),
        "Hardcore ironman": (1, 0.1),
        "Ultimate ironman": (0, 0.0),
        "Other or unknown": (1, 0.1),
    }

    header, weeks = week_rows(sheet)
    assert weeks == [
        (datetime(2026, 11, 20), 10, 9, 1_234_567_890, 4_321.5, 876.25, 2, 3, 41, 1,
         1_987.5, 2_001.0, 110.25, 115.5),
        (datetime(2026, 11, 15), 9, 9, 1_200_000_000, 4_200.0, 850.5, 2, 3, 40, 1,
         1_980.0, 1_990.0, 110.0, 115.0),
        (datetime(2026, 11, 8), 8, 7, 1_150_000_000, 4_100.25, 800.0, 1, 2, 35, 0,
         1_975.5, 1_985.0, 109.5, 114.0),
        # Nobody measured: no data, not a clan of zero XP.
        (datetime(2026, 11, 1), 8, 0, None, None, None, None, None, None, None,
         None, None, None, None),
    ]  # fmt: skip
    first = header + 1
    assert sheet.cell(first, 1).number_format == "yyyy-mm-dd"
    assert sheet.cell(first, 4).number_format == "#,##0"
    assert sheet.cell(first, 5).number_format == "#,##0.0"
    assert sheet.cell(row_of(sheet, "Regular"), 3).number_format == "0%"

    # Total XP, and EHP and EHB, over the table's rows.
    charts = clan_statistics_charts(path)
    last = header + len(weeks)
    assert len(charts) == 2
    assert f"'{SHEET}'!$D${first}:$D${last}" in charts[0]
    assert f"'{SHEET}'!$E${first}:$E${last}" in charts[1]
    assert f"'{SHEET}'!$F${first}:$F${last}" in charts[1]
    assert f"'{SHEET}'!$A${first}:$A${last}" in charts[0]

    # One landscape page wide, the table's header on every printed page.
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    assert sheet.print_area == f"'{SHEET}'!$A$1:$N${last}"
    assert sheet.print_title_rows == f"${header}:${header}"


def test_no_statistics_yet_is_one_line(migrated_url: str, tmp_path: Path) -> None:
    path = report(clan(migrated_url, []), tmp_path)
    sheet = load_workbook(path)[SHEET]
    assert sheet["A4"].value == (
        "No clan statistics yet: they need a stored WOM snapshot (run harvest and transform)."
    )
    assert sheet["A4"].font.i
    assert sheet.max_row == 4 and sheet.max_column == 1
    assert clan_statistics_charts(path) == []


def test_nobody_measured_and_no_account_types_leave_cells_empty(
    migrated_url: str, tmp_path: Path
) -> None:
    """Today's row alone with no one measured (levels NULL) and no account types: the sheet is
    written with empty cells, says the types are missing, and draws no chart."""
    alone = {**UNMEASURED, "day": TODAY}
    path = report(clan(migrated_url, [alone]), tmp_path)
    sheet = load_workbook(path)[SHEET]
    today = figures(sheet, "The clan on Fri 20 Nov 2026")
    assert today["Members"][0] == 8 and today["Measured"][0] == 0
    assert all(today[label][0] is None for label in list(today)[2:])
    types_row = row_of(sheet, "Members by account type")
    assert re.match(r"Account types are known for today only", sheet.cell(types_row + 1, 1).value)
    _, weeks = week_rows(sheet)
    assert weeks == [(datetime(2026, 11, 20), 8, 0, *[None] * 11)]
    assert clan_statistics_charts(path) == []


def test_a_clan_without_members_has_no_shares(migrated_url: str, tmp_path: Path) -> None:
    empty = {**UNMEASURED, "day": TODAY, "members": 0, **dict.fromkeys(NO_TYPES, 0)}
    sheet = load_workbook(report(clan(migrated_url, [empty]), tmp_path))[SHEET]
    types = figures(sheet, "Members by account type")
    assert {label: values[:2] for label, values in types.items()} == {
        label: (0, None)
        for label in (
            "Regular",
            "Ironman",
            "Hardcore ironman",
            "Ultimate ironman",
            "Other or unknown",
        )
    }
