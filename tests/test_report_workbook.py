"""The report workbook, read back with openpyxl, against the derived tables of a simulated clan.

The database is made once per test session by the real pipeline pieces in-process: the WOM
harvest and backfill against the loopback WOM server, the Discord harvest against the loopback
Discord server, then transform.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook as OpenedWorkbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.migrate import upgrade_to_head
from clanstats.db.models import (
    ChannelCount,
    ChatHeatmap,
    ClanDaily,
    ClanStatistics,
    Competition,
    CompetitionAttendance,
    IdentityIssue,
    MemberStatus,
    Metric,
    PeriodGain,
    Player,
    Promotion,
    Recruit,
    RecruitCohort,
    SeasonScore,
)
from clanstats.harvest.backfill import backfill_group
from clanstats.harvest.discord_chat import DiscordHarvest
from clanstats.harvest.wom import WomHarvest
from clanstats.outputs import REPORT_FILE
from clanstats.report.data import STATUS_ORDER
from clanstats.report.formats import status_label
from clanstats.report.workbook import write_report
from clanstats.rules import Goal, Rank, Rules, Season
from clanstats.settings import PROJECT_ROOT, load_settings
from clanstats.stage import StageResult
from clanstats.transform.stage import run_transform
from clanstats.wom.client import WomClient
from simulator.chat import ChatConfig, SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from simulator.discord_server import FakeDiscordServer
from simulator.wom_server import FakeWomServer
from tests.conftest import ENGINES, engine_kind
from tests.databases import PostgresDatabases, SharedDatabase, run_stage_script

GROUP = 4242
SIM_NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
TODAY = SIM_NOW.date()
CLAN_TZ = ZoneInfo("UTC")
RULES = Rules(
    ranks=[
        Rank(name="recruit"),
        Rank(name="corporal", requirements={"tenure_days": 14, "overall": 5_000_000}),
        Rank(name="sergeant", requirements={"tenure_days": 30, "ehp": 150, "messages_30d": 10}),
    ],
    seasons=[
        Season(
            name="Autumn push",
            start=TODAY - timedelta(days=20),
            end=TODAY + timedelta(days=20),
            points={"overall": 0.00001, "ehb": 5, "messages": 0.5},
        )
    ],
    goals=[
        Goal(name="10M clan XP", metric="overall", target=10_000_000),
        Goal(name="300 boss kills", metric="boss_kills", target=300),
    ],
)
# openpyxl reads data bars' Excel 2010 extensions and says it drops them; the file has them.
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
SHEETS = [
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


@dataclass(frozen=True)
class Built:
    """The simulated clan's database and the workbook written from it."""

    engine: Engine
    database: SharedDatabase
    path: Path
    book: OpenedWorkbook


@pytest.fixture(scope="session", params=ENGINES)
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    """The simulated clan harvested, backfilled and transformed on each engine, and its workbook."""
    kind = engine_kind(request)
    folder = tmp_path_factory.mktemp(f"report-{kind}")
    if kind == "sqlite":
        database = f"sqlite:///{(folder / 'clan.db').as_posix()}"
    else:
        postgres: PostgresDatabases = request.getfixturevalue("postgres_databases")
        database = postgres.url_of(postgres.create(migrated=True))
    engine = make_engine(database)
    upgrade_to_head(engine)
    clan = SimulatedClan(
        SimConfig(seed=7, members=24, days=60, now=SIM_NOW, registered_days_ago=90)
    )
    chat = SimulatedChat(clan, ChatConfig(seed=11))
    naive_now = SIM_NOW.replace(tzinfo=None)
    with (
        FakeWomServer(clan, limit_with_key=100_000, limit_without_key=100_000) as wom,
        FakeDiscordServer(chat, rate_limit_per_second=100_000) as discord,
    ):
        client = WomClient(
            base_url=wom.base_url, api_key="demo-key", user_agent="tests", requests_per_minute=None
        )
        WomHarvest(
            engine=engine,
            client=client,
            group_id=GROUP,
            stage_run_id=None,
            lookback_days=365,
            now=naive_now,
        ).run()
        backfill_group(engine, client, group_id=GROUP, days=60, stage_run_id=None, now=naive_now)
        settings = load_settings(
            PROJECT_ROOT / "no such .env",
            {
                "CLANSTATS_DATA_DIR": str(folder),
                "DATABASE_URL": database,
                "DISCORD_BOT_TOKEN": chat.bot_token,
                "DISCORD_GUILD_ID": str(chat.guild_id),
                "DISCORD_RELAY_CHANNEL_IDS": str(chat.relay_channel_id),
                "DISCORD_API_BASE": discord.api_base,
            },
        )
        DiscordHarvest(engine, settings, GROUP, None, now=naive_now).run(StageResult())
    with Session(engine) as session, session.begin():
        run_transform(
            session, group_id=GROUP, rules=RULES, manual=[], timezone=CLAN_TZ, today=TODAY
        )
    path = folder / "output" / REPORT_FILE
    write_report(
        engine,
        path,
        group_id=GROUP,
        today=TODAY,
        now=datetime.now(UTC),
        timezone=CLAN_TZ,
        discord_expected=True,
        rules=RULES,
    )
    shared = SharedDatabase(kind, database, folder, None if kind == "sqlite" else postgres)
    yield Built(engine, shared, path, load_workbook(path))
    engine.dispose()


