"""Turn WOM JSON objects into database rows, tolerating missing fields and nulls."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from clanstats.harvest.snapshots import DecodedSnapshot, decode_values


def parse_time(raw: Any) -> datetime | None:
    """Parse WOM's ISO 8601 UTC time into a naive UTC datetime; None if absent or malformed."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # a valid offset that carries the instant past year 1 or 9999
            return None
    return parsed


def player_id_of(obj: Any) -> int | None:
    """The WOM player id of a Player (or an object with `playerId`), None when missing."""
    if not isinstance(obj, Mapping):
        return None
    value = obj.get("id", obj.get("playerId"))
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def player_row(
    group_id: int, player: Mapping[str, Any], seen_at: datetime
) -> dict[str, Any] | None:
    """A `players` row from a WOM Player, or None when it has no usable id."""
    player_id = player_id_of(player)
    if player_id is None:
        return None
    username = _text(player.get("username"), 64) or f"player-{player_id}"
    return {
        "group_id": group_id,
        "player_id": player_id,
        "username": username,
        "display_name": _text(player.get("displayName"), 64) or username,
        "account_type": _text(player.get("type"), 20),
        "build": _text(player.get("build"), 20),
        "status": _text(player.get("status"), 20),
        "country": _text(player.get("country"), 8),
        "exp": _number(player.get("exp")),
        "ehp": _number(player.get("ehp")),
        "ehb": _number(player.get("ehb")),
        "ttm": _number(player.get("ttm")),
        "registered_at": parse_time(player.get("registeredAt")),
        "wom_updated_at": parse_time(player.get("updatedAt")),
        "last_changed_at": parse_time(player.get("lastChangedAt")),
        "first_seen_at": seen_at,
    }


def decoded_snapshot(snapshot: Any) -> DecodedSnapshot | None:
    """A WOM Snapshot as a DecodedSnapshot; None when it has no time or no data."""
    if not isinstance(snapshot, Mapping):
        return None
    taken_at = parse_time(snapshot.get("createdAt"))
    if taken_at is None:
        return None
    values = decode_values(snapshot.get("data"))
    return DecodedSnapshot(taken_at, values) if values else None


def _text(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)
