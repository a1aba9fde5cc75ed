"""Milestones: WOM achievements, tenure anniversaries and message-count milestones.

- achievement: every stored WOM achievement, titled with its name, on its clan-time day;
- anniversary: "1 year in the clan", "N years in the clan" for current members, on the date
  (a 29 February join is celebrated on 28 February in other years);
- messages: "1,000 messages" on the day a player's message count over all history reaches it.
Only milestones on or before `today` are kept, so a run for an earlier day shows that day's view.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from clanstats.db.models import Achievement, DailyActivity, Membership, MilestoneEvent
from clanstats.db.state import read_state, write_state
from clanstats.db.upsert import insert_rows
from clanstats.rules import Rules
from clanstats.transform.activity_changes import ActivityChanges, rows_not_yet_counted
from clanstats.transform.gains_query import DEFAULT_TIMEZONE, local_day
from clanstats.util import chunked

TITLE_LENGTH = 120
# transform_state: the `today` and thresholds message milestones were last counted for
MESSAGES_KEY = "message_milestones_through"
PLAYERS_PER_QUERY = 500  # ids per IN (...), well under SQLite's bound-parameter limit
DELETE_CHUNK = 500  # ids per DELETE, well under SQLite's bound-parameter limit

# (player_id, kind, title, occurred_on): what makes a milestone itself
Milestone = tuple[int, str, str, date]


def derive_milestones(
    session: Session,
    *,
    group_id: int,
    today: date,
    rules: Rules,
    timezone: ZoneInfo = DEFAULT_TIMEZONE,
    changes: ActivityChanges | None = None,
) -> dict[str, object]:
    """Replace the group's milestones with the achievements, anniversaries and message counts.

    With `changes` (what this run changed in daily_activity) message milestones are counted
    again only for the players whose messages changed, from their first changed day.
    """
    thresholds = sorted(set(rules.milestones.message_counts))
    state = json.dumps({"through": today.isoformat(), "thresholds": thresholds})
    previous = json.loads(read_state(session, group_id, MESSAGES_KEY) or "null")
    if (
        changes is not None
        and not changes.everything
        and previous is not None
        and previous["thresholds"] == thresholds
        and previous["through"] <= today.isoformat()
    ):
        through = date.fromisoformat(previous["through"])
        messages = _updated_message_milestones(
            session, group_id, thresholds, today, through, changes
        )
    else:
        messages = list(_message_milestones(session, group_id, thresholds, today))
    found = [
        *_achievements(session, group_id, timezone),
        *_anniversaries(session, group_id, rules.milestones.anniversary_years, today, timezone),
        *messages,
    ]
    wanted = sorted({m for m in found if m[3] <= today}, key=lambda m: (m[3], m[0], m[1], m[2]))
    _write(session, group_id, wanted)
    write_state(session, group_id, MESSAGES_KEY, state)
    kinds = Counter(kind for _, kind, _, _ in wanted)
    return {
        "milestones": len(wanted),
        "achievements": kinds["achievement"],
        "anniversaries": kinds["anniversary"],
        "message milestones": kinds["messages"],
    }


def _achievements(session: Session, group_id: int, timezone: ZoneInfo) -> Iterator[Milestone]:
    """Every stored WOM achievement of the group, current and former members alike."""
    rows = session.execute(
        select(Achievement.player_id, Achievement.name, Achievement.achieved_at).where(
            Achievement.group_id == group_id
        )
    )
    for player_id, name, achieved_at in rows:
        yield player_id, "achievement", name[:TITLE_LENGTH], local_day(achieved_at, timezone)


def _anniversaries(
    session: Session, group_id: int, years: Iterable[int], today: date, timezone: ZoneInfo
) -> Iterator[Milestone]:
    """Current members' tenure anniversaries that have come by today."""
    # Counted from the in-game join where the clan sync reported one (as tenure is): a date
    # WOM sends as midnight UTC, so its UTC date; else the clan day WOM listed them.
    rows = session.execute(
        select(Membership.player_id, Membership.in_game_joined_at, Membership.joined_at).where(
            Membership.group_id == group_id,
            Membership.left_at.is_(None),
        )
    )
    for player_id, in_game, joined_at in rows:
        if in_game is not None:
            joined_on = in_game.date()
        elif joined_at is not None:
            joined_on = local_day(joined_at, timezone)
        else:
            continue  # no join date known: no anniversary to count from
        for n in sorted(set(years)):
            on = add_years(joined_on, n)
            if on <= today:
                yield player_id, "anniversary", anniversary_title(n), on


