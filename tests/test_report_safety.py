"""The workbook is safe to open: names stay text, a failed write keeps the last good file, and
an empty clan or a clan without Discord still gets every sheet with a line saying why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session
from xlsxwriter.workbook import Workbook

from clanstats import outputs
from clanstats.db.engine import make_engine
from clanstats.db.models import (
    Base,
    ChannelCount,
    ChatHeatmap,
    ClanDaily,
    Competition,
    CompetitionAttendance,
    CompetitionParticipation,
    DiscordChannel,
    FetchLog,
    GoalWeek,
    IdentityIssue,
    MemberStatus,
    Metric,
    PeriodGain,
    Player,
    Recruit,
    SeasonScore,
    WomGroup,
)
from clanstats.errors import EXIT_WRITE, WriteError
from clanstats.outputs import REPORT_FILE
from clanstats.report import workbook as report_workbook
from clanstats.report.workbook import SHEETS, write_report

pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")

GROUP = 7
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 18, tzinfo=UTC)
LONG_NAME = "L" * 64  # the longest display name the players table holds (VARCHAR(64))
HOSTILE = [
    '=HYPERLINK("http://x","click me")',
    "+1+1",
    "-2",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    LONG_NAME,
    "http://evil.example/",
    "0123",
]
SHEET_NAMES = [
    "Summary",
    "Members",
    "People",
    "Bosses",
    "Discord",
    "Inactive",
    "Promotions",
    "Recruits",
    "Records",
    "Milestones",
    "Seasons",
    "Competitions",
    "Unlinked",
    "Clan statistics",
    "Clan days",
]


def add(engine: Engine, model: type[Base], rows: list[dict[str, Any]]) -> None:
    with Session(engine) as session, session.begin():
        session.execute(insert(model), rows)


def empty_clan(migrated_url: str) -> Engine:
    engine = make_engine(migrated_url)
    add(engine, WomGroup, [{"id": GROUP, "name": "Quiet Clan", "fetched_at": NOW}])
    return engine


def hostile_clan(migrated_url: str) -> Engine:
    """A clan whose member, channel, season, goal and competition names try to become formulas or
    links."""
    engine = empty_clan(migrated_url)
    naive = NOW.replace(tzinfo=None)
    players = list(enumerate(HOSTILE, start=1))
    add(
        engine,
        Player,
        [
            {
                "group_id": GROUP,
                "player_id": pid,
                "username": f"p{pid}",
                "display_name": name,
                "first_seen_at": naive,
            }
            for pid, name in players
        ],
    )
    add(
        engine,
        MemberStatus,
        [
            {
                "group_id": GROUP,
                "player_id": pid,
                "display_name": name,
                "role": "=cmd|' /C calc'!A0" if pid == 1 else "recruit",
                "status": "inactive" if pid == 2 else "active",
                "joined_on": TODAY - timedelta(days=100),
                "tenure_days": 100,
                "last_active_on": TODAY - timedelta(days=40 if pid == 2 else 1),
                "removal_candidate": pid == 2,
                "removal_reason": "=1+1 no XP for 40 days" if pid == 2 else None,
                "current_streak": pid,
                "best_streak": pid * 2,
                "engagement_score": 10.0 * pid,
                "chat_play": "both",
            }
            for pid, name in players
        ],
    )
    joined = TODAY - timedelta(days=100)
    add(
        engine,
        Recruit,
        [
            {
                "group_id": GROUP,
                "player_id": pid,
                "joined_on": joined,
                "cohort": joined.replace(day=1),
                **dict.fromkeys(("stayed_30", "stayed_90", "active_30", "active_90"), True),
            }
            for pid, _ in players
        ],
    )
    add(
        engine,
        Competition,
        [
            {
                "group_id": GROUP,
                "id": 1,
                "title": '=HYPERLINK("http://x","sign up")',
                "metric": "zulrah",
                "starts_at": naive - timedelta(days=10),
                "ends_at": naive - timedelta(days=3),
                "details_fetched_at": naive,
            }
        ],
    )
    add(
        engine,
        CompetitionParticipation,
        [
            {
                "group_id": GROUP,
                "competition_id": 1,
                "player_id": pid,
                "rank": pid,
                "gained": 10.0 * pid,
                "fetched_at": naive,
            }
            for pid, _ in players
        ],
    )
    add(
        engine,
        CompetitionAttendance,
        [
            {
                "group_id": GROUP,
                "player_id": pid,
                "joined": 1,
                "best_rank": pid,
                "last_joined_on": TODAY - timedelta(days=10),
                "held_90": 1,
                "joined_90": 1,
                "rate_90": 1.0,
            }
            for pid, _ in players
        ],
    )
    add(engine, Metric, [{"id": 1, "name": "zulrah", "kind": "boss"}])
    add(
        engine,
        PeriodGain,
        [
            {
                "group_id": GROUP,
                "player_id": pid,
                "period": period,
                "metric": metric,
                "gained": g,
                "source": "history",
            }
            for pid, _ in players
            for period, metric, g in (
                ("30d", "xp", 1000.0 * pid),
                ("30d", "messages", 3.0),
                ("30d", "zulrah", 2.0),
            )
        ],
    )
    add(
        engine,
        DiscordChannel,
        [
            {
                "group_id": GROUP,
                "channel_id": 10**17,
                "name": '=HYPERLINK("http://x")',
                "kind": "text",
                "updated_at": naive,
            }
        ],
    )
    add(
        engine,
        ChannelCount,
        [{"group_id": GROUP, "channel_id": 10**17, "period": "90d", "messages": 5}],
    )
    add(engine, ChatHeatmap, [{"group_id": GROUP, "weekday": 0, "hour": 20, "messages": 5}])
    add(
        engine,
        SeasonScore,
        [
            {
                "group_id": GROUP,
                "season": "@season",
                "player_id": 1,
                "points": 3.0,
                "place": 1,
                "is_current": True,
            }
        ],
    )
    add(
        engine,
        GoalWeek,
        [
            {
                "group_id": GROUP,
                "goal": "-5 goal",
                "week_start": date(2026, 11, 16),
                "metric": "overall",
                "target": 10.0,
                "progress": 5.0,
                "achieved": False,
                "is_current": True,
            }
        ],
    )
    add(
        engine,
        IdentityIssue,
        [
            {
                "group_id": GROUP,
                "kind": "unlinked_discord",
                "subject": "123456789012345678",
                "name": "+SUM(1)",
                "detail": "=no",
            }
        ],
    )
    return engine


def write(engine: Engine, path: Path, **overrides: Any) -> dict[str, object]:
    options: dict[str, Any] = {
        "group_id": GROUP,
        "today": TODAY,
        "now": NOW,
        "timezone": ZoneInfo("UTC"),
        "discord_expected": False,
    }
    return write_report(engine, path, **(options | overrides))


def test_hostile_names_are_stored_as_text_never_formulas_or_links(
    migrated_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "out" / REPORT_FILE
    write(hostile_clan(migrated_url), path)
    book = load_workbook(path)
    found: dict[str, int] = {}
    for sheet in book.worksheets:
        assert not sheet._hyperlinks, f"{sheet.title} has links"
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if cell.value in HOSTILE:
                    assert cell.data_type == "s", f"{sheet.title}!{cell.coordinate}"
                    found[cell.value] = found.get(cell.value, 0) + 1
    assert set(found) == set(HOSTILE)
    assert found[LONG_NAME] >= 3, "the Members, Bosses and Discord sheets show it whole"
    members = book["Members"]
    names = [members.cell(row, 1).value for row in range(5, 5 + len(HOSTILE))]
    assert sorted(names) == sorted(HOSTILE)
    assert book["Discord"]["I34"].value == '=HYPERLINK("http://x")'
    recruits = book["Recruits"]
    listed = [cell.value for cell in recruits["A"] if cell.value in HOSTILE]
    assert sorted(listed) == sorted(HOSTILE), "every recruit's name, as text"
    competitions = book["Competitions"]
    listed = [cell.value for cell in competitions["A"] if cell.value in HOSTILE]
    assert sorted(listed) == sorted(HOSTILE), "every attendance name, as text"
    assert competitions["A6"].value == '=HYPERLINK("http://x","sign up")'
    assert competitions["H6"].value == f"{HOSTILE[0]} (10)", "the winner and their gain, as text"
    assert book["Summary"]["A1"].data_type == "s"


def test_a_failed_write_keeps_the_previous_workbook_and_leaves_no_temp_file(
    migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = hostile_clan(migrated_url)
    path = tmp_path / "out" / REPORT_FILE
    write(engine, path)
    before = path.read_bytes()

    def crash(workbook: Workbook, *_: object) -> None:
        workbook.add_worksheet("half done")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report_workbook, "SHEETS", (*SHEETS[:3], crash))
    with pytest.raises(RuntimeError, match="disk on fire"):
        write(engine, path)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [REPORT_FILE]


def test_a_failure_after_the_temp_file_is_written_removes_it(
    migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = hostile_clan(migrated_url)
    path = tmp_path / "out" / REPORT_FILE
    write(engine, path)
    before = path.read_bytes()
    seen: list[Path] = []

    def full_disk(fd: int) -> None:
        # The workbook is in its temp file beside the target when the disk fills up.
        temps = [p for p in path.parent.iterdir() if p.name != REPORT_FILE]
        seen.extend(temps)
        assert temps and temps[0].stat().st_size > 0
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs.os, "fsync", full_disk)
    with pytest.raises(WriteError, match=r"can't write .* the disk is full") as error:
        write(engine, path)
    # One line naming the folder and the fix, exit 7 (it was an OSError: "a bug", exit 1).
    assert str(path.parent) in str(error.value) and "OUTPUT_DIR" in str(error.value)
    assert error.value.exit_code == EXIT_WRITE
    assert seen and not seen[0].exists()
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [REPORT_FILE]


def test_a_workbook_open_in_excel_is_a_one_line_error_and_stays_as_it_was(
    migrated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = hostile_clan(migrated_url)
    path = tmp_path / "out" / REPORT_FILE
    write(engine, path)
    before = path.read_bytes()

    def locked(self: Path, target: Path) -> Path:
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr(Path, "replace", locked)
    with pytest.raises(WriteError, match="open in another program") as error:
        write(engine, path)
    assert "\n" not in str(error.value) and error.value.exit_code == EXIT_WRITE
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [REPORT_FILE]


def test_an_empty_clan_gets_every_sheet_with_a_reason(migrated_url: str, tmp_path: Path) -> None:
    path = tmp_path / "deep" / "new folder" / REPORT_FILE
    counts = write(empty_clan(migrated_url), path)
    assert counts["members"] == 0 and counts["stale data"] == "Wise Old Man"
    book = load_workbook(path)
    assert book.sheetnames == SHEET_NAMES
    for name in SHEET_NAMES[1:]:
        sheet = book[name]
        assert isinstance(sheet["A4"].value, str) and sheet["A4"].value, name
        assert sheet["A4"].font.i, f"{name}: the empty-sheet line is a note"
    assert "No members yet" in book["Members"]["A4"].value
    assert "Discord is optional" in book["Discord"]["A4"].value
    summary = book["Summary"]
    assert [summary.cell(row, 4).value for row in (6, 7)] == ["never", "not set up"]
    assert summary["D6"].fill.fgColor.rgb.endswith("FF0000")


def test_stale_and_failing_sources_are_flagged_on_the_summary(
    migrated_url: str, tmp_path: Path
) -> None:
    engine = hostile_clan(migrated_url)
    naive = NOW.replace(tzinfo=None)

    def fetch(source: str, hours_ago: float, outcome: str = "ok") -> dict[str, Any]:
        when = naive - timedelta(hours=hours_ago)
        return {
            "group_id": GROUP,
            "source": source,
            "started_at": when,
            "finished_at": when,
            "outcome": outcome,
        }

    add(
        engine,
        FetchLog,
        [
            fetch("wom:roster", 30),
            fetch("wom:hiscores", 27),
            fetch("discord:1", 2),
            fetch("discord:2", 1, "error"),
            fetch("discord:3", 1, "skipped"),
        ],
    )
    path = tmp_path / REPORT_FILE
    counts = write(engine, path, timezone=ZoneInfo("Europe/Berlin"), discord_expected=True)
    assert counts["stale data"] == "Wise Old Man"
    summary = load_workbook(path)["Summary"]
    wom, discord = ([summary.cell(row, col).value for col in range(1, 6)] for row in (6, 7))
    assert wom[0] == "Wise Old Man" and wom[3] == "stale" and wom[2] == 27.0
    # Shown in clan time: 27 hours before 18:00 UTC is 15:00 UTC, 16:00 in Berlin.
    assert wom[1] == datetime(2026, 11, 19, 16)
    assert discord[3] == "fresh" and discord[4] == "1 source failing: see app.log"
    assert summary["D6"].fill.fgColor.rgb.endswith("FF0000")
    assert summary["D7"].fill.fgColor.rgb.endswith("C6EFCE")


def test_a_clan_without_discord_data_says_so(migrated_url: str, tmp_path: Path) -> None:
    engine = empty_clan(migrated_url)
    add(
        engine,
        MemberStatus,
        [
            {
                "group_id": GROUP,
                "player_id": 1,
                "display_name": "Solo",
                "status": "active",
                "current_streak": 0,
                "best_streak": 0,
            }
        ],
    )
    add(
        engine,
        ClanDaily,
        [
            {
                "group_id": GROUP,
                "day": TODAY,
                "members": 1,
                "joins": 0,
                "leaves": 0,
                "active_members": 1,
                "xp": 5.0,
                "ehp": 0.0,
                "ehb": 0.0,
                "boss_kills": 0.0,
                "messages": 0,
            }
        ],
    )
    path = tmp_path / REPORT_FILE
    write(engine, path)
    book = load_workbook(path)
    assert "Discord is optional" in book["Discord"]["A4"].value
    members = book["Members"]
    assert members["A5"].value == "Solo"
    headers = [cell.value for cell in members[4]]
    for header in ("XP 7d", "EHP 30d", "Messages 30d", "Answers 30d"):
        assert members.cell(5, headers.index(header) + 1).value is None, "no data is empty"
