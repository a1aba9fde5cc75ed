"""Fake WOM and Discord servers serving several groups and guilds at once (a clan alliance)."""

from __future__ import annotations

import pytest
import requests

from simulator.alliance import alliance_configs, build_alliance, guild_id
from simulator.chat import ChatConfig, SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from simulator.discord_server import FakeDiscordServer
from simulator.wom_server import FakeWomServer
from tests.conftest import SIM_NOW


@pytest.fixture(scope="module")
def alliance() -> tuple[list[SimulatedClan], list[SimulatedChat]]:
    """Three small clans with their guilds."""
    configs = alliance_configs(3, members=[6, 8, 5], days=20, now=SIM_NOW)
    return build_alliance(configs, message_scale=0.3)


def test_wom_server_routes_each_group_id_to_its_clan(
    alliance: tuple[list[SimulatedClan], list[SimulatedChat]],
) -> None:
    clans, _ = alliance
    with FakeWomServer(clans) as server:
        assert server.clan is clans[0] and set(server.clans) == {4242, 4243, 4244}
        for clan in clans:
            group = requests.get(f"{server.base_url}/groups/{clan.config.group_id}", timeout=5)
            assert group.status_code == 200
            assert group.json()["name"] == clan.config.group_name
            assert group.json()["memberCount"] == clan.config.members
        missing = requests.get(f"{server.base_url}/groups/4300/bulk-hiscores", timeout=5)
        assert missing.status_code == 404 and missing.json()["code"] == "GROUP_NOT_FOUND"
        # A player route finds the clan tracking the player, in any group.
        last = requests.get(f"{server.base_url}/groups/4244", timeout=5).json()
        name = last["memberships"][0]["player"]["username"]
        player = requests.get(f"{server.base_url}/players/{name}", timeout=5)
        assert player.status_code == 200 and player.json()["username"] == name


def test_wom_server_refuses_two_clans_with_one_group_id() -> None:
    clan = SimulatedClan(SimConfig(members=2, days=2, now=SIM_NOW))
    with pytest.raises(ValueError, match="own group_id"):
        FakeWomServer([clan, SimulatedClan(SimConfig(seed=8, members=2, days=2, now=SIM_NOW))])
    with pytest.raises(ValueError, match="at least one clan"):
        FakeWomServer([])


def test_discord_server_routes_guilds_and_channels_with_one_bot(
    alliance: tuple[list[SimulatedClan], list[SimulatedChat]],
) -> None:
    _, chats = alliance
    with FakeDiscordServer(chats, rate_limit_per_second=10_000) as server:
        auth = {"Authorization": f"Bot {server.chat.bot_token}"}
        assert set(server.chats) == {guild_id(0), guild_id(1), guild_id(2)}
        for chat in chats:
            base = server.api_base
            guild = requests.get(f"{base}/guilds/{chat.guild_id}", headers=auth, timeout=5)
            assert guild.status_code == 200 and guild.json()["id"] == str(chat.guild_id)
            general = chat.channel_ids["general"]
            answer = requests.get(f"{base}/channels/{general}/messages", headers=auth, timeout=5)
            assert answer.status_code == 200
            assert [m["id"] for m in answer.json()] == [
                m["id"] for m in chat.history(general, limit=50)
            ]
            forbidden = f"{base}/channels/{chat.forbidden_channel_id}"
            assert requests.get(forbidden, headers=auth, timeout=5).status_code == 403
        unknown = requests.get(f"{server.api_base}/guilds/{guild_id(5)}", headers=auth, timeout=5)
        assert unknown.status_code == 404 and unknown.json()["code"] == 10004


def test_discord_server_refuses_clashing_guilds(
    alliance: tuple[list[SimulatedClan], list[SimulatedChat]],
) -> None:
    clans, chats = alliance
    with pytest.raises(ValueError, match=r"own ChatConfig\.guild_id"):
        FakeDiscordServer([chats[0], SimulatedChat(clans[1], ChatConfig(guild_id=guild_id(0)))])
    near = SimulatedChat(clans[1], ChatConfig(guild_id=guild_id(0) + 1))
    with pytest.raises(ValueError, match="share channel id"):
        FakeDiscordServer([chats[0], near])


def test_alliance_configs_reject_bad_sizes() -> None:
    with pytest.raises(ValueError, match="groups must be"):
        alliance_configs(0)
    with pytest.raises(ValueError, match="one entry per group"):
        alliance_configs(2, members=[3])
