"""Daily gains per metric, read incrementally from the sparse snapshots.

Each new snapshot's changed values are compared with the player's baseline (their last known
value of each metric, from the last snapshot already turned into gains); a rise is that day's
gain. Unknown values (WOM's -1) never produce a gain and never replace a known baseline, so the
next known value is measured from the last known one. A fall (a hiscores correction) is no
gain. A rise measured across a time the player was out of the clan (see `stays`) is not
credited: it mixes what they did away with what they did in it. A snapshot older than what a
player's baseline already covers (a backfill), or a newly learnt leave or return, makes that
player's gains be rebuilt from their whole history, so the numbers always equal a from-scratch
run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from clanstats.db.models import DailyGain, GainBaseline, Snapshot, SnapshotValue
from clanstats.db.state import read_state, write_state
from clanstats.db.upsert import upsert
from clanstats.transform.stays import NO_STAYS, Stays
from clanstats.util import chunked
from clanstats.windows import local_day

WATERMARK = "last_snapshot_id"
PLAYERS_PER_BATCH = 50
CHUNK = 900  # stays under SQLite's bound-parameter limit on old builds


@dataclass
class GainsUpdate:
    """What an update touched: the (player, day) pairs whose gains changed, and how much work."""

    touched: set[tuple[int, date]] = field(default_factory=set)
    snapshots_read: int = 0
    players_rebuilt: int = 0


def update_daily_gains(
    session: Session,
    group_id: int,
    timezone: ZoneInfo,
    stays: Mapping[int, Stays],
    changed_stays: AbstractSet[int] = frozenset(),
) -> GainsUpdate:
    """Turn snapshots stored since the last run into daily gains; return what changed.

    `changed_stays` are players whose leaves or returns changed since the last run: their
    gains are rebuilt even without a new snapshot.
    """
    update = GainsUpdate()
    watermark = int(read_state(session, group_id, WATERMARK, "0"))
    new = session.execute(
        select(Snapshot.id, Snapshot.player_id, Snapshot.taken_at)
        .where(Snapshot.group_id == group_id, Snapshot.id > watermark)
        .order_by(Snapshot.player_id, Snapshot.taken_at)
    ).all()
    if not new and not changed_stays:
        return update
    # Every snapshot up to the watermark has been read: that is how far each player is covered.
    covered = dict(
        session.execute(
            select(Snapshot.player_id, func.max(Snapshot.taken_at))
            .where(Snapshot.group_id == group_id, Snapshot.id <= watermark)
            .group_by(Snapshot.player_id)
        ).all()
    )
    rebuild = {pid for _, pid, taken in new if pid in covered and taken <= covered[pid]}
    # A return or leave learnt now, or new snapshots reaching across an absence, change what
    # earlier rises are credited: such players are read again from their first snapshot.
    rebuild |= {pid for pid in changed_stays if pid in covered}
    rebuild |= {
        pid
        for _, pid, taken in new
        if pid in covered and stays.get(pid, NO_STAYS).separates(covered[pid], taken)
    }
    if rebuild:
        update.touched |= _forget_players(session, group_id, rebuild)
        update.players_rebuilt = len(rebuild)
    to_read = [(sid, pid, taken) for sid, pid, taken in new if pid not in rebuild]
    to_read += _all_snapshots(session, group_id, rebuild)
    to_read.sort(key=lambda row: (row[1], row[2]))
    # A batch of players at a time keeps memory flat: a first run may read years of snapshots.
    previous = {pid: taken for pid, taken in covered.items() if pid not in rebuild}
    for batch in _player_batches(to_read, PLAYERS_PER_BATCH):
        _read_batch(session, group_id, timezone, batch, update, stays, previous)
    update.snapshots_read = len(to_read)
    if new:
        write_state(session, group_id, WATERMARK, str(max(sid for sid, _, _ in new)))
    return update


def _player_batches(
    snapshots: list[tuple[int, int, datetime]], size: int
) -> Iterable[list[tuple[int, int, datetime]]]:
    """Split snapshots sorted by player into runs covering at most `size` players each."""
    batch: list[tuple[int, int, datetime]] = []
    players: set[int] = set()
    for row in snapshots:
        if row[1] not in players and len(players) == size:
            yield batch
            batch, players = [], set()
        batch.append(row)
        players.add(row[1])
    if batch:
        yield batch


def _read_batch(
    session: Session,
    group_id: int,
    timezone: ZoneInfo,
    snapshots: list[tuple[int, int, datetime]],
    update: GainsUpdate,
    stays: Mapping[int, Stays],
    previous: Mapping[int, datetime],
) -> None:
    """Turn one batch of players' snapshots into gains and baselines.

    `previous` is each player's last snapshot already read (none for a player read from the
    start).
    """
    baselines = _baselines(session, group_id, {pid for _, pid, _ in snapshots})
    gains: dict[tuple[int, date, int], float] = defaultdict(float)
    changed: dict[tuple[int, int], tuple[float | None, datetime]] = {}
    last_taken: dict[int, datetime | None] = {}
    unknown: dict[int, set[int]] = defaultdict(set)  # metrics whose latest value is -1
    for _, player_id, taken_at, values in _with_values(session, snapshots):
        baseline = baselines.setdefault(player_id, {})
        before_at = last_taken.get(player_id, previous.get(player_id))
        credited = not stays.get(player_id, NO_STAYS).separates(before_at, taken_at)
        last_taken[player_id] = taken_at
        day = local_day(taken_at, timezone)
        update.touched.add((player_id, day))
        # Across an absence a metric unknown before it, or unknown on return, has no baseline
        # worth keeping: it starts afresh. The forgetting is stored too (a None baseline), or
        # a later run would measure from the value before the absence.
        forgotten = set() if credited else set(unknown[player_id])
        for metric_id, value in values:
            if value is None:
                unknown[player_id].add(metric_id)
                if not credited:
                    forgotten.add(metric_id)
                continue
            unknown[player_id].discard(metric_id)
            forgotten.discard(metric_id)
            before = baseline.get(metric_id)
            if credited and before is not None and value > before:
                gains[(player_id, day, metric_id)] += value - before
            baseline[metric_id] = value
            changed[(player_id, metric_id)] = (value, taken_at)
        for metric_id in forgotten:
            if baseline.get(metric_id) is not None:
                baseline[metric_id] = None
                changed[(player_id, metric_id)] = (None, taken_at)
    _add_gains(session, group_id, gains)
    upsert(
        session,
        GainBaseline,
        [
            {
                "group_id": group_id,
                "player_id": pid,
                "metric_id": metric_id,
                "value": value,
                "taken_at": taken_at,
            }
            for (pid, metric_id), (value, taken_at) in changed.items()
        ],
        keys=("group_id", "player_id", "metric_id"),
    )


def _forget_players(session: Session, group_id: int, players: set[int]) -> set[tuple[int, date]]:
    """Drop these players' gains and baselines; return the days that had gains."""
    days = set(
        session.execute(
            select(DailyGain.player_id, DailyGain.day)
            .where(DailyGain.group_id == group_id, DailyGain.player_id.in_(players))
            .distinct()
        ).all()
    )
    for model in (DailyGain, GainBaseline):
        session.execute(
            delete(model).where(model.group_id == group_id, model.player_id.in_(players))
        )
    return {(pid, day) for pid, day in days}


