"""Store decoded WOM snapshots sparsely: a value row only where a metric changed.

A snapshot's state is, per metric, the value of the newest row at or before it. Decoding
(`clanstats.wom.shapes.decode_values`) reads every section of `data` generically, so a metric or
even a section WOM adds tomorrow is stored without a code change; -1 (unranked/unknown) becomes
None and is never diffed against.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from clanstats.db.models import CurrentValue, Metric, Snapshot, SnapshotValue
from clanstats.db.upsert import insert_rows, upsert
from clanstats.wom.shapes import DecodedSnapshot

log = logging.getLogger(__name__)

State = dict[int, float | None]  # metric id -> value (None: unknown)


class MetricRegistry:
    """Metric name <-> id, adding a row the first time a metric is seen."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._ids = {name: id_ for id_, name in session.execute(select(Metric.id, Metric.name))}

    def ids(self, kinds: Mapping[str, str]) -> dict[str, int]:
        """Ids for these metric names (name -> kind), creating the unknown ones."""
        missing = [name for name in kinds if name not in self._ids]
        if missing:
            self._session.execute(
                insert(Metric), [{"name": name, "kind": kinds[name]} for name in missing]
            )
            added = self._session.execute(
                select(Metric.id, Metric.name).where(Metric.name.in_(missing))
            )
            self._ids.update({name: id_ for id_, name in added})
            log.info("new metrics seen: %s", ", ".join(sorted(missing)))
        return {name: self._ids[name] for name in kinds}


def encode_delta(previous: State, current: State) -> State:
    """The rows to store for `current` given the state before it."""
    delta: State = {}
    for metric_id, value in current.items():
        if metric_id in previous:
            if previous[metric_id] != value:
                delta[metric_id] = value
        elif value is not None:
            delta[metric_id] = value  # first known value; a first "unknown" needs no row
    return delta


