"""When the clan talks: a weekday x hour heatmap and message counts per channel.

People only: bots and webhooks are left out; relayed in-game lines count, since they are people
talking. Recomputed each run over the last 90 days: the database counts the messages per
quarter hour and channel (a few thousand rows however busy the chat), and each quarter hour is
placed on the clan's clock here.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clanstats.chat.snowflakes import DISCORD_EPOCH_MS, TIMESTAMP_SHIFT, snowflake_at
from clanstats.db.models import ChannelCount, ChatHeatmap, DiscordMessage
from clanstats.db.replace import replace_rows
from clanstats.rules import Rules
from clanstats.windows import HEATMAP_DAYS

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CHANNEL_PERIODS = {"7d": 7, "30d": 30, "90d": 90}
# Every timezone's offset from UTC is a whole number of quarter hours (India +5:30, Nepal +5:45),
# so a quarter hour of UTC falls in one local hour and day. Discord's epoch is on one too.
QUARTER_HOUR_MS = 15 * 60 * 1000


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
    # An id's top bits are its millisecond: id // (2**22 * a quarter hour) is its quarter hour.
    quarter = (DiscordMessage.message_id // ((1 << TIMESTAMP_SHIFT) * QUARTER_HOUR_MS)).label(
        "quarter"
    )
    for number, channel_id, messages in session.execute(
        select(quarter, DiscordMessage.channel_id, func.count())
        .where(
            DiscordMessage.group_id == group_id,
            DiscordMessage.message_id >= snowflake_at(start),
            DiscordMessage.message_id < snowflake_at(end_utc),
            DiscordMessage.is_bot.is_(False),
            DiscordMessage.is_webhook.is_(False),
        )
        .group_by(quarter, DiscordMessage.channel_id)
    ):
        seconds = (DISCORD_EPOCH_MS + int(number) * QUARTER_HOUR_MS) / 1000
        moment = datetime.fromtimestamp(seconds, UTC).astimezone(timezone)
        heatmap[(moment.weekday(), moment.hour)] += messages
        age = (today - moment.date()).days
        for period, days in CHANNEL_PERIODS.items():
            if age < days:
                channels[(channel_id, period)] += messages
    replace_rows(
        session,
        ChatHeatmap,
        [
            {"group_id": group_id, "weekday": weekday, "hour": hour, "messages": count}
            for (weekday, hour), count in sorted(heatmap.items())
        ],
        scope=ChatHeatmap.group_id == group_id,
    )
    replace_rows(
        session,
        ChannelCount,
        [
            {"group_id": group_id, "channel_id": channel, "period": period, "messages": count}
            for (channel, period), count in sorted(channels.items())
        ],
        scope=ChannelCount.group_id == group_id,
    )
    if not heatmap:
        return {"busiest hour": "no messages"}
    (weekday, hour), _ = heatmap.most_common(1)[0]
    return {"busiest hour": f"{WEEKDAYS[weekday]} {hour:02d}:00"}
