"""Period gains: what each member gained over the last 7, 30, 90 and 365 days (and a custom range).

Per member and window (see `clanstats.windows`), the first source that applies:

- `history`: local history reaches back past the window's start (a stored snapshot before its
  first clan-time midnight, or a finished backfill that reached back that far): the sum of the
  member's credited daily gains over the window's days (its whole months from monthly_gains,
  the days at either end from daily_gains).
- `wom`: WOM's gains for exactly this window, fetched by harvest for today's windows (one
  bulk-gained call per window, fetched again on every run that needs it).
- `partial`: at least two stored snapshots inside the window: their credited daily gains, a
  lower bound of what the member gained.
- none of these: no row, "no data", never 0.

A member with a row gets the totals xp (overall), ehp, ehb and boss_kills (every boss summed),
0 when nothing rose, and in the 30-day window (`DETAIL_WINDOW`, the one the workbook's and the
dashboard's boss tables read) a row for each metric that rose. Members visible on Discord (a
linked account or a known relay name) get messages, questions and answers for every window.

The totals are summed by the database, one row per member and window (whole months plus the
edge days, as above); only the 30-day window is read metric by metric. Rows for every metric
in every window (82k a day at 500 members, most changing as each window moves a day) were most
of a daily transform's time and were never read.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, false, func, or_, select
from sqlalchemy.orm import Session

from clanstats.db.models import (
    BackfillProgress,
    DailyActivity,
    DailyGain,
    GainWindow,
    IdentityLink,
    Metric,
    MonthlyGain,
    PeriodGain,
    RelayName,
    Snapshot,
    WindowGain,
)
from clanstats.db.replace import replace_rows
from clanstats.rules import Rules
from clanstats.transform.monthly_gains import next_month, whole_months
from clanstats.util import chunked
from clanstats.windows import Window, gain_windows

# Aggregates every member row carries when there is data, so 0 reads as "gained nothing".
GAME_TOTALS = ("xp", "ehp", "ehb", "boss_kills")
CHAT_TOTALS = ("messages", "questions", "answers")
# The metric behind each total that is a single WOM metric; boss_kills sums every boss.
TOTAL_OF_METRIC = {"overall": "xp", "ehp": "ehp", "ehb": "ehb"}
SOURCES = ("history", "wom", "partial")
PLAYERS_PER_BATCH = 100
# The one window stored metric by metric (every window has the totals).
DETAIL_WINDOW = "30d"

# A member's gain per metric id over a window.
Gains = dict[int, float]


def derive_period_gains(
    session: Session, *, group_id: int, today: date, rules: Rules, timezone: ZoneInfo
) -> dict[str, object]:
    """Replace the group's period gains; return how many members each source served (30 days)."""
    names, bosses = _metric_names(session)
    first_snapshot = dict(
        session.execute(
            select(Snapshot.player_id, func.min(Snapshot.taken_at))
            .where(Snapshot.group_id == group_id)
            .group_by(Snapshot.player_id)
        ).all()
    )
    backfilled = _backfilled_since(session, group_id)
    all_windows = gain_windows(today, rules.custom_period)
    starts = {window.name: window.start_instant(timezone) for window in all_windows}
    total_of = _total_of(names, bosses)
    totals_of = _history_totals(session, group_id, all_windows, total_of)
    detailed = [window for window in all_windows if window.name == DETAIL_WINDOW]
    details = _histories(session, group_id, detailed)
    inside = _snapshots_inside(session, group_id, all_windows, timezone)
    on_discord = _visible_on_discord(session, group_id)
    listed = {w.name: _wom_listed(session, group_id, w.name, starts[w.name]) for w in all_windows}
    chats = {window.name: _chat(session, group_id, window) for window in all_windows}
    players = sorted(first_snapshot.keys() | on_discord | set().union(*listed.values()))
    served: Counter[str] = Counter()
    # A batch of members at a time: the rows of all of them (400k at 5,000 members) and what
    # is stored would not fit the daily run's memory target.
    for batch in chunked(players, PLAYERS_PER_BATCH):
        rows: list[dict[str, Any]] = []
        for window in all_windows:
            start, wom_listed = starts[window.name], listed[window.name]
            sources: dict[int, str] = {}
            for player_id in batch:
                if player_id not in first_snapshot and player_id not in wom_listed:
                    continue  # on Discord only (or listed by WOM for another window)
                first = first_snapshot.get(player_id)
                reached = backfilled.get(player_id)
                if (first is not None and first < start) or (
                    reached is not None and reached <= start
                ):
                    sources[player_id] = "history"
                elif player_id in wom_listed:
                    sources[player_id] = "wom"
                elif inside[window.name][player_id] >= 2:
                    sources[player_id] = "partial"
            wom = _wom(
                session, group_id, window.name, [p for p, s in sources.items() if s == "wom"]
            )
            history_totals, detail = totals_of[window.name], details.get(window.name, {})
            for player_id, source in sources.items():
                if source == "wom":
                    gains = wom.get(player_id, {})
                    totals = _totals(gains, total_of)
                else:
                    gains = detail.get(player_id, {})
                    totals = history_totals.get(player_id, dict.fromkeys(GAME_TOTALS, 0.0))
                if window.name == DETAIL_WINDOW:
                    served[source] += 1
                    # ehp and ehb are both a metric and a total: the same number, one row.
                    totals = {**_risen(gains, names), **totals}
                for metric, gained in totals.items():
                    rows.append(_row(group_id, player_id, window.name, metric, gained, source))
            chat = chats[window.name]
            for player_id in batch:
                if player_id in on_discord:
                    counts = chat.get(player_id, {})
                    for metric in CHAT_TOTALS:
                        count = counts.get(metric, 0)
                        rows.append(
                            _row(group_id, player_id, window.name, metric, count, "history")
                        )
        replace_rows(
            session,
            PeriodGain,
            rows,
            scope=(PeriodGain.group_id == group_id) & PeriodGain.player_id.in_(batch),
        )
    _forget_others(session, group_id, set(players))
    return {f"30-day gains from {source}": served[source] for source in SOURCES}


