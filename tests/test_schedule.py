"""Scheduling: exact schtasks and cron lines, a crontab round trip, one-line input errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from clanstats.errors import ConfigError
from clanstats.schedule import (
    cron_line,
    install_cron,
    remove_cron,
    show_cron,
    windows_create_command,
    windows_delete_command,
    windows_show_command,
)

WIN_PROJECT = PureWindowsPath(r"C:\Users\Ann Lee\Clan Stats")
WIN_PYTHON = PureWindowsPath(r"C:\Users\Ann Lee\Clan Stats\.venv\Scripts\python.exe")
WIN_ACTION = (
    r'cmd /c cd /d "C:\Users\Ann Lee\Clan Stats" && '
    r'"C:\Users\Ann Lee\Clan Stats\.venv\Scripts\python.exe" main.py'
)
POSIX_PROJECT = PurePosixPath("/home/ann/clan stats")
POSIX_PYTHON = PurePosixPath("/home/ann/clan stats/.venv/bin/python")


def test_windows_daily_task() -> None:
    command = windows_create_command(WIN_PROJECT, WIN_PYTHON, daily="06:00", every=None)
    assert command == [
        "schtasks", "/Create", "/TN", "ClanStats", "/TR", WIN_ACTION,
        "/SC", "DAILY", "/ST", "06:00", "/F", "/RL", "LIMITED",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("every", "trigger"),
    [("6h", ["/SC", "HOURLY", "/MO", "6"]), ("30m", ["/SC", "MINUTE", "/MO", "30"])],
)
def test_windows_repeating_task(every: str, trigger: list[str]) -> None:
    command = windows_create_command(
        WIN_PROJECT, WIN_PYTHON, daily=None, every=every, task_name="Clan Two", interactive=True
    )
    assert command == [
        "schtasks", "/Create", "/TN", "Clan Two", "/TR", WIN_ACTION,
        *trigger, "/F", "/RL", "LIMITED", "/IT",
    ]  # fmt: skip
    assert "/RU" not in command


def test_windows_show_and_delete() -> None:
    assert windows_show_command() == ["schtasks", "/Query", "/TN", "ClanStats", "/V", "/FO", "LIST"]
    assert windows_delete_command("X") == ["schtasks", "/Delete", "/TN", "X", "/F"]


def test_windows_refuses_a_too_long_action() -> None:
    deep = PureWindowsPath("C:/" + "/".join(["folder name"] * 20))
    with pytest.raises(ConfigError, match="shorter path"):
        windows_create_command(deep, deep / "python.exe", daily="06:00", every=None)


@pytest.mark.parametrize(
    ("daily", "every", "timing"),
    [("06:00", None, "0 6 * * *"), ("23:59", None, "59 23 * * *"), ("7:05", None, "5 7 * * *"),
     (None, "6h", "0 */6 * * *"), (None, "15m", "*/15 * * * *")],
)  # fmt: skip
def test_cron_lines(daily: str | None, every: str | None, timing: str) -> None:
    line = cron_line(POSIX_PROJECT, POSIX_PYTHON, daily=daily, every=every)
    assert line == (
        f"{timing} cd '/home/ann/clan stats' && '/home/ann/clan stats/.venv/bin/python' main.py"
        " >> '/home/ann/clan stats/app.cron.log' 2>&1 # ClanStats"
    )


@pytest.mark.parametrize(
    ("daily", "every", "flag"),
    [("24:00", None, "--daily"), ("6", None, "--daily"), ("06:60", None, "--daily"),
     (None, "0h", "--every"), (None, "24h", "--every"), (None, "2m", "--every"),
     (None, "6d", "--every"), (None, None, "exactly one"), ("06:00", "6h", "exactly one")],
)  # fmt: skip
def test_bad_schedules_are_one_line_errors(daily: str | None, every: str | None, flag: str) -> None:
    with pytest.raises(ConfigError, match=flag) as caught:
        cron_line(POSIX_PROJECT, POSIX_PYTHON, daily=daily, every=every)
    assert "\n" not in str(caught.value)
    with pytest.raises(ConfigError, match=flag):
        windows_create_command(WIN_PROJECT, WIN_PYTHON, daily=daily, every=every)


def test_cron_refuses_a_percent_in_a_path() -> None:
    with pytest.raises(ConfigError, match="%"):
        cron_line(PurePosixPath("/srv/100%"), POSIX_PYTHON, daily="06:00", every=None)


FAKE_CRONTAB = """#!/bin/sh
store="$FAKE_CRONTAB_STORE"
if [ "$1" = "-l" ]; then
  [ -f "$store" ] || { echo "no crontab for tester" >&2; exit 1; }
  cat "$store"
elif [ "$1" = "-" ]; then
  cat > "$store"
else
  exit 2
fi
"""


@pytest.fixture
def fake_crontab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `crontab` on PATH that keeps its table in a file; return that file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "crontab"
    script.write_text(FAKE_CRONTAB, encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    store = tmp_path / "table"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_CRONTAB_STORE", str(store))
    return store


@pytest.mark.skipif(os.name == "nt", reason="the fake crontab is a shell script")
def test_crontab_round_trip_keeps_other_lines(fake_crontab: Path) -> None:
    assert show_cron() is None
    assert remove_cron() is False
    fake_crontab.write_text("MAILTO=ann\n30 2 * * * backup.sh\n", encoding="utf-8")

    first = cron_line(POSIX_PROJECT, POSIX_PYTHON, daily="06:00", every=None)
    install_cron(first)
    assert show_cron() == first
    second = cron_line(POSIX_PROJECT, POSIX_PYTHON, daily=None, every="6h")
    install_cron(second)  # replaces, never adds a second line
    assert fake_crontab.read_text(encoding="utf-8").splitlines() == [
        "MAILTO=ann",
        "30 2 * * * backup.sh",
        second,
    ]
    assert remove_cron() is True
    assert show_cron() is None
    assert fake_crontab.read_text(encoding="utf-8") == "MAILTO=ann\n30 2 * * * backup.sh\n"


@pytest.mark.skipif(os.name == "nt", reason="the fake crontab is a shell script")
def test_crontab_command_is_injectable_and_failures_are_one_line(
    fake_crontab: Path, tmp_path: Path
) -> None:
    script = str(tmp_path / "bin" / "crontab")
    install_cron("0 6 * * * true # ClanStats", crontab=script)
    assert show_cron(crontab=script) == "0 6 * * * true # ClanStats"
    with pytest.raises(ConfigError, match="not found"):
        show_cron(crontab=str(tmp_path / "no-such-crontab"))
    broken = tmp_path / "broken"
    broken.write_text("#!/bin/sh\necho 'permission denied' >&2\nexit 1\n", encoding="utf-8")
    broken.chmod(0o755)
    with pytest.raises(ConfigError, match="permission denied"):
        show_cron(crontab=str(broken))
