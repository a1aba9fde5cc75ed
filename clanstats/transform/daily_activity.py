"""Daily activity per member: the day's game gains next to their Discord messages.

A day is recomputed only when new snapshots or new messages touch it. When the identity links
change (an officer edits identity.csv, a rename is matched), whose messages are whose changes
too, so every day is recomputed once; when a leave or a return is learnt, the days from it on.
Nothing a member says or does while out of the clan (see `stays`) is credited to them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from clanstats.chat.features import name_key
from clanstats.chat.snowflakes import snowflake_at, snowflake_time
from clanstats.db.models import (
    DailyActivity,
    DailyGain,
    DiscordMessage,
    IdentityLink,
    Metric,
    RelayName,
    Snapshot,
)
from clanstats.db.replace import diff_rows, write_diff
from clanstats.db.state import read_state, write_state
from clanstats.transform.activity_changes import ActivityChanges
from clanstats.transform.stays import NO_STAYS, Stays
from clanstats.util import chunked
from clanstats.windows import local_day

MESSAGE_WATERMARK = "last_message_id"
IDENTITY_FINGERPRINT = "identity_fingerprint"
GAME_COLUMNS = ("xp", "ehp", "ehb", "boss_kills")
DAYS_PER_REBUILD = 31


@dataclass
class Speakers:
    """Who a message counts for: Discord users and relay names resolved to players."""

    by_user: dict[int, int]
    by_relay_name: dict[str, int]

    def player_of(self, author_id: int | None, relay_name: str | None) -> int | None:
        """The player a message belongs to, None when nobody is linked."""
        if relay_name is not None:
            return self.by_relay_name.get(name_key(relay_name))
        return self.by_user.get(author_id) if author_id is not None else None

    def fingerprint(self) -> str:
        """A digest that changes whenever any link changes."""
        text = repr((sorted(self.by_user.items()), sorted(self.by_relay_name.items())))
        return hashlib.sha256(text.encode()).hexdigest()


def update_daily_activity(
    session: Session,
    group_id: int,
    timezone: ZoneInfo,
    game_days: Iterable[tuple[int, date]],
    stays: Mapping[int, Stays],
    changed_stays: AbstractSet[int] = frozenset(),
) -> tuple[int, ActivityChanges]:
    """Recompute the days touched by new snapshots, messages or stays; return how many days,
    and which rows changed."""
    changes = ActivityChanges()
    speakers = _speakers(session, group_id)
    days = {day for _, day in game_days}
    if changed_stays:
        days |= _days_since_absences(session, group_id, timezone, stays, changed_stays)
    watermark = int(read_state(session, group_id, MESSAGE_WATERMARK, "0"))
    newest = session.scalar(
        select(func.max(DiscordMessage.message_id)).where(DiscordMessage.group_id == group_id)
    )
    if read_state(session, group_id, IDENTITY_FINGERPRINT) != speakers.fingerprint():
        days |= _every_day(session, group_id, timezone)
    elif newest is not None and newest > watermark:
        days |= _message_days(session, group_id, timezone, after_id=watermark)
    # A month of days at a time keeps memory flat on a first run over years of history.
    for chunk in chunked(sorted(days), DAYS_PER_REBUILD):
        _rebuild_days(session, group_id, timezone, list(chunk), speakers, stays, changes)
    write_state(session, group_id, IDENTITY_FINGERPRINT, speakers.fingerprint())
    if newest is not None:
        write_state(session, group_id, MESSAGE_WATERMARK, str(newest))
    return len(days), changes


def _speakers(session: Session, group_id: int) -> Speakers:
    users = dict(
        session.execute(
            select(IdentityLink.discord_user_id, IdentityLink.player_id).where(
                IdentityLink.group_id == group_id
            )
        ).all()
    )
    relay = {
        key: pid
        for key, pid in session.execute(
            select(RelayName.name_key, RelayName.player_id).where(RelayName.group_id == group_id)
        )
        if pid is not None
    }
    return Speakers(by_user=users, by_relay_name=relay)


def _every_day(session: Session, group_id: int, timezone: ZoneInfo) -> set[date]:
    """Every day with a snapshot or a message."""
    days = _message_days(session, group_id, timezone, after_id=0)
    first, last = session.execute(
        select(func.min(Snapshot.taken_at), func.max(Snapshot.taken_at)).where(
            Snapshot.group_id == group_id
        )
    ).one()
    if first is not None:
        day, end = local_day(first, timezone), local_day(last, timezone)
        while day <= end:
            days.add(day)
            day += timedelta(days=1)
    return days


def _days_since_absences(
    session: Session,
    group_id: int,
    timezone: ZoneInfo,
    stays: Mapping[int, Stays],
    players: AbstractSet[int],
) -> set[date]:
    """The days with data from the earliest absence of these players on (every day if unknown)."""
    starts = [start for pid in players for start, _ in stays.get(pid, NO_STAYS).absences]
    every = _every_day(session, group_id, timezone)
    if any(not stays.get(pid, NO_STAYS).absences for pid in players) or not starts:
        return every  # an absence was withdrawn: its days may hold anything
    first = local_day(min(starts), timezone)
    return {day for day in every if day >= first}


def _message_days(
    session: Session, group_id: int, timezone: ZoneInfo, *, after_id: int
) -> set[date]:
    ids = session.scalars(
        select(DiscordMessage.message_id).where(
            DiscordMessage.group_id == group_id, DiscordMessage.message_id > after_id
        )
    )
    return {local_day(snowflake_time(message_id), timezone) for message_id in ids}


def _utc_bounds(days: list[date], timezone: ZoneInfo) -> tuple[datetime, datetime]:
    """The naive UTC span from the start of the first day to the end of the last (clan time)."""
    start = datetime.combine(days[0], time(), timezone).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(days[-1] + timedelta(days=1), time(), timezone)
    return start, end.astimezone(UTC).replace(tzinfo=None)


def _rebuild_days(
    session: Session,
    group_id: int,
    timezone: ZoneInfo,
    days: list[date],
    speakers: Speakers,
    stays: Mapping[int, Stays],
    changes: ActivityChanges,
) -> None:
    """Replace the daily_activity rows of these days with freshly computed ones, writing (and
    noting in `changes`) only the rows that differ."""
    wanted = set(days)
    rows: dict[tuple[int, date], dict[str, Any]] = {}

    def row(player_id: int, day: date) -> dict[str, Any]:
        return rows.setdefault(
            (player_id, day),
            {
                "group_id": group_id,
                "player_id": player_id,
                "day": day,
                "xp": None,
                "ehp": None,
                "ehb": None,
                "boss_kills": None,
                "messages": 0,
                "questions": 0,
                "answers": 0,
            },
        )

    start, end = _utc_bounds(days, timezone)
    for player_id, taken_at in session.execute(
        select(Snapshot.player_id, Snapshot.taken_at).where(
            Snapshot.group_id == group_id, Snapshot.taken_at >= start, Snapshot.taken_at < end
        )
    ):
        day = local_day(taken_at, timezone)
        if day in wanted and not stays.get(player_id, NO_STAYS).away_at(taken_at):
            entry = row(player_id, day)
            for column in GAME_COLUMNS:
                entry[column] = entry[column] or 0.0  # a snapshot that day: gains are known
    _add_game_gains(session, group_id, days, row)
    _add_chat(session, group_id, timezone, days, wanted, speakers, stays, row)
    diff = diff_rows(
        session,
        DailyActivity,
        list(rows.values()),
        scope=and_(DailyActivity.group_id == group_id, DailyActivity.day.in_(days)),
    )
    write_diff(session, diff)
    for entry in (*diff.new, *diff.changed):
        changes.add(
            entry["player_id"],
            entry["day"],
            diff.stored.get(diff.key_of(entry)),
            diff.values_of(entry),
        )
    for key in diff.gone:
        gone = dict(zip(diff.keys, key, strict=True))
        changes.add(gone["player_id"], gone["day"], diff.stored[key], None)


def _add_game_gains(session: Session, group_id: int, days: list[date], row: Any) -> None:
    names = dict(session.execute(select(Metric.id, Metric.name)).all())
    boss_ids = set(session.scalars(select(Metric.id).where(Metric.kind == "boss")))
    column_of = {"overall": "xp", "ehp": "ehp", "ehb": "ehb"}
    for chunk in chunked(days, 500):
        for player_id, day, metric_id, gained in session.execute(
            select(DailyGain.player_id, DailyGain.day, DailyGain.metric_id, DailyGain.gained).where(
                DailyGain.group_id == group_id, DailyGain.day.in_(chunk)
            )
        ):
            column = (
                "boss_kills" if metric_id in boss_ids else column_of.get(names.get(metric_id, ""))
            )
            if column is not None:
                entry = row(player_id, day)
                entry[column] = (entry[column] or 0.0) + gained


def _add_chat(
    session: Session,
    group_id: int,
    timezone: ZoneInfo,
    days: list[date],
    wanted: set[date],
    speakers: Speakers,
    stays: Mapping[int, Stays],
    row: Any,
) -> None:
    """Count each player's messages, questions and answers to others' questions per day."""
    start, end = _utc_bounds(days, timezone)
    messages = session.execute(
        select(
            DiscordMessage.message_id,
            DiscordMessage.author_id,
            DiscordMessage.relay_name,
            DiscordMessage.is_question,
            DiscordMessage.reply_to_message_id,
        ).where(
            DiscordMessage.group_id == group_id,
            DiscordMessage.message_id >= snowflake_at(start),
            DiscordMessage.message_id < snowflake_at(end),
            DiscordMessage.is_bot.is_(False),
            DiscordMessage.is_webhook.is_(False),
        )
    ).all()
    asked = _questions_asked(session, group_id, {m.reply_to_message_id for m in messages}, speakers)
    for message_id, author_id, relay_name, is_question, reply_to in messages:
        player_id = speakers.player_of(author_id, relay_name)
        sent_at = snowflake_time(message_id)
        day = local_day(sent_at, timezone)
        if player_id is None or day not in wanted:
            continue
        if stays.get(player_id, NO_STAYS).away_at(sent_at):
            continue  # said after leaving or while away: not the member's activity
        entry = row(player_id, day)
        entry["messages"] += 1
        entry["questions"] += bool(is_question)
        if reply_to in asked and asked[reply_to] != player_id:
            entry["answers"] += 1


def _questions_asked(
    session: Session, group_id: int, ids: set[int | None], speakers: Speakers
) -> dict[int, int | None]:
    """Of the replied-to messages, the questions and who asked each (None: unlinked)."""
    asked: dict[int, int | None] = {}
    wanted = sorted(i for i in ids if i is not None)
    for chunk in chunked(wanted, 900):
        for message_id, author_id, relay_name in session.execute(
            select(
                DiscordMessage.message_id, DiscordMessage.author_id, DiscordMessage.relay_name
            ).where(
                DiscordMessage.group_id == group_id,
                DiscordMessage.message_id.in_(chunk),
                DiscordMessage.is_question.is_(True),
            )
        ):
            asked[message_id] = speakers.player_of(author_id, relay_name)
    return asked
