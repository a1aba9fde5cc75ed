"""Competition standings: who took part in each group competition, what they gained, their place.

WOM serves a competition's participants at `GET /competitions/:id`, most gained first. Standings
are read while a competition runs and once after it ends, never again (`due_competitions`);
each answer becomes rows (`read_standings`) that replace that competition's rows
(`write_standings`), in the transaction of the harvest's `wom:competition-details` source.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from clanstats.db.models import Competition, CompetitionParticipation
from clanstats.db.upsert import insert_rows
from clanstats.errors import SourceError
from clanstats.wom.shapes import player_id_of

log = logging.getLogger(__name__)

TEAM_NAME_LENGTH = 60
MAX_ID = 2**31 - 1  # an INTEGER column's limit on PostgreSQL


@dataclass(frozen=True)
class Standings:
    """One competition's participation rows in WOM's order, and the Player objects served."""

    competition_id: int
    rows: list[dict[str, Any]]
    players: list[Mapping[str, Any]]


def due_competitions(
    session: Session,
    *,
    group_id: int,
    listed: Collection[int],
    now: datetime,
    lookback_days: int,
) -> list[int]:
    """The listed competitions whose standings to read now, oldest start first.

    Those that have started and either still run, or ended without a read after their end.
    Competitions that ended before the look-back are left alone, as the event feeds are: a
    first harvest of a clan with years of competitions would otherwise read every one.
    """
    if not listed:
        return []
    floor = now - timedelta(days=lookback_days)
    return list(
        session.scalars(
            select(Competition.id)
            .where(
                Competition.group_id == group_id,
                Competition.id.in_(list(listed)),
                Competition.starts_at <= now,
                Competition.ends_at >= floor,
                or_(
                    Competition.ends_at > now,
                    Competition.details_fetched_at.is_(None),
                    Competition.details_fetched_at < Competition.ends_at,
                ),
            )
            .order_by(Competition.starts_at, Competition.id)
        )
    )


def read_standings(
    details: Any, *, group_id: int, competition_id: int, fetched_at: datetime
) -> Standings:
    """Turn a CompetitionDetails answer into participation rows, ranked in WOM's order.

    An answer whose participations aren't a list of objects each with a numeric `playerId`
    can't be ranked: SourceError, and nothing of the competition is stored. A participation
    whose id is no usable WOM id (zero, negative, fractional) or repeats an earlier one is
    left out, with a warning; the others keep their place in WOM's list as their rank.
    """
    where = f"competition {competition_id}"
    participations = details.get("participations") if isinstance(details, Mapping) else None
    if not isinstance(participations, list):
        raise SourceError(
            f"Wise Old Man answered /competitions/:id for {where} without a participations "
            f"list (got {_kind(participations)}); its API may have changed"
        )
    rows: dict[int, dict[str, Any]] = {}
    players: list[Mapping[str, Any]] = []
    for rank, item in enumerate(participations, start=1):
        if not isinstance(item, Mapping):
            raise SourceError(
                f"Wise Old Man answered /competitions/:id for {where} with participation {rank} "
                f"being a {_kind(item)}, not an object; its API may have changed"
            )
        raw_id = item.get("playerId")
        if not _is_number(raw_id):
            raise SourceError(
                f"Wise Old Man answered /competitions/:id for {where} with participation {rank} "
                f"lacking a numeric playerId (got {_kind(raw_id)}); its API may have changed"
            )
        player_id = _positive_int(raw_id)
        if player_id is None or player_id in rows:
            reason = "repeats a player" if player_id in rows else "has no usable player id"
            log.warning("%s: participation %d %s (%r); left out", where, rank, reason, raw_id)
            continue
        start, end, gained = _progress(item)
        team = item.get("teamName")
        rows[player_id] = {
            "group_id": group_id,
            "competition_id": competition_id,
            "player_id": player_id,
            "team_name": team[:TEAM_NAME_LENGTH] if isinstance(team, str) and team else None,
            # A gain needs a value at both ends: from or to WOM's -1 it is no gain at all.
            "gained": gained if start is not None and end is not None else None,
            "start_value": start,
            "end_value": end,
            "rank": rank,
            "fetched_at": fetched_at,
        }
        player = item.get("player")
        if isinstance(player, Mapping) and player_id_of(player) == player_id:
            players.append(player)
    return Standings(competition_id, list(rows.values()), players)


def write_standings(
    session: Session, *, group_id: int, standings: Standings, known: Collection[int], now: datetime
) -> int:
    """Replace a competition's rows with these and mark it read now; returns the rows stored.

    A participant with no `players` row (WOM sent no usable Player for someone never seen
    before) is left out with a warning: a row for them would break the foreign key.
    """
    rows = [row for row in standings.rows if row["player_id"] in known]
    unknown = len(standings.rows) - len(rows)
    if unknown:
        log.warning(
            "competition %d: %d participants WOM sent no player details for were left out",
            standings.competition_id,
            unknown,
        )
    mine = (CompetitionParticipation.group_id == group_id) & (
        CompetitionParticipation.competition_id == standings.competition_id
    )
    session.execute(delete(CompetitionParticipation).where(mine))
    insert_rows(session, CompetitionParticipation, rows)
    session.execute(
        update(Competition)
        .where(Competition.group_id == group_id, Competition.id == standings.competition_id)
        .values(details_fetched_at=now)
    )
    return len(rows)


def _progress(item: Mapping[str, Any]) -> tuple[float | None, float | None, float | None]:
    """(start, end, gained) in the competition's metric, None where WOM has no value.

    `progress` is the delta WOM sorts by; WOM keeps it for older clients only, so without it
    the first of `deltas` (the same one) is read.
    """
    progress = item.get("progress")
    if not isinstance(progress, Mapping):
        deltas = item.get("deltas")
        first = deltas[0] if isinstance(deltas, list) and deltas else None
        progress = first.get("values") if isinstance(first, Mapping) else None
    if not isinstance(progress, Mapping):
        return None, None, None
    return (
        _known(progress.get("start")),
        _known(progress.get("end")),
        _known(progress.get("gained")),
    )


def _known(value: Any) -> float | None:
    """A value as a float; None for WOM's -1 (unknown), any negative, or a non-number."""
    if not _is_number(value) or not math.isfinite(value) or value < 0:
        return None
    return float(value)


def _positive_int(value: Any) -> int | None:
    """A WOM id: a whole number from 1 to the database's integer limit (5.0 included)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and 0 < value <= MAX_ID else None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    """A JSON value's kind for an error message: `null`, `str` ..."""
    return "null" if value is None else type(value).__name__