def rows_of(sheet: Worksheet, header_row: int = 4) -> list[dict[str, Any]]:
    """A sheet's table under its header row (1-based), as dicts by header."""
    headers = [cell.value for cell in sheet[header_row]]
    rows = []
    for values in sheet.iter_rows(min_row=header_row + 1, values_only=True):
        if values[0] is None:
            break
        rows.append(dict(zip(headers, values, strict=False)))
    return rows


def gains(engine: Engine, metric: str, period: str) -> dict[int, float]:
    with Session(engine) as session:
        rows = session.execute(
            select(PeriodGain.player_id, PeriodGain.gained).where(
                PeriodGain.metric == metric, PeriodGain.period == period
            )
        )
        return {player: gained for player, gained in rows}


def approx_or_none(value: float | None) -> object:
    """EHP and EHB are written rounded to 6 decimals."""
    return None if value is None else pytest.approx(value, abs=1e-6)


def statuses(engine: Engine) -> dict[str, MemberStatus]:
    with Session(engine) as session:
        rows = session.scalars(select(MemberStatus)).all()
        session.expunge_all()
    return {row.display_name: row for row in rows}


def test_sheets_in_order_each_with_a_title_and_an_explanation(built: Built) -> None:
    assert built.book.sheetnames == SHEETS
    for sheet in built.book.worksheets:
        title, explanation = sheet["A1"].value, sheet["A2"].value
        assert isinstance(title, str) and title, sheet.title
        assert isinstance(explanation, str) and len(explanation) > 40, sheet.title
        assert "\n" not in explanation, f"{sheet.title}: the explanation is one line"


def test_the_freshness_heading_names_the_threshold_the_statuses_use(
    built: Built, tmp_path: Path
) -> None:
    """Weekly refresh intervals move the stale line to 170 hours: the heading says so (it said
    26 hours whatever the rules, while the statuses used the rules' line)."""
    path = tmp_path / REPORT_FILE
    write_report(
        built.engine,
        path,
        group_id=GROUP,
        today=TODAY,
        now=datetime.now(UTC),
        timezone=CLAN_TZ,
        discord_expected=True,
        stale_after=timedelta(hours=170),
        rules=RULES,
    )
    summary = load_workbook(path, read_only=True)["Summary"]
    headings = [row[0] for row in summary.iter_rows(values_only=True) if row and row[0]]
    assert "Data freshness (stale after 170 hours)" in headings
    assert not any(str(h).startswith("Data freshness (stale after 26") for h in headings)


def test_members_sheet_matches_member_status_and_period_gains(built: Built) -> None:
    sheet = built.book["Members"]
    rows = rows_of(sheet)
    status = statuses(built.engine)
    current = [name for name, row in status.items() if row.status != "left"]
    names = [row["Name"] for row in rows]
    assert set(current) <= set(names)
    assert names[: len(current)] == [r for r in names if status[r].status != "left"]
    xp30, ehp7, msgs30 = (
        gains(built.engine, "xp", "30d"),
        gains(built.engine, "ehp", "7d"),
        gains(built.engine, "messages", "30d"),
    )
    checked = 0
    for row in rows:
        member = status[row["Name"]]
        assert row["Status"] == status_label(member.status)  # unknown: "not enough history yet"
        assert row["Role"] == member.role
        assert row["Tenure (days)"] == member.tenure_days
        assert row["Streak"] == member.current_streak
        assert row["Engagement"] == member.engagement_score
        # No period_gains row: an empty cell, never 0.
        assert row["XP 30d"] == xp30.get(member.player_id)
        assert row["EHP 7d"] == approx_or_none(ehp7.get(member.player_id))
        assert row["Messages 30d"] == msgs30.get(member.player_id)
        checked += 1
    assert checked == len(rows) >= 20
    assert any(row["Messages 30d"] is None for row in rows) or all(
        member.player_id in msgs30 for member in status.values()
    )


