"""clan_dashboard.html in real headless Chromium: panels, search, sort, filters, safety, looks.

The page is built from a real demo run (see tests/test_export_clan_data.py) whose members include
hostile names, loaded from file:// with every request other than the file itself aborted and
recorded. Screenshots (wide and phone, light and dark) go to the test's tmp folder, and one wide
and one phone picture to /tmp/clanstats-dashboard-*.png for a person to look at.

Needs Debian's Chromium (`apt-get install chromium`) and the `playwright` package
(`pip install playwright`; never `playwright install`, which downloads browsers).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.migrate import upgrade_to_head
from clanstats.db.models import WomGroup
from clanstats.export.clan_data import build_clan_data
from clanstats.export.dashboard import render_dashboard
from clanstats.export.dashboard_bench import CHROMIUM_ARGS, chromium_path
from clanstats.rules import Rules, load_rules
from tests.conftest import sqlite_demo_database
from tests.databases import SharedDatabase
from tests.test_export_clan_data import HOSTILE_NAMES, build, hostile_copy

WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
READY = "() => window.__clanstatsReady !== undefined"
ROWS = "#members-table tbody tr"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """clan_data of the demo clan, hostile names included."""
    # The browser tests are about the page, so one engine's data is enough: SQLite's.
    database = sqlite_demo_database(tmp_path_factory)
    demo = SharedDatabase("sqlite", f"sqlite:///{database.as_posix()}", database.parent)
    engine = hostile_copy(demo, tmp_path_factory.mktemp("dashboard") / "clanstats.db")
    try:
        return build(engine, rules=load_rules(database.parent / "rules.yaml"))
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def page_file(data: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("page") / "clan_dashboard.html"
    path.write_text(render_dashboard(data), encoding="utf-8")
    return path


# --- the HTML string itself (no browser needed) ----------------------------------------------


def embedded(html: str) -> str:
    found = re.search(r'<script type="application/json" id="clan-data">(.*?)</script>', html, re.S)
    assert found is not None
    return found.group(1)


def test_names_cannot_close_the_data_script(data: dict[str, Any], page_file: Path) -> None:
    html = page_file.read_text(encoding="utf-8")
    raw = embedded(html)
    assert not set(raw) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(raw) == data
    # Only the page's own two scripts open and close; no name added or ended one.
    assert html.count("<script") == 2 and html.count("</script") == 2
    for name in HOSTILE_NAMES:
        assert name not in html


def test_the_policy_allows_exactly_the_inline_script_and_style(page_file: Path) -> None:
    html = page_file.read_text(encoding="utf-8")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    script = re.search(r"<script>(.*)</script>", html, re.S)
    style = re.search(r"<style>(.*)</style>", html, re.S)
    assert policy and script and style

    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert f"script-src 'sha256-{digest(script.group(1))}'" in policy.group(1)
    assert f"style-src 'sha256-{digest(style.group(1))}'" in policy.group(1)
    assert "default-src 'none'" in policy.group(1) and "'unsafe-inline'" not in policy.group(1)
    # Nothing to fetch: the only URL is SVG's namespace name, which is never requested.
    assert set(re.findall(r"https?://[^\s\"'%]+", html)) <= {"http://www.w3.org/2000/svg"}


# --- in Chromium ------------------------------------------------------------------------------


@dataclass
class Watch:
    """What a page did that it must not: requests, console errors, page errors, dialogs."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.requests == [], f"the page made requests: {self.requests}"
        assert self.errors == [], f"console or page errors: {self.errors}"
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="pip install playwright (never `playwright install`)"
    )
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Opener:
    """Open a dashboard file in a fresh context that may reach nothing but that file."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.contexts: list[Any] = []
        self.watches: list[Watch] = []

    def __call__(
        self, path: Path, *, viewport: dict[str, int] = WIDE, color_scheme: str = "light"
    ) -> tuple[Any, Watch]:
        url = path.resolve().as_uri()
        watch = Watch()
        context = self.browser.new_context(
            viewport=viewport, color_scheme=color_scheme, accept_downloads=True
        )

        def guard(route: Any) -> None:
            # Let the page itself load; abort anything else (the listener below records it).
            if route.request.url == url:
                route.continue_()
            else:
                route.abort()

        def on_request(request: Any) -> None:
            if request.url != url:
                watch.requests.append(request.url)

        def on_console(message: Any) -> None:
            if message.type == "error":
                watch.errors.append(message.text)

        def on_dialog(dialog: Any) -> None:
            watch.dialogs.append(dialog.message)
            dialog.dismiss()

        context.route("**/*", guard)
        context.on("request", on_request)
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: watch.errors.append(str(error)))
        page.on("dialog", on_dialog)
        page.goto(url)
        page.wait_for_function(READY)
        self.contexts.append(context)
        self.watches.append(watch)
        return page, watch

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Opener]:
    opener = Opener(browser)
    yield opener
    opener.close()
    for watch in opener.watches:
        watch.assert_clean()


def row_count(page: Any) -> int:
    return int(page.locator(ROWS).count())


def test_panels_render_with_the_right_counts(
    open_page: Opener, page_file: Path, data: dict[str, Any]
) -> None:
    page, _ = open_page(page_file)
    current = [m for m in data["members"] if m["status"] != "left"]
    assert row_count(page) == len(current)
    assert page.locator("#member-count").inner_text() == (
        f"Showing {len(current)} of {len(data['members'])} members"
    )
    assert page.locator("[data-chart=heatmap] rect[data-cell]").count() == 168
    members = page.locator("[data-kpi=members] .kpi-value").inner_text()
    assert members == str(data["kpis"]["members"])
    xp_week = data["kpis"]["clan_gains"]["7d"]["xp"]
    assert xp_week > 1_000_000
    shown = page.locator("[data-kpi=xp_7d] .kpi-value").inner_text()
    assert re.fullmatch(r"\d+(\.\d)?M", shown) and abs(float(shown[:-1]) * 1e6 - xp_week) < 5e4
    assert page.locator("ol[data-measure=xp] li").count() == len(data["gainers"]["7d"]["xp"])
    assert page.locator(".boss-card").count() == min(10, len(data["boss_highlights"]))
    assert page.locator(".boss-card .boss-icon").count() == page.locator(".boss-card").count()
    assert page.locator("#removal-table tbody tr").count() == len(data["removal_candidates"])
    assert page.locator(".goal").count() == len(data["goals"]["items"])
    # A bar per day with XP, and today's hollow "so far" bar whatever it holds yet.
    bars = sum(1 for d in data["trends"] if d["xp"] or (d["partial"] and d["xp"] is not None))
    assert page.locator("[data-chart=xp] rect.bar-xp").count() == bars
    assert page.locator("[data-chart=chat-play] circle").count() == sum(
        1
        for m in current
        if m["gains"]["30d"]["xp"] is not None and m["gains"]["30d"]["messages"] is not None
    )
    assert page.locator("section[data-panel]").count() == 18
    # Players with alts: a row each, and every current alt labelled in the members table.
    assert page.locator("#people-table tbody tr").count() == len(data["people"]) > 0
    alts = [m for m in current if m["alt_of"] is not None]
    assert len(alts) == sum(len(p["alts"]) for p in data["people"])
    labels = page.locator("#panel-members .alt-badge").evaluate_all(
        "nodes => nodes.map(n => [n.textContent, n.title])"
    )
    names = {m["player_id"]: m["name"] for m in data["members"]}
    assert sorted(labels) == sorted(
        [
            "alt",
            f"An alt of {names[m['alt_of']]} (people.csv): the player is active while any "
            "of their accounts is",
        ]
        for m in alts
    )


def test_the_clan_statistics_panel_shows_the_newest_figures_and_the_weeks(
    open_page: Opener, page_file: Path, data: dict[str, Any]
) -> None:
    page, _ = open_page(page_file)
    statistics = data["clan_statistics"]
    latest = statistics["latest"]

    def tile(key: str) -> str:
        return str(page.locator(f"#panel-clanstats [data-stat={key}] .kpi-value").inner_text())

    assert tile("members") == str(latest["members"])
    # Three figures, compact: 6.08B for 6,082,324,465 XP.
    shown = tile("xp")
    assert re.fullmatch(r"\d\.\d\dB", shown) and abs(float(shown[:-1]) * 1e9 - latest["xp"]) < 5e6
    assert tile("maxed") == str(latest["maxed_total"])
    assert tile("maxed_combat") == str(latest["maxed_combat"])
    assert tile("skills_99") == str(latest["skills_99"])
    assert tile("skills_200m") == str(latest["skills_200m"])
    assert tile("total_level") == f"{round(latest['total_level_average']):,}"
    median = page.locator("#panel-clanstats [data-stat=total_level] .kpi-sub").inner_text()
    assert median == f"average · median {round(latest['total_level_median']):,}"
    assert tile("combat_level") == f"{latest['combat_level_average']:.1f}"
    # Each account type the clan has, with its count and share; the bar splits the same way.
    types = {k: v for k, v in statistics["account_types"].items() if v}
    rows = page.locator("#panel-clanstats .type-list li")
    assert rows.evaluate_all("items => items.map(i => i.dataset.type)") == list(types)
    first = rows.first.locator("span").all_inner_texts()
    regular = types["regular"]
    assert first[1:] == ["Regular", str(regular), f"{round(100 * regular / latest['members'])}%"]
    assert page.locator("#panel-clanstats .type-bar span").count() == len(types)
    # A point per week with XP and one for the newest day; the readout follows the keys.
    points = [*statistics["weeks"], latest]
    chart = page.locator("[data-chart=clanstats-xp]")
    assert chart.locator("circle.point-total").count() == sum(p["xp"] is not None for p in points)
    chart.focus()
    page.keyboard.press("End")
    readout = page.locator("#panel-clanstats .readout").inner_text()
    assert readout.endswith(f"today: {shown} XP · {latest['members']} members"), readout
    page.keyboard.press("Home")
    first_week = page.locator("#panel-clanstats .readout").inner_text()
    assert first_week.startswith("Week to Sun ") and "with a snapshot" in first_week


def with_recruits(data: dict[str, Any]) -> dict[str, Any]:
    """The demo's data with hand-chosen recruits: three to welcome and fourteen months."""
    changed = copy.deepcopy(data)
    today = date.fromisoformat(changed["today"])

    def joined(days: int) -> str:
        return (today - timedelta(days=days)).isoformat()

    def mark(reached: int, stayed: int, active: int, unknown: int) -> dict[str, int]:
        return {"reached": reached, "stayed": stayed, "active": active, "unknown": unknown}

    def month(first: str, recruits: int, still_in: int, *marks: Any) -> dict[str, Any]:
        return {"month": first, "recruits": recruits, "still_in": still_in, **dict(marks)}

    filler = [
        month(
            f"{2025 + (m > 12)}-{(m - 1) % 12 + 1:02d}",
            1,
            1,
            *((f"day_{d}", mark(1, 1, 1, 0)) for d in (30, 90, 180)),
        )
        for m in range(8, 19)  # Aug 2025 to Jun 2026
    ]
    changed["recruits"] = {
        "cohorts": [
            # Everyone's first weeks before ClanStats could see their game: activity unknown.
            month("2025-07", 3, 3, *((f"day_{d}", mark(3, 3, 0, 3)) for d in (30, 90, 180))),
            *filler,
            month(
                "2026-10",
                5,
                4,
                ("day_30", mark(5, 4, 2, 1)),
                ("day_90", None),
                ("day_180", None),
            ),
            month("2026-11", 2, 2, ("day_30", None), ("day_90", None), ("day_180", None)),
        ],
        "to_welcome": [
            {
                "player_id": 901,
                "name": HOSTILE_NAMES[0],
                "joined_on": joined(26),
                "days_in_clan": 26,
                "reason": "no message and no game progress yet",
                "first_message_on": None,
                "first_game_on": None,
            },
            {
                "player_id": 902,
                "name": "Iron Dharok",
                "joined_on": joined(8),
                "days_in_clan": 8,
                "reason": "no message yet",
                "first_message_on": None,
                "first_game_on": joined(7),
            },
            {
                "player_id": 903,
                "name": "Zezima",
                "joined_on": joined(0),
                "days_in_clan": 0,
                "reason": "no game progress yet",
                "first_message_on": joined(0),
                "first_game_on": None,
            },
        ],
    }
    return changed


