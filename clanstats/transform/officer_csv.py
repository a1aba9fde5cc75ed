"""The officers' CSV files (`identity.csv`, `people.csv`): read as Excel saves them.

Comment lines start with `#` (also when a spreadsheet saved them in quotes). Excel's BOM and
its `;`-separated CSV (in many locales, even under a header typed with `,`) are both read, and
the empty columns Excel pads rows with are dropped. Each file's reader checks its own lines;
every mistake is reported with its line number, and a file is used whole or not at all.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from clanstats.errors import ConfigError

MAX_REPORTED = 5
T = TypeVar("T")


def read_lines(
    path: Path,
    header: Sequence[str],
    example: str,
    read_line: Callable[[int, list[str]], T | str],
) -> list[T]:
    """Every data line read by `read_line(line number, cells)`: its value, or what is wrong.

    Raises ConfigError naming the file and the lines' mistakes (see `_raise_problems`).
    """
    found: list[T] = []
    problems: list[str] = []
    for number, cells in _read_rows(path, header, example):
        item = read_line(number, cells)
        if isinstance(item, str):
            problems.append(f"line {number}: {item}")
        else:
            found.append(item)
    _raise_problems(path, problems)
    return found


def _read_rows(path: Path, header: Sequence[str], example: str) -> list[tuple[int, list[str]]]:
    """The file's data lines as (line number, cells) after its header; [] for a missing file.

    Raises ConfigError naming the file when it can't be read or its header is not `header`.
    """
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: can't be read ({exc}); save it as UTF-8 CSV") from None
    rows = [
        (number, cells)
        for number, line in enumerate(text.splitlines(), start=1)
        if (cells := _cells(line)) and not cells[0].lstrip().startswith("#")
    ]
    if not rows:
        return []
    header_line, header_cells = rows[0]
    found = tuple(cell.strip().lower() for cell in header_cells[: len(header)])
    if found != tuple(header):
        raise ConfigError(
            f"{path.name} line {header_line}: the first line must be the header "
            f"`{','.join(header)}`; see {example}"
        )
    return rows[1:]


def _raise_problems(path: Path, problems: Sequence[str]) -> None:
    """Stop with one line naming the file and its first mistakes, if there are any."""
    if not problems:
        return
    more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED else ""
    raise ConfigError(f"{path.name}: " + "; ".join(problems[:MAX_REPORTED]) + more)


def _cells(line: str) -> list[str]:
    """A line's cells; [] for a blank one. Each line is split on its own delimiter: Excel in a
    `;` locale writes the rows it adds with `;` under a header typed with `,`."""
    delimiter = ";" if ";" in line and "," not in line else ","
    cells = next(csv.reader([line], delimiter=delimiter), [])
    while cells and not cells[-1].strip():
        cells.pop()  # Excel pads rows with empty columns
    return cells
