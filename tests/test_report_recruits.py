"""The workbook's Recruits sheet, read back with openpyxl, against `recruits` and
`recruit_cohorts` rows written by hand: whom to welcome, each month's retention with its
percentages worked out here, every recruit's answers, and what the sheet says when there is
nothing to show.
"""

from __future__ import annotations

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
from clanstats.db.models import MemberStatus, Player, Recruit, RecruitCohort, WomGroup
from clanstats.outputs import REPORT_FILE
from clanstats.report.workbook import write_report

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")

GROUP = 23
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)
SHEET = "Recruits"
HOSTILE = '=HYPERLINK("http://x","welcome me")'
T, F = True, False
# Names as the other sheets give them: member_status's display name, else the players table's
# (Eve's old name there is not shown), else "player <id>".
NAMES = {1: "Ada Newcomer", 2: HOSTILE, 3: "Bo Settled", 4: "Cy Left", 5: "Di Veteran"}
PLAYERS = {**NAMES, 5: "Di Old Name", 6: "Eve Players"}


def recruit(
    pid: int,
    joined: date,
    *,
    left: date | None = None,
    game: date | None = None,
    message: date | None = None,
    stayed: tuple[bool | None, ...] = (None, None, None),
    active: tuple[bool | None, ...] = (None, None, None),
    welcome: str | None = None,
) -> dict[str, Any]:
    return {
        "player_id": pid,
        "joined_on": joined,
        "cohort": joined.replace(day=1),
        "left_on": left,
        "first_game_on": game,
        "first_message_on": message,
        **{f"stayed_{d}": s for d, s in zip((30, 90, 180), stayed, strict=True)},
        **{f"active_{d}": a for d, a in zip((30, 90, 180), active, strict=True)},
        "welcome": welcome,
    }


RECRUITS = [
    # 10 days in: played, never wrote.
    recruit(1, date(2026, 11, 10), game=date(2026, 11, 11), welcome="no message yet"),
    # 18 days in, nothing yet; a name that tries to be a formula.
    recruit(2, date(2026, 11, 2), welcome="no message and no game progress yet"),
    # 5 days in, both done: nobody to welcome.
    recruit(3, date(2026, 11, 15), game=date(2026, 11, 15), message=date(2026, 11, 16)),
    # Left between 30 and 90 days; 180 days not yet reached.
    recruit(4, date(2026, 8, 1), left=date(2026, 9, 15), game=date(2026, 8, 2),
            message=date(2026, 8, 3), stayed=(T, F, None), active=(T, F, None)),
    # Stayed half a year; at 30 days before ClanStats saw their game (unknown).
    recruit(5, date(2026, 4, 10), game=date(2026, 6, 1), stayed=(T, T, T),
            active=(None, T, F)),
    # Only in the players table; joined the same day as Di.
    recruit(6, date(2026, 4, 10), message=date(2026, 4, 12), stayed=(T, T, T),
            active=(T, T, T)),
    # In neither: named by their id.
    recruit(7, date(2026, 4, 2), stayed=(F, F, F), active=(F, F, F), left=date(2026, 4, 20)),
]  # fmt: skip


def cohort(month: date, recruits: int, still_in: int, *marks: tuple[int, ...]) -> dict[str, Any]:
    """A cohort row; `marks`: (reached, stayed, active, unknown) at 30, 90 and 180 days."""
    row: dict[str, Any] = {"month": month, "recruits": recruits, "still_in": still_in}
    for days, (reached, stayed, active, unknown) in zip((30, 90, 180), marks, strict=True):
        row |= {
            f"reached_{days}": reached,
            f"stayed_{days}": stayed,
            f"active_{days}": active,
            f"unknown_{days}": unknown,
        }
    return row


NOV, AUG, APR = date(2026, 11, 1), date(2026, 8, 1), date(2026, 4, 1)
COHORTS = [
    cohort(APR, 4, 3, (4, 4, 1, 2), (4, 3, 2, 1), (4, 3, 1, 0)),
    cohort(NOV, 3, 3, (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0)),  # nobody 30 days in yet
    cohort(AUG, 3, 1, (3, 2, 1, 1), (3, 1, 0, 0), (0, 0, 0, 0)),
]
RETENTION_HEADERS = [
    "Month joined", "Recruits", "Still in",
    *["Reached", "Stayed", "Stayed %", "Active", "Active %", "Unknown"] * 3,
]  # fmt: skip
RECRUIT_HEADERS = [
    "Name", "Joined", "Month joined", "Left", "First message", "First game progress",
    "Stayed 30d", "Active 30d", "Stayed 90d", "Active 90d", "Stayed 180d", "Active 180d",
]  # fmt: skip


