"""Build an Eleventy bundle with the real, pinned Eleventy (tests/eleventy) and read the page."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from clanstats.export.eleventy import bundle_files
from clanstats.settings import PROJECT_ROOT

ELEVENTY = PROJECT_ROOT / "tests" / "eleventy" / "node_modules" / ".bin" / "eleventy"

needs_eleventy = pytest.mark.skipif(
    not ELEVENTY.exists() or shutil.which("node") is None,
    reason="Eleventy isn't installed: install Node.js, then run `npm ci --prefix tests/eleventy`",
)


def built_page(public: dict[str, object], folder: Path) -> str:
    """Write the bundle of a public summary into `folder/my site`, build it, return /clan/."""
    site = folder / "my site"
    for name, content in bundle_files(public).items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_bytes(content)
    built = subprocess.run(
        [str(ELEVENTY), "--input", str(site), "--output", str(folder / "_site"), "--quiet"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    return (folder / "_site" / "clan" / "index.html").read_text(encoding="utf-8")
