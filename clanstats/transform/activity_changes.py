"""What a transform run changed in daily_activity, for the derivations that read only it.

Personal records, message milestones and the clan's days are functions of daily_activity
alone. Knowing which (player, day) rows a run changed, and from what to what, lets them redo
only those players or days instead of reading a year of history every day. When a run changes
too many rows to keep (a first run, a new identity link that moves a year of messages), the
changes say `everything` and those derivations read it all, as a rebuild does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from clanstats.db.models import DailyActivity

# daily_activity's value columns, in table order: the order of a row's values below.
COLUMNS = ("xp", "ehp", "ehb", "boss_kills", "messages", "questions", "answers")
POSITION = {column: n for n, column in enumerate(COLUMNS)}
# Beyond this many changed rows the details cost more memory than reading everything saves;
# a daily run changes about one row per member.
CHANGES_KEPT = 20_000

# A row's values in COLUMNS order; None: no row.
Values = tuple[Any, ...] | None


@dataclass(frozen=True)
class RowChange:
    """One changed (player, day) row of daily_activity: its values before and after."""

    day: date
    old: Values
    new: Values

    def value(self, column: str, *, before: bool = False) -> float:
        """The column's number before or after (0 for no row and for no snapshot that day)."""
        values = self.old if before else self.new
        if values is None:
            return 0.0
        number = values[POSITION[column]]
        return float(number) if number is not None else 0.0

    def moved(self, column: str) -> bool:
        """Whether the column's number changed."""
        return self.value(column) != self.value(column, before=True)


@dataclass
class ActivityChanges:
    """The rows of daily_activity one run changed, or `everything`."""

    everything: bool = False
    rows: dict[tuple[int, date], RowChange] = field(default_factory=dict)

    def add(self, player_id: int, day: date, old: Values, new: Values) -> None:
        """Note a changed row (forgetting the details once there are too many)."""
        if self.everything:
            return
        self.rows[player_id, day] = RowChange(day, old, new)
        if len(self.rows) > CHANGES_KEPT:
            self.everything = True
            self.rows.clear()

    def days(self, *, through: date) -> set[date]:
        """The days up to `through` with a changed row."""
        return {day for _, day in self.rows if day <= through}

    def by_player(self) -> dict[int, list[RowChange]]:
        """Each player's changed rows, oldest day first."""
        players: dict[int, list[RowChange]] = defaultdict(list)
        for (player_id, _), change in sorted(self.rows.items()):
            players[player_id].append(change)
        return players


def rows_not_yet_counted(
    session: Session,
    group_id: int,
    changes: ActivityChanges,
    *,
    since: date,
    today: date,
    where: ColumnElement[bool] | None = None,
) -> Iterator[tuple[int, date]]:
    """The (player, day) rows after `since` (the last run's today) up to today that no run has
    counted whole: every one that was there before this run (it was in the last run's future,
    and this run may have changed only some of its columns). Rows this run wrote afresh are
    left out: all of their numbers are among the changes.
    """
    if today <= since:
        return
    query = select(DailyActivity.player_id, DailyActivity.day).where(
        DailyActivity.group_id == group_id,
        DailyActivity.day > since,
        DailyActivity.day <= today,
    )
    for player_id, day in session.execute(query if where is None else query.where(where)):
        change = changes.rows.get((player_id, day))
        if change is None or change.old is not None:
            yield player_id, day