def test_members_are_sorted_by_status_then_30_day_xp(built: Built) -> None:
    rows = [row for row in rows_of(built.book["Members"]) if row["Status"] != "left"]
    status_of = {status_label(status): status for status in STATUS_ORDER}
    keys = [(STATUS_ORDER[status_of[row["Status"]]], -(row["XP 30d"] or -1)) for row in rows]
    assert keys == sorted(keys)
    leavers = [row for row in rows_of(built.book["Members"]) if row["Status"] == "left"]
    assert rows_of(built.book["Members"])[-len(leavers) :] == leavers if leavers else True


def test_tenure_says_whether_it_counts_from_the_in_game_join_or_wom_listing(built: Built) -> None:
    # The clan registered on WOM 90 days ago: the clan sync gives most members an in-game
    # join (the simulator serves one for 80%), the rest count from WOM's listing.
    for sheet in ("Members", "Inactive"):
        headers = [cell.value for cell in built.book[sheet][4]]
        assert headers[headers.index("Tenure (days)") + 1] == "Tenure from"
    rows = rows_of(built.book["Members"])
    assert {row["Tenure from"] for row in rows} == {"in-game join", "WOM listing"}
    listed = [
        row for row in rows if row["Tenure from"] == "WOM listing" and row["Status"] != "left"
    ]
    # Counted from the listing, nobody can have been in the clan longer than it exists on WOM.
    assert listed and all(row["Tenure (days)"] <= 90 for row in listed)


def test_members_sheet_formats_panes_filter_and_conditional_formats(built: Built) -> None:
    sheet = built.book["Members"]
    assert sheet.freeze_panes == "B5"
    count = len(rows_of(sheet))
    assert sheet.auto_filter.ref == f"A4:AF{4 + count}"
    headers = [cell.value for cell in sheet[4]]
    row = 5
    assert sheet.cell(row, headers.index("XP 30d") + 1).number_format == "#,##0"
    assert sheet.cell(row, headers.index("EHP 30d") + 1).number_format == "#,##0.0"
    joined = sheet.cell(row, headers.index("Joined") + 1)
    assert joined.number_format == "yyyy-mm-dd" and isinstance(joined.value, datetime)
    rules = [rule.type for rng in sheet.conditional_formatting for rule in rng.rules]
    # Pale tints behind the five 30-day measures (a data bar would sit under the number), and
    # the engagement and streak scales.
    assert rules.count("dataBar") == 0 and rules.count("colorScale") == 7
    assert sheet.cell(row, headers.index("Status") + 1).fill.fgColor.rgb.endswith("C6EFCE")
    # The last 30 days first, then the other windows; the print is Name to Chat / play.
    assert headers[8:18] == [
        "XP 30d", "EHP 30d", "EHB 30d", "Boss kills 30d", "Messages 30d", "Answers 30d",
        "Streak", "Best streak", "Engagement", "Chat / play",
    ]  # fmt: skip
    assert sheet.print_area == f"'Members'!$A$1:$R${4 + count}"
    assert sheet.print_title_rows == "$4:$4"
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    assert sheet.page_setup.orientation == "landscape"


