"""Group-wide answers over members' snapshots: gains, hiscores, records and statistics."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.clock import DAY_MS, PERIODS, iso_ms
from simulator.metrics import EXPERIENCE_TABLE, MAX_LEVEL, MAX_SKILL_EXPERIENCE
from simulator.progression import Frame, combat_levels
from simulator.shapes import Json, Rows, hiscores_item, json_values, snapshot_data
from simulator.state import NowState


def bulk_gained(state: NowState, start_ms: int, end_ms: int) -> list[Json]:
    """Return every member's gains in every metric between their first and last snapshot."""
    metrics = state.layout.metrics
    return [
        {
            **dates,
            "data": [
                {"metric": metric, "gained": g, "start": s, "end": e}
                for metric, g, s, e in zip(metrics, gained, before, after, strict=True)
            ],
        }
        for dates, gained, before, after in _gains(state, start_ms, end_ms)
    ]


def group_gained(state: NowState, column: int, start_ms: int, end_ms: int) -> list[Json]:
    """Return `[{player, startDate, endDate, data: {gained, start, end}}]`, top gain first."""
    entries = [
        {
            **dates,
            "data": {
                "gained": gained[column],
                "start": before[column],
                "end": after[column],
            },
        }
        for dates, gained, before, after in _gains(state, start_ms, end_ms)
    ]
    entries.sort(key=lambda entry: -entry["data"]["gained"])
    return entries


def group_hiscores(state: NowState, column: int) -> list[Json]:
    """Return `[{player, data}]` of ranked members in one metric column, best first."""
    kind = state.layout.kind(state.layout.metrics[column])
    level_column = column if kind == "skill" else 0
    entries = []
    for player in state.members:
        row = int(state.row_of[player])
        if row < 0 or state.rows.values[row][column] < 0:
            continue
        item = hiscores_item(
            kind,
            state.rows.ranks[row][column],
            state.rows.levels[row][level_column],
            state.rows.values[row][column],
        )
        entries.append({"player": state.player(player), "data": item})
    value_key = {"skill": "experience", "boss": "kills", "activity": "score"}.get(kind, "value")
    entries.sort(key=lambda entry: -entry["data"][value_key])
    return entries


def group_records(state: NowState, column: int, period: str) -> list[Json]:
    """Return each member's best gain within `period` in one metric, best first (cached)."""
    metric = state.layout.metrics[column]
    if (metric, period) not in state.records:
        state.records[metric, period] = _records(state, column, period)
    return [
        {**record, "player": state.player(player)}
        for player, record in state.records[metric, period]
    ]


def group_statistics(state: NowState) -> Json | None:
    """Return maxed counts, average stats and metric leaders; None for a group without stats."""
    members = [p for p in state.members if state.row_of[p] >= 0]
    if not members:
        return None
    rows = state.row_of[members]
    frame = state.frame
    values, levels = frame.values[rows], frame.levels[rows]
    skill_xp = values[:, 1 : state.layout.skills.stop]
    return {
        "maxedCombatCount": int((combat_levels(levels) >= 126).sum()),
        "maxedTotalCount": int((levels[:, 1:] >= MAX_LEVEL).all(axis=1).sum()),
        "maxed200msCount": int((skill_xp >= MAX_SKILL_EXPERIENCE).sum()),
        "averageStats": _average_snapshot(state, rows),
        "metricLeaders": _metric_leaders(state, members),
    }


def outdated_member_count(state: NowState) -> int:
    """Return how many members were last updated more than 24 hours before `now`."""
    timeline = state.timeline
    outdated = 0
    for player in state.members:
        day = int(state.latest_day[player])
        if day < 0 or timeline.t_ms[player, day] < state.now_ms - DAY_MS:
            outdated += 1
    return outdated


def _gains(
    state: NowState, start_ms: int, end_ms: int
) -> list[tuple[Json, list[Any], list[Any], list[Any]]]:
    """Return ({player, startDate, endDate}, gained, start, end values) per member with data.

    A member's window runs from their first to their last snapshot in [start, end]; a gain
    from or to an unranked (-1) value is 0, since -1 means "unknown", not zero.
    """
    layout, progress, timeline = state.layout, state.progress, state.timeline
    members = np.array(state.members, dtype=np.int64)
    moments = timeline.t_ms[members]
    inside = timeline.updated[members] & (moments >= start_ms)
    inside &= moments <= min(end_ms, state.now_ms)
    has = inside.any(axis=1)
    players = members[has]
    first = np.argmax(inside[has], axis=1)
    last = inside.shape[1] - 1 - np.argmax(inside[has][:, ::-1], axis=1)
    before = progress.frame(players, timeline.hours_at(players, first)).values
    after = progress.frame(players, timeline.hours_at(players, last)).values
    gained = np.where((before < 0) | (after < 0), 0.0, after - before)
    dates = [
        {
            "player": state.player(player),
            "startDate": iso_ms(int(timeline.t_ms[player, first[i]])),
            "endDate": iso_ms(int(timeline.t_ms[player, last[i]])),
        }
        for i, player in enumerate(players.tolist())
    ]
    return list(
        zip(
            dates,
            json_values(layout, gained),
            json_values(layout, before),
            json_values(layout, after),
            strict=True,
        )
    )


