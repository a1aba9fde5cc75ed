"""Clan statistics: what the members were on a day, worked out from their stored snapshots.

For today and for the last day (Sunday) of each of the 52 weeks before it, from the first day
a snapshot was stored: the members that day (as in clan_daily), how many of them had a snapshot
by the day's end (*measured*), and over those members' latest snapshot by then: total XP, EHP
and EHB; maxed accounts (every skill 99) and maxed combat (126); skills at 99 and at 200M; the
average and median total level and combat level. An unknown skill (WOM's -1) counts as level 1.
Account types (regular, ironman, hardcore, ultimate, other) are counted for today only: WOM
says what an account is now, not what it was.

A daily run works out today's row from `current_values` (each member's newest state) and keeps
the weeks' rows, working one out again only when its members changed or a snapshot taken by its
end was stored since the last run (a backfill, or a snapshot WOM took late that day).
"""

from __future__ import annotations

import hashlib
import math
import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clanstats.db.models import (
    ClanStatistics,
    CurrentValue,
    Metric,
    Player,
    Snapshot,
    SnapshotValue,
)
from clanstats.db.replace import replace_rows
from clanstats.db.state import read_keyed, read_state, write_keyed, write_state
from clanstats.rules import Rules
from clanstats.transform.gains_query import week_start
from clanstats.transform.levels import (
    MAX_COMBAT_LEVEL,
    MAX_SKILL_EXPERIENCE,
    MAXED_EXPERIENCE,
    OVERALL,
    combat_level,
    total_level,
)
from clanstats.transform.stays import load_stays, members_on
from clanstats.windows import clan_midnight, local_day

PAST_WEEKS = 52
STATE_KEY = "clan_statistics"  # the newest snapshot id the last run read, and the skills' digest
MEMBERS_KEY = "clan_statistics:"  # + ISO day: a digest of who was counted that day
ACCOUNT_TYPES = ("regular", "ironman", "hardcore", "ultimate")
OTHER_TYPE = "other_type"
TOTALS = {OVERALL: "xp", "ehp": "ehp", "ehb": "ehb"}

State = dict[str, float | None]  # metric name -> value (None: unknown)


@dataclass(frozen=True)
class Measures:
    """The skill and total metrics clan statistics reads, by id."""

    names: Mapping[int, str]  # metric id -> name
    skills: tuple[str, ...]  # every skill but overall

    def digest(self) -> str:
        """A short digest of the skills counted: it changes when WOM adds one."""
        return hashlib.sha256(",".join(self.skills).encode()).hexdigest()[:16]


def derive_clan_statistics(
    session: Session,
    *,
    group_id: int,
    today: date,
    rules: Rules,
    timezone: ZoneInfo,
) -> dict[str, object]:
    """Replace the group's clan_statistics rows; return counts for the run summary."""
    del rules  # the statistics follow no rule
    first = _first_snapshot_day(session, group_id, timezone)
    if first is None or first > today:
        replace_rows(session, ClanStatistics, [], scope=ClanStatistics.group_id == group_id)
        return {"clan statistics days": 0}
    days = sample_days(today, first)
    stays = load_stays(session, group_id)
    members = members_on(stays, days, timezone)
    digests = {day.isoformat(): _digest(found) for day, found in members.items()}
    newest = session.scalar(select(func.max(Snapshot.id)).where(Snapshot.group_id == group_id))
    stored_rows = _stored(session, group_id)
    counted = read_keyed(session, group_id, MEMBERS_KEY)
    measures = _measures(session)
    changed_from = _changed_from(session, group_id, timezone, measures)
    past = [
        day
        for day in days[:-1]
        if day not in stored_rows
        or (changed_from is not None and day >= changed_from)
        or counted.get(day.isoformat()) != digests[day.isoformat()]
    ]
    worked = _from_history(session, group_id, timezone, measures, past, members)
    if _current_values_hold(session, group_id, today, timezone):
        worked[today] = _from_current_values(session, group_id, measures, members[today])
    else:  # a run for a day before the newest snapshot: read history up to today's end
        worked.update(_from_history(session, group_id, timezone, measures, [today], members))
    types = _account_types(session, group_id, members[today])
    rows = []
    for day in days:
        row = worked.get(day) or {**stored_rows[day]}
        row.update(types if day == today else dict.fromkeys((*ACCOUNT_TYPES, OTHER_TYPE)))
        rows.append({"group_id": group_id, "day": day, **row})
    replace_rows(session, ClanStatistics, rows, scope=ClanStatistics.group_id == group_id)
    write_state(
        session, group_id, STATE_KEY, f"{'' if newest is None else newest} {measures.digest()}"
    )
    write_keyed(session, group_id, MEMBERS_KEY, digests)
    return {"clan statistics days": len(rows), "clan statistics worked out": len(worked)}


