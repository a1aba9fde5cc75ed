"""Members' stays in the clan: when each was in it, and when they were away.

WOM's group activity feed records every join and leave (`membership_events`); the
`memberships` row holds the current stay. A member is *away* from a leave until their next
join, and for good once they have left: nothing they gain or say while away is credited to them.
Before a member's first known join nothing is cut: WOM's join date is when WOM added them to the
group, which for a clan new to WOM is only the day it registered.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.db.models import Membership, MembershipEvent
from clanstats.db.state import read_keyed, write_keyed
from clanstats.windows import local_day

# (start, end) of a stay or an absence, naive UTC; None: open at that end.
Span = tuple[datetime | None, datetime | None]


@dataclass(frozen=True)
class Stays:
    """One player's stays in the clan, oldest first."""

    periods: tuple[Span, ...]

    @cached_property
    def absences(self) -> tuple[tuple[datetime, datetime | None], ...]:
        """The spans between a leave and the next join (open when they have left)."""
        # Cached: asked for every day of every member in some derivations.
        gaps: list[tuple[datetime, datetime | None]] = []
        for (_, left), following in zip(self.periods, (*self.periods[1:], None), strict=True):
            if left is not None:
                gaps.append((left, following[0] if following is not None else None))
        return tuple(gaps)

    @property
    def first_joined(self) -> datetime | None:
        """When they first joined, as far as WOM says; None when unknown."""
        return self.periods[0][0] if self.periods else None

    def away_at(self, moment: datetime) -> bool:
        """Whether they were out of the clan at this moment (after a leave, before a return)."""
        return any(start < moment and (end is None or moment < end) for start, end in self.absences)

    def away_on(self, day: date, timezone: ZoneInfo) -> bool:
        """Whether they were out of the clan all that clan day (leave and return days count)."""
        return any(
            local_day(start, timezone) < day and (end is None or day < local_day(end, timezone))
            for start, end in self.absences
        )

    def separates(self, before: datetime | None, after: datetime) -> bool:
        """Whether an absence lies between two moments, or `after` falls inside one.

        A rise measured across such a span mixes what they did while away with what they did
        in the clan, so none of it is credited.
        """
        if before is None:
            return self.away_at(after)
        return any(start < after and (end is None or end > before) for start, end in self.absences)

    def fingerprint(self) -> str:
        """A short digest of the absences: it changes when a leave or a return is learnt."""
        return hashlib.sha256(repr(self.absences).encode()).hexdigest()[:32]


NO_STAYS = Stays(())
ABSENCES_KEY = "absences:"  # + player id: a transform_state row per player with absences


def load_stays(session: Session, group_id: int) -> dict[int, Stays]:
    """Every player's stays, from the activity feed's joins and leaves and the roster."""
    events: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for player_id, kind, occurred in session.execute(
        select(MembershipEvent.player_id, MembershipEvent.kind, MembershipEvent.occurred_at).where(
            MembershipEvent.group_id == group_id, MembershipEvent.kind.in_(("joined", "left"))
        )
    ):
        events[player_id].append((occurred, kind))
    rows = session.execute(
        select(Membership.player_id, Membership.joined_at, Membership.left_at).where(
            Membership.group_id == group_id
        )
    ).all()
    stays: dict[int, Stays] = {}
    for player_id, joined, left in rows:
        periods = _from_events(sorted(events.pop(player_id, [])))
        stays[player_id] = Stays(tuple(_with_roster(periods, joined, left)))
    for player_id, history in events.items():  # feed events of players never on the roster
        stays[player_id] = Stays(tuple(_from_events(sorted(history))))
    return stays


def members_on(
    stays: Mapping[int, Stays], days: list[date], timezone: ZoneInfo
) -> dict[date, frozenset[int]]:
    """The players in the clan at the end of each clan day (a leave that day counts as gone)."""
    spans = [
        (
            pid,
            local_day(start, timezone) if start is not None else date.min,
            local_day(end, timezone) if end is not None else date.max,
        )
        for pid, player in stays.items()
        for start, end in player.periods
    ]
    return {day: frozenset(pid for pid, start, end in spans if start <= day < end) for day in days}


def _from_events(events: list[tuple[datetime, str]]) -> list[Span]:
    """Stays from time-ordered joins and leaves; a leave without a join starts unknown."""
    periods: list[Span] = []
    open_since: datetime | None = None
    is_open = False
    for moment, kind in events:
        if kind == "joined" and not is_open:
            open_since, is_open = moment, True
        elif kind == "left":
            if is_open or not periods or periods[-1][1] is not None:
                periods.append((open_since if is_open else None, moment))
            is_open = False
    if is_open:
        periods.append((open_since, None))
    return periods


def _with_roster(periods: list[Span], joined: datetime | None, left: datetime | None) -> list[Span]:
    """Reconcile the feed's stays with the roster's current stay (the roster is the latest)."""
    if not periods:
        return [(joined, left)]
    last_start, last_end = periods[-1]
    if last_start is None and joined is not None and (last_end is None or joined <= last_end):
        # The feed reached only the leave; the roster knew when that stay began.
        last_start = joined
        periods[-1] = (last_start, last_end)
    if left is None:
        if last_end is not None and joined is not None and joined >= last_end:
            periods.append((joined, None))  # came back: the roster knows before the feed says
        elif last_end is not None and (joined is None or joined < last_end):
            periods[-1] = (last_start, None)  # the roster says they are in; trust it
    elif last_end is None:
        periods[-1] = (last_start, left)  # gone by this run; the feed hasn't said when yet
    return periods


def changed_absences(session: Session, group_id: int, stays: dict[int, Stays]) -> set[int]:
    """Players whose absences differ from what the last transform used."""
    stored = _stored_absences(session, group_id)
    current = _absence_digests(stays)
    return {
        int(pid) for pid in stored.keys() | current.keys() if stored.get(pid) != current.get(pid)
    }


def remember_absences(session: Session, group_id: int, stays: dict[int, Stays]) -> None:
    """Store each player's absence digest (in the caller's transaction) for the next run."""
    write_keyed(session, group_id, ABSENCES_KEY, _absence_digests(stays))


def _absence_digests(stays: dict[int, Stays]) -> dict[str, str]:
    return {str(pid): s.fingerprint() for pid, s in stays.items() if s.absences}


def _stored_absences(session: Session, group_id: int) -> dict[str, str]:
    return read_keyed(session, group_id, ABSENCES_KEY)
