"""Players with alts, as the report and the export show them: a main and its alt accounts.

Transform matches the officers' people file to members and writes each alt's main on its
`member_status` row (`main_player_id`); a player's gains and messages over a window are their
accounts' added up, counting only the accounts with data (None when none has any).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# A player's status is the most active of their accounts'.
STATUS_ORDER = ("active", "new", "quiet", "unknown", "inactive", "left")


@dataclass(frozen=True)
class Person:
    """A player with alts: their main's player id, then every account's, the main first."""

    main: int
    accounts: tuple[int, ...]

    @property
    def alts(self) -> tuple[int, ...]:
        """Their alts' player ids."""
        return self.accounts[1:]


def people_with_alts(main_of: Mapping[int, int]) -> list[Person]:
    """Each player with alts (alt -> main), by their main's player id."""
    alts: dict[int, list[int]] = {}
    for alt, main in main_of.items():
        alts.setdefault(main, []).append(alt)
    return [Person(main, (main, *sorted(alts[main]))) for main in sorted(alts)]


def total(values: Iterable[float | None]) -> float | None:
    """The known values added up; None when none is known (no data is not 0)."""
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def order_key(status: str, xp_30d: float | None, name: str) -> tuple[int, float, str]:
    """Where a player with alts stands in a list: the most active first, then by 30-day XP
    (most first), then by name."""
    return STATUS_ORDER.index(status), -(xp_30d or 0), name.lower()


def most_active(statuses: Iterable[str]) -> str:
    """The most active of a player's account statuses."""
    return min(statuses, key=lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else 99)
