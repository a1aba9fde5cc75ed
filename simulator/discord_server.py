"""A loopback server speaking the Discord REST API v10 subset a harvester reads, over a chat.

    with FakeDiscordServer(SimulatedChat(clan)) as server:
        discord.http.Route.BASE = server.api_base  # then log in with chat.bot_token

It checks the bot token, answers in the shapes discord.py 2.7 parses (Content-Type exactly
`application/json`, messages newest first even for `after=`), refuses the staff-only channel
(403), sends Discord's X-RateLimit-* headers and 429s, and records every request. It serves the
API as Discord does; the tests that need a misbehaving Discord add faults to it
(tests/faults/discord.py). With `message_content=False` every message's content is "", as
without the Message Content intent.
It also serves a channel webhook (`POST /api/v10/webhooks/{id}/{token}`, JSON or multipart with
`payload_json` and `files[n]`) at `server.webhook_url`, recording each post in `webhook_posts`.
Run `python -m simulator.discord_server --members 50 --days 120` for a demo server.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from typing import Any

from simulator.chat import ChatConfig, SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from simulator.loopback import (
    FixedWindowLimiter,
    LoopbackServer,
    Quota,
    RecordedRequest,
    Request,
    Response,
    format_seconds,
    json_response,
    serve_until_stopped,
)
from simulator.shapes import Json
from simulator.snowflakes import parse_discord_time

__all__ = ["DiscordError", "FakeDiscordServer", "RecordedRequest", "WebhookPost", "main"]

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
JSON_TYPE = "application/json"  # exactly: discord.py compares the header string
_MESSAGE_LIMIT, _DEFAULT_MESSAGES = 100, 50
_THREAD_LIMIT, _DEFAULT_THREADS = 100, 50
_MEMBER_LIMIT = 1000
WEBHOOK_ID = 1_180_000_000_000_000_001
WEBHOOK_TOKEN = "simulated-webhook-token"
WEBHOOK_ROUTE = re.compile(rf"{API_PREFIX}/webhooks/(?P<id>[^/]+)/(?P<token>[^/]+)")


@dataclass(frozen=True)
class WebhookPost:
    """One message posted through the webhook: its JSON payload and attached files by name."""

    payload: Json
    files: dict[str, bytes] = field(default_factory=dict)


class DiscordError(Exception):
    """An error answer: HTTP status, Discord JSON error code and message."""

    def __init__(self, status: int, code: int, message: str, errors: Json | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def payload(self) -> Json:
        """Return the JSON body Discord sends."""
        body: Json = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def _invalid(field: str, code: str, message: str) -> DiscordError:
    """Return a 400 Invalid Form Body error about one field."""
    errors = {field: {"_errors": [{"code": code, "message": message}]}}
    return DiscordError(400, 50035, "Invalid Form Body", errors)


def _snowflake(field: str, text: str) -> int:
    """Return a snowflake from a path or query value; 400 when it isn't one."""
    if not text.isdigit():
        raise _invalid(field, "NUMBER_TYPE_COERCE", f'Value "{text}" is not snowflake.')
    return int(text)


def _limit(query: dict[str, str], default: int, low: int, high: int) -> int:
    """Return the `limit` query parameter, enforcing Discord's bounds."""
    text = query.get("limit")
    if text is None:
        return default
    if not re.fullmatch(r"-?\d+", text):
        raise _invalid("limit", "NUMBER_TYPE_COERCE", f'Value "{text}" is not int.')
    value = int(text)
    if value < low or value > high:
        bound = (
            f"greater than or equal to {low}" if value < low else f"less than or equal to {high}"
        )
        raise _invalid("limit", "NUMBER_TYPE_MAX", f"int value should be {bound}.")
    return value


UNKNOWN_CHANNEL = DiscordError(404, 10003, "Unknown Channel")
UNKNOWN_GUILD = DiscordError(404, 10004, "Unknown Guild")
MISSING_ACCESS = DiscordError(403, 50001, "Missing Access")