def recruits_page(data: dict[str, Any], folder: Path) -> Path:
    path = folder / "recruits.html"
    path.write_text(render_dashboard(with_recruits(data)), encoding="utf-8")
    return path


def test_the_recruits_panel_lists_whom_to_welcome_and_each_months_retention(
    open_page: Opener, data: dict[str, Any], tmp_path: Path
) -> None:
    page, _ = open_page(recruits_page(data, tmp_path))
    panel = page.locator("#panel-recruits")
    cards = panel.locator(".welcome")
    assert cards.evaluate_all("cs => cs.map(c => c.dataset.player)") == ["901", "902", "903"]
    first = cards.first
    assert first.locator(".who").inner_text() == HOSTILE_NAMES[0]  # text, never markup
    assert first.locator(".who").get_attribute("title") == HOSTILE_NAMES[0]  # whole when cut
    assert first.locator(".joined").inner_text() == "Joined 26 days ago"
    assert first.locator(".missing").inner_text() == "No message and no game progress yet"
    assert first.locator("small").count() == 0  # nothing seen yet: no first day to tell
    second = cards.nth(1)
    assert second.locator(".missing").inner_text() == "No message yet"
    assert second.locator("small").inner_text().startswith("First game progress ")
    assert cards.nth(2).locator(".joined").inner_text() == "Joined today"
    label = panel.locator(".section-label").first.inner_text()
    assert label.upper() == "NEW RECRUITS TO WELCOME (3)"
    # Newest month first, twelve of the fourteen until asked for all.
    rows = panel.locator("#cohort-table tbody tr")
    assert rows.count() == 12
    assert rows.first.locator("th").inner_text() == "Nov 2026"
    newest = rows.first.locator("td[data-mark]").all_inner_texts()
    assert [text.strip() for text in newest] == ["—", "—", "—"]  # nobody in 30 days yet
    october = panel.locator("tr[data-month='2026-10']")
    assert october.locator("td").all_inner_texts()[:2] == ["5", "4"]
    thirty = october.locator("td[data-mark='30']")
    assert thirty.locator("[data-rate=stayed]").text_content() == "Stayed 80% 4 of 5"
    # One of the five unknown: 2 to 3 of 5 were active, a range and the count that makes it.
    assert thirty.locator("[data-rate=active]").text_content() == "Active 40–60% 2 of 5, 1 unknown"
    panel.get_by_role("button", name="Show all 14 months").click()
    assert rows.count() == 14
    oldest = panel.locator("tr[data-month='2025-07'] td[data-mark='180'] [data-rate=active]")
    assert oldest.text_content() == "Active unknown 0 of 3, 3 unknown"
    panel.get_by_role("button", name="Show fewer").click()
    assert rows.count() == 12


