"""Discord API v10 JSON shapes of the simulated guild, as discord.py 2.7 parses them."""

from __future__ import annotations

from collections.abc import Callable

from simulator import chat_text
from simulator.chat_cast import ChatUser
from simulator.chat_layout import AUTO_ARCHIVE_MINUTES, Channel, Layout, Thread
from simulator.chat_streams import (
    ANSWER,
    BOT_ANSWER,
    COMMAND,
    FOLLOW_UP,
    QUESTION,
    REACTION,
    RELAY,
    RELAY_QUESTION,
    RELAY_SYSTEM,
    WEBHOOK,
)
from simulator.shapes import Json
from simulator.snowflakes import discord_time

VIEW_CHANNEL = 1 << 10
READ_MESSAGE_HISTORY = 1 << 16
_EVERYONE_PERMISSIONS = 0x6_3284_0E41  # view, send, history, reactions, embeds, ...
_ROLE_PERMISSIONS = {"Staff": 0x8, "Member": 0, "ClanStats": VIEW_CHANNEL | READ_MESSAGE_HISTORY}
_ROLE_PERMISSIONS["Bots"] = _ROLE_PERMISSIONS["ClanStats"]


def user_json(user: ChatUser) -> Json:
    """Return a user object, as Discord embeds it as a message author."""
    json: Json = {
        "id": str(user.id),
        "username": user.username,
        "discriminator": "0000" if user.kind == "webhook" else "0",
        "avatar": None,
        "global_name": user.global_name,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": None,
    }
    if user.bot:
        json["bot"] = True
    return json


def member_json(user: ChatUser, roles: list[int]) -> Json:
    """Return a guild member object."""
    return {
        "user": user_json(user),
        "nick": user.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(role) for role in roles],
        "joined_at": discord_time(user.joined_ms),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }


def application_json(app: ChatUser, owner: ChatUser) -> Json:
    """Return the bot's application object (GET /oauth2/applications/@me)."""
    return {
        "id": str(app.id),
        "name": app.global_name or app.username,
        "icon": None,
        "description": "Clan activity statistics",
        "type": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "verify_key": f"{app.id:064x}"[-64:],
        "owner": user_json(owner),
        "flags": 0,
        "flags_new": "0",
        "team": None,
        "bot": user_json(app),
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "approximate_guild_count": 1,
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "eligible_oauth2_scopes": ["bot", "applications.commands"],
    }


def guild_json(layout: Layout, *, name: str, owner_id: int, members: int | None) -> Json:
    """Return a guild object; `members` adds the approximate counts of `with_counts=true`."""
    roles = [_role_json(layout.guild_id, "@everyone", 0, _EVERYONE_PERMISSIONS)]
    for position, (role, role_id) in enumerate(layout.roles.items(), start=1):
        roles.append(_role_json(role_id, role, position, _ROLE_PERMISSIONS[role]))
    guild: Json = {
        "id": str(layout.guild_id),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "home_header": None,
        "owner_id": str(owner_id),
        "region": "deprecated",
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": roles,
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": str(layout.channels[0].id),
        "system_channel_flags": 0,
        "widget_enabled": False,
        "widget_channel_id": None,
        "rules_channel_id": None,
        "safety_alerts_channel_id": None,
        "public_updates_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-GB",
        "nsfw": False,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "max_presences": None,
        "max_members": 500000,
        "max_stage_video_channel_users": 50,
        "max_video_channel_users": 25,
        "incidents_data": None,
    }
    if members is not None:
        guild["approximate_member_count"] = members
        guild["approximate_presence_count"] = max(1, members // 3)
    return guild


def _role_json(role_id: int, name: str, position: int, permissions: int) -> Json:
    """Return a role object."""
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": name == "Staff",
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": name == "ClanStats",
        "mentionable": False,
        "flags": 0,
    }


def category_json(layout: Layout) -> Json:
    """Return the category channel holding every text channel."""
    return {
        "id": str(layout.category_id),
        "type": 4,
        "guild_id": str(layout.guild_id),
        "name": "Clan",
        "position": 0,
        "permission_overwrites": [],
        "parent_id": None,
        "nsfw": False,
        "flags": 0,
    }


