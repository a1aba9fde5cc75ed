"""When the clan talks: a weekday x hour heatmap and message counts per channel.

People only: bots and webhooks are left out; relayed in-game lines count, since they are people
talking. Recomputed each run over the last 90 days (a few hundred thousand ids at most).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from clanstats.chat.snowflakes import snowflake_at, snowflake_time
from clanstats.db.models import ChannelCount, ChatHeatmap, DiscordMessage
from clanstats.rules import Rules
from clanstats.windows import HEATMAP_DAYS

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CHANNEL_PERIODS = {"7d": 7, "30d": 30, "90d": 90}


def derive_chat_rhythm(
    session: Session, *, group_id: int, today: date, rules: Rules, timezone: ZoneInfo
) -> dict[str, object]:
    """Replace the group's heatmap and channel counts; return the busiest hour for the summary."""
    del rules  # same signature as every derivation; nothing here is configurable
    first_day = today - timedelta(days=HEATMAP_DAYS - 1)
    start = datetime.combine(first_day, time(), timezone).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(today + timedelta(days=1), time(), timezone)
    end_utc = end.astimezone(UTC).replace(tzinfo=None)
    heatmap: Counter[tuple[int, int]] = Counter()
    channels: Counter[tuple[int, str]] = Counter()
    for message_id, channel_id in session.execute(
        select(DiscordMessage.message_id, DiscordMessage.channel_id).where(
            DiscordMessage.group_id == group_id,
            DiscordMessage.message_id >= snowflake_at(start),
            DiscordMessage.message_id < snowflake_at(end_utc),
            DiscordMessage.is_bot.is_(False),
            DiscordMessage.is_webhook.is_(False),
        )
    ):
        moment = snowflake_time(message_id).replace(tzinfo=UTC).astimezone(timezone)
        heatmap[(moment.weekday(), moment.hour)] += 1
        age = (today - moment.date()).days
        for period, days in CHANNEL_PERIODS.items():
            if age < days:
                channels[(channel_id, period)] += 1
    for model in (ChatHeatmap, ChannelCount):
        session.execute(delete(model).where(model.group_id == group_id))
    if heatmap:
        session.execute(
            insert(ChatHeatmap),
            [
                {"group_id": group_id, "weekday": weekday, "hour": hour, "messages": count}
                for (weekday, hour), count in sorted(heatmap.items())
            ],
        )
    if channels:
        session.execute(
            insert(ChannelCount),
            [
                {"group_id": group_id, "channel_id": channel, "period": period, "messages": count}
                for (channel, period), count in sorted(channels.items())
            ],
        )
    if not heatmap:
        return {"busiest hour": "no messages"}
    (weekday, hour), _ = heatmap.most_common(1)[0]
    return {"busiest hour": f"{WEEKDAYS[weekday]} {hour:02d}:00"}