def _forget_others(session: Session, group_id: int, players: set[int]) -> None:
    """Delete the period gains of players who no longer have any."""
    stored = session.scalars(
        select(PeriodGain.player_id).where(PeriodGain.group_id == group_id).distinct()
    )
    gone = sorted(set(stored) - players)
    for batch in chunked(gone, PLAYERS_PER_BATCH):
        session.execute(
            delete(PeriodGain).where(
                PeriodGain.group_id == group_id, PeriodGain.player_id.in_(batch)
            )
        )


def _risen(gains: Gains, names: dict[int, str]) -> dict[str, float]:
    """Each metric that rose, by name."""
    return {names[metric_id]: gained for metric_id, gained in gains.items() if gained}


def _totals(gains: Gains, total_of: dict[int, str]) -> dict[str, float]:
    """The four totals of a member's gains by metric (each metric counted once)."""
    totals = dict.fromkeys(GAME_TOTALS, 0.0)
    for metric_id, gained in gains.items():
        if metric_id in total_of:
            totals[total_of[metric_id]] += gained
    return totals


def _total_of(names: dict[int, str], bosses: set[int]) -> dict[int, str]:
    """The total each metric id counts towards; metrics in no total are left out."""
    return {
        metric_id: "boss_kills" if metric_id in bosses else TOTAL_OF_METRIC[name]
        for metric_id, name in names.items()
        if metric_id in bosses or name in TOTAL_OF_METRIC
    }


def _row(
    group_id: int, player_id: int, period: str, metric: str, gained: float, source: str
) -> dict[str, Any]:
    return {
        "group_id": group_id,
        "player_id": player_id,
        "period": period,
        "metric": metric,
        "gained": float(gained),
        "source": source,
    }


