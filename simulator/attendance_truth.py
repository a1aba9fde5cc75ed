"""What competition_attendance must say about a simulated clan.

From the simulation's own competitions and standings and the harvests the pipeline ran: a
competition is known once a successful harvest listed it; its standings are those WOM served at
the last successful harvest from its start on, reading it at most once after its end and never
once it ended more than the look-back before a harvest. Then, per the README: a competition
counts from its clan start day; per player, the started competitions they took part in, their
best place, and over the last 90 days the competitions started while they were in the clan (a
member at the end of the start day), those they took part in, and the rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from simulator.truth import Truth

ATTENDANCE_DAYS = 90


@dataclass(frozen=True)
class AttendanceTruth:
    """One player's competition_attendance row."""

    joined: int
    best_rank: int | None
    last_joined_on: date | None
    held_90: int
    joined_90: int
    rate_90: float | None


def attendance(truth: Truth, *, lookback_days: int) -> dict[int, AttendanceTruth]:
    """Every player's row by id (players with nothing joined and nothing held have none)."""
    harvests = truth.observed.wom_harvests(truth.now)
    starts: dict[int, date] = {}
    placings: dict[int, dict[int, int]] = {}  # competition -> player -> place
    for item in truth.clan.competitions():
        created, start, end = (_moment(item[k]) for k in ("createdAt", "startsAt", "endsAt"))
        if not any(h >= created for h in harvests):
            continue  # no harvest has listed it yet
        starts[int(item["id"])] = truth.day(start)
        read = None
        for at in harvests:
            if at < start or end < at - timedelta(days=lookback_days):
                continue
            read = at
            if at >= end:
                break  # the read after its end is its last
        if read is not None:
            placings[int(item["id"])] = {
                p.player_id: p.rank for p in truth.clan.competition_placings(int(item["id"]), read)
            }
    started = {cid: day for cid, day in starts.items() if day <= truth.today}
    since = truth.today - timedelta(days=ATTENDANCE_DAYS - 1)
    found = {}
    players = set(truth.stays) | {pid for cid in started for pid in placings.get(cid, {})}
    for pid in sorted(players):
        taken = sorted(
            (started[cid], cid, ranks[pid])
            for cid, ranks in placings.items()
            if cid in started and pid in ranks
        )
        held = {cid for cid, day in started.items() if day >= since and _member_on(truth, pid, day)}
        joined_90 = sum(1 for _, cid, _ in taken if cid in held)
        if not taken and not held:
            continue
        found[pid] = AttendanceTruth(
            joined=len(taken),
            best_rank=min((rank for *_, rank in taken), default=None),
            last_joined_on=taken[-1][0] if taken else None,
            held_90=len(held),
            joined_90=joined_90,
            rate_90=joined_90 / len(held) if held else None,
        )
    return found


def _member_on(truth: Truth, pid: int, day: date) -> bool:
    """In the clan at the end of a clan day: a stay begun by then (or of unknown start) and not
    left by then."""
    return any(
        (start is None or truth.day(start) <= day) and (end is None or truth.day(end) > day)
        for start, end in truth.stays.get(pid, [])
    )


def _moment(text: object) -> datetime:
    return datetime.fromisoformat(str(text))
