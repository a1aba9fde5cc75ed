"""Discord snowflake ids and timestamps: ids encode the millisecond they were minted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

# Discord's definition, written out here: the simulator imports nothing from ClanStats, so a
# wrong constant in its snowflake decoding shows up against the simulated ids.
DISCORD_EPOCH_MS = 1_420_070_400_000  # 2015-01-01T00:00:00Z
LOW_BITS = 22  # the low 22 bits are worker, process and increment
LOW_MASK = (1 << LOW_BITS) - 1


def snowflake(ms: int, low: int = 0) -> int:
    """Return the snowflake minted at epoch millisecond `ms` with `low` in its 22 low bits."""
    return ((int(ms) - DISCORD_EPOCH_MS) << LOW_BITS) | (int(low) & LOW_MASK)


def snowflakes(ms: np.ndarray, low: np.ndarray) -> np.ndarray:
    """Return snowflakes for arrays of epoch milliseconds and low bits."""
    return ((ms.astype(np.int64) - DISCORD_EPOCH_MS) << LOW_BITS) | (
        low.astype(np.int64) & LOW_MASK
    )


def snowflake_ms(snowflake_id: int) -> int:
    """Return the epoch millisecond a snowflake was minted at."""
    return (int(snowflake_id) >> LOW_BITS) + DISCORD_EPOCH_MS


def discord_time(ms: int) -> str:
    """Format epoch milliseconds as Discord does: `2026-11-20T12:00:00.123000+00:00`."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(ms))
    return moment.isoformat(timespec="microseconds")


def parse_discord_time(text: str) -> int:
    """Return epoch milliseconds of an ISO 8601 moment (naive means UTC)."""
    moment = datetime.fromisoformat(text)
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)