def _metric_names(session: Session) -> tuple[dict[int, str], set[int]]:
    names = dict(session.execute(select(Metric.id, Metric.name)).all())
    bosses = set(session.scalars(select(Metric.id).where(Metric.kind == "boss")))
    return names, bosses


def _backfilled_since(session: Session, group_id: int) -> dict[int, datetime]:
    """How far back each finished backfill reached: history from there on is complete."""
    return dict(
        session.execute(
            select(BackfillProgress.player_id, BackfillProgress.since).where(
                BackfillProgress.group_id == group_id, BackfillProgress.status == "done"
            )
        ).all()
    )


def _history_totals(
    session: Session,
    group_id: int,
    spans: list[Window],
    total_of: dict[int, str],
) -> dict[str, dict[int, dict[str, float]]]:
    """Every window's four totals per player, summed by the database: one row per player and
    total (not per metric) from each of the two tables."""
    counted = sorted(total_of)
    found: dict[str, dict[int, dict[str, float]]] = {w.name: {} for w in spans}
    if not counted:
        return found

    ids = {total: [m for m in counted if total_of[m] == total] for total in GAME_TOTALS}

    def total_column(metric_id: Any) -> Any:
        # The rows read are only those of counted metrics: every one has a total.
        return case(*((metric_id.in_(ids[total]), total) for total in GAME_TOTALS if ids[total]))

    for player_id, total, *amounts in _window_sums(session, group_id, spans, total_column, counted):
        for window, amount in zip(spans, amounts, strict=True):
            totals = found[window.name].setdefault(player_id, dict.fromkeys(GAME_TOTALS, 0.0))
            totals[total] += float(amount or 0.0)
    return found


def _histories(session: Session, group_id: int, spans: list[Window]) -> dict[str, dict[int, Gains]]:
    """Every window's credited gains per player and metric."""
    found: dict[str, dict[int, Gains]] = {w.name: defaultdict(dict) for w in spans}
    for player_id, metric_id, *gained in _window_sums(session, group_id, spans, lambda m: m):
        for window, amount in zip(spans, gained, strict=True):
            if amount:
                gains = found[window.name][player_id]
                gains[metric_id] = gains.get(metric_id, 0.0) + float(amount)
    return found


def _window_sums(
    session: Session,
    group_id: int,
    spans: list[Window],
    key_of: Callable[[Any], Any],
    metric_ids: list[int] | None = None,
) -> Iterator[Sequence[Any]]:
    """Rows of (player, key, one sum per window), the key `key_of` a metric id column: first
    the windows' whole months from monthly_gains, then their edge days from daily_gains.

    `metric_ids` limits the rows read to those metrics (None: every metric).
    """
    months = {w.name: whole_months(w.start, w.end) for w in spans}
    edges = {w.name: _edge_days(w, months[w.name]) for w in spans}
    every_month = sorted({month for w in spans for month in months[w.name]})
    if every_month:
        key = key_of(MonthlyGain.metric_id)
        only = [] if metric_ids is None else [MonthlyGain.metric_id.in_(metric_ids)]
        month_sums = [
            func.sum(case((MonthlyGain.month.in_(months[w.name]), MonthlyGain.gained), else_=0.0))
            for w in spans
        ]
        # The key starts (group, player, metric): by metric, grouped in key order, no sort.
        yield from session.execute(
            select(MonthlyGain.player_id, key, *month_sums)
            .where(MonthlyGain.group_id == group_id, MonthlyGain.month.in_(every_month), *only)
            .group_by(MonthlyGain.player_id, key)
        )
    every_edge = _merged([edge for w in spans for edge in edges[w.name]])
    if every_edge:
        key = key_of(DailyGain.metric_id)
        only = [] if metric_ids is None else [DailyGain.metric_id.in_(metric_ids)]
        day_sums = [
            func.sum(
                case(
                    (
                        or_(false(), *(DailyGain.day.between(a, b) for a, b in edges[w.name])),
                        DailyGain.gained,
                    ),
                    else_=0.0,
                )
            )
            for w in spans
        ]
        yield from session.execute(
            select(DailyGain.player_id, key, *day_sums)
            .where(
                DailyGain.group_id == group_id,
                or_(*(DailyGain.day.between(a, b) for a, b in every_edge)),
                *only,
            )
            .group_by(DailyGain.player_id, key)
        )


