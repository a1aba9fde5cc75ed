"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from clanstats.sim.chat import ChatConfig, SimulatedChat
from clanstats.sim.clan import SimConfig, SimulatedClan
from clanstats.sim.discord_server import FakeDiscordServer
from clanstats.sim.wom_server import FakeWomServer

SIM_NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.fixture
def sim_clan() -> SimulatedClan:
    """Return a small deterministic clan: 12 members, 30 days of history, now fixed."""
    return SimulatedClan(SimConfig(seed=7, members=12, days=30, now=SIM_NOW))


@pytest.fixture
def wom_server(sim_clan: SimulatedClan) -> Iterator[FakeWomServer]:
    """Serve `sim_clan` on loopback with limits too high to hit; stop after the test."""
    with FakeWomServer(sim_clan, limit_with_key=10_000, limit_without_key=10_000) as server:
        yield server


@pytest.fixture
def sim_chat(sim_clan: SimulatedClan) -> SimulatedChat:
    """Return the Discord of `sim_clan`: deterministic, its clock is the clan's."""
    return SimulatedChat(sim_clan, ChatConfig(seed=11))


@pytest.fixture
def discord_server(sim_chat: SimulatedChat) -> Iterator[FakeDiscordServer]:
    """Serve `sim_chat` over Discord's REST API on loopback, limits too high to hit."""
    with FakeDiscordServer(sim_chat, rate_limit_per_second=10_000) as server:
        yield server
