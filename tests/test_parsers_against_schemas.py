"""ClanStats' readers of WOM and Discord answers, fed every shape the official definitions allow.

Instances are generated (hypothesis-jsonschema, through tests/contracts_support.Instances) from
the same JSON Schemas the simulator is checked against: WOM's from @wise-old-man/utils' types,
Discord's from discord-api-spec's Zod schemas. Each goes through the code that reads it in a
real harvest, without a database:

- WOM: clanstats/wom/shapes.py (player_row, decoded_snapshot, parse_time, player_id_of),
  clanstats/harvest/snapshots.decode_values, and WomHarvest's fetch-side handling (the
  bulk-hiscores, competitions and event-feed loops, a competition's standings through
  clanstats/harvest/competitions.read_standings, `_gain_span`, `_gain_rows`, `_event_key`)
  with a stub client answering the instance.
- Discord: discord.py itself builds its objects from the instance (its HTTP client's `request`
  answers it, as clanstats.harvest.discord_chat's own request counter wraps it): login, the
  guild, channels, members, threads, a channel and message history; then DiscordHarvest's
  row functions (`_message_row`, `_authors`, `_user_row`).

The property: every instance the definition allows is read without an exception, with or without
its optional fields, and with fields the definition doesn't declare (`extra`).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import aiohttp
import discord
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from clanstats.harvest import discord_chat
from clanstats.harvest.discord_chat import ChannelRead, DiscordHarvest
from clanstats.harvest.wom import WomHarvest, _event_key, _gain_rows
from clanstats.wom.shapes import (
    decode_values,
    decoded_snapshot,
    parse_time,
    player_id_of,
    player_row,
)
from simulator.chat import ChatConfig, SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from tests.conftest import SIM_NOW
from tests.contracts_support import (
    Instances,
    Recorded,
    Schemas,
    needs_contracts,
    official_schemas,
    validate,
)

pytestmark = needs_contracts
pytest.importorskip(
    "hypothesis_jsonschema", reason="hypothesis-jsonschema isn't installed: run setup with --dev"
)

GROUP = 4242
NOW = SIM_NOW.replace(tzinfo=None)
EXAMPLES = 20
# Answers made of whole snapshots (113 metric objects each) take half as many examples.
WHOLE_SNAPSHOTS = {"GetGroupBulkHiscores", "GetPlayerSnapshots"}
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis folder left in the working tree
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> Schemas:
    return official_schemas(tmp_path_factory)


def instances(schema: Any, *, extra: bool) -> Any:
    return Instances(extra=extra)(schema)


# --------------------------------------------------------------------------- Wise Old Man


class _StubClient:
    """Answers every WomClient call a harvest step makes with one generated instance."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer

    def group(self, group_id: int) -> Any:
        return self.answer

    def bulk_hiscores(self, group_id: int) -> Any:
        return self.answer

    def group_competitions(self, group_id: int) -> Any:
        return self.answer

    def competition_details(self, competition_id: int) -> Any:
        return self.answer

    def iter_group_events(self, group_id: int, kind: str) -> Iterator[Any]:
        yield self.answer


class _NoDatabase(WomHarvest):
    """A WomHarvest whose event feeds have no stored cursor, so the fetch side needs no database."""

    def _cursor(self, source: str) -> datetime | None:
        return None

    def _current_member_count(self) -> int:
        return 0

    def _due_competitions(self) -> list[int] | None:
        return [GROUP * 10 + 1]  # one competition to read the standings of


def _harvest(answer: Any) -> _NoDatabase:
    return _NoDatabase(
        engine=None,  # type: ignore[arg-type]  # the steps below never reach the database
        client=_StubClient(answer),  # type: ignore[arg-type]
        group_id=GROUP,
        stage_run_id=None,
        lookback_days=730_000,  # back to year 28: about every item goes through the loop
        now=NOW,
    )


def _read_player(player: Any) -> None:
    player_id_of(player)
    player_row(GROUP, player, NOW)
    for key in ("registeredAt", "updatedAt", "lastChangedAt", "lastImportedAt"):
        parse_time(player.get(key))


def _read_snapshot(snapshot: Any) -> None:
    decoded_snapshot(snapshot)
    decode_values(snapshot.get("data"))
    parse_time(snapshot.get("importedAt"))