def _series(state: NowState, column: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return (moments, values) of one metric at every snapshot up to `now`, per member."""
    progress, timeline, now_ms = state.progress, state.timeline, state.now_ms
    series = []
    for player in state.members:
        days = np.flatnonzero(timeline.updated[player] & (timeline.t_ms[player] <= now_ms))
        repeated = np.full(len(days), player)
        frame = progress.frame(repeated, timeline.hours_at(repeated, days))
        series.append((timeline.t_ms[player, days], frame.values[:, column]))
    return series


def _records(state: NowState, column: int, period: str) -> list[tuple[int, Json]]:
    """Return (player, Record) of each member's best gain within `period`, best first."""
    layout = state.layout
    span = PERIODS[period]
    metric = layout.metrics[column]
    computed = layout.kind(metric) == "computed"
    records: list[tuple[int, Json]] = []
    for player, (moments, values) in zip(state.members, _series(state, column), strict=True):
        if len(moments) < 2:
            continue
        ends = np.searchsorted(moments, moments + span, side="right") - 1
        gains = np.where((values >= 0) & (values[ends] >= 0), values[ends] - values, 0.0)
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            continue
        value = round(float(gains[best]), 5) if computed else int(gains[best])
        record = {
            "playerId": int(state.roster.ids[player]),
            "period": period,
            "metric": metric,
            "value": value,
            "updatedAt": iso_ms(int(moments[ends[best]])),
        }
        records.append((player, record))
    records.sort(key=lambda item: -item[1]["value"])
    return records


def _average_snapshot(state: NowState, rows: np.ndarray) -> Json:
    """Return a Snapshot-shaped average of members' latest snapshots (id and player -1)."""
    layout, frame = state.layout, state.frame
    values, ranks = frame.values[rows], frame.ranks[rows]
    ranked = values >= 0
    counted = np.maximum(ranked.sum(axis=0), 1)
    # Unranked (-1) values mean "unknown": average only the ranked ones.
    mean_values = np.where(ranked.any(axis=0), np.floor((values * ranked).sum(0) / counted), -1)
    mean_values[layout.computed_cols] = values[:, layout.computed_cols].mean(axis=0)
    mean_ranks = np.where(ranked.any(axis=0), (ranks * ranked).sum(axis=0) // counted, -1)
    skill_xp = mean_values[1 : layout.skills.stop]
    levels = np.clip(np.searchsorted(EXPERIENCE_TABLE, skill_xp, side="right"), 1, MAX_LEVEL)
    average = Frame(
        values=mean_values[None, :],
        ranks=mean_ranks.astype(np.int64)[None, :],
        levels=np.concatenate([[levels.sum()], levels]).astype(np.int64)[None, :],
        efficiency=np.round(frame.efficiency[rows].mean(axis=0), 5)[None, :],
        ttm=np.zeros(1),
        tt200m=np.zeros(1),
    )
    return {
        "id": -1,
        "playerId": -1,
        "createdAt": iso_ms(state.now_ms),
        "importedAt": None,
        "data": snapshot_data(layout, Rows.of(layout, average), 0),
    }


def _metric_leaders(state: NowState, members: list[int]) -> Json:
    """Return the best member in every metric, by kind (player None when nobody ranks)."""
    layout = state.layout
    rows = state.row_of[members]
    values = state.frame.values[rows]
    best = np.argmax(values, axis=0)
    groups: dict[str, Json] = {"skills": {}, "bosses": {}, "activities": {}, "computed": {}}
    group_of = {"skill": "skills", "boss": "bosses", "activity": "activities"}
    for column, metric in enumerate(layout.metrics):
        kind = layout.kind(metric)
        row = int(rows[best[column]])
        value = state.rows.values[row][column]
        ranked = value >= 0
        level_column = column if kind == "skill" else 0
        item = hiscores_item(
            kind,
            state.rows.ranks[row][column] if ranked else -1,
            state.rows.levels[row][level_column] if ranked else 1,
            value if ranked else -1,
        )
        del item["type"]
        item = {"metric": metric, **item}
        item["player"] = state.player(members[best[column]]) if ranked else None
        groups[group_of.get(kind, "computed")][metric] = item
    return groups
