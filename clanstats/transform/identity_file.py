"""The officers' identity file (`identity.csv`): Discord user id -> in-game name, one per line.

Comment lines start with `#`. Excel's BOM and its `;`-separated CSV (in many locales) are both
read. Every mistake is reported with its line number, and the file is used whole or not at all.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from clanstats.chat.features import RSN, name_key
from clanstats.errors import ConfigError

HEADER = ("discord_user_id", "rsn")
DISCORD_ID = re.compile(r"^\d{15,21}$")
MAX_REPORTED = 5


@dataclass(frozen=True)
class ManualLink:
    """One line of the identity file."""

    line: int
    discord_user_id: int
    rsn: str


def read_identity_file(path: Path) -> list[ManualLink]:
    """Read and validate the file; a missing file means no manual links."""
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: can't be read ({exc}); save it as UTF-8 CSV") from None
    rows = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not rows:
        return []
    delimiter = ";" if ";" in rows[0][1] and "," not in rows[0][1] else ","
    header_line, header = rows[0]
    if tuple(cell.strip().lower() for cell in _cells(header, delimiter)[:2]) != HEADER:
        raise ConfigError(
            f"{path.name} line {header_line}: the first line must be the header "
            f"`{','.join(HEADER)}`; see identity.example.csv"
        )
    links: list[ManualLink] = []
    problems: list[str] = []
    seen_ids: dict[int, int] = {}
    seen_names: dict[str, int] = {}
    for number, line in rows[1:]:
        link, problem = _parse(number, _cells(line, delimiter))
        if problem is None and link is not None:
            problem = _duplicate(link, seen_ids, seen_names)
        if problem:
            problems.append(f"line {number}: {problem}")
        elif link is not None:
            links.append(link)
    if problems:
        more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED else ""
        raise ConfigError(f"{path.name}: " + "; ".join(problems[:MAX_REPORTED]) + more)
    return links


def _cells(line: str, delimiter: str) -> list[str]:
    cells = next(csv.reader([line], delimiter=delimiter), [])
    while cells and not cells[-1].strip():
        cells.pop()  # Excel pads rows with empty columns
    return cells


def _parse(number: int, cells: list[str]) -> tuple[ManualLink | None, str | None]:
    if len(cells) != 2:
        return None, f"expected 2 values (discord_user_id,rsn), found {len(cells)}"
    raw_id, rsn = cells[0].strip(), cells[1].strip()
    if not DISCORD_ID.match(raw_id):
        shown = raw_id if len(raw_id) <= 30 else raw_id[:30] + "..."
        return None, f"discord_user_id {shown!r} is not a Discord user id (15-21 digits)"
    if not RSN.match(rsn):
        return None, f"rsn {rsn!r} is not an in-game name (1-12 letters, digits, spaces, _ or -)"
    return ManualLink(number, int(raw_id), rsn), None


def _duplicate(
    link: ManualLink, seen_ids: dict[int, int], seen_names: dict[str, int]
) -> str | None:
    user = link.discord_user_id
    if user in seen_ids:
        return f"Discord user {user} is already linked on line {seen_ids[user]}"
    key = name_key(link.rsn)
    if key in seen_names:
        return f"{link.rsn!r} is already linked on line {seen_names[key]}"
    seen_ids[user] = link.line
    seen_names[key] = link.line
    return None