def test_the_recruits_panel_says_when_nobody_needs_a_welcome_and_when_it_cant_tell(
    open_page: Opener, data: dict[str, Any], tmp_path: Path
) -> None:
    quiet = with_recruits(data)
    quiet["recruits"]["to_welcome"] = []
    path = tmp_path / "quiet.html"
    path.write_text(render_dashboard(quiet), encoding="utf-8")
    page, _ = open_page(path)
    panel = page.locator("#panel-recruits")
    assert panel.locator(".welcome").count() == 0
    said = panel.locator("[data-empty]").inner_text()
    assert said.startswith("No new recruit needs a welcome")
    assert panel.locator("#cohort-table tbody tr").count() == 12
    # Discord never read (no heatmap): "no message yet" is said to be unknowable.
    # And a clan whose members are all its founding roster: no month to show.
    unread = with_recruits(data)
    unread["heatmap"] = None
    unread["recruits"]["cohorts"] = []
    path = tmp_path / "unread.html"
    path.write_text(render_dashboard(unread), encoding="utf-8")
    page, _ = open_page(path)
    notes = page.locator("#panel-recruits .note").all_inner_texts()
    assert notes == [
        "Discord isn't connected, so nobody's messages are known: \"no message yet\" may be wrong."
    ]
    said = page.locator("#panel-recruits [data-empty]").inner_text()
    assert said.startswith("No recruits yet") and page.locator("#cohort-table").count() == 0
    page, _ = open_page(recruits_page(data, tmp_path))
    notes = page.locator("#panel-recruits .note").all_inner_texts()
    assert len(notes) == 1 and notes[0].startswith("Stayed: still in the clan")