def sample_days(today: date, first: date) -> list[date]:
    """The Sundays of the 52 weeks before today's, from the first day with data, then today."""
    last_sunday = week_start(today) - timedelta(days=1)
    sundays = [last_sunday - timedelta(weeks=n) for n in range(PAST_WEEKS)]
    return [*sorted(day for day in sundays if day >= first), today]


class DayStatistics:
    """A day's statistics, summed one measured member at a time (no states held)."""

    def __init__(self, members: int, skills: tuple[str, ...]) -> None:
        self.members = members
        self.skills = skills
        self.measured = 0
        self.totals: dict[str, list[float]] = {column: [] for column in TOTALS.values()}
        self.total_levels: list[int] = []
        self.combat_levels: list[int] = []
        self.maxed_total = self.maxed_combat = self.skills_99 = self.skills_200m = 0

    def add(self, state: State) -> None:
        """Count one measured member's state (metric name -> value, None or absent: unknown)."""
        self.measured += 1
        for metric, column in TOTALS.items():
            value = state.get(metric)
            if value is not None:
                self.totals[column].append(value)
        skill_xp = {skill: state.get(skill) for skill in self.skills}
        level = total_level(skill_xp)
        if level is None:
            return  # every skill unknown: no levels to count
        self.total_levels.append(level)
        known = [xp for xp in skill_xp.values() if xp is not None]
        at_99 = sum(1 for xp in known if xp >= MAXED_EXPERIENCE)
        self.skills_99 += at_99
        self.skills_200m += sum(1 for xp in known if xp >= MAX_SKILL_EXPERIENCE)
        self.maxed_total += at_99 == len(self.skills)
        combat = combat_level(skill_xp)
        self.combat_levels.append(combat)
        self.maxed_combat += combat >= MAX_COMBAT_LEVEL

    def row(self) -> dict[str, Any]:
        """The clan_statistics columns (account types aside)."""
        return {
            "members": self.members,
            "measured": self.measured,
            # fsum: exact whatever order the members come in, so a daily run equals a rebuild.
            **{column: math.fsum(values) for column, values in self.totals.items()},
            "maxed_total": self.maxed_total,
            "maxed_combat": self.maxed_combat,
            "skills_99": self.skills_99,
            "skills_200m": self.skills_200m,
            "total_level_average": _average(self.total_levels),
            "total_level_median": _median(self.total_levels),
            "combat_level_average": _average(self.combat_levels),
            "combat_level_median": _median(self.combat_levels),
        }