def test_summary_kpis_match_the_derived_tables(built: Built) -> None:
    sheet = built.book["Summary"]
    labels = {
        sheet.cell(row, 1).value: row
        for row in range(1, sheet.max_row + 1)
        if sheet.cell(row, 1).value
    }
    status = statuses(built.engine)
    current = [m for m in status.values() if m.status != "left"]
    assert sheet.cell(labels["Members"], 2).value == len(current)
    assert sheet.cell(labels["Active"], 2).value == sum(m.status == "active" for m in current)
    with Session(built.engine) as session:

        def total(column: Any, days: int) -> float:
            since = TODAY - timedelta(days=days - 1)
            return session.scalar(select(func.sum(column)).where(ClanDaily.day >= since)) or 0

        assert sheet.cell(labels["XP gained"], 2).value == total(ClanDaily.xp, 7)
        assert sheet.cell(labels["XP gained"], 3).value == total(ClanDaily.xp, 30)
        assert sheet.cell(labels["Boss kills"], 3).value == total(ClanDaily.boss_kills, 30)
        assert sheet.cell(labels["Discord messages"], 2).value == total(ClanDaily.messages, 7)
        assert sheet.cell(labels["Joins"], 3).value == total(ClanDaily.joins, 30)
        due = session.scalar(select(func.count()).where(Promotion.is_due.is_(True)))
        leader = session.execute(
            select(SeasonScore.player_id).where(SeasonScore.place == 1)
        ).scalar()
    assert sheet.cell(labels["Promotions due"], 2).value == due
    assert sheet.cell(labels["XP gained"], 3).number_format == "#,##0"
    assert sheet.cell(labels["EHP gained"], 3).number_format == "#,##0.0"
    # A whole percent with a literal "%": nothing for Excel to round up (33.9 is never "34%").
    assert sheet.cell(labels["10M clan XP"], 4).number_format == '0"%"'
    season_row = labels["Autumn push: top 10"]
    # Under its title: its dates and days left (the season runs TODAY -20 .. TODAY +20).
    start, end = TODAY - timedelta(days=20), TODAY + timedelta(days=20)
    assert sheet.cell(season_row + 1, 1).value == (
        f"{start:%a %d %b %Y} to {end:%a %d %b %Y}: 20 days left"
    )
    assert sheet.cell(season_row + 3, 1).value == 1
    winner = next(m.display_name for m in status.values() if m.player_id == leader)
    assert sheet.cell(season_row + 3, 2).value == winner
    assert sheet.cell(labels["Wise Old Man"], 4).value == "fresh"
    assert sheet.cell(labels["Discord"], 4).value == "fresh"


def test_summary_has_native_charts_on_the_clan_days(built: Built) -> None:
    with zipfile.ZipFile(built.path) as archive:
        # The Summary's drawing (sheet1) and the charts it holds.
        drawing = archive.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
        drawn = re.search(r"drawings/(drawing\d+\.xml)", drawing)
        assert drawn, "the charts hang off the Summary (sheet1)"
        rels = archive.read(f"xl/drawings/_rels/{drawn[1]}.rels").decode()
        charts = sorted(re.findall(r"charts/(chart\d+\.xml)", rels))
        assert len(charts) == 2
        xml = "".join(archive.read(f"xl/charts/{n}").decode() for n in charts)
    assert "'Clan days'!$F$" in xml and "'Clan days'!$J$" in xml and "'Clan days'!$B$" in xml
    assert "<c:barChart>" in xml and "<c:lineChart>" in xml


def test_clan_statistics_sheet_lists_the_derived_weeks_newest_first(built: Built) -> None:
    sheet = built.book["Clan statistics"]
    header = next(
        row for row in range(1, sheet.max_row + 1) if sheet.cell(row, 1).value == "Week ending"
    )
    with Session(built.engine) as session:
        stored = session.execute(
            select(ClanStatistics.day, ClanStatistics.members, ClanStatistics.measured)
            .where(ClanStatistics.group_id == GROUP)
            .order_by(ClanStatistics.day.desc())
        ).all()
    rows = [(r["Week ending"].date(), r["Members"], r["Measured"]) for r in rows_of(sheet, header)]
    assert len(stored) >= 2 and rows == [tuple(row) for row in stored]
    assert stored[0].day == TODAY


