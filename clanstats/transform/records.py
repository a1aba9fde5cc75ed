"""Personal records: each player's best day and best calendar week in xp, ehp, ehb, boss kills.

A week runs Monday to Sunday and is the sum of its days with data. Ties go to the earliest day
or week. A best of 0 (or nothing but days without a snapshot) is no record, so no row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from clanstats.db.models import DailyActivity, PersonalRecord
from clanstats.db.replace import replace_rows
from clanstats.db.state import read_state, write_state
from clanstats.rules import Rules
from clanstats.transform.activity_changes import ActivityChanges, RowChange, rows_not_yet_counted
from clanstats.transform.gains_query import DEFAULT_TIMEZONE, week_start
from clanstats.util import chunked

# In the order _daily_series selects their columns.
MEASURES = ("xp", "ehp", "ehb", "boss_kills")

# (first day, last day, value) of a day or a week
Span = tuple[date, date, float]
# (player, "day" or "week", measure) -> the best span
Records = dict[tuple[int, str, str], Span]
# transform_state: the `today` records were last brought up to
THROUGH_KEY = "records_through"
PLAYERS_PER_QUERY = 500  # ids per IN (...), well under SQLite's bound-parameter limit


def derive_personal_records(
    session: Session,
    *,
    group_id: int,
    today: date,
    rules: Rules,
    timezone: ZoneInfo = DEFAULT_TIMEZONE,
    changes: ActivityChanges | None = None,
) -> dict[str, object]:
    """Bring the group's personal records up to each player's best day and week to date.

    With `changes` (what this run changed in daily_activity) only the players it touched are
    looked at again; without, or when the records are not known to be current, every player.
    """
    # rules and timezone are unused: daily_activity days are clan-time already, and records
    # have no policy; the keywords keep every derivation callable the same way.
    through = read_state(session, group_id, THROUGH_KEY)
    if changes is None or changes.everything or not through or date.fromisoformat(through) > today:
        best = _best_of(_daily_series(session, group_id, today))
    else:
        best = _updated(session, group_id, today, date.fromisoformat(through), changes)
    rows = [
        {
            "group_id": group_id,
            "player_id": player_id,
            "span": span,
            "measure": measure,
            "value": value,
            "start_on": start_on,
            "end_on": end_on,
        }
        for (player_id, span, measure), (start_on, end_on, value) in sorted(best.items())
    ]
    replace_rows(session, PersonalRecord, rows, scope=PersonalRecord.group_id == group_id)
    write_state(session, group_id, THROUGH_KEY, today.isoformat())
    return {
        "personal records": len(rows),
        "members with a record": len({row["player_id"] for row in rows}),
    }


def _best_of(series: dict[tuple[int, str], list[Span]]) -> Records:
    """Each (player, measure)'s best day and week from its days with a gain."""
    best: Records = {}
    for (player_id, measure), days in series.items():
        for span, spans in (("day", days), ("week", _weeks(days))):
            found = _best(spans)
            if found is not None:
                best[player_id, span, measure] = found
    return best


def _updated(
    session: Session, group_id: int, today: date, through: date, changes: ActivityChanges
) -> Records:
    """The stored records, brought up to date with what this run changed.

    A record can only move to a changed day, or to the week holding one, when every changed
    number of that player went up (new snapshots add to a day, they never take away): the
    best of the stored best and the changed days and weeks is the best of all. A player whose
    number went down somewhere (a backfilled snapshot split a gain over two days), or who has
    a day since the last run that it could not count (then in its future), is read again in
    full.
    """
    best = _stored(session, group_id)
    uncounted = rows_not_yet_counted(session, group_id, changes, since=through, today=today)
    whole = {player_id for player_id, _ in uncounted}
    grown: dict[int, list[RowChange]] = {}
    for player_id, rows in changes.by_player().items():
        counted = [row for row in rows if row.day <= today]
        if any(row.value(m) < row.value(m, before=True) for row in counted for m in MEASURES):
            whole.add(player_id)
        elif counted and player_id not in whole:
            grown[player_id] = counted
    if whole:
        for key in [key for key in best if key[0] in whole]:
            del best[key]
        best.update(_best_of(_daily_series(session, group_id, today, players=whole)))
    weeks = _changed_weeks(session, group_id, today, grown)
    for player_id, rows in grown.items():
        for measure in MEASURES:
            days = [(r.day, r.day, r.value(measure)) for r in rows if r.moved(measure)]
            mondays = {week_start(day) for day, _, _ in days}
            candidates = {
                "day": days,
                "week": [w for w in weeks.get((player_id, measure), []) if w[0] in mondays],
            }
            for span, spans in candidates.items():
                stored = best.get((player_id, span, measure))
                # Oldest first, so _best's earliest-on-a-tie holds across stored and new spans.
                pool = sorted({s[0]: s for s in ([stored] if stored else []) + spans}.values())
                found = _best(pool)
                if found is not None:
                    best[player_id, span, measure] = found
    return best