def clan(
    migrated_url: str, recruits: list[dict[str, Any]], cohorts: list[dict[str, Any]]
) -> Engine:
    engine = make_engine(migrated_url)
    naive = NOW.replace(tzinfo=None)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(WomGroup), [{"id": GROUP, "name": "Recruit Clan", "fetched_at": NOW}]
        )
        session.execute(
            insert(Player),
            [
                {
                    "group_id": GROUP,
                    "player_id": pid,
                    "username": f"p{pid}",
                    "display_name": name,
                    "first_seen_at": naive,
                }
                for pid, name in PLAYERS.items()
            ],
        )
        session.execute(
            insert(MemberStatus),
            [
                {
                    "group_id": GROUP,
                    "player_id": pid,
                    "display_name": name,
                    "status": "left" if pid == 4 else "new",
                    "current_streak": 0,
                    "best_streak": 0,
                }
                for pid, name in NAMES.items()
            ],
        )
        if recruits:
            session.execute(insert(Recruit), [{"group_id": GROUP, **r} for r in recruits])
        if cohorts:
            session.execute(insert(RecruitCohort), [{"group_id": GROUP, **c} for c in cohorts])
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


def row_of(sheet: Worksheet, text: str) -> int:
    """The first row whose first cell reads `text`."""
    return next(row for row in range(1, sheet.max_row + 1) if sheet.cell(row, 1).value == text)


def table(sheet: Worksheet, header: int, width: int) -> list[tuple[Any, ...]]:
    """The rows under a table's header row, to its first empty row."""
    rows = []
    for values in sheet.iter_rows(min_row=header + 1, max_col=width, values_only=True):
        if values[0] is None:
            break
        rows.append(values)
    return rows


def at(year: int, month: int, day: int) -> datetime:
    """A date as openpyxl reads a date cell back."""
    return datetime(year, month, day)


def test_the_sheet_shows_whom_to_welcome_retention_and_every_recruit(
    migrated_url: str, tmp_path: Path
) -> None:
    book = load_workbook(report(clan(migrated_url, RECRUITS, COHORTS), tmp_path))
    names = book.sheetnames
    assert names.index(SHEET) == names.index("Promotions") + 1
    sheet = book[SHEET]
    assert sheet["A1"].value == "Recruits"
    explanation = sheet["A2"].value
    assert "not the founding roster" in explanation and "as of 2026-11-20" in explanation
    assert "stayed = still in the clan" in explanation
    assert "unknown = stayed, but those 30 days lie before ClanStats" in explanation
    assert "Percentages are of the recruits who reached the mark" in explanation

    # Longest in the clan first; what is missing comes last, after the dates there are.
    assert sheet["A4"].value == "New recruits to welcome"
    welcome = [cell.value for cell in sheet[5]][:6]
    assert welcome == [
        "Name", "Joined", "Days in the clan", "First message", "First game progress",
        "Still missing",
    ]  # fmt: skip
    assert table(sheet, 5, 6) == [
        (HOSTILE, at(2026, 11, 2), 18, None, None, "no message and no game progress yet"),
        ("Ada Newcomer", at(2026, 11, 10), 10, None, at(2026, 11, 11), "no message yet"),
    ]

    # Newest month first, every figure as stored, the shares of those who reached the mark.
    header = row_of(sheet, "Month joined")
    assert sheet.cell(header - 1, 1).value is None
    assert [sheet.cell(header - 1, col).value for col in (4, 10, 16)] == [
        "30 days after joining",
        "90 days after joining",
        "180 days after joining",
    ]
    assert {str(merged) for merged in sheet.merged_cells.ranges} >= {
        f"D{header - 1}:I{header - 1}",
        f"J{header - 1}:O{header - 1}",
        f"P{header - 1}:U{header - 1}",
    }
    assert [cell.value for cell in sheet[header]] == RETENTION_HEADERS
    retention = table(sheet, header, len(RETENTION_HEADERS))
    nobody_yet = (0, None, None, None, None, None)
    assert retention == [
        (at(2026, 11, 1), 3, 3, *nobody_yet, *nobody_yet, *nobody_yet),
        (at(2026, 8, 1), 3, 1,
         3, 2, pytest.approx(2 / 3), 1, pytest.approx(1 / 3), 1,
         3, 1, pytest.approx(1 / 3), 0, 0.0, 0,
         *nobody_yet),
        (at(2026, 4, 1), 4, 3,
         4, 4, 1.0, 1, 0.25, 2,
         4, 3, 0.75, 2, 0.5, 1,
         4, 3, 0.75, 1, 0.25, 0),
        # Every month: 10 recruits; 30 days: 7 reached, 6 stayed, 2 active; 90 days: 7, 4, 2;
        # 180 days: 4, 3, 1.
        ("All months", 10, 7,
         7, 6, pytest.approx(6 / 7), 2, pytest.approx(2 / 7), 3,
         7, 4, pytest.approx(4 / 7), 2, pytest.approx(2 / 7), 1,
         4, 3, 0.75, 1, 0.25, 0),
    ]  # fmt: skip
    first = header + 1
    assert sheet.cell(first, 1).number_format == "mmm yyyy"
    assert sheet.cell(first + 1, 6).number_format == "0%"
    assert sheet.cell(first + 1, 4).number_format == "#,##0"
    assert sheet.cell(first + len(retention) - 1, 1).font.b, "the total row is bold"

    # Every recruit, newest first: yes, no, "unknown" (stayed, before the history) or empty.
    every = row_of(sheet, "Every recruit, newest first") + 1
    assert [cell.value for cell in sheet[every]][: len(RECRUIT_HEADERS)] == RECRUIT_HEADERS
    none3 = (None,) * 6
    assert table(sheet, every, len(RECRUIT_HEADERS)) == [
        ("Bo Settled", at(2026, 11, 15), at(2026, 11, 1), None, at(2026, 11, 16),
         at(2026, 11, 15), *none3),
        ("Ada Newcomer", at(2026, 11, 10), at(2026, 11, 1), None, None, at(2026, 11, 11),
         *none3),
        (HOSTILE, at(2026, 11, 2), at(2026, 11, 1), None, None, None, *none3),
        ("Cy Left", at(2026, 8, 1), at(2026, 8, 1), at(2026, 9, 15), at(2026, 8, 3),
         at(2026, 8, 2), "yes", "yes", "no", "no", None, None),
        ("Di Veteran", at(2026, 4, 10), at(2026, 4, 1), None, None, at(2026, 6, 1),
         "yes", "unknown", "yes", "yes", "yes", "no"),
        ("Eve Players", at(2026, 4, 10), at(2026, 4, 1), None, at(2026, 4, 12), None,
         "yes", "yes", "yes", "yes", "yes", "yes"),
        ("player 7", at(2026, 4, 2), at(2026, 4, 1), at(2026, 4, 20), None, None,
         "no", "no", "no", "no", "no", "no"),
    ]  # fmt: skip
    cy = row_of(sheet, "Cy Left")
    assert sheet.cell(cy, 1).font.i, "former members are greyed"
    assert not sheet.cell(row_of(sheet, "Di Veteran"), 1).font.i
    assert sheet.cell(every + 1, 3).number_format == "mmm yyyy"
    last = every + len(RECRUITS)
    assert sheet.auto_filter.ref == f"A{every}:L{last}"

    # One landscape page wide, the longest table's header on every printed page.
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    assert sheet.print_area == f"'{SHEET}'!$A$1:$U${last}"
    assert sheet.print_title_rows == f"${every}:${every}"