class _DiscordApi:
    """The Discord routes over one or more SimulatedChats (guilds); each returns a JSON value.

    Guild routes go to the chat of that guild id, channel routes to the chat owning the
    channel. The bot is the first chat's app, invited to every guild.
    """

    def __init__(self, chats: Sequence[SimulatedChat], message_content: bool) -> None:
        self.chats = {chat.guild_id: chat for chat in chats}
        if len(self.chats) != len(chats):
            ids = [chat.guild_id for chat in chats]
            raise ValueError(f"every chat needs its own ChatConfig.guild_id, got {ids}")
        self._channel_owner: dict[int, SimulatedChat] = {}
        for chat in chats:
            for channel_id in [*chat.channel_ids.values(), *chat.thread_ids.values()]:
                if channel_id in self._channel_owner:
                    raise ValueError(
                        f"guilds {self._channel_owner[channel_id].guild_id} and {chat.guild_id}"
                        f" share channel id {channel_id}: pick guild ids days apart"
                    )
                self._channel_owner[channel_id] = chat
        self.chat = chats[0]
        self.message_content = message_content
        routes: list[tuple[str, Callable[..., Any]]] = [
            ("/users/@me", self.me),
            ("/oauth2/applications/@me", self.application),
            ("/guilds/{guild}", self.guild),
            ("/guilds/{guild}/channels", self.guild_channels),
            ("/guilds/{guild}/threads/active", self.active_threads),
            ("/guilds/{guild}/members", self.members),
            ("/channels/{channel}", self.channel),
            ("/channels/{channel}/messages", self.messages),
            ("/channels/{channel}/threads/archived/public", self.archived_threads),
        ]
        self._routes = [
            (template, re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)), view)
            for template, view in routes
        ]

    def match(self, path: str) -> tuple[str, dict[str, str], Callable[..., Any]] | None:
        """Return the route template, path parameters and view of an API path."""
        for template, pattern, view in self._routes:
            found = pattern.fullmatch(path)
            if found:
                return template, found.groupdict(), view
        return None

    # ------------------------------------------------------------------ routes

    def me(self, **_: Any) -> Json:
        """GET /users/@me: the bot's own user."""
        app = self.chat.app
        return {
            "id": str(app.id),
            "username": app.username,
            "discriminator": "0",
            "global_name": app.global_name,
            "avatar": None,
            "bot": True,
            "verified": True,
            "mfa_enabled": False,
            "flags": 0,
            "public_flags": 0,
            "locale": "en-GB",
        }

    def application(self, **_: Any) -> Json:
        """GET /oauth2/applications/@me."""
        return self.chat.application()

    def guild(self, guild: str, query: dict[str, str], **_: Any) -> Json:
        """GET /guilds/{id}[?with_counts=true]."""
        return self._guild(guild).guild(
            with_counts=query.get("with_counts", "").lower() in ("1", "true")
        )

    def guild_channels(self, guild: str, **_: Any) -> list[Json]:
        """GET /guilds/{id}/channels: every channel, readable or not, as Discord lists them."""
        return self._guild(guild).guild_channels()

    def active_threads(self, guild: str, **_: Any) -> Json:
        """GET /guilds/{id}/threads/active."""
        threads = self._guild(guild).active_threads()
        return {"threads": threads, "members": [], "has_more": False}

    def members(self, guild: str, query: dict[str, str], **_: Any) -> list[Json]:
        """GET /guilds/{id}/members?limit=&after=."""
        chat = self._guild(guild)
        limit = _limit(query, 1, 1, _MEMBER_LIMIT)
        after = _snowflake("after", query.get("after", "0"))
        return chat.guild_members(after=after, limit=limit)

    def channel(self, channel: str, **_: Any) -> Json:
        """GET /channels/{id}: a text channel or a thread."""
        return self._readable(channel)[1]

    def messages(self, channel: str, query: dict[str, str], **_: Any) -> list[Json]:
        """GET /channels/{id}/messages?limit=&before=|after=|around=, newest first."""
        chat, found = self._readable(channel)
        limit = _limit(query, _DEFAULT_MESSAGES, 1, _MESSAGE_LIMIT)
        anchors = {k: _snowflake(k, query[k]) for k in ("before", "after", "around") if k in query}
        if len(anchors) > 1:
            raise _invalid("before", "BASE_TYPE_BAD", "Only one of before, after and around.")
        return chat.history(int(found["id"]), limit=limit, content=self.message_content, **anchors)

    def archived_threads(self, channel: str, query: dict[str, str], **_: Any) -> Json:
        """GET /channels/{id}/threads/archived/public?before=ISO8601&limit=."""
        chat, found = self._readable(channel)
        if found["type"] != 0:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        limit = _limit(query, _DEFAULT_THREADS, 1, _THREAD_LIMIT)
        before_ms = None
        if "before" in query:
            try:
                before_ms = parse_discord_time(query["before"])
            except ValueError:
                message = f'Value "{query["before"]}" is not a valid ISO8601 timestamp.'
                raise _invalid("before", "DATE_TIME_TYPE_PARSE", message) from None
        threads = chat.archived_threads(int(found["id"]), before_ms=before_ms)
        return {"threads": threads[:limit], "members": [], "has_more": len(threads) > limit}

    # ------------------------------------------------------------------ checks

    def _guild(self, raw_id: str) -> SimulatedChat:
        """Return the chat of a guild id; 400 when malformed, 404 when unknown."""
        chat = self.chats.get(_snowflake("guild_id", raw_id))
        if chat is None:
            raise UNKNOWN_GUILD
        return chat

    def _readable(self, raw_id: str) -> tuple[SimulatedChat, Json]:
        """Return a readable channel or thread and its chat; 404 unknown, 403 without access."""
        channel_id = _snowflake("channel_id", raw_id)
        chat = self._channel_owner.get(channel_id)
        found = chat.channel(channel_id) if chat is not None else None
        if chat is None or found is None:
            raise UNKNOWN_CHANNEL
        if chat.is_forbidden(channel_id):
            raise MISSING_ACCESS
        return chat, found