LONG_TITLE = "Skill_of_the_week_" * 4  # no space to break at


def with_competitions(data: dict[str, Any]) -> dict[str, Any]:
    """The demo's data with eight hand-chosen competitions and four members' attendance."""
    changed = copy.deepcopy(data)
    today = date.fromisoformat(changed["today"])

    def top(*placings: tuple[int, str, float | None]) -> list[dict[str, Any]]:
        return [
            {"rank": rank, "player_id": 900 + rank, "name": name, "gained": gained}
            for rank, name, gained in placings
        ]

    def competition(
        cid: int, title: str, status: str, start: int, end: int, **values: Any
    ) -> dict[str, Any]:
        return {
            "id": cid,
            "title": title,
            "metric": None,
            "metric_kind": None,
            "type": "classic",
            "starts_on": (today + timedelta(days=start)).isoformat(),
            "ends_on": (today + timedelta(days=end)).isoformat(),
            "status": status,
            "participants": None,
            "wom_participants": None,
            "top": [],
            **values,
        }

    boss = {"metric": "vorkath", "metric_kind": "boss"}
    changed["competitions"] = [
        competition(8, "Zulrah week", "upcoming", 3, 10, **boss, wom_participants=7),
        competition(
            7,
            HOSTILE_NAMES[1],
            "running",
            -3,
            4,
            metric="overall",
            metric_kind="skill",
            participants=22,
            wom_participants=20,
            top=top(
                (1, HOSTILE_NAMES[0], 1_234_567), (2, "Iron Dharok", 850_000), (3, "Zezima", None)
            ),
        ),
        competition(
            6,
            "Bossing bonanza",
            "finished",
            -20,
            -13,
            metric="ehb",
            metric_kind="computed",
            type="team",
            participants=12,
            wom_participants=12,
            top=top((1, "Zezima", 12.46), (2, "Iron Dharok", 3.0), (3, "Lynx Titan", 1.5)),
        ),
        competition(5, "Clue week", "finished", -40, -33, participants=0),
        competition(
            4, "Quiet week", "running", -6, 0, **boss, participants=3, top=top((1, "Zezima", 0))
        ),
        competition(
            3,
            LONG_TITLE,
            "finished",
            -60,
            -53,
            metric="mining",
            metric_kind="skill",
            participants=1,
            top=top((1, "Iron Dharok", 1)),
        ),
        competition(2, "Old one", "finished", -100, -99, wom_participants=12),
        competition(
            1, "Oldest", "finished", -200, -193, **boss, participants=2, top=top((1, "Zezima", 1))
        ),
    ]
    current = [m for m in changed["members"] if m["status"] != "left"]
    for member in changed["members"]:
        member["competitions"] = None

    def attendance(joined: int, best: int | None, held: int, joined_90: int) -> dict[str, Any]:
        return {
            "joined": joined,
            "best_rank": best,
            "last_joined_on": changed["today"] if joined else None,
            "held_90": held,
            "joined_90": joined_90,
            "rate_90": round(joined_90 / held, 4) if held else None,
        }

    current[0]["competitions"] = attendance(3, 1, 3, 3)
    current[1]["competitions"] = attendance(5, 4, 3, 2)
    current[2]["competitions"] = attendance(2, 2, 3, 2)  # as current[1], a better best place
    current[3]["competitions"] = attendance(0, None, 1, 0)
    current[4]["competitions"] = attendance(2, 5, 0, 0)  # nothing held in 90 days: not listed
    left = next(m for m in changed["members"] if m["status"] == "left")
    left["competitions"] = attendance(2, 1, 2, 2)  # former members aren't on the board
    return changed