def _average(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _first_snapshot_day(session: Session, group_id: int, timezone: ZoneInfo) -> date | None:
    first = session.scalar(select(func.min(Snapshot.taken_at)).where(Snapshot.group_id == group_id))
    return local_day(first, timezone) if first is not None else None


def _digest(members: frozenset[int]) -> str:
    return hashlib.sha256(",".join(map(str, sorted(members))).encode()).hexdigest()[:32]


def _changed_from(
    session: Session, group_id: int, timezone: ZoneInfo, measures: Measures
) -> date | None:
    """The first day to work out again: the day of the earliest snapshot stored since the last
    run (None: none), or every day when there was no last run or the skills counted changed (a
    skill WOM added)."""
    # No last run leaves no digest: every day, as when the skills changed.
    newest, _, skills = read_state(session, group_id, STATE_KEY).partition(" ")
    if skills != measures.digest():
        return date.min
    query = select(func.min(Snapshot.taken_at)).where(Snapshot.group_id == group_id)
    if newest:
        query = query.where(Snapshot.id > int(newest))
    earliest = session.scalar(query)
    return local_day(earliest, timezone) if earliest is not None else None


def _stored(session: Session, group_id: int) -> dict[date, dict[str, Any]]:
    columns = [c for c in ClanStatistics.__table__.columns if c.name not in ("group_id", "day")]
    return {
        row.day: {c.name: getattr(row, c.name) for c in columns}
        for row in session.execute(
            select(ClanStatistics.day, *columns).where(ClanStatistics.group_id == group_id)
        )
    }


def _measures(session: Session) -> Measures:
    names = {
        metric_id: name
        for metric_id, name, kind in session.execute(select(Metric.id, Metric.name, Metric.kind))
        if kind == "skill" or name in TOTALS
    }
    skills = tuple(sorted(name for name in names.values() if name not in TOTALS))
    return Measures(names=names, skills=skills)


def _current_values_hold(session: Session, group_id: int, today: date, timezone: ZoneInfo) -> bool:
    """Whether every stored snapshot was taken by today's end (current_values is then today's)."""
    newest = session.scalar(
        select(func.max(Snapshot.taken_at)).where(Snapshot.group_id == group_id)
    )
    return newest is None or newest < clan_midnight(today + timedelta(days=1), timezone)


def _from_current_values(
    session: Session, group_id: int, measures: Measures, members: frozenset[int]
) -> dict[str, Any]:
    """Today's statistics from each member's newest state."""
    states: dict[int, State] = defaultdict(dict)
    for pid, metric_id, value in session.execute(
        select(CurrentValue.player_id, CurrentValue.metric_id, CurrentValue.value).where(
            CurrentValue.group_id == group_id, CurrentValue.metric_id.in_(measures.names)
        )
    ):
        if pid in members:
            states[pid][measures.names[metric_id]] = value
    day = DayStatistics(len(members), measures.skills)
    # Every member with a snapshot is measured, even one whose values here are all unknown.
    measured = session.scalars(
        select(Snapshot.player_id).where(Snapshot.group_id == group_id).distinct()
    )
    for pid in sorted(set(measured) & members):
        day.add(states.get(pid, {}))
    return day.row()


def _from_history(
    session: Session,
    group_id: int,
    timezone: ZoneInfo,
    measures: Measures,
    days: list[date],
    members: Mapping[date, frozenset[int]],
) -> dict[date, dict[str, Any]]:
    """Each day's statistics from every member's snapshots up to its end, in one pass."""
    if not days:
        return {}
    days = sorted(days)
    ends = [clan_midnight(day + timedelta(days=1), timezone) for day in days]
    found = {day: DayStatistics(len(members[day]), measures.skills) for day in days}
    query = (
        select(Snapshot.player_id, Snapshot.taken_at, SnapshotValue.metric_id, SnapshotValue.value)
        .join(
            SnapshotValue,
            (SnapshotValue.snapshot_id == Snapshot.id)
            & SnapshotValue.metric_id.in_(measures.names),
            isouter=True,  # a snapshot with none of these values still counts its member in
        )
        .where(Snapshot.group_id == group_id, Snapshot.taken_at < ends[-1])
        .order_by(Snapshot.player_id, Snapshot.taken_at, Snapshot.id)
    )
    player: int | None = None
    state: State | None = None
    index = 0
    names = measures.names
    never = datetime.max
    next_end = ends[0]  # the end of the next day to record the current player at

    def close_through(limit: datetime | None) -> datetime:
        """Record the current player's state for every day ending at or before `limit`; return
        the end of the next day still to record (datetime.max: none)."""
        nonlocal index
        while index < len(days) and (limit is None or ends[index] <= limit):
            if state is not None and player in members[days[index]]:
                found[days[index]].add(state)
            index += 1
        return ends[index] if index < len(days) else never

    # Core rows, not ORM ones: a year of a big clan is millions of them.
    rows = session.connection().execute(query.execution_options(yield_per=10_000))
    for pid, taken_at, metric_id, value in rows:
        if pid != player:
            close_through(None)
            player, state, index = pid, None, 0
            next_end = ends[0]
        if taken_at >= next_end:  # a day ended before this snapshot: record the state then
            next_end = close_through(taken_at)
        if state is None:
            state = {}
        name = names.get(metric_id)
        if name is not None:
            state[name] = value
    close_through(None)
    return {day: counted.row() for day, counted in found.items()}


def _account_types(
    session: Session, group_id: int, members: frozenset[int]
) -> dict[str, int | None]:
    """Today's members by account type, as WOM lists them."""
    counts = dict.fromkeys((*ACCOUNT_TYPES, OTHER_TYPE), 0)
    for pid, account_type in session.execute(
        select(Player.player_id, Player.account_type).where(Player.group_id == group_id)
    ):
        if pid in members:
            key = account_type if account_type in ACCOUNT_TYPES else OTHER_TYPE
            counts[key] = (counts[key] or 0) + 1
    return dict(counts)
