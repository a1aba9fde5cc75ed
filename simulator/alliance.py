"""A simulated clan alliance: several clans (WOM groups) and their Discord guilds.

    clans, chats = build_alliance(alliance_configs(3, members=20, days=30))
    with FakeWomServer(clans) as wom, FakeDiscordServer(chats) as discord:
        ...  # group ids 4242, 4243, 4244; guilds ALLIANCE_GUILD_ID + i * GUILD_ID_STEP

Each clan gets its own seed, group id and name; each guild its own id, a simulated day apart so
the channel ids (snowflakes timed after the guild's creation) never collide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from simulator.chat import ChatConfig, SimulatedChat
from simulator.clan import SimConfig, SimulatedClan

__all__ = [
    "ALLIANCE_GUILD_ID",
    "FIRST_GROUP_ID",
    "GUILD_ID_STEP",
    "alliance_configs",
    "build_alliance",
    "guild_id",
]

FIRST_GROUP_ID = 4242
ALLIANCE_GUILD_ID = 700000000000000001
GUILD_ID_STEP = 86_400_000 << 22  # one day of snowflake time


def guild_id(index: int) -> int:
    """Return the guild id of the alliance's `index`-th clan (0-based)."""
    return ALLIANCE_GUILD_ID + index * GUILD_ID_STEP


def alliance_configs(
    groups: int,
    *,
    members: int | Sequence[int] = 50,
    days: int = 120,
    seed: int = 7,
    now: datetime | None = None,
    names: Sequence[str] | None = None,
) -> list[SimConfig]:
    """Return the SimConfigs of `groups` clans: seeds seed+i, group ids 4242+i, own names.

    `members` is one size for every clan or one per clan; `names` likewise overrides the
    default names ("Sim Clan 1", ...).
    """
    if groups < 1:
        raise ValueError(f"groups must be >= 1, got {groups}")
    sizes = [members] * groups if isinstance(members, int) else list(members)
    labels = list(names) if names is not None else [f"Sim Clan {i + 1}" for i in range(groups)]
    if len(sizes) != groups or len(labels) != groups:
        raise ValueError(f"members and names need one entry per group ({groups})")
    base = SimConfig(days=days, now=now)
    return [
        replace(base, seed=seed + i, members=sizes[i], group_id=FIRST_GROUP_ID + i,
                group_name=labels[i])
        for i in range(groups)
    ]  # fmt: skip


def build_alliance(
    configs: Sequence[SimConfig], *, chat_seed: int = 107, message_scale: float = 1.0
) -> tuple[list[SimulatedClan], list[SimulatedChat]]:
    """Return a clan per config (see `alliance_configs`) and one Discord guild per clan."""
    clans = [SimulatedClan(config) for config in configs]
    chats = [
        SimulatedChat(
            clan,
            ChatConfig(seed=chat_seed + i, guild_id=guild_id(i), message_scale=message_scale),
        )
        for i, clan in enumerate(clans)
    ]
    return clans, chats
