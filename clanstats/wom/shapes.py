"""Turn WOM JSON objects into database rows, tolerating missing fields and nulls."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Which field holds a section's value; unknown sections fall back to the first numeric field.
VALUE_FIELD = {
    "skills": "experience",
    "bosses": "kills",
    "activities": "score",
    "computed": "value",
}
SECTION_KIND = {
    "skills": "skill",
    "bosses": "boss",
    "activities": "activity",
    "computed": "computed",
}
FALLBACK_FIELDS = ("value", "experience", "kills", "score")
METRIC_NAME = re.compile(r"^[a-z0-9_]{1,64}$")


@dataclass(frozen=True)
class DecodedSnapshot:
    """A snapshot as metric name -> (kind, value or None for unknown)."""

    taken_at: datetime
    values: dict[str, tuple[str, float | None]]


def decode_values(data: Any) -> dict[str, tuple[str, float | None]]:
    """Turn a WOM snapshot's `data` into {metric: (kind, value)}, skipping what isn't usable."""
    values: dict[str, tuple[str, float | None]] = {}
    if not isinstance(data, Mapping):
        return values
    for section, entries in data.items():
        if not isinstance(entries, Mapping):
            continue
        kind = SECTION_KIND.get(section, str(section)[:20])
        for metric, entry in entries.items():
            if not isinstance(metric, str) or not METRIC_NAME.match(metric):
                continue
            usable, value = _entry_value(section, entry)
            if usable:
                values[metric] = (kind, value)
    return values


def _entry_value(section: str, entry: Any) -> tuple[bool, float | None]:
    """(whether the entry holds a value field at all, the value or None for unknown)."""
    if not isinstance(entry, Mapping):
        return False, None
    fields = (VALUE_FIELD[section],) if section in VALUE_FIELD else FALLBACK_FIELDS
    for name in fields:
        if name in entry:
            raw = entry[name]
            if raw is None or isinstance(raw, bool) or not isinstance(raw, int | float):
                return True, None
            return True, (None if raw < 0 else float(raw))
    return False, None


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
