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
from datetime import date, timedelta

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


def attendance(truth: Truth) -> dict[int, AttendanceTruth]:
    """Every player's row by id (players with nothing joined and nothing held have none)."""
    started = {cid: day for cid, day in truth.competition_starts.items() if day <= truth.today}
    since = truth.today - timedelta(days=ATTENDANCE_DAYS - 1)
    found = {}
    for pid in sorted(set(truth.stays) | set(truth.competitions_taken)):
        taken = truth.competitions_taken.get(pid, [])
        held = {cid for cid, day in started.items() if day >= since and truth.member_on(pid, day)}
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
