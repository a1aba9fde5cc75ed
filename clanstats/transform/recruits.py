"""Recruits: how members who joined went on, one by one and in monthly cohorts.

A recruit is a member (current or former) with a known join day (the tenure start in
member_status: the in-game join from WOM's clan sync, else when WOM listed them), except the
founding roster: members WOM listed on or before the day the clan registered on WOM, with no
in-game join date, joined at some unknown time before. A member who left and came back counts
from their latest join.

For 30, 90 and 180 days after joining, once that day has come: *stayed* when they had not left
by then, *active* when they stayed and had any XP, EHP, EHB, boss kill or message in the 30 days
up to it. Not active needs evidence: ClanStats sees a recruit's game only from the day after
their first stored snapshot on or after their (latest) join day, so a quiet window that starts
earlier is unknown (None), as for a member who joined years before the history ClanStats has.
A gain credited before that day is no game progress either: it runs from a snapshot taken
before they joined (WOM's history, or their earlier stay), so it may all be play from outside
the clan.

Cohorts are the recruits of a calendar month (clan time). A current member who joined in the
last 30 days and has not yet said anything on Discord, or not yet gained anything in the game,
is on the list to welcome, with what is still missing (a clan whose Discord ClanStats has never
read is asked only about game progress).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    and_,
    case,
    column,
    func,
    insert,
    or_,
    select,
    values,
)
from sqlalchemy.orm import Session

from clanstats.db.models import (
    DailyActivity,
    DayNumber,
    DiscordChannel,
    MemberStatus,
    Recruit,
    RecruitCohort,
    Snapshot,
    WomGroup,
)
from clanstats.db.replace import replace_rows
from clanstats.rules import Rules
from clanstats.transform.status import CLAN_SYNC
from clanstats.util import chunked
from clanstats.windows import clan_midnight, local_day

MARKS = (30, 90, 180)  # days after joining
ACTIVE_WINDOW = 30  # active at a mark: any activity in these many days up to it
WELCOME_DAYS = 30  # joined fewer days ago than this: still a new recruit to welcome


@dataclass(frozen=True)
class Joined:
    """A recruit as member_status has them."""

    player_id: int
    joined_on: date
    left_on: date | None
    watched_from: date | None = None  # the first day a gain since joining could be seen: the
    # day after their first snapshot on or after the join day (None: no such snapshot yet)


def derive_recruits(
    session: Session,
    *,
    group_id: int,
    today: date,
    rules: Rules,
    timezone: ZoneInfo,
) -> dict[str, object]:
    """Replace the group's recruits and recruit_cohorts rows; return counts for the summary."""
    del rules  # no rule shapes these
    recruits = _recruits(session, group_id, today, timezone)
    days = _recruit_days(session, group_id, recruits, today)
    # Without Discord read, a missing message says nothing: only game progress is asked for.
    discord = session.scalar(
        select(DiscordChannel.channel_id).where(DiscordChannel.group_id == group_id).limit(1)
    )
    rows = [
        recruit_row(r, days.get(r.player_id, NO_DAYS), today, discord=discord is not None)
        for r in recruits
    ]
    replace_rows(
        session,
        Recruit,
        [{"group_id": group_id, **row} for row in rows],
        scope=Recruit.group_id == group_id,
    )
    cohorts = cohort_rows(rows)
    replace_rows(
        session,
        RecruitCohort,
        [{"group_id": group_id, **row} for row in cohorts],
        scope=RecruitCohort.group_id == group_id,
    )
    welcome = sum(1 for row in rows if row["welcome"])
    return {"recruits": len(rows), "recruits to welcome": welcome}


@dataclass(frozen=True)
class RecruitDays:
    """What a recruit's days since joining say: their first day with a game gain (once their
    game is watched, see `Joined.watched_from`), their first with a message, and the marks
    (days after joining) with an active day in the 30 days up to them."""

    first_game_on: date | None = None
    first_message_on: date | None = None
    active_at: frozenset[int] = frozenset()