def read_group_details(details: Any) -> None:
    _harvest(details)._roster()  # the fetch side: checks the member list, returns the writer
    parse_time(details.get("createdAt"))
    parse_time(details.get("updatedAt"))
    for membership in details["memberships"]:
        player_id_of(membership.get("player"))
        _read_player(membership["player"])
        parse_time(membership.get("createdAt"))
        parse_time(membership.get("clientSyncJoinedAt"))


def read_bulk_hiscores(entries: Any) -> None:
    _harvest(entries)._hiscores()
    for entry in entries:
        _read_player(entry["player"])
        _read_snapshot(entry["data"])


def read_bulk_gains(entries: Any) -> None:
    harvest = _harvest(entries)
    known = {entry["player"]["id"] for entry in entries}
    for entry in entries:
        _read_player(entry["player"])
        span = harvest._gain_span("week", NOW, entry, known)
        _gain_rows(span or {"group_id": GROUP, "player_id": 1, "period": "week"}, entry["data"])


def read_competitions(competitions: Any) -> None:
    _harvest(competitions)._competitions()


def read_competition_details(details: Any) -> None:
    _harvest(details)._competition_details()  # the fetch side: reads the standings
    for key in ("startsAt", "endsAt", "createdAt", "updatedAt"):
        parse_time(details.get(key))
    for participation in details["participations"]:
        _read_player(participation["player"])
        parse_time(participation.get("createdAt"))


def read_snapshots(snapshots: Any) -> None:
    for snapshot in snapshots:
        _read_snapshot(snapshot)


def _events(kind: str) -> Callable[[Any], None]:
    def read(items: Any) -> None:
        harvest = _harvest(items)
        harvest._events(kind, lambda session, items: 0)  # type: ignore[arg-type]
        for item in items:
            _event_key(kind, item)  # type: ignore[arg-type]
            _read_player(item["player"])

    return read


WOM_READERS: dict[str, Callable[[Any], None]] = {
    "GetGroupDetails": read_group_details,
    "GetGroupBulkHiscores": read_bulk_hiscores,
    "GetBulkGroupGains": read_bulk_gains,
    "GetGroupCompetitions": read_competitions,
    "GetCompetitionDetails": read_competition_details,
    "GetGroupAchievements": _events("achievements"),
    "GetGroupNameChanges": _events("name-changes"),
    "GetGroupActivity": _events("activity"),
    "GetPlayerSnapshots": read_snapshots,
}


@pytest.mark.parametrize("extra", [False, True], ids=["declared", "with-extra-fields"])
@pytest.mark.parametrize("definition", list(WOM_READERS))
def test_wom_readers_take_every_valid_answer(
    schemas: Schemas, definition: str, extra: bool
) -> None:
    read = WOM_READERS[definition]
    strategy = instances(schemas.wom[definition], extra=extra)
    examples = EXAMPLES // 2 if definition in WHOLE_SNAPSHOTS else EXAMPLES

    @settings(PROPERTY, max_examples=examples)
    @given(strategy)
    def property_(answer: Any) -> None:
        read(answer)

    property_()


VALID_TIME_OUTSIDE_UTC_RANGE = "0001-01-01T00:00:00+00:01"