class FakeDiscordServer(LoopbackServer):
    """A Discord REST API v10 server on loopback, backed by one SimulatedChat or several.

    Given a list of chats (each with its own `ChatConfig.guild_id`, days apart so their
    channel ids differ) it serves every guild to one bot: the first chat's (`chat.bot_token`).
    `chat` is the first chat, `chats` all of them by guild id.
    """

    def __init__(
        self,
        chat: SimulatedChat | Sequence[SimulatedChat],
        *,
        message_content: bool = True,
        rate_limit_per_second: float = 50,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_limit_per_second <= 0:
            raise ValueError(f"rate_limit_per_second must be > 0, got {rate_limit_per_second}")
        chats = [chat] if isinstance(chat, SimulatedChat) else list(chat)
        if not chats:
            raise ValueError("FakeDiscordServer needs at least one chat")
        self._api = _DiscordApi(chats, message_content)
        super().__init__(host=host, port=port)
        self.chat = chats[0]
        self.chats: dict[int, SimulatedChat] = dict(self._api.chats)
        self.message_content = message_content
        self.rate_limit_per_second = rate_limit_per_second
        # A slow limit becomes one request per 1/rate seconds; a fast one, N per second.
        window = max(1.0, 1.0 / rate_limit_per_second)
        self._bucket_limit = max(1, round(rate_limit_per_second * window))
        self._limiter = FixedWindowLimiter(window, clock)
        self._webhook_posts: list[WebhookPost] = []
        self._webhook_lock = threading.Lock()

    @property
    def api_base(self) -> str:
        """Return the value for `discord.http.Route.BASE`: `http://127.0.0.1:PORT/api/v10`."""
        return f"{self.root_url}{API_PREFIX}"

    @property
    def webhook_url(self) -> str:
        """Return the URL of the simulated channel webhook."""
        return f"{self.api_base}/webhooks/{WEBHOOK_ID}/{WEBHOOK_TOKEN}"

    @property
    def webhook_posts(self) -> list[WebhookPost]:
        """Return a copy of every message posted through the webhook, oldest first."""
        with self._webhook_lock:
            return list(self._webhook_posts)

    # ------------------------------------------------------------------ answers

    def credentials_sent(self, request: Request) -> bool:
        """Return whether the request sent an Authorization header."""
        return request.headers.get("Authorization") is not None

    def respond(self, request: Request) -> Response:
        """Check the token, route, rate-limit per route bucket, then answer."""
        webhook = WEBHOOK_ROUTE.fullmatch(request.path)
        if webhook is not None:
            # A webhook authenticates by the token in its URL, not by the bot's header.
            return self._webhook(request, webhook["id"], webhook["token"])
        if request.headers.get("Authorization") != f"Bot {self.chat.bot_token}":
            return error_response(DiscordError(401, 0, "401: Unauthorized"))
        path = request.path.removeprefix(API_PREFIX)
        found = self._api.match(path) if request.path.startswith(API_PREFIX) else None
        if found is None:
            return error_response(DiscordError(404, 0, "404: Not Found"))
        template, parameters, view = found
        if request.method != "GET":
            return error_response(DiscordError(405, 0, "405: Method Not Allowed"))
        # Like Discord, a bucket is one route per major parameter (guild or channel).
        major = next(iter(parameters.values()), "")
        quota = self._limiter.hit(f"{template}:{major}", self._bucket_limit)
        if not quota.allowed:
            response = rate_limited(max(quota.reset_after, 0.001))
        else:
            try:
                response = json_response(200, view(query=request.query, **parameters), JSON_TYPE)
            except DiscordError as error:
                response = error_response(error)
        response.headers.update(_bucket_headers(template, quota))
        return response

    def _webhook(self, request: Request, webhook_id: str, token: str) -> Response:
        """Execute the webhook: record the post, answer with the message when `wait=true`."""
        if webhook_id != str(WEBHOOK_ID):
            return error_response(DiscordError(404, 10015, "Unknown Webhook"))
        if token != WEBHOOK_TOKEN:
            return error_response(DiscordError(401, 50027, "Invalid Webhook Token"))
        if request.method != "POST":
            return error_response(DiscordError(405, 0, "405: Method Not Allowed"))
        try:
            post = _parse_webhook_post(request)
        except ValueError as exc:
            return error_response(
                DiscordError(400, 50109, f"The request body contains invalid JSON ({exc})")
            )
        if not post.payload.get("content") and not post.payload.get("embeds") and not post.files:
            return error_response(DiscordError(400, 50006, "Cannot send an empty message"))
        with self._webhook_lock:
            self._webhook_posts.append(post)
            message_id = WEBHOOK_ID + len(self._webhook_posts)
        if request.query.get("wait", "").lower() != "true":
            return Response(204, b"", JSON_TYPE)
        channel_id = self.chat.channel_ids[next(iter(self.chat.channel_ids))]
        message = {
            "id": str(message_id),
            "type": 0,
            "channel_id": str(channel_id),
            "webhook_id": str(WEBHOOK_ID),
            "content": post.payload.get("content", ""),
            # Discord marks the embeds a webhook posts as "rich".
            "embeds": [{"type": "rich", **embed} for embed in post.payload.get("embeds", [])],
            "attachments": [
                _attachment_json(message_id + i, channel_id, name, len(content))
                for i, (name, content) in enumerate(post.files.items(), 1)
            ],
            "author": {
                "id": str(WEBHOOK_ID),
                "username": post.payload.get("username", "Hook"),
                "avatar": None,
                "discriminator": "0000",
                "public_flags": 0,
                "flags": 0,
                "bot": True,
                "global_name": None,
                "primary_guild": None,
            },
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "mention_everyone": False,
            "tts": False,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "edited_timestamp": None,
            "flags": 0,
            "components": [],
        }
        return json_response(200, message, JSON_TYPE)


def _parse_webhook_post(request: Request) -> WebhookPost:
    """Read a webhook body: JSON, or multipart with `payload_json` and `files[n]` parts."""
    content_type = request.headers.get("Content-Type", "")
    if not content_type.startswith("multipart/form-data"):
        body = json.loads(request.body or b"null")
        if not isinstance(body, dict):
            raise ValueError("expected an object")
        return WebhookPost(body)
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + request.body)
    payload: Any = {}
    files: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        raw = part.get_payload(decode=True)
        content = raw if isinstance(raw, bytes) else b""
        if name == "payload_json":
            payload = json.loads(content)
        elif isinstance(name, str) and name.startswith("files["):
            files[part.get_filename() or name] = content
    if not isinstance(payload, dict):
        raise ValueError("payload_json is not an object")
    return WebhookPost(payload, files)