def competitions_page(data: dict[str, Any], folder: Path) -> Path:
    path = folder / "competitions.html"
    path.write_text(render_dashboard(with_competitions(data)), encoding="utf-8")
    return path


def test_the_competitions_panel_shows_each_competition_and_who_joins_them(
    open_page: Opener, data: dict[str, Any], tmp_path: Path
) -> None:
    page, _ = open_page(competitions_page(data, tmp_path))
    panel = page.locator("#panel-competitions")
    cards = panel.locator(".comp-card")
    # Newest first, six until asked for all eight.
    assert cards.evaluate_all("cs => cs.map(c => c.dataset.competition)") == [
        "8", "7", "6", "5", "4", "3",
    ]  # fmt: skip
    upcoming = cards.nth(0)
    assert upcoming.locator("h4").inner_text() == "Zulrah week"
    assert upcoming.locator(".badge").inner_text() == "Upcoming"
    assert (
        upcoming.locator(".comp-people").inner_text()
        == "7 signed up (WOM's count) · starts in 3 days"
    )
    assert upcoming.locator(".comp-none").inner_text() == "Standings once it has started."
    running = cards.nth(1)
    assert running.locator("h4").inner_text() == HOSTILE_NAMES[1]  # text, never markup
    assert running.locator(".badge").inner_text() == "Running"
    assert running.locator(".comp-facts").inner_text().startswith("Overall · ")
    assert running.locator(".comp-people").inner_text() == "22 taking part · 4 days left"
    podium = running.locator(".comp-podium li")
    assert [podium.nth(i).locator("span").all_inner_texts() for i in range(3)] == [
        ["1st", HOSTILE_NAMES[0], "1.2M XP"],
        ["2nd", "Iron Dharok", "850K XP"],
        ["3rd", "Zezima", "—"],  # unknown: WOM had no value at one end
    ]
    team = cards.nth(2)
    assert " · teams · " in team.locator(".comp-facts").inner_text()
    assert team.locator(".comp-people").inner_text() == "12 took part"
    assert team.locator(".comp-podium .num").all_inner_texts() == ["12.5 h", "3.0 h", "1.5 h"]
    nobody = cards.nth(3)  # read, and nobody took part: said once
    assert nobody.locator(".comp-people").count() == 0
    assert nobody.locator(".comp-none").inner_text() == "Nobody took part."
    assert cards.nth(4).locator(".comp-people").inner_text() == "3 taking part · last day today"
    assert cards.nth(4).locator(".comp-none").inner_text() == "Nobody has gained yet."
    panel.get_by_role("button", name="Show all 8 competitions").click()
    assert cards.count() == 8
    old = cards.nth(6)
    assert old.locator(".comp-people").inner_text() == "12 took part (WOM's count)"
    assert old.locator(".comp-none").inner_text() == "Its standings haven't been read yet."
    assert cards.nth(7).locator(".comp-podium .num").inner_text() == "1 kill"
    # The board: current members with a competition held for them, best rate first; equal
    # rate and count share a place, the better best place first.
    current = [m for m in data["members"] if m["status"] != "left"]
    rows = panel.locator("[data-list=attendance] li")
    assert rows.evaluate_all("rs => rs.map(r => Number(r.dataset.player))") == [
        current[0]["player_id"],
        current[2]["player_id"],
        current[1]["player_id"],
        current[3]["player_id"],
    ]
    shown = [rows.nth(i).locator(":scope > span").all_inner_texts() for i in range(4)]
    assert [[texts[0], texts[2]] for texts in shown] == [  # place, name, share, bar
        ["1", "100%"], ["2", "67%"], ["2", "67%"], ["4", "0%"],
    ]  # fmt: skip
    details = rows.locator("small").all_inner_texts()
    assert details == [
        "3 of 3 · best 1st",
        "2 of 3 · best 2nd",
        "2 of 3 · best 4th",
        "0 of 1 · never joined one",
    ]