def test_nobody_to_welcome_is_one_line(migrated_url: str, tmp_path: Path) -> None:
    settled = [r for r in RECRUITS if not r["welcome"]]
    sheet = load_workbook(report(clan(migrated_url, settled, COHORTS), tmp_path))[SHEET]
    assert sheet["A4"].value == "New recruits to welcome"
    assert sheet["A5"].value == "No new recruit needs a welcome."
    assert sheet["A5"].font.i and sheet["B5"].value is None
    assert sheet["A7"].value == "Retention by month joined"


def test_former_members_are_never_on_the_welcome_list(migrated_url: str, tmp_path: Path) -> None:
    """A welcome left on a recruit who has since left (a stale row) is not shown."""
    gone = [{**RECRUITS[0], "left_on": date(2026, 11, 19)}]
    sheet = load_workbook(report(clan(migrated_url, gone, []), tmp_path))[SHEET]
    assert sheet["A5"].value == "No new recruit needs a welcome."
    assert sheet["A8"].value == "No month has recruits yet."
    every = row_of(sheet, "Every recruit, newest first") + 1
    assert table(sheet, every, 4) == [
        ("Ada Newcomer", at(2026, 11, 10), at(2026, 11, 1), at(2026, 11, 19))
    ]


def test_no_recruits_yet_is_one_line(migrated_url: str, tmp_path: Path) -> None:
    sheet = load_workbook(report(clan(migrated_url, [], []), tmp_path))[SHEET]
    assert sheet["A4"].value == (
        "No recruits yet: members who join after the clan registered on WOM show here "
        "(run harvest and transform)."
    )
    assert sheet["A4"].font.i
    assert sheet.max_row == 4 and sheet.max_column == 1


def test_a_hostile_name_stays_text(migrated_url: str, tmp_path: Path) -> None:
    sheet = load_workbook(report(clan(migrated_url, RECRUITS, COHORTS), tmp_path))[SHEET]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == HOSTILE]
    assert len(cells) == 2, "on the welcome list and among every recruit"
    assert all(cell.data_type == "s" for cell in cells)
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
    assert not sheet._hyperlinks
