"""setup.sh / run_auto.sh and the bootstrap behind them, in a scratch copy of the project.

The copy installs an empty requirements file, so these tests need no network; CI runs the real
`./setup.sh --dev` with the pinned packages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clanstats.settings import PROJECT_ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="exercises the POSIX twins")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scratch project folder (with a space in its path) holding the setup files."""
    root = tmp_path / "Clan Stats copy"
    (root / "scripts").mkdir(parents=True)
    for name in (
        "setup.sh",
        "run_auto.sh",
        ".env.example",
        "rules.example.yaml",
        "identity.example.csv",
        "people.example.csv",
    ):
        shutil.copy2(PROJECT_ROOT / name, root / name)
    shutil.copy2(PROJECT_ROOT / "scripts" / "bootstrap.py", root / "scripts" / "bootstrap.py")
    (root / "requirements.txt").write_text("# nothing to install in this test\n")
    (root / "requirements-dev.txt").write_text("# nothing to install in this test\n")
    return root


def run(root: Path, *command: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": sys.executable, "PIP_NO_INDEX": "1"}
    return subprocess.run(
        list(command), cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_setup_creates_venv_and_config_and_is_safe_twice(project: Path) -> None:
    first = run(project, "./setup.sh")
    assert first.returncode == 0, first.stderr
    assert (project / ".venv" / "bin" / "python").exists()
    assert (project / ".env").read_text() == (project / ".env.example").read_text()
    assert (project / "rules.yaml").exists()
    (project / ".env").write_text("WOM_GROUP_ID=77\n")
    second = run(project, "./setup.sh")
    assert second.returncode == 0, second.stderr
    assert "already installed and up to date" in second.stdout
    assert (project / ".env").read_text() == "WOM_GROUP_ID=77\n"  # never overwritten


def test_setup_repairs_a_broken_venv(project: Path) -> None:
    assert run(project, "./setup.sh").returncode == 0
    python = project / ".venv" / "bin" / "python"
    python.unlink()
    python.write_text("#!/bin/sh\nexit 1\n")
    python.chmod(0o755)
    repaired = run(project, "./setup.sh")
    assert repaired.returncode == 0, repaired.stderr
    assert "broken; rebuilding" in repaired.stdout
    check = subprocess.run(
        [str(python), "-c", "print('ok')"], capture_output=True, text=True, check=False
    )
    assert check.stdout.strip() == "ok"


def test_setup_reports_a_failed_install_in_one_line(project: Path) -> None:
    (project / "requirements.txt").write_text("surely-not-a-real-package==1.0 --hash=sha256:00\n")
    result = run(project, "./setup.sh")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("setup: installing packages failed")


def test_run_auto_passes_arguments_and_exit_code(project: Path) -> None:
    assert run(project, "./setup.sh").returncode == 0
    (project / "main.py").write_text("import sys\nprint(sys.argv[1:])\nsys.exit(7)\n")
    result = run(project, "./run_auto.sh", "--demo", "two words")
    assert result.returncode == 7
    assert result.stdout.strip() == "['--demo', 'two words']"


def test_run_auto_sets_up_first_when_venv_is_missing(project: Path) -> None:
    (project / "main.py").write_text("import sys\nsys.exit(0)\n")
    result = run(project, "./run_auto.sh")
    assert result.returncode == 0, result.stderr
    assert (project / ".venv" / "bin" / "python").exists()


def test_run_auto_does_not_suggest_the_demo_it_is_about_to_start(project: Path) -> None:
    (project / "main.py").write_text("print('main.py ran')\n")
    first = run(project, "./run_auto.sh", "--demo")
    assert first.returncode == 0, first.stderr
    assert "Try the demo" not in first.stdout
    assert first.stdout.strip().splitlines()[-2:] == [
        "ClanStats is set up; starting it now.",
        "main.py ran",
    ]
    alone = run(project, "./setup.sh")  # setup on its own still says what to do next
    assert alone.stdout.strip().splitlines()[-1] == (
        "ClanStats is set up. Try the demo with `./run_auto.sh --demo`."
    )


def test_windows_twins_hand_over_to_python_and_keep_exit_codes() -> None:
    setup_bat = (PROJECT_ROOT / "setup.bat").read_bytes()
    run_bat = (PROJECT_ROOT / "run_auto.bat").read_bytes()
    for text in (setup_bat, run_bat):
        assert b"\r\n" in text, "a .bat file needs CRLF line ends"
        assert b"exit /b %CODE%" in text
        assert b"SESSIONNAME" in text and b"CLANSTATS_NO_PAUSE" in text
    assert b"scripts\\bootstrap.py %*" in setup_bat
    assert b'".venv\\Scripts\\python.exe" main.py %*' in run_bat
    # run_auto.bat starts ClanStats right after setting up: setup mustn't suggest the demo.
    assert b'call "%~dp0setup.bat" --from-run-auto\r\n' in run_bat
