"""The status `unknown` ("not enough history yet") everywhere statuses appear: clan_data.json and
its schema, the dashboard, the workbook, the alliance overview and the public summary. Such a
member is never shown as inactive and never listed with the inactive ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from clanstats.export.alliance import build_alliance, render_alliance
from clanstats.export.eleventy import bundle_files
from clanstats.export.public import build_public_summary
from clanstats.report.data import STATUS_ORDER
from clanstats.report.formats import STATUS_COLOURS
from clanstats.rules import Rules
from tests.eleventy_site import built_page, needs_eleventy
from tests.test_dashboard_browser import Opener, browser, open_page
from tests.test_outputs_clan import (
    GROUP,
    MEMBERS,
    NAMES,
    NOW,
    TODAY,
    UNKNOWN_ID,
    UNKNOWN_LABEL,
    UTC_ZONE,
    build_clan,
    clan_data,
    dashboard_file,
    first_cell,
    schema_errors,
    table_rows,
    workbook,
)

__all__ = ["browser", "open_page"]  # fixtures used by name below
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
UNKNOWN_NAME = NAMES[UNKNOWN_ID]
STATUS_OF = {name: status for _, name, _, status, _ in MEMBERS}


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    return build_clan(migrated_url)


def test_clan_data_counts_and_lists_unknown_members(engine: Engine) -> None:
    data = clan_data(engine)
    counts = data["kpis"]["status_counts"]
    assert counts == {
        "active": 2,
        "quiet": 1,
        "inactive": 2,
        "unknown": 1,
        "new": 1,
        "left": 1,
    }
    member = next(m for m in data["members"] if m["player_id"] == UNKNOWN_ID)
    assert member["status"] == "unknown"
    assert UNKNOWN_NAME not in {r["name"] for r in data["removal_candidates"]}
    assert not schema_errors(data)


def test_the_workbook_shows_not_enough_history_in_a_neutral_colour(
    engine: Engine, tmp_path: Path
) -> None:
    _, book = workbook(engine, tmp_path)
    fill, font = STATUS_COLOURS["unknown"]
    assert fill not in {STATUS_COLOURS[s][0] for s in ("active", "quiet", "inactive", "left")}
    # Summary: the count under its own label, in its colour.
    label = first_cell(book, "Summary", "Not enough history yet")
    assert label.offset(0, 1).value == 1
    assert label.fill.fgColor.rgb.endswith(fill.lstrip("#"))
    assert first_cell(book, "Summary", "Inactive").offset(0, 1).value == 2
    # Members: the words, never "unknown" or "inactive", and the ordering of data.STATUS_ORDER.
    members = table_rows(book, "Members")
    shown = {row["Name"]: row["Status"] for row in members}
    assert shown[UNKNOWN_NAME] == UNKNOWN_LABEL
    cell = first_cell(book, "Members", UNKNOWN_NAME).offset(0, 2)
    assert cell.fill.fgColor.rgb.endswith(fill.lstrip("#"))
    assert cell.font.color.rgb.endswith(font.lstrip("#"))
    current = [STATUS_OF[row["Name"]] for row in members if STATUS_OF[row["Name"]] != "left"]
    assert current == sorted(current, key=STATUS_ORDER.__getitem__)
    assert current.index("unknown") < current.index("quiet")
    # Inactive: quiet, inactive and removal candidates only.
    listed = {row["Name"] for row in table_rows(book, "Inactive")}
    assert listed == {"Quinn Quiet", "Ivy Inactive", "Hal Heldback"}


def test_the_dashboard_labels_filters_and_counts_unknown_members(
    engine: Engine, open_page: Opener, tmp_path: Path
) -> None:
    page, _ = open_page(dashboard_file(clan_data(engine), tmp_path))
    row = page.locator(f"#members-table tbody tr[data-player='{UNKNOWN_ID}']")
    badge = row.locator(".badge")
    assert badge.inner_text() == "Not enough history yet"
    assert "tone-neutral" in (badge.get_attribute("class") or "")
    assert "Inactive" not in row.inner_text()
    option = page.locator("#member-status option[value=unknown]")
    assert option.inner_text() == "Not enough history yet (1)"
    page.select_option("#member-status", "unknown")
    assert page.locator("#members-table tbody tr").count() == 1
    sub = page.locator("[data-kpi=active] .kpi-sub").inner_text()
    assert "1 not enough history yet" in sub


def test_the_alliance_counts_unknown_members(
    engine: Engine, open_page: Opener, tmp_path: Path
) -> None:
    data = clan_data(engine)
    alliance = build_alliance(
        [(GROUP, "Issue Fourteen", "fourteen"), (2, "Other", "other")],
        {GROUP: data, 2: data},
        generated_at=datetime.now(UTC),
    )
    assert alliance["groups"][0]["status_counts"]["unknown"] == 1
    assert alliance["totals"]["status_counts"]["unknown"] == 2
    assert alliance["totals"]["status_counts"]["inactive"] == 4
    path = tmp_path / "alliance.html"
    path.write_text(render_alliance(alliance), encoding="utf-8")
    page, _ = open_page(path)
    headers = page.locator("#groups-table thead th").all_inner_texts()
    column = headers.index("Not enough history yet")
    cell = page.locator("#groups-table tbody tr").first.locator("td").nth(column)
    assert cell.inner_text() == "1"
    assert "Not enough history yet" in page.locator("#totals").inner_text()


def test_the_public_summary_never_calls_unknown_members_inactive(engine: Engine) -> None:
    with Session(engine) as session:
        public = build_public_summary(
            session,
            group_id=GROUP,
            today=TODAY,
            timezone=UTC_ZONE,
            rules=Rules(),
            generated_at=NOW,
        )
    shown = {m["name"]: m["status"] for m in public["members"]}
    assert shown[UNKNOWN_NAME] == "unknown"
    page = bundle_files(public)["clanstats.md"].decode("utf-8")
    assert UNKNOWN_LABEL in page


@needs_eleventy
def test_the_public_page_says_not_enough_history_yet(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        public = build_public_summary(
            session,
            group_id=GROUP,
            today=TODAY,
            timezone=UTC_ZONE,
            rules=Rules(),
            generated_at=NOW,
        )
    html = built_page(public, tmp_path)
    assert f"<td>{UNKNOWN_NAME}</td>" in html and f"<td>{UNKNOWN_LABEL}</td>" in html
    assert "<td>unknown</td>" not in html
