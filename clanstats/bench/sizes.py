"""The benchmark's clan sizes: S, M and L, and custom sizes built from them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from clanstats.errors import ConfigError

# The largest custom size the simulation is built for (the snowflake layout caps a chat's
# streams, and a group's members share one simulated Discord server).
MAX_MEMBERS = 50_000
MAX_DAYS = 3650
MAX_GROUPS = 50
# The short history a daily transform is also timed on, to show how it grows with history.
SHORT_HISTORY_DAYS = 30


@dataclass(frozen=True)
class Size:
    """A simulated clan: members in all, days of history, Discord messages in all, WOM groups."""

    name: str
    members: int
    days: int
    messages: int
    groups: int = 1

    @property
    def members_per_group(self) -> int:
        """Members in each group (the groups are the same size)."""
        return self.members // self.groups

    @property
    def messages_per_group(self) -> int:
        """Discord messages over the history in each group's server."""
        return self.messages // self.groups

    @property
    def member_days(self) -> int:
        """Members times days of history: what bytes per member-day divide by."""
        return self.members * self.days


SIZES: dict[str, Size] = {
    "S": Size("S", members=50, days=90, messages=10_000),
    "M": Size("M", members=500, days=365, messages=1_000_000),
    "L": Size("L", members=5_000, days=365, messages=10_000_000, groups=10),
}


def choose_size(
    name: str,
    *,
    members: int | None = None,
    days: int | None = None,
    messages: int | None = None,
    groups: int | None = None,
) -> Size:
    """The named size with any custom figures in place of its own; ConfigError when unusable."""
    if name not in SIZES:
        raise ConfigError(f"--size {name}: unknown size; use one of {', '.join(SIZES)}")
    changes: dict[str, Any] = {
        key: value
        for key, value in (
            ("members", members),
            ("days", days),
            ("messages", messages),
            ("groups", groups),
        )
        if value is not None
    }
    size = replace(SIZES[name], **changes)
    if changes:
        size = replace(size, name=f"{name} (custom)")
    _check(size)
    return size


def _check(size: Size) -> None:
    """Refuse sizes the simulation can't build, naming the option to fix."""
    if not 1 <= size.groups <= MAX_GROUPS:
        raise ConfigError(f"--groups {size.groups}: use 1 to {MAX_GROUPS}")
    if not size.groups <= size.members <= MAX_MEMBERS:
        raise ConfigError(
            f"--members {size.members}: use {size.groups} (one per group) to {MAX_MEMBERS}"
        )
    if not 2 <= size.days <= MAX_DAYS:
        raise ConfigError(f"--days {size.days}: use 2 to {MAX_DAYS}")
    if size.messages < 0:
        raise ConfigError(f"--messages {size.messages}: use 0 (no Discord) or more")


def with_history(size: Size, days: int) -> Size:
    """The same clan with only `days` days of history (and that share of its messages)."""
    if not 2 <= days < size.days:
        raise ConfigError(
            f"--compare-history {days}: use 2 to {size.days - 1} (fewer days than the clan's "
            f"{size.days}), or 0 not to compare"
        )
    return replace(
        size,
        name=f"{size.name}, {days} days",
        days=days,
        messages=size.messages * days // size.days,
    )