def test_recruits_sheet_lists_the_derived_recruits_and_months(built: Built) -> None:
    sheet = built.book["Recruits"]
    first_cells = [sheet.cell(row, 1).value for row in range(1, sheet.max_row + 1)]
    with Session(built.engine) as session:
        recruits = session.execute(
            select(
                MemberStatus.display_name,
                Recruit.joined_on,
                Recruit.welcome,
                Recruit.left_on,
            )
            .join(MemberStatus, MemberStatus.player_id == Recruit.player_id)
            .order_by(Recruit.joined_on.desc(), Recruit.player_id)
        ).all()
        months = session.execute(
            select(RecruitCohort.month, RecruitCohort.recruits).order_by(RecruitCohort.month.desc())
        ).all()
    assert len(recruits) >= 3 and len(months) >= 2
    every = first_cells.index("Every recruit, newest first") + 2
    listed = [(row["Name"], row["Joined"].date()) for row in rows_of(sheet, every)]
    assert listed == [(name, joined) for name, joined, _, _ in recruits]
    retention = first_cells.index("Month joined") + 1
    rows = rows_of(sheet, retention)
    assert [(row["Month joined"], row["Recruits"]) for row in rows] == [
        *((datetime.combine(month, datetime.min.time()), count) for month, count in months),
        ("All months", len(recruits)),
    ]
    welcome = {name for name, _, why, left in recruits if why and left is None}
    if welcome:
        shown = rows_of(sheet, first_cells.index("New recruits to welcome") + 2)
        assert {row["Name"] for row in shown} == welcome
    else:
        assert "No new recruit needs a welcome." in first_cells


def test_competitions_sheet_lists_the_stored_competitions_and_attendance(built: Built) -> None:
    sheet = built.book["Competitions"]
    first_cells = [sheet.cell(row, 1).value for row in range(1, sheet.max_row + 1)]
    with Session(built.engine) as session:
        titles = session.scalars(
            select(Competition.title)
            .where(Competition.group_id == GROUP)
            .order_by(Competition.starts_at.desc(), Competition.id.desc())
        ).all()
        attending = session.execute(
            select(
                func.coalesce(MemberStatus.display_name, Player.display_name),
                CompetitionAttendance.joined,
            )
            .join(
                Player,
                (Player.group_id == CompetitionAttendance.group_id)
                & (Player.player_id == CompetitionAttendance.player_id),
            )
            .outerjoin(
                MemberStatus,
                (MemberStatus.group_id == CompetitionAttendance.group_id)
                & (MemberStatus.player_id == CompetitionAttendance.player_id),
            )
            .where(CompetitionAttendance.group_id == GROUP)
        ).all()
    assert titles and attending, "the simulated clan holds competitions and takes part"
    history = rows_of(sheet, first_cells.index("Competitions") + 2)
    assert [row["Title"] for row in history] == titles
    assert {row["Status"] for row in history} <= {"upcoming", "running", "finished"}
    shown = rows_of(sheet, first_cells.index("Attendance") + 2)
    assert sorted((row["Name"], row["Competitions joined"]) for row in shown) == sorted(
        (name, joined) for name, joined in attending
    )


def test_bosses_sheet_matches_30_day_boss_gains(built: Built) -> None:
    sheet = built.book["Bosses"]
    rows = [row for row in rows_of(sheet) if row["Name"] != "All members"]
    assert sheet.freeze_panes == "B5"
    with Session(built.engine) as session:
        kills = session.execute(
            select(MemberStatus.display_name, PeriodGain.metric, PeriodGain.gained)
            .join(Metric, Metric.name == PeriodGain.metric)
            .join(MemberStatus, MemberStatus.player_id == PeriodGain.player_id)
            .where(
                PeriodGain.period == "30d",
                PeriodGain.gained > 0,
                Metric.kind == "boss",
                MemberStatus.status != "left",
            )
        ).all()
    bosses = {metric for _, metric, _ in kills}
    assert len([c for c in sheet[4] if c.value]) == 2 + len(bosses)
    total = {name: 0.0 for name, _, _ in kills}
    for name, _, gained in kills:
        total[name] += gained
    assert {row["Name"]: row["Total"] for row in rows} == total
    totals_row = 5 + len(rows)
    assert sheet.cell(totals_row, 1).value == "All members"
    assert sheet.cell(totals_row, 2).value == sum(total.values())
    assert [row["Total"] for row in rows] == sorted(total.values(), reverse=True)


