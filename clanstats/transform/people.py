"""People: the people file's alts matched to the clan's current members.

A line counts when both its accounts are current members, matched by name as leaves of
absence are (`Clan.current_member_named`: the current name, else a name the member had before).
A line naming no current member is reported by name so officers can fix the file; a line
whose names turn out (after renames) to name an account an earlier line already has, or one
account twice, is reported by its line and left out: the earlier line wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from clanstats.transform.identity import Clan
from clanstats.transform.people_file import AltLink


@dataclass(frozen=True)
class People:
    """Which current members are whose alts."""

    main_of: dict[int, int] = field(default_factory=dict)  # alt's player id -> main's
    unmatched: list[str] = field(default_factory=list)  # names that are no current member's
    repeated: list[str] = field(default_factory=list)  # lines naming accounts already named


def match_people(clan: Clan, links: Sequence[AltLink]) -> People:
    """Match the people file's lines to current members (see the module docstring)."""
    main_of: dict[int, int] = {}
    unmatched: list[str] = []
    repeated: list[str] = []
    for link in links:
        alt = clan.current_member_named(link.alt)
        main = clan.current_member_named(link.main)
        if alt is None or main is None:
            unmatched += [name for name, pid in ((link.alt, alt), (link.main, main)) if pid is None]
        elif alt == main or alt in main_of or alt in main_of.values() or main in main_of:
            repeated.append(
                f"line {link.line} ({link.alt},{link.main}): names an account already named "
                "(after a rename)"
            )
        else:
            main_of[alt] = main
    return People(main_of, sorted(set(unmatched), key=str.lower), repeated)