def _stored(session: Session, group_id: int) -> Records:
    rows = session.execute(
        select(
            PersonalRecord.player_id,
            PersonalRecord.span,
            PersonalRecord.measure,
            PersonalRecord.start_on,
            PersonalRecord.end_on,
            PersonalRecord.value,
        ).where(PersonalRecord.group_id == group_id)
    )
    return {(p, span, m): (start, end, value) for p, span, m, start, end, value in rows}


def _changed_weeks(
    session: Session, group_id: int, today: date, grown: dict[int, list[RowChange]]
) -> dict[tuple[int, str], list[Span]]:
    """The whole weeks (to today) holding the grown players' changed days, summed as _weeks
    sums them."""
    mondays = {week_start(row.day) for rows in grown.values() for row in rows}
    if not mondays:
        return {}
    series = _daily_series(
        session,
        group_id,
        today,
        players=set(grown),
        since=min(mondays),
    )
    return {
        key: [week for week in _weeks(days) if week[0] in mondays] for key, days in series.items()
    }


def _daily_series(
    session: Session,
    group_id: int,
    today: date,
    *,
    players: set[int] | None = None,
    since: date | None = None,
) -> dict[tuple[int, str], list[Span]]:
    """Each (player, measure)'s days with a gain, oldest first (of these players, from `since`).

    Gains are never negative, so a day of 0 can't be a best day and adds nothing to its week:
    leaving those days out (most of a year of a member's days) changes no record.
    """
    series: dict[tuple[int, str], list[Span]] = defaultdict(list)
    columns = (DailyActivity.xp, DailyActivity.ehp, DailyActivity.ehb, DailyActivity.boss_kills)
    query = (
        select(DailyActivity.player_id, DailyActivity.day, *columns)
        .where(
            DailyActivity.group_id == group_id,
            DailyActivity.day <= today,
            or_(*(column > 0 for column in columns)),
        )
        .order_by(DailyActivity.player_id, DailyActivity.day)
    )
    if since is not None:
        query = query.where(DailyActivity.day >= since)
    chunks = [None] if players is None else chunked(sorted(players), PLAYERS_PER_QUERY)
    for chunk in chunks:
        rows = session.execute(
            query if chunk is None else query.where(DailyActivity.player_id.in_(chunk))
        )
        for player_id, day, *values in rows:
            for measure, value in zip(MEASURES, values, strict=True):
                if value is not None and value > 0:
                    series[player_id, measure].append((day, day, float(value)))
    return series


def _weeks(days: list[Span]) -> list[Span]:
    """Sum days (oldest first) into Monday-Sunday weeks, oldest first."""
    totals: dict[date, float] = {}
    for day, _, value in days:
        monday = week_start(day)
        totals[monday] = totals.get(monday, 0.0) + value
    return [(monday, monday + timedelta(days=6), total) for monday, total in totals.items()]


def _best(spans: list[Span]) -> Span | None:
    """The span with the highest value, the earliest on a tie; None when the best isn't above 0."""
    best: Span | None = None
    for span in spans:
        if best is None or span[2] > best[2]:
            best = span
    return best if best is not None and best[2] > 0 else None