def test_discord_sheet_heatmap_and_channels_match_the_tables(built: Built) -> None:
    sheet = built.book["Discord"]
    with Session(built.engine) as session:
        heat = {
            (d, h): m
            for d, h, m in session.execute(
                select(ChatHeatmap.weekday, ChatHeatmap.hour, ChatHeatmap.messages)
            )
        }
        channels = {
            c: m
            for c, m in session.execute(
                select(ChannelCount.channel_id, ChannelCount.messages).where(
                    ChannelCount.period == "90d"
                )
            )
        }
    assert heat, "the simulated chat has messages"
    # The grid: hours down (rows 6..29), Monday..Sunday across (columns J..P), totals after.
    assert sheet["I5"].value == "Hour (clan time)" and sheet["J5"].value == "Mon"
    for (weekday, hour), messages in heat.items():
        assert sheet.cell(6 + hour, 10 + weekday).value == messages
    assert sheet.cell(30, 17).value == sum(heat.values())
    colour_scales = [
        str(rng.sqref)
        for rng in sheet.conditional_formatting
        for rule in rng.rules
        if rule.type == "colorScale"
    ]
    assert "J6:P29" in colour_scales
    messages = gains(built.engine, "messages", "30d")
    status = statuses(built.engine)
    per_member = rows_of(sheet, header_row=5)
    assert per_member and sheet.freeze_panes == "B6"
    for row in per_member:
        assert row["Messages 30d"] == messages.get(status[row["Name"]].player_id)
    counts = [row["Messages 30d"] or 0 for row in per_member]
    assert counts == sorted(counts, reverse=True)
    assert sheet["I33"].value == "Channel or thread"
    # The channel table's 90-day column (L), busiest first.
    listed = [sheet.cell(row, 12).value for row in range(34, 34 + len(channels))]
    assert sorted(listed, reverse=True) == listed == sorted(channels.values(), reverse=True)


def test_officer_sheets_list_candidates_due_promotions_and_unlinked(built: Built) -> None:
    status = statuses(built.engine)
    inactive = rows_of(built.book["Inactive"])
    expected = {
        name
        for name, m in status.items()
        if m.status != "left" and (m.removal_candidate or m.status in ("quiet", "inactive"))
    }
    assert {row["Name"] for row in inactive} == expected
    for row in inactive:
        assert row["Reason"] == status[row["Name"]].removal_reason
    promotions = rows_of(built.book["Promotions"])
    due = [row for row in promotions if row["Due"] == "yes"]
    assert due and all(row["Rule met"] and row["Promote to"] for row in due)
    assert promotions[: len(due)] == due
    unlinked = rows_of(built.book["Unlinked"])
    with Session(built.engine) as session:
        issues = session.scalar(select(func.count()).select_from(IdentityIssue))
    assert len(unlinked) == issues
    for sheet_row in built.book["Unlinked"].iter_rows(min_row=5, max_col=3):
        assert sheet_row[2].data_type == "s", "ids are text: 19 digits don't fit a float"


def test_the_stage_script_writes_the_workbook_into_the_output_folder(
    built: Built, tmp_path: Path
) -> None:
    built.engine.dispose()  # PostgreSQL copies only a database nobody is connected to
    database = built.database.copy(tmp_path / "copy.db")
    done = run_stage_script(tmp_path, "report", database, GROUP)
    assert done.returncode == 0, done.stderr
    written = tmp_path / "output" / REPORT_FILE
    assert load_workbook(written, read_only=True).sheetnames == SHEETS
    assert [p.name for p in written.parent.iterdir()] == [REPORT_FILE]


def test_libreoffice_renders_the_workbook(built: Built, tmp_path: Path) -> None:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip(
            "install LibreOffice (Debian: apt-get install libreoffice-calc) to render the workbook"
        )
    done = subprocess.run(
        [
            office,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(built.path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / built.path.with_suffix(".pdf").name
    assert done.returncode == 0 and pdf.exists(), done.stderr
    assert pdf.stat().st_size > 20_000
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(tmp_path / "page"),
            ],
            check=True,
            timeout=60,
        )
        pages = list(tmp_path.glob("page*.png"))
        assert pages and pages[0].stat().st_size > 10_000


def test_dates_in_member_rows_are_clan_days(built: Built) -> None:
    rows = rows_of(built.book["Members"])
    last_active = [row["Last active"] for row in rows if row["Last active"]]
    assert all(isinstance(d, datetime) and d.date() <= TODAY for d in last_active)
    assert max(last_active).date() >= TODAY - timedelta(days=1)
    assert isinstance(TODAY, date)