def _edge_days(window: Window, months: list[date]) -> list[tuple[date, date]]:
    """The window's days outside its whole months, as inclusive ranges."""
    if not months:
        return [(window.start, window.end)]
    edges = []
    if window.start < months[0]:
        edges.append((window.start, months[0] - timedelta(days=1)))
    after = next_month(months[-1])
    if after <= window.end:
        edges.append((after, window.end))
    return edges


def _merged(ranges: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Inclusive day ranges merged where they overlap or touch."""
    merged: list[tuple[date, date]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _snapshots_inside(
    session: Session, group_id: int, spans: list[Window], timezone: ZoneInfo
) -> dict[str, Counter[int]]:
    """How many stored snapshots each player has inside each window."""
    counts = [
        func.sum(
            case(
                (
                    (Snapshot.taken_at >= w.start_instant(timezone))
                    & (Snapshot.taken_at < w.end_instant(timezone)),
                    1,
                ),
                else_=0,
            )
        )
        for w in spans
    ]
    found: dict[str, Counter[int]] = {w.name: Counter() for w in spans}
    for player_id, *inside in session.execute(
        select(Snapshot.player_id, *counts)
        .where(
            Snapshot.group_id == group_id,
            Snapshot.taken_at >= min(w.start_instant(timezone) for w in spans),
        )
        .group_by(Snapshot.player_id)
    ):
        for window, count in zip(spans, inside, strict=True):
            found[window.name][player_id] = int(count or 0)
    return found


def _wom_listed(session: Session, group_id: int, window: str, start: datetime) -> set[int]:
    """The players WOM listed gains for in exactly this window.

    Only a fetch for this very window counts: rows fetched for yesterday's windows (a harvest
    skipped as fresh since) are another span of days.
    """
    return set(
        session.scalars(
            select(GainWindow.player_id).where(
                GainWindow.group_id == group_id,
                GainWindow.period == window,
                GainWindow.start_date == start,
            )
        )
    )


def _wom(session: Session, group_id: int, window: str, players: list[int]) -> dict[int, Gains]:
    """WOM's gains in this window for these players (listed by `_wom_listed`); unknown (-1)
    gains left out."""
    gains: dict[int, Gains] = {pid: {} for pid in players}
    if not players:
        return gains
    for player_id, metric_id, gained in session.execute(
        select(WindowGain.player_id, WindowGain.metric_id, WindowGain.gained).where(
            WindowGain.group_id == group_id,
            WindowGain.period == window,
            WindowGain.player_id.in_(players),
            WindowGain.gained.is_not(None),
        )
    ):
        if gained is not None:
            gains[player_id][metric_id] = float(gained)
    return gains


def _chat(session: Session, group_id: int, window: Window) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    for player_id, messages, questions, answers in session.execute(
        select(
            DailyActivity.player_id,
            func.sum(DailyActivity.messages),
            func.sum(DailyActivity.questions),
            func.sum(DailyActivity.answers),
        )
        .where(
            DailyActivity.group_id == group_id,
            DailyActivity.day >= window.start,
            DailyActivity.day <= window.end,
        )
        .group_by(DailyActivity.player_id)
    ):
        counts[player_id] = {"messages": messages, "questions": questions, "answers": answers}
    return counts


def _visible_on_discord(session: Session, group_id: int) -> set[int]:
    """Players whose messages can be counted: linked Discord users or known relay names."""
    linked = set(
        session.scalars(select(IdentityLink.player_id).where(IdentityLink.group_id == group_id))
    )
    relayed = session.scalars(
        select(RelayName.player_id).where(
            RelayName.group_id == group_id, RelayName.player_id.is_not(None)
        )
    )
    return linked | {pid for pid in relayed if pid is not None}
