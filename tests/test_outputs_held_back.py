"""`promotions.held_back` reaches the officers: a member whose rank rules are met but who is
inactive (or a removal candidate) is listed as held back, with the reason, in clan_data.json,
on the dashboard's promotions panel and on the workbook's Promotions sheet; never as due.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.test_dashboard_browser import Opener, browser, open_page
from tests.test_outputs_clan import (
    DUE_ID,
    HELD_BACK,
    HELD_ID,
    NAMES,
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
HELD_NAME, DUE_NAME = NAMES[HELD_ID], NAMES[DUE_ID]


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    return build_clan(migrated_url)


def test_clan_data_lists_held_back_promotions_with_the_reason(engine: Engine) -> None:
    data = clan_data(engine)
    promotions = data["promotions"]
    assert [p["name"] for p in promotions] == [DUE_NAME, HELD_NAME, NAMES[1]]
    held = promotions[1]
    assert held["held_back"] == HELD_BACK and held["is_due"] is False
    assert held["eligible_rank"] == "sergeant"
    assert promotions[0]["held_back"] is None and promotions[2]["held_back"] is None
    assert data["kpis"]["promotions_due"] == 1
    assert not schema_errors(data)


def test_the_promotions_sheet_shows_who_is_held_back_and_why(
    engine: Engine, tmp_path: Path
) -> None:
    _, book = workbook(engine, tmp_path)
    rows = table_rows(book, "Promotions")
    assert [row["Name"] for row in rows] == [DUE_NAME, HELD_NAME, NAMES[1]]
    due, held, other = rows
    assert (due["Due"], due["Promote to"], due["Held back"]) == ("yes", "corporal", None)
    assert (held["Due"], held["Promote to"]) == ("held back", None)
    assert held["Held back"] == HELD_BACK
    assert held["Rule met"] == "tenure 120/30 days, EHP 200/150"
    assert (other["Due"], other["Held back"]) == ("no", None)
    summary = first_cell(book, "Summary", "Promotions held back")
    assert summary.offset(0, 1).value == 1
    assert first_cell(book, "Summary", "Promotions due").offset(0, 1).value == 1


def test_the_dashboard_lists_held_back_members_apart_with_the_reason(
    engine: Engine, open_page: Opener, tmp_path: Path
) -> None:
    page, _ = open_page(dashboard_file(clan_data(engine), tmp_path))
    panel = page.locator("#panel-promotions")
    due = panel.locator("[data-due]")
    assert due.count() == 1 and DUE_NAME in due.inner_text()
    held = panel.locator("[data-held-back]")
    assert held.count() == 1
    text = held.inner_text()
    assert HELD_NAME in text and HELD_BACK in text and "sergeant" in text
    assert "Held back (1)" in (panel.text_content() or "")
    # Listed once: not again among those closest to their next rank.
    assert panel.inner_text().count(HELD_NAME) == 1
    assert "1 held back" in page.locator("[data-kpi=promotions_due] .kpi-sub").inner_text()
