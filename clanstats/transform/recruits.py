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

from sqlalchemy import DateTime, Integer, column, func, or_, select, values
from sqlalchemy.orm import Session

from clanstats.db.models import (
    DailyActivity,
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
    game, chat = _active_days(session, group_id, recruits, today)
    # Without Discord read, a missing message says nothing: only game progress is asked for.
    discord = session.scalar(
        select(DiscordChannel.channel_id).where(DiscordChannel.group_id == group_id).limit(1)
    )
    rows = [
        recruit_row(
            r,
            [day for day in game.get(r.player_id, []) if _watched(r, day)],
            chat.get(r.player_id, []),
            today,
            discord=discord is not None,
        )
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


def recruit_row(
    recruit: Joined,
    game_days: list[date],
    chat_days: list[date],
    today: date,
    *,
    discord: bool = True,
) -> dict[str, Any]:
    """One recruit's row from their days with a gain and with a message (sorted, from joining)."""
    row: dict[str, Any] = {
        "player_id": recruit.player_id,
        "joined_on": recruit.joined_on,
        "cohort": recruit.joined_on.replace(day=1),
        "left_on": recruit.left_on,
        "first_game_on": game_days[0] if game_days else None,
        "first_message_on": chat_days[0] if chat_days else None,
    }
    active = sorted(set(game_days) | set(chat_days))
    for days in MARKS:
        mark = recruit.joined_on + timedelta(days=days)
        if mark > today:
            row[f"stayed_{days}"] = row[f"active_{days}"] = None
            continue
        stayed = recruit.left_on is None or recruit.left_on > mark
        since = mark - timedelta(days=ACTIVE_WINDOW - 1)
        row[f"stayed_{days}"] = stayed
        seen = any(since <= day <= mark for day in active)
        watched = recruit.watched_from is not None and since >= recruit.watched_from
        row[f"active_{days}"] = (
            False if not stayed else True if seen else False if watched else None
        )
    row["welcome"] = _welcome(recruit, row, today, discord=discord)
    return row


def _watched(recruit: Joined, day: date) -> bool:
    return recruit.watched_from is not None and day >= recruit.watched_from


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


def _active_days(
    session: Session, group_id: int, recruits: list[Joined], today: date
) -> tuple[dict[int, list[date]], dict[int, list[date]]]:
    """Per recruit, the days since joining with a game gain, and those with a message."""
    game: dict[int, list[date]] = defaultdict(list)
    chat: dict[int, list[date]] = defaultdict(list)
    joined = {r.player_id: r.joined_on for r in recruits}
    gained = or_(
        DailyActivity.xp > 0,
        DailyActivity.ehp > 0,
        DailyActivity.ehb > 0,
        DailyActivity.boss_kills > 0,
    )
    for chunk in chunked(sorted(joined), 500):
        for pid, day, played, messages in session.execute(
            select(DailyActivity.player_id, DailyActivity.day, gained, DailyActivity.messages)
            .where(
                DailyActivity.group_id == group_id,
                DailyActivity.player_id.in_(chunk),
                DailyActivity.day >= min(joined[p] for p in chunk),
                DailyActivity.day <= today,
                or_(gained, DailyActivity.messages > 0),
            )
            .order_by(DailyActivity.player_id, DailyActivity.day)
        ):
            if day < joined[pid]:
                continue  # before their latest join
            if played:
                game[pid].append(day)
            if messages > 0:
                chat[pid].append(day)
    return game, chat
