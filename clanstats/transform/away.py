"""Who is away: the rules file's leaves of absence matched to the clan's current members.

An officer writes `absences: [{name, from, until, reason}]` in rules.yaml; a member away today
is kept off the removal list and shown "away until ..." until the day after `until`, when the
absence expires by itself. Names are matched as OSRS matches them (case, space, `_` and `-`
alike) against members' current names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.chat.features import name_key
from clanstats.db.models import Membership, Player
from clanstats.rules import Absence


@dataclass(frozen=True)
class Away:
    """The members away today, and the absences naming no current member."""

    members: dict[int, Absence]
    unknown_names: list[str]


def away_today(session: Session, group_id: int, absences: Sequence[Absence], today: date) -> Away:
    """Match today's absences to current members by name."""
    current = session.execute(
        select(Player.player_id, Player.display_name)
        .join(
            Membership,
            (Membership.group_id == Player.group_id) & (Membership.player_id == Player.player_id),
        )
        .where(Player.group_id == group_id, Membership.left_at.is_(None))
    ).all()
    by_name = {name_key(name): player_id for player_id, name in current}
    members: dict[int, Absence] = {}
    unknown: list[str] = []
    for absence in absences:
        player_id = by_name.get(name_key(absence.name))
        if player_id is None:
            if absence.until >= today:  # an expired absence of someone gone is no news
                unknown.append(absence.name)
        elif absence.covers(today):
            members[player_id] = absence
    return Away(members, sorted(set(unknown), key=str.lower))
