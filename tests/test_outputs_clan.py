"""A small hand-built clan for the outputs' tests (issue 14), and the checks it shares.

The clan has a member of every status (active, new, quiet, inactive, unknown: "not enough
history yet", left), a promotion that is due, one held back and one still to earn, weekly goals
at awkward fractions (1/3, 2/3, 999/1000, 0.57/1, ...) and two weeks of clan days whose last
one, today, is only a few hours old. The other `test_outputs_*` modules build the workbook,
clan_data.json, the dashboard and the public summary from it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jsonschema
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook as OpenedWorkbook
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import (
    Base,
    ClanDaily,
    DailyActivity,
    FetchLog,
    GoalWeek,
    MemberStatus,
    Player,
    Promotion,
    WomGroup,
)
from clanstats.export.clan_data import build_clan_data
from clanstats.export.dashboard import render_dashboard
from clanstats.outputs import REPORT_FILE
from clanstats.report.workbook import write_report
from clanstats.rules import Rules
from clanstats.settings import PROJECT_ROOT

GROUP = 14
TODAY = date(2026, 11, 20)  # a Friday; the week started on Monday the 16th
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # today is 9.5 hours old
YESTERDAY = TODAY - timedelta(days=1)
MONDAY = date(2026, 11, 16)
CLAN_DAYS = 14
UTC_ZONE = ZoneInfo("UTC")
SCHEMA_PATH = PROJECT_ROOT / "assets" / "clan_data.schema.json"
HELD_BACK = "inactive: no XP and no messages for 45 days"
UNKNOWN_LABEL = "not enough history yet"

# (name, metric, progress, target, the percent done every output must show)
GOALS: tuple[tuple[str, str, float, float, int], ...] = (
    ("A third", "overall", 1, 3, 33),
    ("Two thirds", "overall", 2, 3, 66),
    ("Almost", "overall", 999, 1000, 99),
    ("Exactly", "overall", 1000, 1000, 100),
    ("Half an hour", "ehp", 0.5, 1, 50),
    ("Fifty-seven", "overall", 57, 100, 57),
    ("Hours 0.57", "ehp", 0.57, 1, 57),
    ("Beyond", "boss_kills", 1500, 1000, 100),
    ("Not started", "messages", 0, 10, 0),
)

# (player_id, name, role, status, removal candidate)
MEMBERS: tuple[tuple[int, str, str, str, bool], ...] = (
    (1, "Ada Active", "captain", "active", False),
    (2, "Ned New", "recruit", "new", False),
    (3, "Quinn Quiet", "recruit", "quiet", False),
    (4, "Ivy Inactive", "recruit", "inactive", True),
    (5, "Uma Unknown", "recruit", "unknown", False),
    (6, "Leo Left", "recruit", "left", False),
    (7, "Hal Heldback", "corporal", "inactive", False),
    (8, "Dee Due", "recruit", "active", False),
)
NAMES = {pid: name for pid, name, *_ in MEMBERS}
UNKNOWN_ID, HELD_ID, DUE_ID = 5, 7, 8


def add(engine: Engine, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert rows into a table in their own transaction."""
    with Session(engine) as session, session.begin():
        session.execute(insert(model), rows)


def build_clan(migrated_url: str) -> Engine:
    """The clan in a migrated database; returns an engine on it."""
    engine = make_engine(migrated_url)
    naive = NOW.replace(tzinfo=None)
    add(engine, WomGroup, [{"id": GROUP, "name": "Issue Fourteen", "fetched_at": naive}])
    add(
        engine,
        Player,
        [
            {
                "group_id": GROUP,
                "player_id": pid,
                "username": name.lower(),
                "display_name": name,
                "first_seen_at": naive,
            }
            for pid, name, *_ in MEMBERS
        ],
    )
    add(engine, MemberStatus, [_status_row(*member) for member in MEMBERS])
    add(engine, Promotion, _promotions())
    add(engine, GoalWeek, _goals())
    add(engine, ClanDaily, [_clan_day(day) for day in _days()])
    add(
        engine,
        DailyActivity,
        [
            {
                "group_id": GROUP,
                "player_id": 1,
                "day": day,
                "xp": _clan_day(day)["xp"],
                "messages": 1,
                "questions": 0,
                "answers": 0,
            }
            for day in _days()
        ],
    )
    fetched = naive - timedelta(hours=1)
    add(
        engine,
        FetchLog,
        [
            {
                "group_id": GROUP,
                "source": source,
                "started_at": fetched,
                "finished_at": fetched,
                "outcome": "ok",
            }
            for source in ("wom:roster", "discord:1")
        ],
    )
    return engine


def _status_row(pid: int, name: str, role: str, status: str, candidate: bool) -> dict[str, Any]:
    idle = {"active": 1, "new": 2, "quiet": 10, "inactive": 45, "unknown": None, "left": 50}
    days = idle[status]
    return {
        "group_id": GROUP,
        "player_id": pid,
        "display_name": name,
        "role": role,
        "status": status,
        "joined_on": TODAY - timedelta(days=5 if status == "new" else 120),
        "left_on": TODAY - timedelta(days=40) if status == "left" else None,
        "tenure_days": 5 if status == "new" else 120,
        "last_active_on": None if days is None else TODAY - timedelta(days=days),
        "last_xp_on": None if days is None else TODAY - timedelta(days=days),
        "removal_candidate": candidate,
        "removal_reason": "no XP and no messages for 45 days (last active 2026-10-06)"
        if candidate
        else None,
        "current_streak": 1 if status == "active" else 0,
        "best_streak": 3,
        "engagement_score": None if status == "left" else 20.0,
        "chat_play": None if status == "left" else "both",
    }


