"""What a person sees of a run: in a log file (Task Scheduler, cron) and on an 80-column terminal.

A scheduled run writes plain lines: one header per stage, no progress bars (no carriage returns,
no bar residue), a summary table of one line per stage, and the demo's closing lines naming the
files to open. On a terminal the bars are shown and erased, and every header starts its own line.
`runs show` groups repeated fetches, names Discord channels, and agrees with the summary's times.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from clanstats.demo import open_command
from clanstats.errors import EXIT_OK, EXIT_SOURCE
from clanstats.logs import console
from clanstats.pipeline import PIPELINE, STAGES, StageOutcome, print_summary
from clanstats.settings import PROJECT_ROOT
from tests.test_main_cli import query

DEMO_STAGES = ["harvest", "backfill", *(stage.name for stage in PIPELINE[1:])]
SUMMARIES = {stage.name: stage.summary for stage in STAGES}
BAR_RESIDUE = re.compile(r"\d+%\||player/s|msg/s|it/s|\?msg|\d+msg \[")
ESCAPE = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")
WIDTH = 80


# What a terminal (or a CI job pretending to be one) sets; a scheduler sets none of them.
TERMINAL_VARIABLES = ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")


def demo_environment(data: Path) -> dict[str, str]:
    """The environment of a scheduled run: no terminal settings, nothing from the real .env."""
    environ = {k: v for k, v in os.environ.items() if k not in TERMINAL_VARIABLES}
    return {
        **environ,
        "CLANSTATS_ENV_FILE": str(data / "absent.env"),
        "CLANSTATS_DATA_DIR": str(data),
        "CLANSTATS_DEMO_DIR": str(data / "demo"),
    }


@dataclass
class Scheduled:
    """A demo run with stdout and stderr going to a log file, as Task Scheduler or cron runs it."""

    data: Path
    exit_code: int
    raw: bytes

    @property
    def lines(self) -> list[str]:
        return self.raw.decode("utf-8").splitlines()


@pytest.fixture(scope="module")
def scheduled(tmp_path_factory: pytest.TempPathFactory) -> Scheduled:
    data = tmp_path_factory.mktemp("scheduled")
    log = data / "run.log"
    with log.open("wb") as out:
        completed = subprocess.run(
            [sys.executable, str(PROJECT_ROOT / "main.py"), "--demo"],
            env=demo_environment(data),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=300,
            check=False,
        )
    return Scheduled(data, completed.returncode, log.read_bytes())


SUMMARY_ROW = r"^{stage} +(?P<result>ok|partial|failed \(\d+\)) +(?P<time>\d+\.\ds)   (?P<did>.*)$"


def table_rows(lines: list[str], stage: str) -> list[str]:
    """The summary table's rows of one stage: `stage  result  time  what it did`."""
    return [line for line in lines if re.match(SUMMARY_ROW.format(stage=stage), line)]


def summary_time(row: str, stage: str) -> str:
    matched = re.match(SUMMARY_ROW.format(stage=stage), row)
    assert matched, row
    return matched["time"]


def test_a_scheduled_run_writes_one_plain_line_per_stage(scheduled: Scheduled) -> None:
    assert scheduled.exit_code == EXIT_OK, scheduled.raw.decode()
    assert b"\r" not in scheduled.raw
    assert b"\x1b" not in scheduled.raw  # no colours or cursor moves in a file
    text = scheduled.raw.decode("utf-8")
    assert not BAR_RESIDUE.search(text), text
    headers = [line for line in scheduled.lines if line.startswith(">> ")]
    assert headers == [f">> {stage}: {SUMMARIES[stage]}" for stage in DEMO_STAGES]
    for stage in DEMO_STAGES:
        assert len(table_rows(scheduled.lines, stage)) == 1, f"{stage} is not one table line"
    lines = [line.rstrip() for line in scheduled.lines]
    title = lines.index("ClanStats run 1")
    details = lines.index("Details of each stage: python main.py --demo runs show 1")
    table = lines[title + 1 : details]
    assert len(table) == 2 + len(DEMO_STAGES)  # header, rule, a line a stage
    assert all(len(line) <= WIDTH for line in table)
    assert len(scheduled.raw) < 3000, f"{len(scheduled.raw)} bytes for one run"


