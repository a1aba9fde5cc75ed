"""The officers' workbook on paper: the demo clan's workbook printed to PDF by LibreOffice.

Every sheet prints one page wide at a readable size, with its table's header row on every
page, on as few pages as its rows need (issue 18: the demo printed on 33 pages, Bosses on 10
and Members on 4). Pages are told apart by their footer, "ClanStats <sheet>  Page n of N".

Needs LibreOffice (`soffice`) and poppler's `pdftotext`; skipped, saying so, without them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from clanstats.outputs import REPORT_FILE
from tests.conftest import sqlite_demo_database

FOOTER = re.compile(r"^\s*ClanStats (?P<sheet>\S.*?)\s{2,}Page \d+ of \d+\s*$", re.M)
WORD = re.compile(
    r'<word xMin="[\d.]+" yMin="(?P<top>[\d.]+)" xMax="[\d.]+" yMax="(?P<bottom>[\d.]+)">'
)

# Pages per sheet for the demo clan (50 members and a few who left, 90 days of milestones,
# 70 bosses killed, 180 clan days), one page wide:
PAGE_BOUNDS = {
    "Summary": (1, 1),  # tables on the left, both charts on the right: one landscape page
    "Members": (1, 2),  # ~55 rows at ~45 a page
    "People": (1, 1),  # a few players with alts
    "Bosses": (1, 1),  # ~45 rows, the 20 most-killed bosses
    "Discord": (1, 2),  # ~50 members, the heatmap beside them
    "Inactive": (1, 1),  # a handful of members
    "Promotions": (1, 2),  # ~55 rows, some two or three lines tall (rules wrap)
    "Recruits": (1, 3),  # ~25 months joined, then ~40 recruits, landscape
    "Records": (1, 3),  # 8 records, 15 streaks, ~50 personal bests
    "Milestones": (1, 4),  # ~150 rows, upright: ~50 a page
    "Seasons": (1, 2),  # ~50 standings, upright
    "Competitions": (1, 2),  # a few competitions, then ~50 members' attendance, landscape
    "Unlinked": (1, 1),
    "Clan statistics": (1, 2),  # today's clan and two charts, then ~25 weeks, landscape
    "Clan days": (1, 2),  # the last 90 days, upright
}
# The most common word height on every page, in points: 11-point Calibri prints ~13 pt tall
# at full size; 7.5 pt is ~6.5-point type, the smallest that still reads comfortably on paper.
MIN_WORD_HEIGHT = 7.5


@dataclass(frozen=True)
class Printed:
    pdf: Path
    pages: list[str]  # each page's text (pdftotext -layout)
    sheets: list[str]  # each page's sheet, from its footer


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(
            f"{name} is not installed (Debian: apt-get install libreoffice-calc poppler-utils)"
        )
    return found


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip(
            "LibreOffice is not installed (Debian: apt-get install libreoffice-calc): it is "
            "what renders the workbook to PDF"
        )
    pdftotext = tool("pdftotext")
    workbook = sqlite_demo_database(tmp_path_factory).parent / "output" / REPORT_FILE
    assert workbook.exists(), "the demo run writes the workbook"
    folder = tmp_path_factory.mktemp("printed")
    done = subprocess.run(
        [
            office,
            f"-env:UserInstallation=file://{folder / 'profile'}",  # its own, beside any other
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(workbook),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = folder / workbook.with_suffix(".pdf").name
    assert done.returncode == 0 and pdf.exists(), done.stderr
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    sheets = [(FOOTER.findall(page) or ["(no footer)"])[-1] for page in pages]
    return Printed(pdf, pages, sheets)


def test_each_sheet_prints_on_few_pages(printed: Printed) -> None:
    counts = Counter(printed.sheets)
    assert len(printed.pages) <= 22  # 33 before issue 18; Recruits added two, Competitions two
    assert list(counts) == list(PAGE_BOUNDS), "every sheet prints, in order, with its footer"
    for sheet, (least, most) in PAGE_BOUNDS.items():
        assert least <= counts[sheet] <= most, f"{sheet}: {counts[sheet]} pages"


def test_every_page_reads_at_a_readable_size(printed: Printed) -> None:
    pdftotext = tool("pdftotext")
    for number, sheet in enumerate(printed.sheets, start=1):
        boxes = subprocess.run(
            [pdftotext, "-bbox", "-f", str(number), "-l", str(number), str(printed.pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        heights = Counter(
            round(float(m["bottom"]) - float(m["top"]), 1) for m in WORD.finditer(boxes)
        )
        usual = heights.most_common(1)[0][0]
        assert usual >= MIN_WORD_HEIGHT, f"page {number} ({sheet}): words {usual} pt tall"


def test_wide_sheets_print_their_main_columns_with_the_header_on_every_page(
    printed: Printed,
) -> None:
    pages = list(zip(printed.pages, printed.sheets, strict=True))
    text = {sheet: "" for _, sheet in pages}
    for page, sheet in pages:
        text[sheet] += page
    for page, sheet in pages:
        if sheet == "Members":
            # The header row repeats; the print ends at Chat / play (the last 30 days).
            assert re.search(r"Name\s+Role\s+Status\s+Away\s+until\s+Joined", page)
            assert "XP 30d" in page and "Chat / play" in page
            assert "XP 7d" not in page and "XP 365d" not in page
    # Bosses prints its most-killed bosses, and says so (every boss is on screen).
    assert re.search(r"Printed: the \d+ most-killed bosses", " ".join(text["Bosses"].split()))
    # The explanation wraps inside the page instead of running off its right edge.
    assert "history yet aren't listed" in " ".join(text["Inactive"].split())
    # Recruits: the list of every recruit carries its header onto the pages after the first.
    recruits = [page for page, sheet in pages if sheet == "Recruits"]
    assert "no message or no game progress yet." in " ".join(recruits[0].split())
    for page in recruits[1:]:
        assert re.search(r"Name\s+Joined\s+Month\s+Left\s+First\s+First game", page)