def channel_json(channel: Channel, layout: Layout, last_message_id: int | None) -> Json:
    """Return a text channel object; staff-only hides itself from everyone but Staff."""
    overwrites = []
    if channel.forbidden:
        allow = VIEW_CHANNEL | READ_MESSAGE_HISTORY
        overwrites = [
            {"id": str(layout.guild_id), "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)},
            {"id": str(layout.roles["Staff"]), "type": 0, "allow": str(allow), "deny": "0"},
        ]
    return {
        "id": str(channel.id),
        "type": 0,
        "guild_id": str(layout.guild_id),
        "name": channel.name,
        "position": channel.position,
        "permission_overwrites": overwrites,
        "parent_id": str(layout.category_id),
        "topic": channel.description,
        "nsfw": False,
        "rate_limit_per_user": 0,
        "last_message_id": str(last_message_id) if last_message_id else None,
        "default_auto_archive_duration": AUTO_ARCHIVE_MINUTES,
        "flags": 0,
    }


def thread_json(
    thread: Thread, layout: Layout, *, now_ms: int, message_count: int, last_message_id: int | None
) -> Json:
    """Return a public thread object (type 11) with its metadata as of `now_ms`."""
    archived = thread.archived(now_ms)
    return {
        "id": str(thread.id),
        "type": 11,
        "guild_id": str(layout.guild_id),
        "parent_id": str(thread.parent_id),
        "owner_id": str(thread.owner_id),
        "name": thread.name,
        "last_message_id": str(last_message_id) if last_message_id else None,
        "message_count": message_count,
        "total_message_sent": message_count,
        "member_count": len(thread.participants),
        "rate_limit_per_user": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": archived,
            "auto_archive_duration": AUTO_ARCHIVE_MINUTES,
            "archive_timestamp": discord_time(thread.archive_ms if archived else thread.created_ms),
            "locked": False,
            "create_timestamp": discord_time(thread.created_ms),
        },
    }


def message_json(
    *,
    message_id: int,
    channel_id: int,
    guild_id: int,
    ms: int,
    author: ChatUser,
    content: str,
    reference: Json | None,
) -> Json:
    """Return a message object; a reply (type 19) carries its reference and the full target."""
    message: Json = {
        "id": str(message_id),
        "type": 19 if reference is not None else 0,
        "content": content,
        "channel_id": str(channel_id),
        "author": user_json(author),
        "attachments": [],
        "embeds": [],
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "mention_everyone": False,
        "tts": False,
        "timestamp": discord_time(ms),
        "edited_timestamp": None,
        "flags": 0,
        "components": [],
    }
    if author.kind == "webhook":
        message["webhook_id"] = str(author.id)
    if reference is not None:
        message["message_reference"] = {
            "type": 0,
            "message_id": reference["id"],
            "channel_id": str(channel_id),
            "guild_id": str(guild_id),
        }
        message["referenced_message"] = reference
    return message


def message_text(kind: int, topic: str, seed: int, message_id: int, speaker: str | None) -> str:
    """Return a message's text (with its marker) from its kind, topic and seed."""
    token = chat_text.marker(message_id)
    if kind in (RELAY, RELAY_QUESTION):
        return chat_text.relay_line(speaker or "?", seed, token, asks=kind == RELAY_QUESTION)
    if kind == RELAY_SYSTEM:
        if speaker is None:
            return chat_text.relay_system_line("", 3, token)  # the relay's reconnect notice
        return chat_text.relay_system_line(speaker, seed, token)
    if kind == QUESTION:
        return chat_text.question(topic, seed, token)
    render = _TEXTS.get(kind)
    return render(seed, token) if render is not None else chat_text.plain(topic, seed, token)


_TEXTS: dict[int, Callable[[int, str], str]] = {
    ANSWER: chat_text.answer,
    FOLLOW_UP: chat_text.follow_up,
    REACTION: chat_text.reaction,
    COMMAND: chat_text.command,
    BOT_ANSWER: chat_text.bot_answer,
    WEBHOOK: chat_text.webhook_post,
}
