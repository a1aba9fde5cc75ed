"""Read the Discord tables for the Discord sheet: the weekday x hour heatmap and channel counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.db.models import ChannelCount, ChatHeatmap, DiscordChannel

CHANNEL_PERIODS = ("7d", "30d", "90d")


@dataclass(frozen=True)
class ChannelActivity:
    """A channel or thread and its people's messages per period (no row: none)."""

    channel_id: int
    name: str
    kind: str
    parent_name: str | None
    messages: dict[str, int] = field(default_factory=dict)


def chat_heatmap(session: Session, group_id: int) -> dict[tuple[int, int], int]:
    """Messages per (weekday 0 = Monday, hour) over the last 90 days, clan time."""
    rows = session.execute(
        select(ChatHeatmap.weekday, ChatHeatmap.hour, ChatHeatmap.messages).where(
            ChatHeatmap.group_id == group_id
        )
    )
    return {(weekday, hour): messages for weekday, hour, messages in rows}


def channel_activity(session: Session, group_id: int) -> list[ChannelActivity]:
    """Every channel with messages in the last 90 days, busiest first."""
    names = {
        channel_id: (name, kind, parent_id)
        for channel_id, name, kind, parent_id in session.execute(
            select(
                DiscordChannel.channel_id,
                DiscordChannel.name,
                DiscordChannel.kind,
                DiscordChannel.parent_id,
            ).where(DiscordChannel.group_id == group_id)
        )
    }
    counts: dict[int, dict[str, int]] = {}
    for channel_id, period, messages in session.execute(
        select(ChannelCount.channel_id, ChannelCount.period, ChannelCount.messages).where(
            ChannelCount.group_id == group_id
        )
    ):
        counts.setdefault(channel_id, {})[period] = messages
    channels = []
    for channel_id, per_period in counts.items():
        name, kind, parent_id = names.get(channel_id, (f"channel {channel_id}", "unknown", None))
        parent = names[parent_id][0] if parent_id is not None and parent_id in names else None
        channels.append(ChannelActivity(channel_id, name, kind, parent, per_period))
    channels.sort(key=lambda c: (-c.messages.get("90d", 0), -c.messages.get("30d", 0), c.name))
    return channels