def test_parse_time_survives_every_rfc3339_time(
    schemas: Schemas, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A valid GetGroupDetails whose member registered at 0001 in a zone east of UTC: the time
    is no usable time (None), and nothing crashes (it once raised OverflowError)."""
    assert parse_time(VALID_TIME_OUTSIDE_UTC_RANGE) is None
    details = SimulatedClan(SimConfig(seed=7, members=2, days=5, now=SIM_NOW)).group_details()
    details["memberships"][0]["player"]["registeredAt"] = VALID_TIME_OUTSIDE_UTC_RANGE
    recorded = {"details": Recorded("wom", "GetGroupDetails", details)}
    verdict = validate(schemas, recorded, tmp_path_factory.mktemp("parse-time"))["details"]
    assert verdict.valid, verdict.describe(recorded["details"])  # the definition allows it
    read_group_details(details)


# --------------------------------------------------------------------------- Discord

GUILD_ID = 700000000000000001
SNOWFLAKE = "^(0|[1-9][0-9]*)$"
SNOWFLAKE_64 = "^(0|[1-9][0-9]{0,18})$"  # below 2**64, as every real snowflake is
DIGITS = "^[0-9]{1,19}$"
BASE64 = "^([A-Za-z0-9+/]{4})*$"
NUMERIC_STRINGS = ("permissions", "allow", "deny")  # bit sets Discord writes as digits


def _chat() -> SimulatedChat:
    return SimulatedChat(
        SimulatedClan(SimConfig(seed=7, members=12, days=30, now=SIM_NOW)), ChatConfig(seed=11)
    )


def _simulated() -> dict[str, Any]:
    """Valid simulated answers: around the call under test (login, a channel) and for FINDINGS."""
    chat = _chat()
    relay = chat.channel(chat.relay_channel_id)
    assert relay is not None
    threads = [t for c in chat.channel_ids.values() for t in chat.archived_threads(c)]
    pages = [chat.history(c, limit=100) for c in chat.readable_channel_ids()]
    page = next(p for p in pages if any("referenced_message" in m for m in p))
    return {
        "me": {
            "id": str(chat.app.id),
            "username": chat.app.username,
            "discriminator": "0",
            "avatar": None,
            "global_name": None,
            "bot": True,
            "public_flags": 0,
            "flags": 0,
            "mfa_enabled": False,
            "locale": "en-GB",
        },
        "application": chat.application(),
        "guild": chat.guild(with_counts=True),
        "channel": relay,
        "channels": chat.guild_channels(),
        "archived": {"threads": threads[:1], "members": [], "has_more": False},
        "members": chat.guild_members(limit=1000),
        "messages": page,
    }


SIMULATED = _simulated()
# The answer of an exhausted listing, when discord.py asks for the next page.
_NEXT_PAGE: dict[str, Any] = {
    "/guilds/{guild_id}/members": [],
    "/channels/{channel_id}/messages": [],
    "/channels/{channel_id}/threads/archived/public": {
        "threads": [],
        "members": [],
        "has_more": False,
    },
}


class _Answers:
    """discord.py's `HTTPClient.request`, answering from JSON by route, first page then empty."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, route: Any, **_: Any) -> Any:
        self.asked.append(route.path)
        if route.path in self.asked[:-1] and route.path in _NEXT_PAGE:
            return _NEXT_PAGE[route.path]
        return self.answers[route.path]


async def _client_session(answers: dict[str, Any], work: Callable[[discord.Client], Any]) -> Any:
    """Log a REST-only client in (as the harvest does) against canned answers, then work."""
    intents = discord.Intents.none()
    intents.members = True
    async with discord.Client(intents=intents) as client:
        client.http.request = _Answers(  # type: ignore[method-assign]
            {
                "/users/@me": SIMULATED["me"],
                "/oauth2/applications/@me": SIMULATED["application"],
                "/guilds/{guild_id}": SIMULATED["guild"],
                "/channels/{channel_id}": SIMULATED["channel"],
                **answers,
            }
        )
        await client.login("simulated-token")
        return await work(client)


def _harvest_rows() -> DiscordHarvest:
    return DiscordHarvest(
        engine=None,  # type: ignore[arg-type]  # the row functions never reach the database
        settings=None,  # type: ignore[arg-type]
        group_id=GROUP,
        stage_run_id=None,
        now=NOW,
    )


def _rows_of_messages(messages: list[discord.Message]) -> None:
    harvest = _harvest_rows()
    for is_relay in (False, True):
        for message in messages:
            harvest._message_row(message, is_relay, ChannelRead())
    discord_chat._authors(GROUP, messages, NOW)


async def read_me(client: discord.Client) -> None:
    assert client.user is not None
    discord_chat._user_row(GROUP, client.user, NOW)


async def read_application(client: discord.Client) -> None:
    await client.application_info()


async def read_guild(client: discord.Client) -> None:
    await client.fetch_guild(GUILD_ID)


async def read_channels(client: discord.Client) -> None:
    guild = await client.fetch_guild(GUILD_ID)
    channels = await guild.fetch_channels()
    text = [c for c in channels if isinstance(c, discord.TextChannel)]
    sorted(text, key=lambda c: c.position)


async def read_members(client: discord.Client) -> None:
    guild = await client.fetch_guild(GUILD_ID)
    for member in [m async for m in guild.fetch_members(limit=None)]:
        {**discord_chat._user_row(GROUP, member, NOW), "nick": member.nick or None}


async def read_active_threads(client: discord.Client) -> None:
    channel = await client.fetch_channel(int(SIMULATED["channel"]["id"]))
    guild = await client.fetch_guild(GUILD_ID)
    [t for t in await guild.active_threads() if t.parent_id == channel.id]


async def read_channel(client: discord.Client) -> None:
    channel = await client.fetch_channel(1)
    if isinstance(channel, discord.TextChannel | discord.Thread):
        guild = getattr(channel, "guild", None)
        (getattr(guild, "id", None), str(getattr(channel, "name", channel.id)))


async def read_archived_threads(client: discord.Client) -> None:
    channel = await client.fetch_channel(int(SIMULATED["channel"]["id"]))
    assert isinstance(channel, discord.TextChannel)
    [thread async for thread in channel.archived_threads(limit=None)]


async def read_messages(client: discord.Client) -> None:
    channel = await client.fetch_channel(int(SIMULATED["channel"]["id"]))
    assert isinstance(channel, discord.TextChannel)
    after = discord.Object(id=0)
    messages = [m async for m in channel.history(limit=None, after=after, oldest_first=True)]
    _rows_of_messages(messages)


# Operation id -> (the route discord.py asks, what the harvest does with the answer).
DISCORD_READERS: dict[str, tuple[str, Callable[[discord.Client], Any]]] = {
    "get_my_user": ("/users/@me", read_me),
    "get_my_oauth2_application": ("/oauth2/applications/@me", read_application),
    "get_guild": ("/guilds/{guild_id}", read_guild),
    "list_guild_channels": ("/guilds/{guild_id}/channels", read_channels),
    "get_active_guild_threads": ("/guilds/{guild_id}/threads/active", read_active_threads),
    "list_guild_members": ("/guilds/{guild_id}/members", read_members),
    "get_channel": ("/channels/{channel_id}", read_channel),
    "list_messages": ("/channels/{channel_id}/messages", read_messages),
    "list_public_archived_threads": (
        "/channels/{channel_id}/threads/archived/public",
        read_archived_threads,
    ),
}


# What discord.py 2.7 needs beyond Discord's OpenAPI document. The document allows each of
# these, real Discord never sends them, and discord.py raises on them: FINDINGS below holds one
# exact instance of each, and whether the harvest survives it. The properties draw instances
# without them, so that they test everything else.
def _discord_py_needs(node: Any, operation: str, top: bool = True) -> Any:
    if isinstance(node, list):
        return [_discord_py_needs(item, operation, False) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _discord_py_needs(v, operation, False) for k, v in node.items()}
    if node.get("pattern") == SNOWFLAKE:  # snowflake-beyond-64-bits
        node["pattern"] = SNOWFLAKE_64
    if top and operation in ("list_messages", "list_guild_channels"):  # null-listing
        node["anyOf"] = [m for m in node["anyOf"] if m.get("type") != "null"]
    if top and operation == "list_guild_channels":  # channel-kind-discord.py-lacks
        node["anyOf"][0]["items"]["anyOf"] = node["anyOf"][0]["items"]["anyOf"][:1]
    properties = node.get("properties")
    if not isinstance(properties, dict):
        return node
    required = set(node.get("required", []))
    kind = properties.get("type", {})
    if isinstance(kind.get("enum"), list) and "guild_id" in properties:
        kind["enum"] = [t for t in kind["enum"] if t != 14]  # channel-kind-discord.py-lacks
    needs: list[str] = []
    if {"thread_metadata", "owner_id"} <= properties.keys():  # thread-without-parent
        properties["parent_id"] = {"type": "string", "pattern": SNOWFLAKE_64}
        needs.append("parent_id")
    if {"bot_public", "bot_require_code_grant", "verify_key"} <= properties.keys():
        needs += ["bot_public", "bot_require_code_grant"]  # application-without-bot-flags
    if "user" in properties and (
        "authorizing_integration_owners" in properties or "name_localized" in properties
    ):
        needs.append("user")  # interaction-without-user
        owners = properties.get("authorizing_integration_owners")
        if owners:  # integration-owner-not-a-number
            owners["propertyNames"] = {"type": "string", "pattern": DIGITS}
    if {"bitrate", "user_limit", "position"} <= properties.keys():  # voice-channel-without-bitrate
        needs += ["bitrate", "user_limit"]
    for name in NUMERIC_STRINGS:  # permissions-not-a-number
        if properties.get(name) == {"type": "string"}:
            properties[name] = {"type": "string", "pattern": DIGITS}
    if properties.get("waveform") == {"type": "string"}:  # waveform-not-base64
        properties["waveform"] = {"type": "string", "pattern": BASE64}
    node["required"] = sorted(required | set(needs))
    return node


def _discord_instances(schemas: Schemas, operation: str, *, extra: bool) -> Any:
    schema = _discord_py_needs(copy.deepcopy(schemas.discord[operation]), operation)
    strategy = instances(schema, extra=extra)
    if operation == "list_public_archived_threads":  # more-pages-of-nothing
        strategy = strategy.filter(lambda answer: answer["threads"] or not answer["has_more"])
    return strategy


@pytest.mark.parametrize("extra", [False, True], ids=["declared", "with-extra-fields"])
@pytest.mark.parametrize("operation", list(DISCORD_READERS))
def test_discord_reading_takes_every_valid_answer(
    schemas: Schemas, operation: str, extra: bool
) -> None:
    route, read = DISCORD_READERS[operation]

    @PROPERTY
    @given(_discord_instances(schemas, operation, extra=extra))
    def property_(answer: Any) -> None:
        asyncio.run(_client_session({route: answer}, read))

    property_()


def _edit(name: str, change: Callable[[Any], None]) -> Any:
    body = copy.deepcopy(SIMULATED[name])
    change(body)
    return body


def _set(path: str, value: Any) -> Callable[[Any], None]:
    """Set (or with `...` delete) the field at a slash path, e.g. `threads/0/parent_id`."""

    def change(body: Any) -> None:
        *parents, last = path.split("/")
        for part in parents:
            body = body[int(part) if part.isdigit() else part]
        key = int(last) if last.isdigit() else last
        if value is ...:
            del body[key]
        else:
            body[key] = value

    return change


_INTERACTION = {
    "id": "1",
    "type": 2,
    "authorizing_integration_owners": {"0": "1"},
}
_VOICE = {k: v for k, v in SIMULATED["channels"][1].items() if k != "topic"} | {"type": 2}
# Each finding: the operation, one valid answer discord.py 2.7 raises on, and what it raises.
FINDINGS: dict[str, tuple[str, Any, type[BaseException]]] = {
    "thread-without-parent": (
        "list_public_archived_threads",
        _edit("archived", _set("threads/0/parent_id", ...)),
        KeyError,  # threads.py: int(data['parent_id']); ThreadResponse.parent_id is optional
    ),
    "application-without-bot-flags": (
        "get_my_oauth2_application",
        _edit("application", _set("bot_public", ...)),
        KeyError,  # appinfo.py: data['bot_public']; optional in PrivateApplicationResponse
    ),
    "interaction-without-user": (
        "list_messages",
        _edit("messages", _set("0/interaction_metadata", _INTERACTION)),
        KeyError,  # message.py: data['user']; user is optional in the interaction metadata
    ),
    "integration-owner-not-a-number": (
        "list_messages",
        _edit(
            "messages",
            _set(
                "0/interaction_metadata",
                _INTERACTION
                | {
                    "user": SIMULATED["messages"][0]["author"],
                    "authorizing_integration_owners": {"guild": "1"},
                },
            ),
        ),
        ValueError,  # message.py: int(key); the record's keys are any string
    ),
    "voice-channel-without-bitrate": (
        "list_guild_channels",
        _edit("channels", lambda body: body.append(_VOICE)),
        KeyError,  # channel.py: data['bitrate']; optional in GuildChannelResponse
    ),
    "permissions-not-a-number": (
        "get_guild",
        _edit("guild", _set("roles/0/permissions", "all")),
        ValueError,  # role.py: int(data['permissions']); the definition says any string
    ),
    "waveform-not-base64": (
        "list_messages",
        _edit(
            "messages",
            _set(
                "0/attachments",
                [
                    {
                        "id": "1",
                        "filename": "voice-message.ogg",
                        "size": 1,
                        "url": "https://cdn.discordapp.com/a.ogg",
                        "proxy_url": "https://media.discordapp.net/a.ogg",
                        "waveform": "é",
                    }
                ],
            ),
        ),
        ValueError,  # utils.py: b64decode(data.encode('ascii')); waveform is any string
    ),
    "null-listing": (
        "list_messages",
        None,
        TypeError,  # abc.py: reversed(None); list_messages answers `MessageResponse[] | null`
    ),
    "more-pages-of-nothing": (
        "list_public_archived_threads",
        {"threads": [], "members": [], "has_more": True},
        IndexError,  # channel.py: threads[-1] when has_more comes with no thread
    ),
    "snowflake-beyond-64-bits": (
        "list_guild_members",
        _edit("members", _set("0/roles", [str(2**64)])),
        OverflowError,  # utils.SnowflakeList is an array of uint64; the pattern has no bound
    ),
    "channel-kind-discord.py-lacks": (
        "list_guild_channels",
        _edit("channels", lambda body: body.append({**SIMULATED["channel"], "type": 14})),
        discord.InvalidData,  # guild.py: no class for a directory channel (type 14)
    ),
}


@pytest.fixture(scope="module")
def findings_valid(schemas: Schemas, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    recorded = {k: Recorded("discord", op, body) for k, (op, body, _) in FINDINGS.items()}
    verdicts = validate(schemas, recorded, tmp_path_factory.mktemp("findings"))
    return {name: (verdicts[name], recorded[name]) for name in FINDINGS}


@pytest.mark.parametrize("finding", list(FINDINGS))
def test_discord_py_raises_on_these_valid_answers(findings_valid: Any, finding: str) -> None:
    """Each narrowing of the Discord properties still matches what discord.py does.

    When this fails, discord.py has learnt to read that answer: drop its narrowing above.
    """
    verdict, recorded = findings_valid[finding]
    assert verdict.valid, verdict.describe(recorded)  # the official definition allows it
    operation, answer, raised = FINDINGS[finding]
    route, read = DISCORD_READERS[operation]
    with pytest.raises(raised):
        asyncio.run(_client_session({route: answer}, read))


HANDLED = (discord.HTTPException, aiohttp.ClientError, *discord_chat.BROKEN_ANSWER)


@pytest.mark.parametrize("finding", list(FINDINGS))
def test_the_harvest_survives_what_discord_py_raises(finding: str) -> None:
    """The harvest reports a broken answer (and reads the rest) for each finding: what
    discord.py raises is one the harvest catches (OverflowError and InvalidData once escaped)."""
    _, _, raised = FINDINGS[finding]
    assert issubclass(raised, HANDLED), f"{raised.__name__} escapes the harvest's handlers"


def test_the_simulated_answers_used_around_each_call_are_valid(
    schemas: Schemas, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The fixed answers the Discord properties log in and read a channel with are on contract."""
    operations = {
        "me": "get_my_user",
        "application": "get_my_oauth2_application",
        "guild": "get_guild",
        "channel": "get_channel",
        "channels": "list_guild_channels",
        "archived": "list_public_archived_threads",
        "members": "list_guild_members",
        "messages": "list_messages",
    }
    recorded = {k: Recorded("discord", operations[k], v) for k, v in SIMULATED.items()}
    verdicts = validate(schemas, recorded, tmp_path_factory.mktemp("around"))
    for name, verdict in verdicts.items():
        assert verdict.valid, verdict.describe(recorded[name])


def test_instances_are_valid_by_the_definition(
    schemas: Schemas, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The generator makes what the definitions allow (a few of each, checked by validate.mjs)."""
    recorded: dict[str, Recorded] = {}
    for api, definitions in (("wom", schemas.wom), ("discord", schemas.discord)):
        for name, schema in definitions.items():
            for i, example in enumerate(_examples(instances(schema, extra=False), 3)):
                recorded[f"{api}.{name}.{i}"] = Recorded(api, name, example)
    verdicts = validate(schemas, recorded, tmp_path_factory.mktemp("generated"))
    for name, verdict in verdicts.items():
        assert verdict.valid, verdict.describe(recorded[name])


def _examples(strategy: Any, count: int) -> list[Any]:
    """A few instances of a strategy, the same ones every run."""
    found: list[Any] = []

    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return found