class SnapshotWriter:
    """Store one group's snapshots sparsely and keep `current_values` in step."""

    def __init__(self, session: Session, group_id: int) -> None:
        self._session = session
        self._group_id = group_id
        self.metrics = MetricRegistry(session)

    def _ids(self, snapshots: Iterable[DecodedSnapshot]) -> dict[str, int]:
        kinds: dict[str, str] = {}
        for snapshot in snapshots:
            kinds.update({name: kind for name, (kind, _) in snapshot.values.items()})
        return self.metrics.ids(kinds)

    def add_latest(self, latest: Mapping[int, DecodedSnapshot]) -> tuple[int, int]:
        """Store each player's newest snapshot (the daily path); return (snapshots, value rows).

        A snapshot already stored is skipped; one older than the newest stored goes through the
        history rewrite so the deltas after it stay right.
        """
        ids = self._ids(latest.values())
        newest = self._newest_taken_at(list(latest))
        current = self._current_state(list(latest))
        fresh: dict[int, DecodedSnapshot] = {}
        snapshots = values = 0
        for player_id, snapshot in latest.items():
            stored = newest.get(player_id)
            if stored is None or snapshot.taken_at > stored:
                fresh[player_id] = snapshot
            elif snapshot.taken_at < stored:
                added, rows = self.merge_history(player_id, [snapshot])
                snapshots, values = snapshots + added, values + rows
        if fresh:
            inserted = self._session.execute(
                insert(Snapshot).returning(Snapshot.id, Snapshot.player_id),
                [
                    {"group_id": self._group_id, "player_id": pid, "taken_at": snap.taken_at}
                    for pid, snap in fresh.items()
                ],
            ).all()
            value_rows: list[dict[str, Any]] = []
            current_rows: list[dict[str, Any]] = []
            for snapshot_id, player_id in inserted:
                state = _state(fresh[player_id], ids)
                delta = encode_delta(current.get(player_id, {}), state)
                value_rows += [
                    {
                        "snapshot_id": snapshot_id,
                        "metric_id": m,
                        "group_id": self._group_id,
                        "value": v,
                    }
                    for m, v in delta.items()
                ]
                current_rows += [
                    {"group_id": self._group_id, "player_id": player_id, "metric_id": m, "value": v}
                    for m, v in delta.items()
                ]
            if value_rows:
                insert_rows(self._session, SnapshotValue, value_rows)
            upsert(
                self._session,
                CurrentValue,
                current_rows,
                keys=("group_id", "player_id", "metric_id"),
            )
            snapshots, values = snapshots + len(inserted), values + len(value_rows)
        return snapshots, values

    def merge_history(self, player_id: int, fetched: Iterable[DecodedSnapshot]) -> tuple[int, int]:
        """Merge past snapshots into a player's history and re-encode it; return (added, rows).

        Inserting a snapshot between two stored ones changes what the later one's rows mean, so
        the player's whole chain is decoded, merged and written again in this transaction.
        """
        fetched = list(fetched)
        ids = self._ids(fetched)
        timeline = self._decoded_history(player_id)
        known = set(timeline)
        new = {s.taken_at: s for s in fetched if s.taken_at not in known}
        if not new:
            return 0, 0
        inserted = self._session.execute(
            insert(Snapshot).returning(Snapshot.id, Snapshot.taken_at),
            [
                {"group_id": self._group_id, "player_id": player_id, "taken_at": taken_at}
                for taken_at in sorted(new)
            ],
        ).all()
        for snapshot_id, taken_at in inserted:
            timeline[taken_at] = (snapshot_id, _state(new[taken_at], ids))
        snapshot_ids = [snapshot_id for snapshot_id, _ in timeline.values()]
        self._session.execute(
            delete(SnapshotValue).where(SnapshotValue.snapshot_id.in_(snapshot_ids))
        )
        rows: list[dict[str, Any]] = []
        previous: State = {}
        for taken_at in sorted(timeline):
            snapshot_id, state = timeline[taken_at]
            merged = {**previous, **state}
            rows += [
                {"snapshot_id": snapshot_id, "metric_id": m, "group_id": self._group_id, "value": v}
                for m, v in encode_delta(previous, merged).items()
            ]
            previous = merged
        if rows:
            insert_rows(self._session, SnapshotValue, rows)
        self._session.execute(
            delete(CurrentValue).where(
                CurrentValue.group_id == self._group_id, CurrentValue.player_id == player_id
            )
        )
        current_rows = [
            {"group_id": self._group_id, "player_id": player_id, "metric_id": m, "value": v}
            for m, v in previous.items()
        ]
        if current_rows:
            insert_rows(self._session, CurrentValue, current_rows)
        return len(inserted), len(rows)

    def _decoded_history(self, player_id: int) -> dict[datetime, tuple[int, State]]:
        """Every stored snapshot of a player with its full decoded state, by time."""
        snapshots = self._session.execute(
            select(Snapshot.id, Snapshot.taken_at)
            .where(Snapshot.group_id == self._group_id, Snapshot.player_id == player_id)
            .order_by(Snapshot.taken_at)
        ).all()
        rows: dict[int, State] = {sid: {} for sid, _ in snapshots}
        if snapshots:
            for sid, metric_id, value in self._session.execute(
                select(
                    SnapshotValue.snapshot_id, SnapshotValue.metric_id, SnapshotValue.value
                ).where(SnapshotValue.snapshot_id.in_(list(rows)))
            ):
                rows[sid][metric_id] = value
        timeline: dict[datetime, tuple[int, State]] = {}
        state: State = {}
        for sid, taken_at in snapshots:
            state = {**state, **rows[sid]}
            timeline[taken_at] = (sid, state)
        return timeline

    def _newest_taken_at(self, player_ids: list[int]) -> dict[int, datetime]:
        query = (
            select(Snapshot.player_id, func.max(Snapshot.taken_at))
            .where(Snapshot.group_id == self._group_id)
            .group_by(Snapshot.player_id)
        )
        wanted = set(player_ids)
        return {pid: taken for pid, taken in self._session.execute(query) if pid in wanted}

    def _current_state(self, player_ids: list[int]) -> dict[int, State]:
        wanted = set(player_ids)
        state: dict[int, State] = {}
        query = select(CurrentValue.player_id, CurrentValue.metric_id, CurrentValue.value).where(
            CurrentValue.group_id == self._group_id
        )
        for pid, metric_id, value in self._session.execute(query):
            if pid in wanted:
                state.setdefault(pid, {})[metric_id] = value
        return state


def _state(snapshot: DecodedSnapshot, ids: Mapping[str, int]) -> State:
    return {ids[name]: value for name, (_, value) in snapshot.values.items()}