def _attachment_json(attachment_id: int, channel_id: int, name: str, size: int) -> Json:
    """Return an attachment object of a posted file, at Discord's CDN addresses."""
    path = f"attachments/{channel_id}/{attachment_id}/{name}"
    return {
        "id": str(attachment_id),
        "filename": name,
        "size": size,
        "url": f"https://cdn.discordapp.com/{path}",
        "proxy_url": f"https://media.discordapp.net/{path}",
    }


def error_response(error: DiscordError) -> Response:
    """Return an error answer."""
    return json_response(error.status, error.payload(), JSON_TYPE)


def rate_limited(retry_after: float) -> Response:
    """Return a 429 as Discord's edge sends it: with Via, or discord.py suspects a ban."""
    payload = {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": False,
    }
    response = json_response(429, payload, JSON_TYPE)
    response.headers.update(
        {
            "Retry-After": format_seconds(math.ceil(retry_after * 1000) / 1000),
            "Via": "1.1 google",
            "X-RateLimit-Scope": "user",
        }
    )
    return response


def _bucket_headers(template: str, quota: Quota) -> dict[str, str]:
    """Return the X-RateLimit-* headers of a route bucket."""
    return {
        "X-RateLimit-Bucket": hashlib.md5(template.encode()).hexdigest(),
        "X-RateLimit-Limit": str(quota.limit),
        "X-RateLimit-Remaining": str(quota.remaining),
        "X-RateLimit-Reset": f"{time.time() + quota.reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{quota.reset_after:.3f}",
    }


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """Serve a simulated clan Discord until Ctrl-C; print the API base first."""
    parser = argparse.ArgumentParser(description="Serve a simulated clan Discord over REST.")
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7, help="the clan's seed")
    parser.add_argument("--chat-seed", type=int, default=11)
    parser.add_argument("--message-scale", type=float, default=1.0)
    parser.add_argument("--timezone", default="Europe/London")
    parser.add_argument("--no-message-content", action="store_true", help="empty every content")
    parser.add_argument("--rate-limit", type=float, default=50, help="requests/second per bucket")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    clan = SimulatedClan(SimConfig(seed=args.seed, members=args.members, days=args.days))
    config = ChatConfig(
        seed=args.chat_seed, message_scale=args.message_scale, timezone=args.timezone
    )
    chat = SimulatedChat(clan, config)
    with FakeDiscordServer(
        chat,
        message_content=not args.no_message_content,
        rate_limit_per_second=args.rate_limit,
        host=args.host,
        port=args.port,
    ) as server:
        print(server.api_base, flush=True)
        logger.info("bot token %s; guild %d", chat.bot_token, chat.guild_id)
        for name, channel_id in chat.channel_ids.items():
            role = {chat.relay_channel_id: " (relay)", chat.forbidden_channel_id: " (403)"}
            logger.info("  #%s %d%s", name, channel_id, role.get(channel_id, ""))
        logger.info("Ctrl-C stops")
        serve_until_stopped(logger)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
