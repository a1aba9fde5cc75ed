"""Today is a partial day: clan_data marks its trend row, the dashboard draws it as "today so
far" (never as a full day), and the workbook's charts end at yesterday and say so.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from clanstats.db.models import ClanDaily
from tests.test_dashboard_browser import Opener, browser, open_page
from tests.test_outputs_clan import (
    CLAN_DAYS,
    TODAY,
    YESTERDAY,
    build_clan,
    clan_data,
    dashboard_file,
    first_cell,
    schema_errors,
    workbook,
)

__all__ = ["browser", "open_page"]  # fixtures used by name below
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
# A chart's reference into Clan days: a range, or one cell when it covers a single day.
CHART_RANGE = re.compile(r"'Clan days'!\$([A-Z]+)\$(\d+)(?::\$[A-Z]+\$(\d+))?")


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    return build_clan(migrated_url)


def test_todays_trend_row_is_marked_partial(engine: Engine) -> None:
    data = clan_data(engine)
    trends = data["trends"]
    assert len(trends) == CLAN_DAYS and trends[-1]["day"] == TODAY.isoformat()
    assert trends[-1]["partial"] is True
    assert all(day["partial"] is False for day in trends[:-1])
    assert not [error for error in schema_errors(data) if error.startswith("trends")]


def test_without_a_row_for_today_no_day_is_partial(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        session.execute(delete(ClanDaily).where(ClanDaily.day == TODAY))
    trends = clan_data(engine)["trends"]
    assert trends[-1]["day"] == YESTERDAY.isoformat()
    assert not any(day["partial"] for day in trends)


def charts_xml(path: Path) -> list[str]:
    """The XML of each chart in the workbook."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        return [archive.read(name).decode("utf-8") for name in names]


def chart_ranges(path: Path) -> list[tuple[str, int, int]]:
    """Every (column, first row, last row) the workbook's charts read from Clan days."""
    found = CHART_RANGE.findall("".join(charts_xml(path)))
    return [(col, int(first), int(last or first)) for col, first, last in found]


def test_the_workbook_charts_end_at_yesterday(engine: Engine, tmp_path: Path) -> None:
    path, book = workbook(engine, tmp_path)
    yesterday = first_cell(book, "Clan days", datetime.combine(YESTERDAY, time())).row
    today = first_cell(book, "Clan days", datetime.combine(TODAY, time())).row
    assert today == yesterday + 1, "the Clan days sheet still lists today"
    ranges = chart_ranges(path)
    # Categories and values of XP, messages, members and active members.
    assert {col for col, _, _ in ranges} >= {"A", "B", "E", "F", "J"}
    assert {last for _, _, last in ranges} == {yesterday}
    summary = book["Summary"]
    assert "end at yesterday" in summary["A2"].value
    notes = [
        cell.value
        for row in summary.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "so far" in cell.value
    ]
    assert notes, "a note on the Summary says today's partial numbers are left out"
    # The note wraps in a cell two rows tall and sets no row's height: a taller row would
    # stretch whatever the tables on the left have on that row (the season's first place did).
    note = next(
        merged
        for merged in summary.merged_cells.ranges
        if "so far" in str(summary.cell(merged.min_row, merged.min_col).value)
    )
    assert note.max_row - note.min_row + 1 >= 2
    for row in range(note.min_row, note.max_row + 1):
        assert summary.row_dimensions[row].height is None, row


def test_a_workbook_with_only_today_draws_no_charts(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session, session.begin():
        session.execute(delete(ClanDaily).where(ClanDaily.day < TODAY))
    path, book = workbook(engine, tmp_path)
    assert charts_xml(path) == []
    assert first_cell(book, "Clan days", datetime.combine(TODAY, time())).row == 5


def partial_marks(page: Any, chart: str) -> list[str]:
    """The tooltip texts of the marks a chart draws for a partial day."""
    return list(page.locator(f"[data-chart={chart}] [data-partial] title").all_text_contents())


def test_the_dashboard_draws_today_as_so_far(
    engine: Engine, open_page: Opener, tmp_path: Path
) -> None:
    page, _ = open_page(dashboard_file(clan_data(engine), tmp_path))
    xp = partial_marks(page, "xp")
    assert len(xp) == 1 and "today so far" in xp[0].lower()
    activity = partial_marks(page, "activity")
    assert len(activity) == 2  # messages and active members: a hollow point each
    assert all("today so far" in text.lower() for text in activity)
    # Full days are drawn as before: a solid bar each, today's hollow one apart.
    solid = page.locator("[data-chart=xp] rect.bar-xp:not([data-partial])").count()
    assert solid == CLAN_DAYS - 1
    legend = page.locator("#panel-trends .legend").all_inner_texts()
    assert any("today so far" in text.lower() for text in legend)
    chart = page.locator("[data-chart=xp]")
    chart.focus()
    chart.press("End")
    readout = page.locator("#panel-trends .readout").first.inner_text()
    assert "today so far" in readout.lower()