def test_the_competitions_panel_without_anyone_to_rank_says_so(
    open_page: Opener, data: dict[str, Any], tmp_path: Path
) -> None:
    quiet = with_competitions(data)
    for member in quiet["members"]:
        member["competitions"] = None
    path = tmp_path / "quiet.html"
    path.write_text(render_dashboard(quiet), encoding="utf-8")
    page, _ = open_page(path)
    panel = page.locator("#panel-competitions")
    assert panel.locator(".comp-card").count() == 6
    said = panel.locator("[data-empty]").all_inner_texts()
    assert len(said) == 1 and said[0].startswith("No competition has started in the last 90 days")
    none = copy.deepcopy(quiet)
    none["competitions"] = []
    path = tmp_path / "none.html"
    path.write_text(render_dashboard(none), encoding="utf-8")
    page, _ = open_page(path)
    said = page.locator("#panel-competitions [data-empty]").all_inner_texts()
    assert len(said) == 1 and said[0].startswith("No competitions yet")


def test_search_filters_the_member_table(
    open_page: Opener, page_file: Path, data: dict[str, Any]
) -> None:
    page, _ = open_page(page_file)
    target = next(m for m in data["members"] if m["status"] == "active" and m["name"].isalnum())
    page.fill("#member-search", target["name"][:4].upper())
    expected = [
        m
        for m in data["members"]
        if m["status"] != "left" and target["name"][:4].lower() in m["name"].lower()
    ]
    assert row_count(page) == len(expected) >= 1
    page.fill("#member-search", "no such member zzz")
    assert row_count(page) == 0
    assert "No member matches" in page.locator("[data-no-rows]").inner_text()
    page.fill("#member-search", "")
    assert row_count(page) == sum(m["status"] != "left" for m in data["members"])


