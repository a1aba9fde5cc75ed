"""The dashboard on a phone (390 px) and a wide screen (1440 px): nothing out of reach, and
pages that tell the truth when there is no data (issue 18).

Same harness and data as tests/test_dashboard_browser.py: the demo clan with hostile names, in
Debian's Chromium, every request but the page's own file refused.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.migrate import upgrade_to_head
from clanstats.export.clan_data import build_clan_data
from clanstats.export.dashboard import render_dashboard
from tests.test_dashboard_browser import (
    LONG_TITLE,
    PHONE,
    WIDE,
    Opener,
    browser,
    competitions_page,
    data,
    open_page,
    page_file,
    recruits_page,
)
from tests.test_export_clan_data import FIRST_RUN_RULES, failed_first_run

__all__ = ["browser", "data", "open_page", "page_file"]  # fixtures used by name below

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["phone", "wide"])
LAPTOP = {"width": 1366, "height": 768}

# Anything inside a panel that reaches past its right edge (or the screen's), by tag and class;
# not what is clipped to nothing for screen readers only (the header row of a phone's cards).
OVERFLOWING = """(selector) => {
  const panel = document.querySelector(selector);
  const edge = Math.min(panel.getBoundingClientRect().right, innerWidth);
  const clipped = (node) => [...panel.querySelectorAll("*")].some(
    (outer) => outer.contains(node) && getComputedStyle(outer).clip !== "auto");
  return [...panel.querySelectorAll("*")]
    .filter((node) => node.getBoundingClientRect().right > edge + 0.5 && !clipped(node))
    .map((node) => `${node.tagName}.${node.getAttribute("class")}`);
}"""

# Every section link: is it in view now, can it be brought into view, and the cue.
NAV_REACH = """() => {
  const list = document.getElementById("panel-nav-list");
  const nav = list.parentElement;
  const inView = (a) => {
    const r = a.getBoundingClientRect();
    return r.width > 0 && r.left >= 0 && r.right <= innerWidth && r.top >= 0
      && r.bottom <= innerHeight;
  };
  const links = [...list.querySelectorAll("a")];
  const before = links.map(inView);
  const cue = Number(getComputedStyle(nav, "::after").opacity);
  const scrolls = getComputedStyle(list).overflowX;
  const reached = links.map((a) => {
    a.scrollIntoView({ block: "nearest", inline: "nearest", behavior: "instant" });
    return inView(a);
  });
  list.scrollLeft = 0;
  return { before, reached, cue, scrolls, more: nav.hasAttribute("data-more-right") };
}"""

# Each column header of a table brought into view the way a reader would (scrolling the
# table sideways): is it then inside the table's box and the screen, and not covered?
COLUMN_REACH = """(selector) => {
  const table = document.querySelector(selector);
  const box = table.closest(".table-wrap");
  box.scrollIntoView({ block: "center", behavior: "instant" });
  const shown = [...table.querySelectorAll("thead th")].map((th) => {
    th.scrollIntoView({ block: "nearest", inline: "nearest", behavior: "instant" });
    const r = th.getBoundingClientRect();
    const w = box.getBoundingClientRect();
    const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    return {
      label: th.textContent,
      inside: r.left >= w.left - 1 && r.right <= w.right + 1 && r.right <= innerWidth + 1,
      uncovered: th.contains(hit),
    };
  });
  box.scrollLeft = 0;
  return shown;
}"""


@VIEWPORTS
def test_every_section_link_is_in_view_or_a_visible_scroll_away(
    open_page: Opener, page_file: Path, viewport: dict[str, int]
) -> None:
    page, _ = open_page(page_file, viewport=viewport)
    page.wait_for_timeout(300)  # the fade's transition
    found = page.evaluate(NAV_REACH)
    assert len(found["reached"]) == 18 and all(found["reached"])
    if viewport is WIDE:
        # 1440 px: the links wrap, so every one is on screen without scrolling.
        assert all(found["before"])
    else:
        # A phone: one line that scrolls sideways, the cut-off edge faded to say so.
        assert not all(found["before"])
        assert found["scrolls"] == "auto" and found["more"] and found["cue"] == 1
    # The last link jumps to its panel, whose title then sits below the sticky header.
    page.click("#panel-nav-list a[href='#panel-freshness']")
    page.wait_for_function("() => location.hash === '#panel-freshness'")
    settled = """() => new Promise((done) => {
      let last = -1;
      const check = () => {
        if (scrollY === last) done(scrollY);
        else setTimeout(check, 150);
        last = scrollY;
      };
      check();
    })"""
    page.evaluate(settled)  # the smooth scroll has ended
    header = page.evaluate("document.querySelector('.topbar').getBoundingClientRect().bottom")
    title = page.locator("#panel-freshness h2").bounding_box()
    assert title is not None and header <= title["y"] < viewport["height"]


@VIEWPORTS
def test_every_members_column_can_be_brought_into_view(
    open_page: Opener, page_file: Path, viewport: dict[str, int]
) -> None:
    page, _ = open_page(page_file, viewport=viewport)
    shown = page.evaluate(COLUMN_REACH, "#members-table")
    assert [c["label"] for c in shown][:3] == ["Member", "Role", "Status"]
    assert len(shown) == 12
    assert all(c["inside"] and c["uncovered"] for c in shown), shown
    hint = page.locator("#panel-members [data-scroll-hint]")
    frame = page.locator("#panel-members .scroll-frame")
    if viewport is PHONE:
        # The table is wider than the phone: a line says so and the cut-off edge is faded.
        assert hint.is_visible()
        assert re.match(
            r"\d+ more columns? to the right: scroll the table sideways", hint.inner_text()
        )
        assert frame.get_attribute("data-more-right") is not None
        fade = "getComputedStyle(document.querySelector('#panel-members .scroll-frame'), '::after')"
        page.wait_for_timeout(300)  # the fade's transition
        assert page.evaluate(f"{fade}.opacity") == "1"
        # Scrolled to the end, the fade moves to the other side and the line says so.
        page.evaluate("document.querySelector('#panel-members .table-wrap').scrollLeft = 1e6")
        page.wait_for_function(
            "() => !document.querySelector('#panel-members .scroll-frame')"
            ".hasAttribute('data-more-right')"
        )
        assert frame.get_attribute("data-more-left") is not None
        assert "scroll back" in hint.inner_text()
    else:
        # 1440 px: the table fits (names are cut short), so there is nothing to hint at.
        assert hint.is_hidden() and frame.get_attribute("data-more-right") is None


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_clan_statistics_panel_fits_a_phone_and_a_laptop(
    open_page: Opener, page_file: Path, viewport: dict[str, int]
) -> None:
    page, _ = open_page(page_file, viewport=viewport)
    panel = page.locator("#panel-clanstats")
    box = panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert page.evaluate(OVERFLOWING, "#panel-clanstats") == []
    assert panel.evaluate("p => p.scrollWidth <= p.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    tiles = panel.locator(".stat-tiles .kpi")
    assert tiles.count() == 8
    tops = set(tiles.evaluate_all("ts => ts.map(t => Math.round(t.getBoundingClientRect().top))"))
    # Eight tiles in one row on a laptop; two a row (four rows) on a phone.
    assert len(tops) == (4 if viewport is PHONE else 1)
    chart = panel.locator("[data-chart=clanstats-xp]").bounding_box()
    assert chart is not None and chart["width"] >= 280


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_recruits_panel_fits_a_phone_and_a_laptop(
    open_page: Opener, data: dict[str, Any], tmp_path: Path, viewport: dict[str, int]
) -> None:
    page, _ = open_page(recruits_page(data, tmp_path), viewport=viewport)
    panel = page.locator("#panel-recruits")
    panel.get_by_role("button", name="Show all 14 months").click()  # every row, widest first
    box = panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert page.evaluate(OVERFLOWING, "#panel-recruits") == []
    assert panel.evaluate("p => p.scrollWidth <= p.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    wrap = panel.locator(".table-wrap")
    assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth")  # no sideways scroll inside
    october = panel.locator("tr[data-month='2026-10']")
    if viewport is PHONE:
        # A card per month: the header row hidden, each field labelled beside its value.
        assert panel.locator("#cohort-table thead").evaluate("h => h.offsetHeight") <= 1
        labels = october.locator("td").evaluate_all(
            "cells => cells.map(c => getComputedStyle(c, '::before').content)"
        )
        assert labels == ['"Recruits"', '"Still in"', '"30 days"', '"90 days"', '"180 days"']
        cards = panel.locator(".welcome").evaluate_all(
            "cs => cs.map(c => Math.round(c.getBoundingClientRect().left))"
        )
        assert len(set(cards)) == 1  # the welcome cards one under another
    else:
        shown = page.evaluate(COLUMN_REACH, "#cohort-table")
        assert [c["label"] for c in shown] == [
            "Joined in",
            "Recruits",
            "Still in",
            "After 30 days",
            "After 90 days",
            "After 180 days",
        ]
        assert all(c["inside"] and c["uncovered"] for c in shown)
        tops = october.locator("th, td").evaluate_all(
            "cells => cells.map(c => Math.round(c.getBoundingClientRect().top))"
        )
        assert len(set(tops)) == 1  # one table row
        cards = panel.locator(".welcome").evaluate_all(
            "cs => cs.map(c => Math.round(c.getBoundingClientRect().top))"
        )
        assert len(set(cards)) == 1  # the three welcome cards side by side


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_competitions_panel_fits_a_phone_and_a_laptop(
    open_page: Opener, data: dict[str, Any], tmp_path: Path, viewport: dict[str, int]
) -> None:
    page, _ = open_page(competitions_page(data, tmp_path), viewport=viewport)
    panel = page.locator("#panel-competitions")
    panel.get_by_role("button", name="Show all 8 competitions").click()  # the long title too
    box = panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert page.evaluate(OVERFLOWING, "#panel-competitions") == []
    assert panel.evaluate("p => p.scrollWidth <= p.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    long_title = panel.locator("[data-competition='3'] h4")
    assert long_title.inner_text().replace("\n", "") == LONG_TITLE  # wrapped, not cut
    cards = panel.locator(".comp-card").evaluate_all(
        "cs => cs.map(c => [Math.round(c.getBoundingClientRect().left),"
        " Math.round(c.getBoundingClientRect().right)])"
    )
    board = panel.locator("[data-list=attendance]").bounding_box()
    assert board is not None
    if viewport is PHONE:
        # One card under another, the board below them all.
        assert len({left for left, _ in cards}) == 1
        assert board["y"] > panel.locator(".comp-card").last.bounding_box()["y"]
    else:
        # Three cards a row, the board beside them.
        assert len({left for left, _ in cards}) == 3
        assert board["x"] > max(right for _, right in cards)


def test_removal_candidates_are_cards_on_a_phone_and_a_table_when_wide(
    open_page: Opener, page_file: Path, data: dict[str, Any]
) -> None:
    candidates = data["removal_candidates"]
    assert candidates, "the demo has removal candidates"
    page, _ = open_page(page_file, viewport=PHONE)
    rows = page.locator("#removal-table tbody tr")
    assert rows.count() == len(candidates)
    for index, candidate in enumerate(candidates):
        card = rows.nth(index)
        box = card.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        why = card.locator("td[data-label=Why]")
        assert why.inner_text().strip() == candidate["reason"]
        reason = why.bounding_box()
        assert reason is not None and reason["x"] + reason["width"] <= PHONE["width"]
        # Each field has its label beside it (the header row is hidden on a phone).
        labels = card.locator("td").evaluate_all(
            "cells => cells.map(c => getComputedStyle(c, '::before').content)"
        )
        assert labels == ['"Role"', '"Tenure"', '"Last active"', '"Why"']
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # On a laptop too: the reason, what officers decide on, was cut off in a half-width panel.
    for wide in (WIDE, LAPTOP):
        page, _ = open_page(page_file, viewport=wide)
        shown = page.evaluate(COLUMN_REACH, "#removal-table")
        assert [c["label"] for c in shown] == ["Member", "Role", "Tenure", "Last active", "Why"]
        assert all(c["inside"] and c["uncovered"] for c in shown), wide
        wrap = page.locator("#panel-removal .table-wrap")
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), wide  # no sideways scroll
        why = page.locator("#removal-table thead th").nth(4).bounding_box()
        assert why is not None and why["width"] > 200


def test_months_and_years_read_as_words_say(
    open_page: Opener, data: dict[str, Any], tmp_path: Path
) -> None:
    changed = copy.deepcopy(data)
    today = date.fromisoformat(changed["today"])
    member = next(m for m in changed["members"] if m["status"] == "active")
    member["last_active_on"] = (today - timedelta(days=60)).isoformat()  # 2 months, not "1"
    member["tenure_days"] = 380
    path = tmp_path / "dashboard.html"
    path.write_text(render_dashboard(changed), encoding="utf-8")
    page, _ = open_page(path)
    row = page.locator(f"#members-table tr[data-player='{member['player_id']}']")
    assert "2 months ago" in row.inner_text() and "12 months" in row.inner_text()
    text = page.locator("body").inner_text()
    assert not re.search(r"(?<![\d.])1 (days|months|years)\b", text)


def test_charts_season_and_bosses_say_what_they_show(
    open_page: Opener, page_file: Path, data: dict[str, Any]
) -> None:
    page, _ = open_page(page_file)
    y_title = page.locator("[data-chart=chat-play] text[data-axis=y]")
    assert (y_title.text_content() or "").startswith("XP, 30 days")
    season = data["season"]
    dates = page.locator("#panel-season [data-season-dates]").inner_text()
    assert f"{season['days_left']} days left" in dates
    start = date.fromisoformat(season["start"])
    assert f"{start.day} {start:%b}" in dates
    marks = page.locator(".boss-card .boss-icon").evaluate_all(
        "icons => icons.map(i => i.getAttribute('data-mark'))"
    )
    letters = page.locator(".boss-card .boss-letters").all_text_contents()
    assert len(marks) == min(10, len(data["boss_highlights"])) == len(set(marks))
    assert len(set(letters)) == len(letters), "each boss its own monogram"


def test_a_failed_first_run_says_what_is_missing_and_why(open_page: Opener, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'first.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    failed_first_run(url, 7)
    engine = make_engine(url)
    with Session(engine) as session:
        data = build_clan_data(
            session,
            group_id=7,
            today=date(2026, 12, 2),
            timezone=ZoneInfo("UTC"),
            generated_at=datetime(2026, 12, 2, 14, 5, tzinfo=UTC),
            rules=FIRST_RUN_RULES,
        )
    engine.dispose()
    path = tmp_path / "first.html"
    path.write_text(render_dashboard(data), encoding="utf-8")
    page, _ = open_page(path, viewport=PHONE)
    assert page.locator("#clan-name").inner_text() == "WOM group 7 · ClanStats"
    assert page.title() == "WOM group 7 · ClanStats dashboard"
    text = page.locator("body").inner_text()
    for lie in (
        "No season is running",
        "No rank ladder",
        "active recently",
        "last 0 days",
        "Data is fresh",
        "Clan ·",
    ):
        assert lie not in text, lie
    why = "the first harvest from Wise Old Man hasn't succeeded (see Data freshness)"
    assert why in page.locator("#banner").inner_text()
    for panel in ("gainers", "members", "removal", "bosses", "trends"):
        assert why in page.locator(f"#panel-{panel} [data-empty]").first.inner_text(), panel
    season = page.locator("#panel-season").inner_text()
    assert "Winter is running" in season and "60 days left" in season
    promotions = page.locator("#panel-promotions").inner_text()
    assert "recruit → corporal → sergeant → lieutenant" in promotions
    wom = page.locator(".fresh-card[data-source=wom]").inner_text()
    assert "Partly failing" in wom and "6 of its sources failed" in wom
