"""Schedule the daily run: Windows Task Scheduler (schtasks) command lines and the user's crontab.

Both run `main.py` with the venv's Python from inside the project folder, as the logged-on user
(never SYSTEM: a Google Drive letter exists only for the user). Windows tasks have no working
directory of their own, so the action is `cmd /c cd /d "<project>" && "<python>" main.py`: cmd
sees `cd` first (not a quote), so it keeps every quote as written, and both paths may hold spaces.
cmd's exit code is main.py's, so the task's "Last Run Result" shows ClanStats' exit code.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath, PureWindowsPath

from clanstats.errors import ConfigError

TASK_NAME = "ClanStats"
CRON_TAG = "# ClanStats"
CRON_LOG = "app.cron.log"
SCHTASKS_TR_LIMIT = 261  # schtasks refuses a longer /TR
EXPECTED = "--daily HH:MM (00:00-23:59) or --every Nh (1-23) / Nm (5-59)"


@dataclass(frozen=True)
class When:
    """A validated schedule: daily at hour:minute, or every `interval` hours or minutes."""

    unit: str  # "daily", "hours" or "minutes"
    hour: int = 0
    minute: int = 0
    interval: int = 0


def parse_when(*, daily: str | None, every: str | None) -> When:
    """Validate `--daily HH:MM` or `--every Nh|Nm` (exactly one of them)."""
    if (daily is None) == (every is None):
        raise ConfigError(f"schedule needs exactly one of {EXPECTED}")
    if daily is not None:
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", daily.strip())
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ConfigError(f"--daily {daily!r} is not valid: expected HH:MM from 00:00 to 23:59")
        return When("daily", hour=int(match[1]), minute=int(match[2]))
    assert every is not None
    match = re.fullmatch(r"(\d{1,2})([hm])", every.strip().lower())
    if match and match[2] == "h" and 1 <= int(match[1]) <= 23:
        return When("hours", interval=int(match[1]))
    if match and match[2] == "m" and 5 <= int(match[1]) <= 59:
        return When("minutes", interval=int(match[1]))
    raise ConfigError(
        f"--every {every!r} is not valid: expected Nh with N from 1 to 23 (6h) "
        "or Nm with N from 5 to 59 (30m)"
    )


# --- Windows ---------------------------------------------------------------------------------


def windows_task_action(project: PurePath, python: PurePath) -> str:
    """The task's action (/TR): change into the project, run main.py with the venv's Python."""
    folder, exe = PureWindowsPath(str(project)), PureWindowsPath(str(python))
    for path in (folder, exe):
        if '"' in str(path) or "%" in str(path):
            raise ConfigError(f"{path}: a path with \" or % can't be scheduled; move the folder")
    action = f'cmd /c cd /d "{folder}" && "{exe}" main.py'
    if len(action) > SCHTASKS_TR_LIMIT:
        raise ConfigError(
            f"the task's command is {len(action)} characters, over schtasks' "
            f"{SCHTASKS_TR_LIMIT}; move ClanStats to a shorter path"
        )
    return action


def windows_create_command(
    project: PurePath,
    python: PurePath,
    *,
    daily: str | None,
    every: str | None,
    task_name: str = TASK_NAME,
    interactive: bool = False,
) -> list[str]:
    """The `schtasks /Create` arguments (run without a shell); /F replaces a same-named task."""
    when = parse_when(daily=daily, every=every)
    if when.unit == "daily":
        trigger = ["/SC", "DAILY", "/ST", f"{when.hour:02d}:{when.minute:02d}"]
    else:
        trigger = ["/SC", "HOURLY" if when.unit == "hours" else "MINUTE", "/MO", str(when.interval)]
    command = ["schtasks", "/Create", "/TN", task_name, "/TR", windows_task_action(project, python)]
    # No /RU: the task runs as the user who creates it, with limited rights.
    command += [*trigger, "/F", "/RL", "LIMITED"]
    return [*command, "/IT"] if interactive else command


def windows_show_command(task_name: str = TASK_NAME) -> list[str]:
    """The `schtasks /Query` argument list that shows the task, its next and last run."""
    return ["schtasks", "/Query", "/TN", task_name, "/V", "/FO", "LIST"]


def windows_delete_command(task_name: str = TASK_NAME) -> list[str]:
    """The `schtasks /Delete` argument list (no confirmation prompt)."""
    return ["schtasks", "/Delete", "/TN", task_name, "/F"]


# --- cron ------------------------------------------------------------------------------------


def cron_line(project: PurePath, python: PurePath, *, daily: str | None, every: str | None) -> str:
    """The crontab line, tagged `# ClanStats`, that runs main.py from the project folder."""
    when = parse_when(daily=daily, every=every)
    if when.unit == "daily":
        timing = f"{when.minute} {when.hour} * * *"
    elif when.unit == "hours":
        timing = f"0 */{when.interval} * * *"
    else:
        timing = f"*/{when.interval} * * * *"
    for path in (project, python):
        # cron turns % into a newline and a line must stay one line.
        if "%" in str(path) or "\n" in str(path):
            raise ConfigError(f"{path}: a path with % or a line break can't go into a crontab")
    log = shlex.quote(str(project / CRON_LOG))
    run = f"cd {shlex.quote(str(project))} && {shlex.quote(str(python))} main.py"
    return f"{timing} {run} >> {log} 2>&1 {CRON_TAG}"


def install_cron(line: str, *, crontab: str = "crontab") -> None:
    """Put `line` in the user's crontab in place of any line tagged `# ClanStats`."""
    kept = [entry for entry in _read_crontab(crontab) if not _is_ours(entry)]
    _write_crontab(crontab, [*kept, line])


def show_cron(*, crontab: str = "crontab") -> str | None:
    """The user's ClanStats crontab line, or None."""
    return next((entry for entry in _read_crontab(crontab) if _is_ours(entry)), None)


def remove_cron(*, crontab: str = "crontab") -> bool:
    """Remove the ClanStats line from the user's crontab; return whether there was one."""
    entries = _read_crontab(crontab)
    kept = [entry for entry in entries if not _is_ours(entry)]
    if len(kept) == len(entries):
        return False
    _write_crontab(crontab, kept)
    return True


def _is_ours(entry: str) -> bool:
    return entry.rstrip().endswith(CRON_TAG)


def _read_crontab(crontab: str) -> list[str]:
    result = _run([crontab, "-l"], crontab)
    if result.returncode != 0:
        if "no crontab" in result.stderr.lower():
            return []
        raise ConfigError(f"`{crontab} -l` failed: {_first_line(result.stderr)}")
    return result.stdout.splitlines()


def _write_crontab(crontab: str, entries: Sequence[str]) -> None:
    body = "".join(f"{entry}\n" for entry in entries)
    result = _run([crontab, "-"], crontab, stdin=body)
    if result.returncode != 0:
        raise ConfigError(f"`{crontab} -` refused the new crontab: {_first_line(result.stderr)}")


def _run(
    command: list[str], crontab: str, *, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            command, input=stdin, capture_output=True, text=True, timeout=30, check=False
        )
    except FileNotFoundError:
        raise ConfigError(f"{crontab} not found: install cron, or schedule run_auto.sh") from None


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0][:200] if lines else "no error message"
