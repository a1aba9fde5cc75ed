"""A goal's percent done is one number everywhere: floor(100 * progress / target), capped at 100,
and 100 only when the goal is met. clan_data.json carries it, the dashboard shows it, the
workbook's Summary shows it (never Excel's rounding of a fraction) and so does the public summary.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from clanstats.export.eleventy import bundle_files
from clanstats.export.public import build_public_summary
from clanstats.percent import goal_percent
from clanstats.rules import Rules
from tests.test_dashboard_browser import Opener, browser, open_page
from tests.test_outputs_clan import (
    GOALS,
    GROUP,
    NOW,
    TODAY,
    UTC_ZONE,
    build_clan,
    clan_data,
    dashboard_file,
    first_cell,
    percent_in,
    schema_errors,
    shown_percent,
    workbook,
)

__all__ = ["browser", "open_page"]  # fixtures used by name below
pytestmark = pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning")
EXPECTED = {name: percent for name, _, _, _, percent in GOALS}


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    return build_clan(migrated_url)


@pytest.mark.parametrize(
    ("progress", "target", "percent"),
    [
        (1, 3, 33),
        (2, 3, 66),
        (999, 1000, 99),
        (999.999, 1000, 99),
        (1000, 1000, 100),
        (1500, 1000, 100),
        (0.5, 1, 50),
        (0.57, 1, 57),  # 100 * 0.57 is 56.99999999999999 in floating point
        (57, 100, 57),
        (0, 10, 0),
        (0, 0, 100),  # nothing to do is done
        (-5, 10, 0),
    ],
)
def test_goal_percent_floors_and_is_100_only_when_met(
    progress: float, target: float, percent: int
) -> None:
    assert goal_percent(progress, target) == percent


def test_clan_data_carries_the_whole_percent(engine: Engine) -> None:
    data = clan_data(engine)
    assert {g["name"]: g["percent"] for g in data["goals"]["items"]} == EXPECTED
    assert not schema_errors(data)


def test_the_workbook_done_column_shows_the_same_percent(engine: Engine, tmp_path: Path) -> None:
    _, book = workbook(engine, tmp_path)
    shown = {
        name: shown_percent(first_cell(book, "Summary", name).offset(0, 3)) for name in EXPECTED
    }
    assert shown == {name: f"{percent}%" for name, percent in EXPECTED.items()}


def test_the_public_summary_and_its_page_carry_the_percent(engine: Engine) -> None:
    with Session(engine) as session:
        public = build_public_summary(
            session,
            group_id=GROUP,
            today=TODAY,
            timezone=UTC_ZONE,
            rules=Rules(),
            generated_at=NOW,
        )
    assert {g["name"]: g["percent"] for g in public["goals"]} == EXPECTED
    page = bundle_files(public)["clanstats.md"].decode("utf-8")
    assert "goal.percent" in page


def test_dashboard_workbook_and_json_agree(
    engine: Engine, open_page: Opener, tmp_path: Path
) -> None:
    data = clan_data(engine)
    _, book = workbook(engine, tmp_path)
    page, _ = open_page(dashboard_file(data, tmp_path))
    json_percent = {g["name"]: f"{g['percent']}%" for g in data["goals"]["items"]}
    for name, percent in EXPECTED.items():
        goal = page.locator(f'.goal[data-goal="{name}"]')
        on_dashboard = percent_in(goal.locator(".goal-head").inner_text())
        in_workbook = shown_percent(first_cell(book, "Summary", name).offset(0, 3))
        assert on_dashboard == in_workbook == json_percent[name] == f"{percent}%", name
        bar = goal.locator("[role=progressbar]")
        assert bar.get_attribute("aria-valuenow") == str(percent), name
