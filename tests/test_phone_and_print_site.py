"""The Eleventy page of the public summary, built by the real Eleventy and read in Chromium:
numbers print with thousands separators ("28,945,542 XP", not "28945542 XP"), on a phone too.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import sqlite_demo_database
from tests.eleventy_site import built_page, needs_eleventy
from tests.test_dashboard_browser import PHONE, browser

__all__ = ["browser"]  # a fixture used by name below


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo run's public_summary.json."""
    folder = sqlite_demo_database(tmp_path_factory).parent / "output"
    summary: dict[str, Any] = json.loads((folder / "public_summary.json").read_text("utf-8"))
    return summary


@needs_eleventy
def test_the_built_page_shows_numbers_with_thousands_separators(
    browser: Any, public: dict[str, Any], tmp_path: Path
) -> None:
    html = built_page(public, tmp_path)
    page_file = tmp_path / "clan.html"
    page_file.write_text(f'<!doctype html><meta charset="utf-8">{html}', encoding="utf-8")
    context = browser.new_context(viewport=PHONE)
    requests: list[str] = []

    def guard(route: Any) -> None:
        # The page itself only: anything else it asked for is recorded and refused.
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            requests.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        text = page.locator("body").inner_text()
        totals = public["totals"]
        assert totals["xp_7d"] >= 1_000_000, "the demo clan gains millions a week"
        assert f"gained {totals['xp_7d']:,} XP and {totals['boss_kills_7d']:,} boss kills" in (
            " ".join(text.split())
        )
        stats = public["statistics"]
        assert stats["xp"] >= 1_000_000_000, "the demo clan has billions of XP between them"
        # The level as Nunjucks rounds it: halves up (Python's round() goes to even).
        assert (
            f"Together they have {stats['xp']:,} XP and {stats['maxed']:,} maxed accounts; "
            f"the average total level is {math.floor(stats['total_level_average'] + 0.5):,}."
        ) in " ".join(text.split())
        rows = page.locator("table.clanstats-members tbody tr")
        assert rows.count() == len(public["members"])
        for index, member in enumerate(public["members"]):
            xp = (member["gains"].get("30d") or {}).get("xp")
            cell = rows.nth(index).locator("td").nth(3).inner_text().strip()
            assert cell == (f"{xp:,}" if xp is not None else "")
        for goal in public["goals"]:
            assert f"{goal['progress']:,} of {goal['target']:,}" in text
        # No count of five digits or more is left without its separators.
        assert not re.search(r"(?<![\d-])\d{5,}(?![\d-])", text)
        assert requests == []
    finally:
        context.close()
