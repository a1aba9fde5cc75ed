"""People: the people file's alts matched to the clan's current members.

A line counts when both its accounts are current members, matched by name as leaves of
absence are (`Clan.current_member_named`: the current name, else a name the member had before).
A line naming no current member is reported by name so officers can fix the file; a line
whose names turn out to be one account, or that would chain mains after renames, is reported
the same way and left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from clanstats.transform.identity import Clan
from clanstats.transform.people_file import AltLink


@dataclass(frozen=True)
class People:
    """Which current members are whose alts."""

    main_of: dict[int, int] = field(default_factory=dict)  # alt's player id -> main's
    unmatched: list[str] = field(default_factory=list)  # names of lines left out

    def person_of(self, player_id: int) -> int:
        """The player id a person goes by: their main's."""
        return self.main_of.get(player_id, player_id)

    def accounts(self) -> dict[int, set[int]]:
        """Each person with alts: main -> every account (the main included)."""
        found: dict[int, set[int]] = defaultdict(set)
        for alt, main in self.main_of.items():
            found[main] |= {main, alt}
        return dict(found)


def match_people(clan: Clan, links: Sequence[AltLink]) -> People:
    """Match the people file's lines to current members (see the module docstring)."""
    main_of: dict[int, int] = {}
    unmatched: list[str] = []
    for link in links:
        alt = clan.current_member_named(link.alt)
        main = clan.current_member_named(link.main)
        if alt is None or main is None:
            unmatched += [name for name, pid in ((link.alt, alt), (link.main, main)) if pid is None]
        elif alt == main or alt in main_of or alt in main_of.values() or main in main_of:
            unmatched.append(link.alt)  # renames made two lines name one account
        else:
            main_of[alt] = main
    return People(main_of, sorted(set(unmatched), key=str.lower))