def test_a_tenure_counted_from_wom_listing_is_marked_as_a_lower_bound(
    open_page: Opener, page_file: Path, data: dict[str, Any]
) -> None:
    page, _ = open_page(page_file)
    current = [m for m in data["members"] if m["status"] != "left" and m["tenure_days"]]
    # The demo clan registered on WOM a month before its history: both sources occur.
    assert {m["tenure_source"] for m in current} == {"clan_sync", "wom_listed"}
    headers = page.locator("#members-table thead th").all_text_contents()
    column = next(i for i, text in enumerate(headers) if text.strip().startswith("Tenure"))
    cells = page.locator(ROWS).evaluate_all(
        f"rows => rows.map(r => [Number(r.dataset.player), r.children[{column}].textContent])"
    )
    source = {m["player_id"]: m["tenure_source"] for m in current}
    shown = {pid: text for pid, text in cells if pid in source}
    assert shown and all(
        text.startswith("≥ ") == (source[pid] == "wom_listed") for pid, text in shown.items()
    ), shown


def shown_xp(page: Any, data: dict[str, Any]) -> list[int | None]:
    """The 30-day XP of the table's rows, in the order shown."""
    xp = {m["player_id"]: m["gains"]["30d"]["xp"] for m in data["members"]}
    ids = page.locator(ROWS).evaluate_all("rows => rows.map(r => Number(r.dataset.player))")
    return [xp[i] for i in ids]


def test_column_headers_sort_the_table(
    open_page: Opener, page_file: Path, data: dict[str, Any]
) -> None:
    page, _ = open_page(page_file)
    page.select_option("#member-status", "all")  # former members have no XP: "no data"
    assert page.get_attribute("th[data-col=name]", "aria-sort") == "ascending"
    page.click("th[data-col=xp] button")
    assert page.get_attribute("th[data-col=xp]", "aria-sort") == "descending"
    assert page.get_attribute("th[data-col=name]", "aria-sort") is None
    values = shown_xp(page, data)
    known = [v for v in values if v is not None]
    # No data sorts last whichever way the column runs.
    assert values == sorted(known, reverse=True) + [None] * (len(values) - len(known))
    assert len(known) < len(values)
    page.click("th[data-col=xp] button")
    assert page.get_attribute("th[data-col=xp]", "aria-sort") == "ascending"
    assert shown_xp(page, data) == sorted(known) + [None] * (len(values) - len(known))


def test_the_period_switch_changes_the_gainers(
    open_page: Opener, page_file: Path, data: dict[str, Any]
) -> None:
    page, _ = open_page(page_file)
    first = "ol[data-measure=xp] li >> nth=0 >> .who"
    assert page.locator(first).inner_text() == data["gainers"]["7d"]["xp"][0]["name"]
    page.click("#panel-gainers button[data-value='90d']")
    assert page.get_attribute("#panel-gainers button[data-value='90d']", "aria-pressed") == "true"
    assert page.locator(first).inner_text() == data["gainers"]["90d"]["xp"][0]["name"]
    assert page.locator("#panel-gainers [data-period='90d']").count() == 1


def test_status_and_role_filters(open_page: Opener, page_file: Path, data: dict[str, Any]) -> None:
    page, _ = open_page(page_file)
    page.select_option("#member-status", "inactive")
    assert row_count(page) == data["kpis"]["status_counts"]["inactive"] >= 1
    page.select_option("#member-status", "all")
    assert row_count(page) == len(data["members"])
    page.select_option("#member-role", "recruit")
    assert row_count(page) == sum(m["role"] == "recruit" for m in data["members"])


def test_keyboard_reaches_the_search_box_and_sort_buttons(
    open_page: Opener, page_file: Path
) -> None:
    page, _ = open_page(page_file)
    reached: list[str] = []
    for _ in range(250):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.id || document.activeElement.dataset.sort || ''")
        )
        if "xp" in reached:
            break
    assert "member-search" in reached and "name" in reached and "xp" in reached
    page.keyboard.press("Enter")  # the focused XP sort button
    assert page.get_attribute("th[data-col=xp]", "aria-sort") == "descending"


def test_hostile_names_render_as_text_and_run_nothing(open_page: Opener, page_file: Path) -> None:
    page, watch = open_page(page_file)
    page.select_option("#member-status", "all")
    names = page.locator(f"{ROWS} th").evaluate_all("cells => cells.map(c => c.textContent)")
    assert set(HOSTILE_NAMES) <= set(names)
    assert page.evaluate("window.__xss") is None
    assert page.locator("img").count() == 0
    assert page.locator("#app script, #app svg[onload]").count() == 0
    watch.assert_clean()