NO_DAYS = RecruitDays()


def recruit_row(
    recruit: Joined, days: RecruitDays, today: date, *, discord: bool = True
) -> dict[str, Any]:
    """One recruit's row from what their days since joining say."""
    row: dict[str, Any] = {
        "player_id": recruit.player_id,
        "joined_on": recruit.joined_on,
        "cohort": recruit.joined_on.replace(day=1),
        "left_on": recruit.left_on,
        "first_game_on": days.first_game_on,
        "first_message_on": days.first_message_on,
    }
    for mark_days in MARKS:
        mark = recruit.joined_on + timedelta(days=mark_days)
        if mark > today:
            row[f"stayed_{mark_days}"] = row[f"active_{mark_days}"] = None
            continue
        stayed = recruit.left_on is None or recruit.left_on > mark
        since = mark - timedelta(days=ACTIVE_WINDOW - 1)
        row[f"stayed_{mark_days}"] = stayed
        seen = mark_days in days.active_at
        watched = recruit.watched_from is not None and since >= recruit.watched_from
        row[f"active_{mark_days}"] = (
            False if not stayed else True if seen else False if watched else None
        )
    row["welcome"] = _welcome(recruit, row, today, discord=discord)
    return row


def cohort_rows(recruits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each month's counts from its recruits' rows."""
    by_month: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for row in recruits:
        by_month[row["cohort"]].append(row)
    cohorts = []
    for month, rows in sorted(by_month.items()):
        cohort: dict[str, Any] = {
            "month": month,
            "recruits": len(rows),
            "still_in": sum(1 for row in rows if row["left_on"] is None),
        }
        for days in MARKS:
            cohort[f"reached_{days}"] = sum(1 for row in rows if row[f"stayed_{days}"] is not None)
            cohort[f"stayed_{days}"] = sum(1 for row in rows if row[f"stayed_{days}"])
            cohort[f"active_{days}"] = sum(1 for row in rows if row[f"active_{days}"])
            cohort[f"unknown_{days}"] = sum(
                1 for row in rows if row[f"stayed_{days}"] and row[f"active_{days}"] is None
            )
        cohorts.append(cohort)
    return cohorts


def _welcome(recruit: Joined, row: dict[str, Any], today: date, *, discord: bool) -> str | None:
    """Why a new recruit should be welcomed; None when they needn't be."""
    if recruit.left_on is not None or (today - recruit.joined_on).days >= WELCOME_DAYS:
        return None
    firsts = {"no message": "first_message_on"} if discord else {}
    firsts["no game progress"] = "first_game_on"
    missing = [what for what, first in firsts.items() if row[first] is None]
    return " and ".join(missing) + " yet" if missing else None


def _recruits(session: Session, group_id: int, today: date, timezone: ZoneInfo) -> list[Joined]:
    registered = session.scalar(select(WomGroup.wom_created_at).where(WomGroup.id == group_id))
    founded = local_day(registered, timezone) if registered is not None else None
    found = []
    for pid, joined_on, source, left_on in session.execute(
        select(
            MemberStatus.player_id,
            MemberStatus.joined_on,
            MemberStatus.tenure_source,
            MemberStatus.left_on,
        )
        .where(MemberStatus.group_id == group_id, MemberStatus.joined_on <= today)
        .order_by(MemberStatus.player_id)
    ):
        if joined_on is None:
            continue  # the where clause leaves none out; this tells the type checker
        if source != CLAN_SYNC and founded is not None and joined_on <= founded:
            continue  # the founding roster: WOM's listing is the registration, not a join
        found.append(Joined(pid, joined_on, left_on))
    watched = _first_snapshot_days_since_joining(session, group_id, found, timezone)
    return [replace(r, watched_from=watched.get(r.player_id)) for r in found]


def _first_snapshot_days_since_joining(
    session: Session, group_id: int, recruits: list[Joined], timezone: ZoneInfo
) -> dict[int, date]:
    """Per recruit, the day after their first snapshot taken on or after their join day."""
    found: dict[int, date] = {}
    for chunk in chunked(recruits, 500):
        # One seek per recruit on the (group, player, taken_at) index, each from its own join.
        joins = (
            values(column("player_id", Integer), column("since", DateTime), name="joins")
            .data([(r.player_id, clan_midnight(r.joined_on, timezone)) for r in chunk])
            .cte("joins")
        )
        first = (
            select(func.min(Snapshot.taken_at))
            .where(
                Snapshot.group_id == group_id,
                Snapshot.player_id == joins.c.player_id,
                Snapshot.taken_at >= joins.c.since,
            )
            .scalar_subquery()
        )
        for pid, taken_at in session.execute(select(joins.c.player_id, first)):
            if taken_at is not None:
                found[pid] = local_day(taken_at, timezone) + timedelta(days=1)
    return found


def _recruit_days(
    session: Session, group_id: int, recruits: list[Joined], today: date
) -> dict[int, RecruitDays]:
    """Per recruit, what their days since joining say (see `RecruitDays`), worked out by the
    database in one pass over the days since the earliest join.

    The recruits' join days, watched days and marks go into a temporary table that the pass
    looks each day's member up in: a year of active days per recruit never reaches Python.
    """
    if not recruits:
        return {}
    marks = Table(
        "recruit_marks",
        MetaData(),
        Column("player_id", Integer, primary_key=True),
        Column("joined", DayNumber),
        Column("watched", DayNumber),
        *(
            edge
            for days in MARKS
            for edge in (Column(f"from_{days}", DayNumber), Column(f"mark_{days}", DayNumber))
        ),
        prefixes=["TEMPORARY"],
    )
    connection = session.connection()
    marks.create(connection)
    session.execute(insert(marks), [_marks_row(r) for r in recruits])
    day = DailyActivity.day
    played = or_(
        DailyActivity.xp > 0,
        DailyActivity.ehp > 0,
        DailyActivity.ehb > 0,
        DailyActivity.boss_kills > 0,
    )
    # Watched days begin after the join: a watched game day is one since joining.
    game = and_(played, day >= marks.c.watched)
    chat = and_(DailyActivity.messages > 0, day >= marks.c.joined)
    active_at = [
        func.max(
            case(
                (
                    day.between(marks.c[f"from_{days}"], marks.c[f"mark_{days}"]) & or_(game, chat),
                    1,
                ),
                else_=0,
            )
        )
        for days in MARKS
    ]
    rows = session.execute(
        select(
            marks.c.player_id,
            func.min(case((game, day))),
            func.min(case((chat, day))),
            *active_at,
        )
        .join_from(DailyActivity, marks, marks.c.player_id == DailyActivity.player_id)
        .where(
            DailyActivity.group_id == group_id,
            day >= min(r.joined_on for r in recruits),
            day <= today,
            or_(played, DailyActivity.messages > 0),
        )
        .group_by(marks.c.player_id)
    ).all()
    # Dropped once read; on an error the transaction's rollback takes it away (PostgreSQL
    # refuses any statement after an error until then).
    marks.drop(connection)
    return {
        pid: RecruitDays(
            first_game,
            first_message,
            frozenset(days for days, seen in zip(MARKS, seen_at, strict=True) if seen),
        )
        for pid, first_game, first_message, *seen_at in rows
    }


def _marks_row(recruit: Joined) -> dict[str, Any]:
    """A recruit's row of the temporary marks table."""
    row: dict[str, Any] = {
        "player_id": recruit.player_id,
        "joined": recruit.joined_on,
        "watched": recruit.watched_from,
    }
    for days in MARKS:
        mark = recruit.joined_on + timedelta(days=days)
        row[f"from_{days}"] = mark - timedelta(days=ACTIVE_WINDOW - 1)
        row[f"mark_{days}"] = mark
    return row
