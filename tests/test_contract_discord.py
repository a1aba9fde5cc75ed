"""The simulated Discord server against Discord's official OpenAPI definitions (discord-api-spec).

Every REST call discord.py makes for ClanStats' harvest (clanstats/harvest/discord_chat.py:
login's /users/@me and /oauth2/applications/@me, the guild, its channels, active threads,
members, each channel, its archived public threads and message history) is sent over HTTP to
FakeDiscordServer, for the default guild and for the awkward cases (archived threads, replies,
webhook and relay posts, no Message Content intent, members who left the clan and came
back), and every answer is checked against the 200 answer Discord's OpenAPI document declares
for that operation (tests/contracts/discord-definitions.mjs): every field it requires, with
its type, and no field it doesn't declare. The simulator's schema faults are off-contract on
purpose: the definition must reject each of them.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from clanstats.settings import PROJECT_ROOT
from simulator.chat import ChatConfig, SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from simulator.discord_server import FakeDiscordServer
from tests.conftest import SIM_NOW
from tests.contracts_support import (
    Recorded,
    Schemas,
    Verdict,
    needs_contracts,
    official_schemas,
    pinned_versions,
    validate,
)
from tests.faults import Fault, FaultyDiscordServer

pytestmark = needs_contracts

CLAN = SimConfig(seed=7, members=12, days=30, now=SIM_NOW)
GUILDS = {
    "default": (CLAN, True),
    "no_content": (CLAN, False),  # without the Message Content intent
    "rejoiners": (SimConfig(seed=7, members=12, days=30, now=SIM_NOW, rejoiners=3), True),
}
# Operation id of each kind of call; `.channel`-style kinds are made once per channel/thread.
KINDS = {
    "me": "get_my_user",
    "application": "get_my_oauth2_application",
    "guild": "get_guild",
    "channels": "list_guild_channels",
    "active-threads": "get_active_guild_threads",
    "members": "list_guild_members",
    "channel": "get_channel",
    "archived-threads": "list_public_archived_threads",
    "messages": "list_messages",
    "webhook": "execute_webhook",  # sync's weekly post (clanstats/sync/discord_post.py)
}
CASES = [f"{guild}.{kind}" for guild in GUILDS for kind in KINDS]
# The schema faults on a message page and on /users/@me (tests/faults/discord.py), with the
# fields the definition must complain about.
FAULTS = {
    "unknown_fields": ("messages", {"/N/type"}),
    "unknown_fields+me": ("me", {"/x_future_field"}),
    "missing_fields": ("messages", {"/N/components", "/N/author/public_flags"}),
    "missing_fields+members": ("members", {"/N/nick", "/N/premium_since", "/N/user/public_flags"}),
    "null_fields": ("messages", {"/N/content"}),
    "wrong_type": ("messages", {""}),
}
LOOKBACK = "0"  # `after=` the oldest possible message: a first run reads from the start


@dataclass(frozen=True)
class Checked:
    """Every recorded answer and what the official definitions said of it."""

    recorded: dict[str, Recorded]
    verdicts: dict[str, Verdict]

    def of_case(self, case: str) -> list[tuple[Recorded, Verdict]]:
        """Every answer recorded for a case (`default.messages`: every page of every channel)."""
        return [
            (self.recorded[name], self.verdicts[name])
            for name in self.recorded
            if name == case or name.startswith(case + ".")
        ]


class _Recorder:
    """Ask a FakeDiscordServer what discord.py asks, recording every answer by name."""

    def __init__(self, server: FakeDiscordServer, prefix: str, out: dict[str, Recorded]) -> None:
        self.server, self.prefix, self.out = server, prefix, out
        self.headers = {"Authorization": f"Bot {server.chat.bot_token}"}

    def get(self, path: str) -> Any:
        response = requests.get(self.server.api_base + path, headers=self.headers, timeout=30)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        assert response.headers["Content-Type"] == "application/json"
        return response.json()

    def record(self, name: str, kind: str, path: str) -> Any:
        body = self.get(path)
        self.out[f"{self.prefix}.{name}"] = Recorded("discord", KINDS[kind], body, f"GET {path}")
        return body


def _record_guild(name: str, clan: SimConfig, content: bool, out: dict[str, Recorded]) -> None:
    chat = SimulatedChat(SimulatedClan(clan), ChatConfig(seed=11))
    with FaultyDiscordServer(chat, message_content=content, rate_limit_per_second=10_000) as server:
        rec = _Recorder(server, name, out)
        guild = chat.guild_id
        rec.record("me", "me", "/users/@me")
        rec.record("application", "application", "/oauth2/applications/@me")
        rec.record("guild", "guild", f"/guilds/{guild}?with_counts=true")
        channels = rec.record("channels", "channels", f"/guilds/{guild}/channels")
        active = rec.record("active-threads", "active-threads", f"/guilds/{guild}/threads/active")
        rec.record("members", "members", f"/guilds/{guild}/members?limit=1000&after=0")
        threads = list(active["threads"])
        readable = [
            c for c in channels if c["type"] == 0 and int(c["id"]) != chat.forbidden_channel_id
        ]
        before = quote(SIM_NOW.isoformat())  # as discord.py pages: before the last one seen
        for channel in readable:
            cid = channel["id"]
            listing = rec.record(
                f"archived-threads.{cid}",
                "archived-threads",
                f"/channels/{cid}/threads/archived/public?limit=100",
            )
            rec.record(
                f"archived-threads.{cid}.before",
                "archived-threads",
                f"/channels/{cid}/threads/archived/public?before={before}&limit=100",
            )
            threads += listing["threads"]
        for where in [*readable, *threads]:
            cid = where["id"]
            rec.record(f"channel.{cid}", "channel", f"/channels/{cid}")
            rec.record(
                f"messages.{cid}.first", "messages", f"/channels/{cid}/messages?limit=100&after=0"
            )
            rec.record(f"messages.{cid}.latest", "messages", f"/channels/{cid}/messages?limit=100")
        _record_webhook(server, name, out)
        if name == "default":
            _record_faults(server, readable[0]["id"], out)


SUMMARY = {
    "username": "ClanStats",
    "embeds": [
        {
            "title": "Iron Sim: the week",
            "description": "12 members, 3 active",
            "color": 0x2E86C1,
            "fields": [{"name": "Top gainers", "value": "Kraken Karil +1.2M xp", "inline": False}],
            "footer": {"text": "ClanStats"},
        }
    ],
}


def _record_webhook(server: FakeDiscordServer, name: str, out: dict[str, Recorded]) -> None:
    """POST the weekly summary as sync does (`?wait=true`), as JSON and with the workbook."""
    url = server.webhook_url + "?wait=true"
    posts = {
        "json": {"json": SUMMARY},
        "with-file": {
            "data": {"payload_json": json.dumps(SUMMARY)},
            "files": {"files[0]": ("clan_report.xlsx", b"PK\x03\x04", "application/zip")},
        },
    }
    for kind, arguments in posts.items():
        response = requests.post(url, timeout=30, **arguments)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        request = f"POST /webhooks/{{id}}/{{token}}?wait=true ({kind})"
        out[f"{name}.webhook.{kind}"] = Recorded(
            "discord", KINDS["webhook"], response.json(), request
        )


def _record_faults(server: FaultyDiscordServer, channel_id: str, out: dict[str, Recorded]) -> None:
    rec = _Recorder(server, "fault", out)
    paths = {
        "messages": f"/channels/{channel_id}/messages?limit=100&after=0",
        "me": "/users/@me",
        "members": f"/guilds/{server.chat.guild_id}/members?limit=1000&after=0",
    }
    for fault, (kind, _) in FAULTS.items():
        path = paths[kind]
        server.inject(Fault(fault.split("+")[0], path_pattern=path.split("?")[0] + "$"))  # type: ignore[arg-type]
        rec.record(fault, kind, path)


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> Schemas:
    return official_schemas(tmp_path_factory)


@pytest.fixture(scope="module")
def checked(schemas: Schemas, tmp_path_factory: pytest.TempPathFactory) -> Checked:
    """Record every case from the simulated server and validate them all in one node run."""
    recorded: dict[str, Recorded] = {}
    for name, (clan, content) in GUILDS.items():
        _record_guild(name, clan, content, recorded)
    members = recorded["default.members"].body
    broken = copy.deepcopy(members)
    del broken[0]["flags"]  # discord.py 2.7 raises KeyError without it
    recorded["broken.required-field-removed"] = Recorded("discord", "list_guild_members", broken)
    added = copy.deepcopy(members)
    added[1]["user"]["favourite_boss"] = "vorkath"
    recorded["broken.undeclared-field"] = Recorded("discord", "list_guild_members", added)
    folder: Path = tmp_path_factory.mktemp("discord-bodies")
    return Checked(recorded, validate(schemas, recorded, folder))


# --------------------------------------------------------------------------- on contract


@pytest.mark.parametrize("case", CASES)
def test_every_answer_matches_the_official_definition(checked: Checked, case: str) -> None:
    answers = checked.of_case(case)
    assert answers, f"nothing recorded for {case}"
    for recorded, verdict in answers:
        assert verdict.valid, verdict.describe(recorded)


def test_the_awkward_cases_hold_what_they_are_about(checked: Checked) -> None:
    """Each awkward case really carries its awkwardness, so its check means something."""

    def bodies(case: str) -> list[Any]:
        return [recorded.body for recorded, _ in checked.of_case(case)]

    archived = [t for b in bodies("default.archived-threads") for t in b["threads"]]
    assert archived and all(t["thread_metadata"]["archived"] for t in archived)
    messages = [m for page in bodies("default.messages") for m in page]
    assert any("referenced_message" in m for m in messages), "no reply to check"
    assert any("webhook_id" in m for m in messages), "no webhook post to check"
    assert any(m["author"].get("bot") for m in messages), "no bot (relay) post to check"
    thread_ids = {t["id"] for t in archived}
    assert any(m["channel_id"] in thread_ids for m in messages), "no archived thread's messages"
    silent = [m for page in bodies("no_content.messages") for m in page]
    assert silent and all(m["content"] == "" for m in silent)
    # The rejoiners' guild lists a member who left the clan and came back.
    clan = SimulatedClan(GUILDS["rejoiners"][0])
    chat = SimulatedChat(clan, ChatConfig(seed=11))
    came_back = {u["id"] for u in chat.users() if u["player_id"] in _rejoined(clan)}
    listed = {int(m["user"]["id"]) for m in checked.recorded["rejoiners.members"].body}
    assert came_back and came_back & listed


def _rejoined(clan: SimulatedClan) -> set[int]:
    """WOM ids of the players whose activity shows a leave followed by a join."""
    seen: dict[int, list[str]] = {}
    for event in reversed(clan.activity()):  # oldest first
        seen.setdefault(event["playerId"], []).append(event["type"])
    return {p for p, kinds in seen.items() if "left" in kinds and kinds[-1] == "joined"}


# --------------------------------------------------------------------------- off contract


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_schema_fault_is_rejected_by_the_official_definition(
    checked: Checked, fault: str
) -> None:
    """The simulator's schema faults are off-contract on purpose: the definition says so."""
    recorded, verdict = checked.recorded[f"fault.{fault}"], checked.verdicts[f"fault.{fault}"]
    assert not verdict.valid, f"{fault} went unnoticed: {recorded.request}"
    assert FAULTS[fault][1] <= verdict.paths(), verdict.describe(recorded)


def test_a_removed_required_field_is_reported(checked: Checked) -> None:
    """The check fails on a wrong shape: a guild member without `flags`, named by its path."""
    verdict = checked.verdicts["broken.required-field-removed"]
    assert verdict.errors == [{"path": "/0/flags", "message": "required field missing"}]


def test_an_undeclared_field_is_reported(checked: Checked) -> None:
    verdict = checked.verdicts["broken.undeclared-field"]
    assert verdict.errors == [
        {"path": "/1/user/favourite_boss", "message": "field not in the definition"}
    ]


def test_the_pinned_package_is_the_one_checked(schemas: Schemas) -> None:
    """README names the discord-api-spec version; the lock pins it and the checks use it."""
    pinned = pinned_versions()["discord-api-spec"]
    assert schemas.versions["discord-api-spec"] == pinned
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`discord-api-spec` {pinned}" in readme
