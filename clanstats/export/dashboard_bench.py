"""Measure the dashboard in headless Chromium: file size and time until it is interactive.

Needs Chromium (Debian: `apt-get install chromium`) and the `playwright` Python package (never
`playwright install`: it downloads browsers; we drive the system's Chromium).
"""

from __future__ import annotations

import os
import shutil
import statistics
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
READY = "() => window.__clanstatsReady !== undefined"
# Navigation timing and the page's own ready mark, all in ms since navigation start.
TIMINGS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return {
    ready: window.__clanstatsReady,
    domContentLoaded: nav.domContentLoadedEventEnd,
    load: nav.loadEventEnd,
  };
}"""


def chromium_path() -> Path | None:
    """The Chromium to drive: CLANSTATS_CHROMIUM, else Debian's, else one on PATH."""
    candidates = [
        os.environ.get("CLANSTATS_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def measure_dashboard(html_path: Path, *, runs: int = 3) -> dict[str, Any]:
    """Return the page's size and its median time to interactive over `runs` fresh loads."""
    from playwright.sync_api import sync_playwright  # optional: only benchmarks and tests need it

    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium not found: install it (Debian: apt-get install chromium)")
    size = html_path.stat().st_size
    url = html_path.resolve().as_uri()
    samples: list[dict[str, float]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                # A new context per run: nothing cached from the previous load.
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                page = context.new_page()
                page.goto(url, wait_until="load")
                page.wait_for_function(READY)
                samples.append(page.evaluate(TIMINGS))
                context.close()
        finally:
            browser.close()
    interactive = [max(s["ready"], s["domContentLoaded"]) for s in samples]
    return {
        "path": str(html_path),
        "bytes": size,
        "megabytes": round(size / 1_000_000, 3),
        "interactive_ms": round(statistics.median(interactive), 1),
        "ready_ms": round(statistics.median(s["ready"] for s in samples), 1),
        "dom_content_loaded_ms": round(
            statistics.median(s["domContentLoaded"] for s in samples), 1
        ),
        "load_ms": round(statistics.median(s["load"] for s in samples), 1),
        "runs": runs,
        "interactive_ms_each": [round(v, 1) for v in interactive],
    }
