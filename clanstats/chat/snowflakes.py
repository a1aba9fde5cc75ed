"""Discord snowflake ids: each one carries the millisecond it was made."""

from __future__ import annotations

from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000  # 2015-01-01T00:00:00Z
TIMESTAMP_SHIFT = 22  # the low 22 bits are worker, process and increment


def snowflake_time(snowflake: int) -> datetime:
    """The naive UTC time a snowflake id was minted."""
    ms = (snowflake >> TIMESTAMP_SHIFT) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, UTC).replace(tzinfo=None)


def snowflake_at(moment: datetime) -> int:
    """The smallest snowflake minted at `moment` (naive UTC): use it as an id bound for times."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return max(int(aware.timestamp() * 1000) - DISCORD_EPOCH_MS, 0) << TIMESTAMP_SHIFT
