"""Lint and format: ruff over the whole project, as part of the test command."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from clanstats.settings import PROJECT_ROOT


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False
    )


RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(RUFF is None, reason="ruff is not installed: run setup with --dev")
@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff_is_clean(command: list[str]) -> None:
    result = subprocess.run(
        [str(RUFF), *command, "."],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


MYPY = shutil.which("mypy", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(MYPY is None, reason="mypy is not installed: run setup with --dev")
def test_types_check() -> None:
    result = run_tool(str(MYPY), "clanstats", "scripts", "main.py", "simulator")
    assert result.returncode == 0, result.stdout + result.stderr


LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
needs_import_linter = pytest.mark.skipif(
    LINT_IMPORTS is None, reason="import-linter is not installed: run setup with --dev"
)


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter's verdict on the packages found in `root`, by its pyproject.toml."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@needs_import_linter
def test_the_layer_contracts_hold() -> None:
    result = lint_imports(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


@needs_import_linter
@pytest.mark.parametrize(
    ("module", "imported", "contract"),
    [
        ("clanstats/harvest/stage.py", "clanstats.report.stage", "Stages never import each other"),
        ("clanstats/outputs.py", "clanstats.export.stage", "The core imports no stage"),
        ("clanstats/wom/client.py", "clanstats.harvest.wom", "The WOM client imports no stage"),
        ("clanstats/transform/stage.py", "simulator.truth", "Only the demo and the benchmark"),
        # Through a module that may import the simulator: caught all the same (a reviewer's case).
        ("clanstats/harvest/stage.py", "clanstats.bench.measure", "Only the demo and the"),
        ("simulator/truth.py", "clanstats.rules", "The simulator imports nothing"),
        ("simulator/metrics.py", "clanstats.transform.levels", "The simulator imports nothing"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    tmp_path: Path, module: str, imported: str, contract: str
) -> None:
    """The contracts are not vacuous: one deliberate import across a layer fails the check."""
    for package in ("clanstats", "simulator"):
        shutil.copytree(PROJECT_ROOT / package, tmp_path / package)
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / module).open("a", encoding="utf-8") as source:
        source.write(f"\nimport {imported}  # a deliberate breach\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken and imported in broken


def test_every_module_of_the_product_is_placed_in_a_layer() -> None:
    """A new module must be named in a contract, or the contracts would not look at it."""
    contracts = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"
    ]["importlinter"]["contracts"]
    placed = {
        module
        for contract in contracts
        for key in ("source_modules", "modules")
        for module in contract.get(key, [])
    }
    top_level = {
        f"clanstats.{path.stem}"
        for path in (PROJECT_ROOT / "clanstats").iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    # The demo and the benchmark sit on top and may import anything, the simulator included.
    assert top_level - placed == {"clanstats.demo", "clanstats.bench"}


ESLINT_DIR = PROJECT_ROOT / "tests" / "eslint"
ESLINT = ESLINT_DIR / "node_modules" / ".bin" / "eslint"
needs_eslint = pytest.mark.skipif(
    not ESLINT.exists(), reason="ESLint is not installed: run npm ci --prefix tests/eslint"
)


def eslint(script: str, name: str) -> subprocess.CompletedProcess[str]:
    """ESLint's verdict on one script, given as text (tests/eslint/eslint.config.js)."""
    return subprocess.run(
        [str(ESLINT), "--stdin", "--stdin-filename", name],
        input=script,
        cwd=ESLINT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@needs_eslint
@pytest.mark.parametrize("page", ["dashboard", "alliance"])
def test_the_page_scripts_pass_eslint(page: str) -> None:
    """The dashboard's script is its panels' files joined, as export joins them."""
    parts = sorted((PROJECT_ROOT / "assets" / "dashboard").glob("*.js"))
    script = (
        "".join(part.read_text(encoding="utf-8") for part in parts)
        if page == "dashboard"
        else (PROJECT_ROOT / "assets" / "alliance.js").read_text(encoding="utf-8")
    )
    result = eslint(script, f"{page}.js")
    assert result.returncode == 0, result.stdout + result.stderr


@needs_eslint
def test_eslint_catches_a_mistake() -> None:
    result = eslint('"use strict";\nundefinedFunction(1);\nconst unused = 2;\n', "broken.js")
    assert result.returncode == 1
    assert "no-undef" in result.stdout and "no-unused-vars" in result.stdout
