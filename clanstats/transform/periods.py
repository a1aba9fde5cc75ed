"""Period gains: what each member gained over the last 7, 30, 90 and 365 days (and a custom range).

Where the member's local history covers the window (a snapshot before its first day) the gain is
the sum of their daily gains, source `history`. Where it doesn't, WOM's own window gains fetched
on the first run stand in (week, month and year), source `wom`. A member whose history starts
inside the window gets what that history shows, source `partial`. A member with none of these
has no row: "no data", never 0.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from clanstats.db.models import (
    DailyActivity,
    DailyGain,
    GainWindow,
    IdentityLink,
    Metric,
    PeriodGain,
    RelayName,
    Snapshot,
    WindowGain,
)
from clanstats.rules import Rules
from clanstats.transform.daily_gains import local_day

WINDOW_DAYS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
WOM_PERIOD = {"7d": "week", "30d": "month", "365d": "year"}
# Aggregates every member row carries when there is data, so 0 reads as "gained nothing".
GAME_TOTALS = ("xp", "ehp", "ehb", "boss_kills")
CHAT_TOTALS = ("messages", "questions", "answers")
METRIC_TOTALS = {"overall": "xp", "ehp": "ehp", "ehb": "ehb"}


@dataclass(frozen=True)
class Window:
    """A named, inclusive range of clan days."""

    name: str
    start: date
    end: date


def windows(today: date, rules: Rules) -> list[Window]:
    """The standard windows ending today, plus the rules file's custom period."""
    found = [Window(name, today - timedelta(days=n - 1), today) for name, n in WINDOW_DAYS.items()]
    if rules.custom_period is not None:
        found.append(Window("custom", rules.custom_period.start, rules.custom_period.end))
    return found


def derive_period_gains(
    session: Session, *, group_id: int, today: date, rules: Rules, timezone: ZoneInfo
) -> dict[str, object]:
    """Replace the group's period gains; return how many members each source served."""
    first_day = {
        pid: local_day(first, timezone)
        for pid, first in session.execute(
            select(Snapshot.player_id, func.min(Snapshot.taken_at))
            .where(Snapshot.group_id == group_id)
            .group_by(Snapshot.player_id)
        )
    }
    names, bosses = _metric_names(session)
    on_discord = _visible_on_discord(session, group_id)
    rows: list[dict[str, Any]] = []
    served: dict[str, int] = defaultdict(int)
    all_windows = windows(today, rules)
    histories = _histories(session, group_id, all_windows, names, bosses)
    for window in all_windows:
        history = histories[window.name]
        chat = _chat(session, group_id, window)
        wom = _wom(session, group_id, WOM_PERIOD.get(window.name), names, bosses)
        for player_id, start in first_day.items():
            if start < window.start:
                source, gains = "history", history.get(player_id, {})
            elif player_id in wom:
                source, gains = "wom", wom[player_id]
            elif start <= window.end:
                source, gains = "partial", history.get(player_id, {})
            else:
                continue
            served[source] += window.name == "30d"
            totals = {total: gains.get(total, 0.0) for total in GAME_TOTALS}
            for metric, gained in {**gains, **totals}.items():
                rows.append(_row(group_id, player_id, window.name, metric, gained, source))
        for player_id in on_discord:
            counts = chat.get(player_id, {})
            for metric in CHAT_TOTALS:
                rows.append(
                    _row(group_id, player_id, window.name, metric, counts.get(metric, 0), "history")
                )
    session.execute(delete(PeriodGain).where(PeriodGain.group_id == group_id))
    if rows:
        session.execute(insert(PeriodGain), rows)
    return {f"30-day gains from {source}": count for source, count in sorted(served.items())}


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


def _add(
    gains: dict[str, float], name: str, metric_id: int, gained: float, bosses: set[int]
) -> None:
    """Add a metric's gain and the totals it feeds (overall -> xp, bosses -> boss_kills)."""
    gains[name] = gains.get(name, 0.0) + gained
    total = "boss_kills" if metric_id in bosses else METRIC_TOTALS.get(name)
    if total is not None:
        gains[total] = gains.get(total, 0.0) + gained


def _histories(
    session: Session, group_id: int, spans: list[Window], names: dict[int, str], bosses: set[int]
) -> dict[str, dict[int, dict[str, float]]]:
    """Every window's gains per player and metric, from one pass over daily_gains."""
    sums = [
        func.sum(case((DailyGain.day.between(w.start, w.end), DailyGain.gained), else_=0.0))
        for w in spans
    ]
    query = (
        select(DailyGain.player_id, DailyGain.metric_id, *sums)
        .where(
            DailyGain.group_id == group_id,
            DailyGain.day >= min(w.start for w in spans),
            DailyGain.day <= max(w.end for w in spans),
        )
        .group_by(DailyGain.player_id, DailyGain.metric_id)
    )
    found: dict[str, dict[int, dict[str, float]]] = {w.name: defaultdict(dict) for w in spans}
    for player_id, metric_id, *gained in session.execute(query):
        for window, amount in zip(spans, gained, strict=True):
            if amount:
                _add(found[window.name][player_id], names[metric_id], metric_id, amount, bosses)
    return found


def _wom(
    session: Session, group_id: int, period: str | None, names: dict[int, str], bosses: set[int]
) -> dict[int, dict[str, float]]:
    """WOM's window gains for a period, per player with data; unknown (-1) gains left out."""
    if period is None:
        return {}
    gains: dict[int, dict[str, float]] = {
        pid: {}
        for pid in session.scalars(
            select(GainWindow.player_id).where(
                GainWindow.group_id == group_id, GainWindow.period == period
            )
        )
    }
    for player_id, metric_id, gained in session.execute(
        select(WindowGain.player_id, WindowGain.metric_id, WindowGain.gained).where(
            WindowGain.group_id == group_id,
            WindowGain.period == period,
            WindowGain.gained.is_not(None),
        )
    ):
        if player_id in gains and gained is not None:
            _add(gains[player_id], names[metric_id], metric_id, gained, bosses)
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
