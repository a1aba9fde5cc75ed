"""The officers' people file (`people.csv`): which accounts are one player's alts.

One line per alt: `alt,main`, the alt's in-game name and its main account's. A person is a
main and its alts; an account on no line is a person of its own. An alt has one main, and a
main is nobody's alt (no chains: name the main itself). Read as `officer_csv` reads the
officers' files: every mistake is reported with its line number, and the file is used whole or
not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clanstats.chat.features import RSN, name_key
from clanstats.transform.officer_csv import read_lines

HEADER = ("alt", "main")
EXAMPLE = "people.example.csv"


@dataclass(frozen=True)
class AltLink:
    """One line of the people file: an alt account and its main."""

    line: int
    alt: str
    main: str


def read_people_file(path: Path) -> list[AltLink]:
    """Read and validate the file; a missing file means nobody has alts."""
    alt_lines: dict[str, int] = {}
    main_lines: dict[str, int] = {}

    def read_line(number: int, cells: list[str]) -> AltLink | str:
        link = _parse(number, cells)
        return link if isinstance(link, str) else _conflict(link, alt_lines, main_lines) or link

    return read_lines(path, HEADER, EXAMPLE, read_line)


def _parse(number: int, cells: list[str]) -> AltLink | str:
    if len(cells) != len(HEADER):
        return f"expected 2 values (alt,main), found {len(cells)}"
    alt, main = cells[0].strip(), cells[1].strip()
    for column, name in (("alt", alt), ("main", main)):
        if not RSN.match(name):
            return (
                f"{column} {name!r} is not an in-game name (1-12 letters, digits, spaces, _ or -)"
            )
    if name_key(alt) == name_key(main):
        return f"{alt!r} is named as its own alt; write its main account's name second"
    return AltLink(number, alt, main)


def _conflict(link: AltLink, alt_lines: dict[str, int], main_lines: dict[str, int]) -> str | None:
    """Why a line can't stand with the lines before it: an alt twice, or a chain of mains."""
    alt, main = name_key(link.alt), name_key(link.main)
    if alt in alt_lines:
        return f"{link.alt!r} is already an alt on line {alt_lines[alt]}; an alt has one main"
    if alt in main_lines:
        return (
            f"{link.alt!r} is a main on line {main_lines[alt]}; "
            "give its alts this line's main instead"
        )
    if main in alt_lines:
        return f"{link.main!r} is an alt on line {alt_lines[main]}; name that alt's main instead"
    alt_lines[alt] = link.line
    main_lines.setdefault(main, link.line)
    return None
