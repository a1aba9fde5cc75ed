"""Set up ClanStats: a working `.venv` with the pinned packages, and `.env` / `rules.yaml`.

Run by setup.bat / setup.sh with any Python 3.11+; uses only the standard library because the
packages aren't installed yet. Safe to run again: a healthy venv with the same requirements is
left alone, a broken one is rebuilt.

    python scripts/bootstrap.py          runtime packages
    python scripts/bootstrap.py --dev    runtime + test and lint packages

run_auto.bat / run_auto.sh pass --from-run-auto: ClanStats starts right after setup, so setup
doesn't suggest a next step.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".clanstats-requirements"
MINIMUM = (3, 11)
COPIES = (
    (".env.example", ".env"),
    ("rules.example.yaml", "rules.yaml"),
    ("identity.example.csv", "identity.csv"),
    ("people.example.csv", "people.csv"),
)
EXIT_SETUP_FAILED = 2


def venv_python() -> Path:
    """The venv's interpreter on this platform."""
    if sys.platform == "win32":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def main(argv: list[str] | None = None) -> int:
    """Create or repair the venv, install pinned requirements, copy example config files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", action="store_true", help="also install test and lint tools")
    parser.add_argument(
        "--from-run-auto",
        action="store_true",
        help="run_auto starts ClanStats next: don't suggest what to run",
    )
    args = parser.parse_args(argv)
    if sys.version_info < MINIMUM:
        return fail(
            f"ClanStats needs Python {MINIMUM[0]}.{MINIMUM[1]} or newer, this is "
            f"{sys.version.split()[0]}: install a newer one from https://www.python.org/downloads/"
        )
    requirements = ROOT / ("requirements-dev.txt" if args.dev else "requirements.txt")
    if not venv_is_healthy():
        if VENV.exists():
            print("The .venv folder is broken; rebuilding it.")
            shutil.rmtree(VENV, ignore_errors=True)
        print(f"Creating {VENV} ...")
        if run([sys.executable, "-m", "venv", str(VENV)]) != 0:
            return fail("creating .venv failed; see the lines above")
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text(encoding="utf-8").strip() != wanted:
        print(f"Installing the pinned packages from {requirements.name} ...")
        command = [
            str(venv_python()),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--require-hashes",
            "-r",
            str(requirements),
        ]
        if run(command) != 0:
            return fail("installing packages failed; check the network and run setup again")
        STAMP.write_text(wanted, encoding="utf-8")
    else:
        print("Packages already installed and up to date.")
    for example, target in COPIES:
        if not (ROOT / target).exists():
            shutil.copyfile(ROOT / example, ROOT / target)
            print(f"Created {target} from {example}: edit it for your clan.")
    if args.from_run_auto:
        print("ClanStats is set up; starting it now.")
        return 0
    launcher = "run_auto.bat" if sys.platform == "win32" else "./run_auto.sh"
    print(f"ClanStats is set up. Try the demo with `{launcher} --demo`.")
    return 0


def venv_is_healthy() -> bool:
    """Whether .venv has an interpreter that starts and is new enough."""
    python = venv_python()
    if not python.exists():
        return False
    probe = "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)"
    try:
        return subprocess.run([str(python), "-c", probe], timeout=60, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def run(command: list[str]) -> int:
    """Run a command in the project folder, streaming its output."""
    try:
        return subprocess.run(command, cwd=ROOT, check=False).returncode
    except OSError as exc:
        print(f"could not start {command[0]}: {exc}", file=sys.stderr)
        return 1


def fail(message: str) -> int:
    """Print a one-line setup error and return the setup exit code."""
    print(f"setup: {message}", file=sys.stderr)
    return EXIT_SETUP_FAILED


if __name__ == "__main__":
    sys.exit(main())
