"""The officers' identity file (`identity.csv`): Discord user id -> in-game name, one per line.

Read as `officer_csv` reads the officers' files: every mistake is reported with its line
number, and the file is used whole or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from clanstats.chat.features import RSN, name_key
from clanstats.transform.officer_csv import read_lines

HEADER = ("discord_user_id", "rsn")
DISCORD_ID = re.compile(r"^\d{15,21}$")


@dataclass(frozen=True)
class ManualLink:
    """One line of the identity file."""

    line: int
    discord_user_id: int
    rsn: str


def read_identity_file(path: Path) -> list[ManualLink]:
    """Read and validate the file; a missing file means no manual links."""
    seen_ids: dict[int, int] = {}
    seen_names: dict[str, int] = {}

    def read_line(number: int, cells: list[str]) -> ManualLink | str:
        link = _parse(number, cells)
        return link if isinstance(link, str) else _duplicate(link, seen_ids, seen_names) or link

    return read_lines(path, HEADER, "identity.example.csv", read_line)


def _parse(number: int, cells: list[str]) -> ManualLink | str:
    if len(cells) != 2:
        return f"expected 2 values (discord_user_id,rsn), found {len(cells)}"
    raw_id, rsn = cells[0].strip(), cells[1].strip()
    if not DISCORD_ID.match(raw_id):
        shown = raw_id if len(raw_id) <= 30 else raw_id[:30] + "..."
        return f"discord_user_id {shown!r} is not a Discord user id (15-21 digits)"
    if not RSN.match(rsn):
        return f"rsn {rsn!r} is not an in-game name (1-12 letters, digits, spaces, _ or -)"
    return ManualLink(number, int(raw_id), rsn)


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
