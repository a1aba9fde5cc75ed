"""The workbook's Competitions sheet, read back with openpyxl, against `competitions`,
`competition_participations` and `competition_attendance` rows written by hand.

The clan's clock is Berlin's (UTC+1 in November); the report runs on Friday 20 November 2026
at 18:00 UTC. The competitions, newest start first:

    C10 Zulrah week     starts 25 Nov: upcoming; WOM counts 7 sign-ups, no standings read
    C9  Skilling week   15 Nov 23:30 UTC (clan day 16 Nov) to 22 Nov 23:30 UTC (23 Nov):
                        running; 4 standings stored (WOM's count, 5, is older): Ada 1,234,567,
                        the hostile name 850,000, Bo unknown (NULL), Gus 10
    C8  Bossing bonanza a finished team competition in EHB: Cy 12.5, Ada 3
    C7  Old one         no metric, no type; never read: WOM's count of 12 stands in
    C6  =SUM(A1) sprint read, nobody took part (and WOM gave no count)

Attendance rows are hand-chosen (not derived): the sheet shows them as stored.
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
from clanstats.db.models import (
    Competition,
    CompetitionAttendance,
    CompetitionParticipation,
    MemberStatus,
    Player,
    WomGroup,
)
from clanstats.outputs import REPORT_FILE
from clanstats.report.sheets.competitions import short_number
from clanstats.report.workbook import write_report

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")

GROUP = 31
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
SHEET = "Competitions"
HOSTILE = '=HYPERLINK("http://x","join me")'
LEFT = {5, 8}
# member_status names (the sheets' names); Gus and Eve are only in the players table.
NAMES = {1: "Ada Winner", 2: HOSTILE, 3: "Bo Steady", 5: "Cy Left", 6: "Di Idle", 8: "Fay Former"}
PLAYERS = {**NAMES, 4: "Gus Fourth", 7: "Eve Guest"}
HISTORY_HEADERS = [
    "Title", "Metric", "Type", "Starts", "Ends", "Status", "Participants", "1st", "2nd", "3rd",
]  # fmt: skip
ATTENDANCE_HEADERS = [
    "Name", "Competitions joined", "Best place", "Last joined (start day)",
    "Joined of held 90d", "Rate 90d",
]  # fmt: skip
READ = datetime(2026, 11, 20, 6)


def competition(
    cid: int,
    title: str,
    starts: datetime,
    ends: datetime,
    *,
    metric: str | None = None,
    kind: str | None = None,
    count: int | None = None,
    read: datetime | None = None,
) -> dict[str, Any]:
    return {
        "id": cid,
        "title": title,
        "competition_type": kind,
        "metric": metric,
        "starts_at": starts,
        "ends_at": ends,
        "participant_count": count,
        "details_fetched_at": read,
    }


COMPETITIONS = [
    competition(6, "=SUM(A1) sprint", datetime(2026, 8, 1, 12), datetime(2026, 8, 8, 12),
                metric="agility", kind="classic", read=READ),
    competition(7, "Old one", datetime(2026, 9, 1, 12), datetime(2026, 9, 8, 12), count=12),
    competition(8, "Bossing bonanza", datetime(2026, 10, 1, 12), datetime(2026, 10, 8, 12),
                metric="ehb", kind="team", count=2, read=READ),
    competition(9, "Skilling week", datetime(2026, 11, 15, 23, 30), datetime(2026, 11, 22, 23, 30),
                metric="overall", kind="classic", count=5, read=READ),
    competition(10, "Zulrah week", datetime(2026, 11, 25, 10), datetime(2026, 12, 2, 10),
                metric="zulrah", kind="classic", count=7),
]  # fmt: skip
# (competition, player, place, gained)
STANDINGS = [
    (9, 1, 1, 1_234_567.0),
    (9, 2, 2, 850_000.0),
    (9, 3, 3, None),
    (9, 4, 4, 10.0),
    (8, 5, 1, 12.5),
    (8, 1, 2, 3.0),
]


def attendance(
    pid: int,
    joined: int,
    best: int | None,
    last: date | None,
    held: int,
    joined_90: int,
    rate: float | None,
) -> dict[str, Any]:
    return {
        "player_id": pid,
        "joined": joined,
        "best_rank": best,
        "last_joined_on": last,
        "held_90": held,
        "joined_90": joined_90,
        "rate_90": rate,
    }


NOV16, OCT1 = date(2026, 11, 16), date(2026, 10, 1)
ATTENDANCE = [
    attendance(1, 2, 1, NOV16, 3, 2, 2 / 3),
    attendance(2, 1, 2, NOV16, 1, 1, 1.0),
    attendance(3, 5, 3, NOV16, 3, 2, 2 / 3),  # Ada's rate, more joined: above her
    attendance(6, 0, None, None, 2, 0, 0.0),
    attendance(5, 1, 1, OCT1, 0, 0, None),  # left: none held for them in 90 days
    attendance(7, 1, 4, OCT1, 0, 0, None),  # a guest, never a member
    attendance(8, 3, 2, OCT1, 2, 1, 0.5),  # left: still first among the former
]


def clan(
    migrated_url: str,
    competitions: list[dict[str, Any]],
    standings: list[tuple[int, int, int, float | None]],
    attendances: list[dict[str, Any]],
) -> Engine:
    engine = make_engine(migrated_url)
    naive = NOW.replace(tzinfo=None)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(WomGroup), [{"id": GROUP, "name": "Contest Clan", "fetched_at": NOW}]
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
                    "status": "left" if pid in LEFT else "active",
                    "current_streak": 0,
                    "best_streak": 0,
                }
                for pid, name in NAMES.items()
            ],
        )
        if competitions:
            session.execute(insert(Competition), [{"group_id": GROUP, **c} for c in competitions])
        if standings:
            session.execute(
                insert(CompetitionParticipation),
                [
                    {
                        "group_id": GROUP,
                        "competition_id": cid,
                        "player_id": pid,
                        "rank": rank,
                        "gained": gained,
                        "fetched_at": READ,
                    }
                    for cid, pid, rank, gained in standings
                ],
            )
        if attendances:
            session.execute(
                insert(CompetitionAttendance), [{"group_id": GROUP, **a} for a in attendances]
            )
    return engine


def report(engine: Engine, folder: Path) -> Path:
    path = folder / REPORT_FILE
    write_report(
        engine,
        path,
        group_id=GROUP,
        today=TODAY,
        now=NOW,
        timezone=BERLIN,
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


def test_the_sheet_shows_every_competition_and_who_takes_part(
    migrated_url: str, tmp_path: Path
) -> None:
    book = load_workbook(report(clan(migrated_url, COMPETITIONS, STANDINGS, ATTENDANCE), tmp_path))
    names = book.sheetnames
    assert names.index(SHEET) == names.index("Seasons") + 1
    sheet = book[SHEET]
    assert sheet["A1"].value == "WOM competitions"
    explanation = sheet["A2"].value
    assert "newest start first" in explanation and "clan days (Europe/Berlin)" in explanation
    assert "or WOM's own count until it has read them" in explanation
    assert "as of 2026-11-20" in explanation and "Grey rows: former members" in explanation

    # Newest start first; clan days in Berlin (C9 starts 23:30 UTC, already the 16th there).
    assert sheet["A4"].value == "Competitions"
    assert [cell.value for cell in sheet[5]][: len(HISTORY_HEADERS)] == HISTORY_HEADERS
    assert table(sheet, 5, len(HISTORY_HEADERS)) == [
        ("Zulrah week", "Zulrah", "classic", at(2026, 11, 25), at(2026, 12, 2), "upcoming", 7,
         "not started: participants are WOM's sign-ups", None, None),
        ("Skilling week", "Overall", "classic", at(2026, 11, 16), at(2026, 11, 23), "running", 4,
         "Ada Winner (1.2M)", f"{HOSTILE} (850K)", "Bo Steady (gain unknown)"),
        ("Bossing bonanza", "EHB", "team", at(2026, 10, 1), at(2026, 10, 8), "finished", 2,
         "Cy Left (12.5)", "Ada Winner (3)", None),
        ("Old one", None, None, at(2026, 9, 1), at(2026, 9, 8), "finished", 12,
         "standings not read yet: participants are WOM's count", None, None),
        ("=SUM(A1) sprint", "Agility", "classic", at(2026, 8, 1), at(2026, 8, 8), "finished", 0,
         "nobody took part", None, None),
    ]  # fmt: skip
    assert sheet["D6"].number_format == "yyyy-mm-dd" and sheet["G6"].number_format == "#,##0"
    statuses = {str(rule.sqref): rule for rule in sheet.conditional_formatting}
    assert "F6:F10" in statuses, "running and upcoming are coloured"

    # Current members by rate then competitions joined, then the former and a guest, greyed.
    header = row_of(sheet, "Attendance") + 1
    assert [cell.value for cell in sheet[header]][: len(ATTENDANCE_HEADERS)] == ATTENDANCE_HEADERS
    rows = table(sheet, header, len(ATTENDANCE_HEADERS))
    assert rows == [
        (HOSTILE, 1, 2, at(2026, 11, 16), "1 of 1", 1.0),
        ("Bo Steady", 5, 3, at(2026, 11, 16), "2 of 3", pytest.approx(2 / 3)),
        ("Ada Winner", 2, 1, at(2026, 11, 16), "2 of 3", pytest.approx(2 / 3)),
        ("Di Idle", 0, None, None, "0 of 2", 0.0),
        ("Fay Former", 3, 2, at(2026, 10, 1), "1 of 2", 0.5),
        ("Cy Left", 1, 1, at(2026, 10, 1), "none held", None),
        ("Eve Guest", 1, 4, at(2026, 10, 1), "none held", None),
    ]
    first = header + 1
    assert sheet.cell(first, 6).number_format == "0%"
    assert not any(sheet.cell(first + i, 1).font.i for i in range(4)), "current members"
    assert all(sheet.cell(first + i, 1).font.i for i in range(4, 7)), "former ones greyed"

    # One landscape page wide, the attendance header on every printed page.
    last = header + len(ATTENDANCE)
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    assert sheet.print_area == f"'{SHEET}'!$A$1:$J${last}"
    assert sheet.print_title_rows == f"${header}:${header}"


def test_names_and_titles_stay_text(migrated_url: str, tmp_path: Path) -> None:
    sheet = load_workbook(
        report(clan(migrated_url, COMPETITIONS, STANDINGS, ATTENDANCE), tmp_path)
    )[SHEET]
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row}
    for text in (HOSTILE, f"{HOSTILE} (850K)", "=SUM(A1) sprint"):
        assert cells[text].data_type == "s", text
    assert not any(cell.data_type == "f" for cell in cells.values())
    assert not sheet._hyperlinks


def test_empty_tables_are_one_line_each(migrated_url: str, tmp_path: Path) -> None:
    sheet = load_workbook(report(clan(migrated_url, [], [], []), tmp_path))[SHEET]
    assert sheet["A4"].value == (
        "No competitions yet: the group's WOM competitions show here (run harvest)."
    )
    assert sheet["A5"].value == "No one has taken part in a competition yet."
    assert sheet["A4"].font.i and sheet["A5"].font.i
    assert sheet.max_row == 5 and sheet.max_column == 1


def test_an_upcoming_competition_alone_has_no_attendance_yet(
    migrated_url: str, tmp_path: Path
) -> None:
    upcoming = [c for c in COMPETITIONS if c["id"] == 10]
    sheet = load_workbook(report(clan(migrated_url, upcoming, [], []), tmp_path))[SHEET]
    assert table(sheet, 5, 7) == [
        ("Zulrah week", "Zulrah", "classic", at(2026, 11, 25), at(2026, 12, 2), "upcoming", 7)
    ]
    assert sheet["A8"].value == "Attendance"
    assert sheet["A9"].value == "No one has taken part in a competition yet."
    assert sheet.print_title_rows == "$5:$5"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.0, "0"),
        (12.5, "12.5"),
        (2_500.0, "2,500"),
        (48_000.0, "48K"),
        (999_949.0, "999.9K"),
        (1_234_567.0, "1.2M"),
        (3_500_000_000.0, "3.5B"),
        (-1_500.0, "-1,500"),
    ],
)
def test_gains_read_short(value: float, shown: str) -> None:
    assert short_number(value) == shown