def _promotions() -> list[dict[str, Any]]:
    base = {"group_id": GROUP, "held_back": None, "missing": None}
    return [
        {
            **base,
            "player_id": DUE_ID,
            "current_role": "recruit",
            "eligible_rank": "corporal",
            "next_rank": "sergeant",
            "is_due": True,
            "rule_met": "tenure 120/14 days",
            "missing": "30 EHP",
            "readiness": 0.5,
        },
        {
            **base,
            "player_id": HELD_ID,
            "current_role": "corporal",
            "eligible_rank": "sergeant",
            "next_rank": "general",
            "is_due": False,
            "rule_met": "tenure 120/30 days, EHP 200/150",
            "missing": "500 EHP",
            "readiness": 0.9,
            "held_back": HELD_BACK,
        },
        {
            **base,
            "player_id": 1,
            "current_role": "captain",
            "eligible_rank": None,
            "next_rank": "general",
            "is_due": False,
            "rule_met": None,
            "missing": "100 EHB",
            "readiness": 0.4,
        },
    ]


def _goals() -> list[dict[str, Any]]:
    return [
        {
            "group_id": GROUP,
            "goal": name,
            "week_start": MONDAY,
            "metric": metric,
            "target": float(target),
            "progress": float(progress),
            "achieved": progress >= target,
            "is_current": True,
        }
        for name, metric, progress, target, _ in GOALS
    ]


def _days() -> list[date]:
    return [TODAY - timedelta(days=n) for n in range(CLAN_DAYS - 1, -1, -1)]


def _clan_day(day: date) -> dict[str, Any]:
    """A steady clan; today has only its first few hours in it."""
    partial = day == TODAY
    return {
        "group_id": GROUP,
        "day": day,
        "members": 7,
        "joins": 0,
        "leaves": 0,
        "active_members": 1 if partial else 5,
        "xp": 150_000.0 if partial else 2_000_000.0 + 10_000 * day.day,
        "ehp": 0.5 if partial else 6.0,
        "ehb": 0.0 if partial else 2.0,
        "boss_kills": 1.0 if partial else 20.0,
        "messages": 3 if partial else 40 + day.day,
    }


# --- the outputs ------------------------------------------------------------------------------


def clan_data(engine: Engine) -> dict[str, Any]:
    """clan_data.json of the clan, as the export stage builds it."""
    with Session(engine) as session:
        return build_clan_data(
            session,
            group_id=GROUP,
            today=TODAY,
            timezone=UTC_ZONE,
            generated_at=NOW,
            rules=Rules(),
        )


def workbook(engine: Engine, folder: Path) -> tuple[Path, OpenedWorkbook]:
    """Write the clan's workbook into `folder`; its path and the workbook read back."""
    path = folder / REPORT_FILE
    write_report(
        engine,
        path,
        group_id=GROUP,
        today=TODAY,
        now=NOW,
        timezone=UTC_ZONE,
        discord_expected=True,
    )
    return path, load_workbook(path)


def dashboard_file(data: dict[str, Any], folder: Path) -> Path:
    """The dashboard page of clan_data, written into `folder`."""
    path = folder / "clan_dashboard.html"
    path.write_text(render_dashboard(data), encoding="utf-8")
    return path


def schema_errors(data: dict[str, Any]) -> list[str]:
    """What in clan_data breaks the published schema (empty: nothing)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(data)
    ]


def table_rows(book: OpenedWorkbook, sheet: str, header_row: int = 4) -> list[dict[str, Any]]:
    """A sheet's table under its header row (1-based) as dicts by header, to the first gap."""
    worksheet = book[sheet]
    headers = [cell.value for cell in worksheet[header_row]]
    rows = []
    for values in worksheet.iter_rows(min_row=header_row + 1, values_only=True):
        if values[0] is None:
            break
        rows.append(dict(zip(headers, values, strict=False)))
    return rows


def first_cell(book: OpenedWorkbook, sheet: str, value: str, column: int = 1) -> Cell:
    """The first cell of a column holding exactly `value`."""
    for (cell,) in book[sheet].iter_rows(min_col=column, max_col=column):
        if cell.value == value:
            return cell
    raise AssertionError(f"{value!r} is not in column {column} of {sheet}")


def shown_percent(cell: Cell) -> str:
    """What Excel shows for a percentage cell, for the number formats the workbook may use."""
    value = cell.value
    assert isinstance(value, int | float), (cell.coordinate, value)
    if cell.number_format == "0%":
        shown = Decimal(repr(value * 100)).quantize(Decimal(1), ROUND_HALF_UP)
    elif cell.number_format == '0"%"':
        shown = Decimal(repr(value)).quantize(Decimal(1), ROUND_HALF_UP)
    else:
        raise AssertionError(f"{cell.coordinate}: unexpected format {cell.number_format!r}")
    return f"{shown}%"


def percent_in(text: str) -> str:
    """The last "NN%" in a text."""
    found = re.findall(r"\d+%", text)
    assert found, text
    return str(found[-1])


# --- the clan itself --------------------------------------------------------------------------


def test_the_clan_exports_data_that_matches_the_schema(migrated_url: str) -> None:
    engine = build_clan(migrated_url)
    try:
        data = clan_data(engine)
    finally:
        engine.dispose()
    assert not schema_errors(data)
    assert {m["status"] for m in data["members"]} == {
        "active",
        "new",
        "quiet",
        "inactive",
        "unknown",
        "left",
    }
