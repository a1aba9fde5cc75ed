"""The simulator is a part of its own: the product runs without it, and the demo says what it lacks.

Each check runs a fresh Python in which numpy (and, for the product, the simulator itself) can't
be imported, as on a machine without the `sim` extra.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from clanstats.errors import EXIT_CONFIG
from clanstats.pipeline import STAGES
from clanstats.settings import PROJECT_ROOT

# Imported by main.py itself or run as a process of its own by it.
PRODUCT_MODULES = [
    "clanstats.cli",
    "clanstats.doctor",
    "clanstats.demo",
    "clanstats.identity_view",
    "clanstats.runs_view",
    "clanstats.schedule",
    *(stage.module for stage in STAGES),
]
SIMULATOR_PARTS = ("numpy", "simulator")


def python(code: str, blocked: tuple[str, ...], **env: str) -> subprocess.CompletedProcess[str]:
    """Run Python code with `blocked` modules unimportable (None in sys.modules)."""
    block = f"import sys; sys.modules.update(dict.fromkeys({blocked!r}))\n"
    return subprocess.run(
        [sys.executable, "-c", block + code],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_stage_and_command_imports_without_the_simulator() -> None:
    result = python(
        f"import importlib\nfor name in {PRODUCT_MODULES!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.partition('.')[0] in {SIMULATOR_PARTS!r}"
        " and sys.modules[m] is not None))",
        SIMULATOR_PARTS,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_main_help_runs_without_the_simulator() -> None:
    result = python(
        "import runpy; sys.argv = ['main.py', '--help']\n"
        "runpy.run_path('main.py', run_name='__main__')",
        SIMULATOR_PARTS,
    )
    assert result.returncode == 0, result.stderr
    assert "--demo" in result.stdout


def test_the_demo_without_numpy_says_what_to_install_in_one_line(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    result = python(
        "from clanstats.cli import main; sys.exit(main(['--demo']))",
        ("numpy",),
        CLANSTATS_DEMO_DIR=str(demo),
    )
    assert result.returncode == EXIT_CONFIG, result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("error: the demo runs a simulated clan, but numpy")
    assert "`pip install numpy`" in line
    assert not demo.exists(), "the demo stopped before touching its folder"


def test_the_benchmark_without_numpy_says_what_to_install_in_one_line() -> None:
    result = python(
        "import runpy; sys.argv = ['bench', '--size', 'S']\n"
        "runpy.run_module('clanstats.bench', run_name='__main__')",
        ("numpy",),
    )
    assert result.returncode == EXIT_CONFIG, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("bench: the benchmark runs a simulated clan, but numpy")