def test_dark_mode_and_theme_switch(open_page: Opener, page_file: Path) -> None:
    page, _ = open_page(page_file, color_scheme="dark")
    luminance = """() => {
        const colour = getComputedStyle(document.body).backgroundColor;
        const [r, g, b] = colour.match(/\\d+/g).map(Number);
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    }"""
    assert page.evaluate(luminance) < 0.2
    page.click("#theme-toggle")  # auto -> light
    assert page.get_attribute("html", "data-theme") == "light"
    assert page.evaluate(luminance) > 0.8


def test_each_panel_downloads_its_json(
    open_page: Opener, page_file: Path, data: dict[str, Any]
) -> None:
    page, _ = open_page(page_file)
    assert page.locator("button[data-download]").count() == 18
    downloads = (
        ("members", "members"),
        ("people", "people"),
        ("gainers", "gainers"),
        ("season", "season"),
        ("clanstats", "clan_statistics"),
        ("recruits", "recruits"),
    )
    for panel, key in downloads:
        with page.expect_download() as info:
            page.click(f"button[data-download={panel}]")
        download = info.value
        assert download.suggested_filename == f"clanstats-{panel}.json"
        assert json.loads(Path(download.path()).read_text(encoding="utf-8")) == data[key]
    # Competitions: the list as in the file, and each current member's attendance.
    with page.expect_download() as info:
        page.click("button[data-download=competitions]")
    saved = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert saved["competitions"] == data["competitions"]
    attending = {
        m["player_id"]: m["competitions"]
        for m in data["members"]
        if m["status"] != "left" and m["competitions"] and m["competitions"]["held_90"]
    }
    assert {a["player_id"]: a["held_90"] for a in saved["attendance"]} == {
        pid: a["held_90"] for pid, a in attending.items()
    }


def test_an_empty_clan_explains_each_empty_panel(open_page: Opener, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # the page is the point
    upgrade_to_head(engine)
    with Session(engine) as session, session.begin():
        session.execute(
            insert(WomGroup), [{"id": 9, "name": "Brand New", "fetched_at": datetime(2026, 1, 1)}]
        )
    with Session(engine) as session:
        data = build_clan_data(
            session,
            group_id=9,
            today=date(2026, 1, 2),
            timezone=ZoneInfo("UTC"),
            generated_at=datetime(2026, 1, 2, tzinfo=UTC),
            rules=Rules(),
        )
    engine.dispose()
    path = tmp_path / "empty.html"
    path.write_text(render_dashboard(data), encoding="utf-8")
    page, _ = open_page(path)
    empties = page.locator("[data-empty]").all_inner_texts()
    assert len(empties) >= 10
    assert any("Discord isn't connected" in text for text in empties)
    # With no seasons in the rules, it says so (not that one "isn't running").
    assert any("No season is set up" in text for text in empties)
    assert page.locator("[data-kpi=xp_7d] .kpi-value").inner_text() == "—"
    statistics = page.locator("#panel-clanstats [data-empty]").inner_text()
    assert statistics.startswith("No snapshots yet") and "\n" not in statistics.strip()
    # No members yet: the recruits panel says why once, not once per list.
    recruits = page.locator("#panel-recruits [data-empty]").all_inner_texts()
    assert len(recruits) == 1 and recruits[0].startswith("No member data")
    competitions = page.locator("#panel-competitions [data-empty]").all_inner_texts()
    assert len(competitions) == 1 and competitions[0].startswith("No competitions yet")


def test_screenshots_for_a_person_to_look_at(
    open_page: Opener, page_file: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "screenshots"
    folder.mkdir()
    for name, viewport in (("wide", WIDE), ("phone", PHONE)):
        for scheme in ("light", "dark"):
            page, _ = open_page(page_file, viewport=viewport, color_scheme=scheme)
            # Nothing may be wider than a phone's screen but the tables' own scroll boxes.
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            page.screenshot(path=str(folder / f"{name}-{scheme}.png"), full_page=True)
    shutil.copyfile(folder / "wide-light.png", "/tmp/clanstats-dashboard-wide.png")
    shutil.copyfile(folder / "phone-dark.png", "/tmp/clanstats-dashboard-phone.png")
    assert len(list(folder.glob("*.png"))) == 4