def test_the_demo_ends_naming_the_files_to_open(scheduled: Scheduled) -> None:
    output = scheduled.data / "demo" / "output"
    dashboard = output / "clan_dashboard.html"
    workbook = output / "clan_report_summary_merged.xlsx"
    assert dashboard.is_file() and workbook.is_file()
    assert scheduled.lines[-5:] == [
        "Open the demo's dashboard in a browser and its workbook in Excel or LibreOffice:",
        f"  {open_command(dashboard)}",
        f"  {open_command(workbook)}",
        f"(or double-click them in {output})",
        "Who is linked to whom: python main.py --demo identity",
    ]


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("win32", 'start "" "/my clan/clan_dashboard.html"'),
        ("darwin", "open '/my clan/clan_dashboard.html'"),
        ("linux", "xdg-open '/my clan/clan_dashboard.html'"),
    ],
)
def test_the_open_command_suits_each_system(platform: str, expected: str) -> None:
    assert open_command(Path("/my clan/clan_dashboard.html"), platform) == expected


def run_viewer(scheduled: Scheduled, *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "main.py"), "--demo", "runs", *args],
        env={**demo_environment(scheduled.data), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == EXIT_OK, completed.stderr
    return completed.stdout + completed.stderr


def test_runs_show_groups_fetches_and_names_channels(scheduled: Scheduled) -> None:
    shown = run_viewer(scheduled, "show", "1")
    fetches = shown[shown.index("Fetches") : shown.index("app.log (")]
    backfill = [line for line in fetches.splitlines() if "wom:backfill" in line]
    assert len(backfill) == 1, backfill
    cells = [cell.strip() for cell in backfill[0].split("│")[1:-1]]
    db = scheduled.data / "demo" / "clanstats.db"
    players, snapshots = query(
        db, "SELECT count(*), sum(rows) FROM fetch_log WHERE source = 'wom:backfill'"
    )[0]
    assert cells[:5] == ["wom:backfill", str(players), "ok", str(players), str(snapshots)]
    assert players == 50
    assert not re.search(r"│ discord:\d", fetches), "a Discord channel shown by its id"
    channels = query(
        db,
        "SELECT DISTINCT c.name FROM discord_channels c JOIN fetch_log f "
        "ON f.source = 'discord:' || c.channel_id",
    )
    assert channels
    for (name,) in channels:
        assert f"│ discord #{name} " in fetches


def test_runs_show_times_agree_with_the_run_summary(scheduled: Scheduled) -> None:
    detail = json.loads(run_viewer(scheduled, "show", "1", "--json"))
    for stage in detail["stages"]:
        [row] = table_rows(scheduled.lines, stage["stage"])
        assert summary_time(row, stage["stage"]) == f"{stage['seconds']:.1f}s", row
    assert [stage["stage"] for stage in detail["stages"]] == DEMO_STAGES


# --- the summary table on its own --------------------------------------------------------------

TRANSFORM_COUNTS: dict[str, object] = {
    "linked by identity file": 1,
    "linked by name": 37,
    "unlinked Discord users": 8,
    "snapshots read": 2587,
    "30-day gains from history": 50,
    "active": 45,
    "inactive": 3,
    "removal candidates": 3,
    "promotions due": 25,
    "season leaders": "Season October: cowpure",
    "busiest hour": "Sun 19:00",
    **{f"more counts {n}": n for n in range(30)},
}


def summary_at(width: int, outcomes: list[StageOutcome], exit_code: int = EXIT_OK) -> list[str]:
    before = console.width
    console.width = width
    try:
        with console.capture() as captured:
            print_summary(7, outcomes, exit_code)
    finally:
        console.width = before
    return captured.get().splitlines()


def rows_of(lines: list[str]) -> list[str]:
    """The summary's stage lines: after its title, header and rule, up to the line under it."""
    end = next(n for n, line in enumerate(lines) if line.startswith("Details of each stage"))
    title = next(n for n, line in enumerate(lines) if line.rstrip() == "ClanStats run 7")
    return lines[title + 3 : end]


def test_the_summary_is_one_short_line_per_stage_at_80_columns() -> None:
    outcomes = [
        StageOutcome("harvest", EXIT_SOURCE, 65.43, {"members": 50, "joins/leaves": 2}),
        StageOutcome("transform", EXIT_OK, 2.3, TRANSFORM_COUNTS),
        StageOutcome(
            "sync",
            EXIT_OK,
            1.0,
            {
                "drive: files changed": 6,
                "website: upload": "sent (18,138 bytes)",
                "discord: post": "posted with workbook",
            },
        ),
        StageOutcome("report", 4, 0.4, {}, error="the workbook is open in Excel: close it\nmore"),
    ]
    lines = summary_at(WIDTH, outcomes, EXIT_SOURCE)
    assert all(len(line.rstrip()) <= WIDTH for line in lines)
    rows = {line.split()[0]: line for line in rows_of(lines)}
    assert list(rows) == ["harvest", "transform", "sync", "report"]
    assert "partial" in rows["harvest"] and "65.4s" in rows["harvest"]
    assert "members 50, joins/leaves 2" in rows["harvest"]
    assert "promotions due 25, removal candidates 3" in rows["transform"]
    assert "linked by name" not in rows["transform"]
    # A failed stage widens the result column: what no longer fits is marked, never cut.
    assert re.search(r"drive: 6 changed, website: sent(, discord: posted| …) ", rows["sync"])
    assert "failed (4)" in rows["report"] and "the workbook is open in Excel" in rows["report"]
    assert "Details of each stage: python main.py runs show 7" in lines


def test_the_summary_sums_groups_says_nothing_new_and_marks_what_it_left_out() -> None:
    outcomes = [
        StageOutcome("harvest", EXIT_OK, 1.0, {"a: members": 10, "b: members": 5}),
        StageOutcome(
            "transform",
            EXIT_OK,
            0.2,
            {"snapshots read": 0, "days recomputed": 0, "derived": "nothing new: tables kept"},
        ),
        StageOutcome("export", EXIT_OK, 0.3, {"files written": 5, "dashboard KB": 214}),
    ]
    rows = rows_of(summary_at(WIDTH, outcomes))
    assert "members 15" in rows[0]
    assert "derived nothing new: tables kept" in rows[1]
    narrow = rows_of(summary_at(46, outcomes))
    assert all(len(line.rstrip()) <= 46 for line in narrow)
    assert narrow[2].rstrip().endswith("files written 5 …")


# --- on a terminal ---------------------------------------------------------------------------


def run_on_terminal(args: list[str], env: dict[str, str], columns: int) -> bytes:
    """Run a command on a pseudo-terminal `columns` wide; everything it wrote, raw."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(
        args, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: every process writing to it has ended
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        process.wait(timeout=60)
    return b"".join(chunks)


def screen(raw: str, columns: int) -> list[str]:
    """The lines a terminal shows for `raw`: carriage returns, erasing and wrapping applied."""
    lines: list[list[str]] = [[]]
    row = column = 0
    index = 0
    while index < len(raw):
        escape = ESCAPE.match(raw, index)
        if escape:
            argument, command = escape.groups()
            line = lines[row]
            if command == "K":  # erase in line: 0 to its end, 1 up to the cursor, 2 all of it
                mode = int(argument or 0)
                end = len(line) if mode == 2 else min(column + 1, len(line))
                if mode == 0:
                    del line[column:]
                else:
                    line[:end] = [" "] * end
            elif command == "G":
                column = int(argument or 1) - 1
            elif command == "A":
                row = max(0, row - int(argument or 1))
            index = escape.end()
            continue
        char = raw[index]
        index += 1
        if char == "\r":
            column = 0
        elif char == "\n":
            row, column = row + 1, 0
        elif char >= " ":
            if column >= columns:  # the terminal wraps a full line
                row, column = row + 1, 0
            while len(lines) <= row:
                lines.append([])
            line = lines[row]
            line.extend(" " * (column + 1 - len(line)))
            line[column] = char
            column += 1
        while len(lines) <= row:
            lines.append([])
    return ["".join(line).rstrip() for line in lines]


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")
def test_a_terminal_run_shows_bars_then_clean_lines(tmp_path: Path) -> None:
    env = {**demo_environment(tmp_path), "TERM": "xterm-256color"}
    raw = run_on_terminal(
        [sys.executable, str(PROJECT_ROOT / "main.py"), "--demo"], env, columns=WIDTH
    )
    text = raw.decode("utf-8", errors="replace")
    assert "player/s" in text, "no backfill bar was shown on the terminal"
    shown = screen(text, WIDTH)
    assert not any(BAR_RESIDUE.search(line) for line in shown), "\n".join(shown)
    plain = [ESCAPE.sub("", line) for line in shown]
    headers = [line for line in plain if ">> " in line]
    assert [line.split(":")[0] for line in headers] == [f">> {stage}" for stage in DEMO_STAGES]
    assert all(line.startswith(">> ") for line in headers), "a header glued to other output"
    assert all(len(line) <= WIDTH for line in plain)
    for stage in DEMO_STAGES:
        assert len(table_rows(plain, stage)) == 1, "\n".join(plain)
    assert "Details of each stage: python main.py --demo runs show 1" in plain