def _all_snapshots(
    session: Session, group_id: int, players: set[int]
) -> list[tuple[int, int, datetime]]:
    if not players:
        return []
    rows = session.execute(
        select(Snapshot.id, Snapshot.player_id, Snapshot.taken_at).where(
            Snapshot.group_id == group_id, Snapshot.player_id.in_(players)
        )
    ).all()
    return [(sid, pid, taken) for sid, pid, taken in rows]


def _baselines(
    session: Session, group_id: int, players: set[int]
) -> dict[int, dict[int, float | None]]:
    baselines: dict[int, dict[int, float | None]] = {}
    for chunk in chunked(sorted(players), CHUNK):
        for pid, metric_id, value in session.execute(
            select(GainBaseline.player_id, GainBaseline.metric_id, GainBaseline.value).where(
                GainBaseline.group_id == group_id, GainBaseline.player_id.in_(chunk)
            )
        ):
            baselines.setdefault(pid, {})[metric_id] = value
    return baselines


def _with_values(
    session: Session, snapshots: list[tuple[int, int, datetime]]
) -> Iterable[tuple[int, int, datetime, list[tuple[int, float | None]]]]:
    """Each snapshot (in the given order) with its stored value rows."""
    values: dict[int, list[tuple[int, float | None]]] = defaultdict(list)
    for chunk in chunked([sid for sid, _, _ in snapshots], CHUNK):
        for sid, metric_id, value in session.execute(
            select(SnapshotValue.snapshot_id, SnapshotValue.metric_id, SnapshotValue.value).where(
                SnapshotValue.snapshot_id.in_(chunk)
            )
        ):
            values[sid].append((metric_id, value))
    for sid, pid, taken in snapshots:
        yield sid, pid, taken, values.get(sid, [])


def _add_gains(session: Session, group_id: int, gains: dict[tuple[int, date, int], float]) -> None:
    """Add gains to the stored ones (a day may already hold an earlier run's snapshot)."""
    if not gains:
        return
    days = sorted({day for _, day, _ in gains})
    players = sorted({pid for pid, _, _ in gains})
    existing: dict[tuple[int, date, int], float] = {}
    # The key starts with the day, so "these days, these players" is a short index walk.
    for day_chunk in chunked(days, CHUNK // 2):
        for player_chunk in chunked(players, CHUNK // 2):
            for pid, day, metric_id, gained in session.execute(
                select(
                    DailyGain.player_id, DailyGain.day, DailyGain.metric_id, DailyGain.gained
                ).where(
                    DailyGain.group_id == group_id,
                    DailyGain.day.in_(day_chunk),
                    DailyGain.player_id.in_(player_chunk),
                )
            ):
                if (pid, day, metric_id) in gains:
                    existing[(pid, day, metric_id)] = gained
    rows = [
        {
            "group_id": group_id,
            "player_id": pid,
            "day": day,
            "metric_id": metric_id,
            "gained": gained + existing.get((pid, day, metric_id), 0.0),
        }
        for (pid, day, metric_id), gained in gains.items()
    ]
    upsert(session, DailyGain, rows, keys=("group_id", "player_id", "day", "metric_id"))