def _message_milestones(
    session: Session,
    group_id: int,
    thresholds: list[int],
    today: date,
    *,
    since: Mapping[int, date] | None = None,
    before: Mapping[int, int] | None = None,
) -> Iterator[Milestone]:
    """The first day each player's running message count reaches each threshold.

    With `since`, only those players, from their day on, counting from `before` (their
    messages before it).
    """
    query = (
        select(DailyActivity.player_id, DailyActivity.day, DailyActivity.messages)
        .where(
            DailyActivity.group_id == group_id,
            DailyActivity.messages > 0,
            DailyActivity.day <= today,
        )
        .order_by(DailyActivity.player_id, DailyActivity.day)
    )
    if since is None:
        chunks: list[Any] = [query]
    else:
        chunks = [
            query.where(
                DailyActivity.player_id.in_(chunk), DailyActivity.day >= min(since.values())
            )
            for chunk in chunked(sorted(since), PLAYERS_PER_QUERY)
        ]
    start = since or {}
    counted = before or {}
    for chunked_query in chunks:
        player, total, pending = None, 0, thresholds
        for player_id, day, messages in session.execute(chunked_query):
            if player_id != player:
                player, total = player_id, counted.get(player_id, 0)
                pending = [t for t in thresholds if t > total]
            if player_id in start and day < start[player_id]:
                continue
            total += messages
            reached = [t for t in pending if t <= total]
            for threshold in reached:
                yield player_id, "messages", message_title(threshold), day
            pending = pending[len(reached) :]


def _updated_message_milestones(
    session: Session,
    group_id: int,
    thresholds: list[int],
    today: date,
    through: date,
    changes: ActivityChanges,
) -> list[Milestone]:
    """The stored message milestones, counted again for the players whose messages changed.

    A player's count before their first changed day is what it was, so the milestones before
    that day stand; from that day on the count goes on from the sum of their earlier messages.
    Days after the last run's `today` that it could not count (then in its future) count as
    changed.
    """
    since: dict[int, date] = {}
    for (player_id, day), change in changes.rows.items():
        if day <= today and change.moved("messages"):
            since[player_id] = min(day, since.get(player_id, day))
    uncounted = rows_not_yet_counted(
        session, group_id, changes, since=through, today=today, where=DailyActivity.messages > 0
    )
    for player_id, day in uncounted:
        since[player_id] = min(day, since.get(player_id, day))
    kept = [
        (player_id, kind, title, on)
        for player_id, kind, title, on in session.execute(
            select(
                MilestoneEvent.player_id,
                MilestoneEvent.kind,
                MilestoneEvent.title,
                MilestoneEvent.occurred_on,
            ).where(MilestoneEvent.group_id == group_id, MilestoneEvent.kind == "messages")
        )
        if player_id not in since or on < since[player_id]
    ]
    if not since:
        return kept
    before = _messages_before(session, group_id, since)
    return kept + list(
        _message_milestones(session, group_id, thresholds, today, since=since, before=before)
    )


def _messages_before(session: Session, group_id: int, since: Mapping[int, date]) -> dict[int, int]:
    """Each player's messages on the days before their `since` day."""
    totals: dict[int, int] = {}
    by_day: dict[date, list[int]] = defaultdict(list)
    for player_id, day in since.items():
        by_day[day].append(player_id)
    for day, players in by_day.items():
        for chunk in chunked(sorted(players), PLAYERS_PER_QUERY):
            totals.update(
                (player_id, total)
                for player_id, total in session.execute(
                    select(DailyActivity.player_id, func.sum(DailyActivity.messages))
                    .where(
                        DailyActivity.group_id == group_id,
                        DailyActivity.player_id.in_(chunk),
                        DailyActivity.day < day,
                    )
                    .group_by(DailyActivity.player_id)
                )
            )
    return {player_id: int(total or 0) for player_id, total in totals.items()}


def add_years(day: date, years: int) -> date:
    """The same date `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def anniversary_title(years: int) -> str:
    """Title an anniversary: "1 year in the clan", "5 years in the clan"."""
    return f"{years} year{'' if years == 1 else 's'} in the clan"


def message_title(count: int) -> str:
    """Title a message milestone: "1 message", "1,000 messages"."""
    return f"{count:,} message{'' if count == 1 else 's'}"


def _write(session: Session, group_id: int, wanted: list[Milestone]) -> None:
    """Make the stored milestones equal `wanted`, touching only what differs.

    The result is the same as delete-all-then-insert, but rows that stay keep their ids, so a
    rerun on unchanged input changes nothing (ids would otherwise move on a PostgreSQL sequence).
    """
    stale: list[int] = []
    kept: set[Milestone] = set()
    wanted_set = set(wanted)
    rows = session.execute(
        select(
            MilestoneEvent.id,
            MilestoneEvent.player_id,
            MilestoneEvent.kind,
            MilestoneEvent.title,
            MilestoneEvent.occurred_on,
        )
        .where(MilestoneEvent.group_id == group_id)
        .order_by(MilestoneEvent.id)
    )
    for row_id, player_id, kind, title, occurred_on in rows:
        milestone = (player_id, kind, title, occurred_on)
        if milestone in wanted_set and milestone not in kept:
            kept.add(milestone)
        else:
            stale.append(row_id)
    for start in range(0, len(stale), DELETE_CHUNK):
        chunk = stale[start : start + DELETE_CHUNK]
        session.execute(delete(MilestoneEvent).where(MilestoneEvent.id.in_(chunk)))
    new = [
        {"group_id": group_id, "player_id": p, "kind": k, "title": t, "occurred_on": on}
        for p, k, t, on in wanted
        if (p, k, t, on) not in kept
    ]
    if new:
        insert_rows(session, MilestoneEvent, new)
