"""alliance.html in real headless Chromium: it renders every group, escapes hostile names,
makes no request and logs no error (same harness as tests/test_dashboard_browser.py)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clanstats.export.alliance import build_alliance, render_alliance
from tests.test_dashboard_browser import Opener, browser, data, open_page
from tests.test_export_clan_data import HOSTILE_NAMES, numbers_at

__all__ = ["browser", "data", "open_page"]  # fixtures used by name below

GROUP_NAMES = ("<img src=x onerror=alert(1)>", "</script><script>alert(2)</script>", "Plain")


@pytest.fixture(scope="module")
def alliance(data: dict[str, Any]) -> dict[str, Any]:
    """Two groups with the demo clan's data (hostile member names) and one with none."""
    groups = [(1, GROUP_NAMES[0], "one"), (2, GROUP_NAMES[1], "two"), (3, GROUP_NAMES[2], "three")]
    return build_alliance(groups, {1: data, 2: data}, generated_at=datetime.now(UTC))


@pytest.fixture(scope="module")
def page_file(alliance: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("page") / "alliance.html"
    path.write_text(render_alliance(alliance), encoding="utf-8")
    return path


def test_names_stay_inside_the_escaped_data(alliance: dict[str, Any], page_file: Path) -> None:
    html = page_file.read_text(encoding="utf-8")
    found = re.search(r'<script id="alliance-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    assert not set(found.group(1)) & {"<", ">", "&"}
    assert json.loads(found.group(1)) == alliance
    assert html.count("<script") == 2
    for name in (*GROUP_NAMES[:2], *HOSTILE_NAMES):
        assert name not in html


def test_the_page_renders_every_group_as_text(
    open_page: Opener, page_file: Path, alliance: dict[str, Any]
) -> None:
    page, watch = open_page(page_file)
    rows = page.locator("#groups-table tbody tr")
    assert rows.count() == 3
    links = page.locator("#groups-table tbody a")
    assert [links.nth(i).inner_text() for i in range(2)] == list(GROUP_NAMES[:2])
    assert links.nth(0).get_attribute("href") == "one/clan_dashboard.html"
    assert "no data this run" in rows.nth(2).inner_text()
    first = alliance["groups"][0]
    assert f"{first['members']:,}" in rows.nth(0).inner_text()
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("#groups-table img, #groups-table script, svg[onload]").count() == 0
    watch.assert_clean()


def test_alliance_json_writes_counts_as_integers(alliance: dict[str, Any]) -> None:
    numbers = list(numbers_at(alliance))
    hours = re.compile(r"/(ehp|ehb|age_hours)$")
    counts = [(path, value) for path, value in numbers if not hours.search(path)]
    assert len(counts) > 40
    assert [path for path, value in counts if not isinstance(value, int)] == []
    text = json.dumps(alliance)
    assert not re.search(r'"(xp|messages|members)": \d+\.0\b', text)
