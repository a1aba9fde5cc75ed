"""Who is away: the rules file's leaves of absence matched to the clan's current members.

An officer writes `absences: [{name, from, until, reason}]` in rules.yaml; a member away today
is kept off the removal list and shown "away until ..." until the day after `until`, when the
absence expires by itself. Names are matched as OSRS matches them (case, space, `_` and `-`
alike) against members' current names, then against the names they had before (WOM's name
changes): an officer who wrote the name a member had when they asked for leave still means
them after a rename. A current name wins over someone else's old one; an old name two current
members have had matches neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from clanstats.rules import Absence
from clanstats.transform.identity import Clan


@dataclass(frozen=True)
class Away:
    """The members away today, and the absences naming no current member."""

    members: dict[int, Absence]
    unknown_names: list[str]


def away_today(clan: Clan, absences: Sequence[Absence], today: date) -> Away:
    """Match today's absences to current members by name (current, else an earlier one)."""
    members: dict[int, Absence] = {}
    unknown: list[str] = []
    for absence in absences:
        player_id = clan.current_member_named(absence.name)
        if player_id is None:
            if absence.until >= today:  # an expired absence of someone gone is no news
                unknown.append(absence.name)
        elif absence.covers(today):
            members[player_id] = absence
    return Away(members, sorted(set(unknown), key=str.lower))
