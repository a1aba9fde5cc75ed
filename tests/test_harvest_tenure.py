"""The in-game join (clientSyncJoinedAt): stored from the roster, and what tenure counts from."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import Membership
from clanstats.harvest.wom import WomHarvest
from clanstats.transform.status import load_members
from simulator.clan import SimConfig, SimulatedClan
from simulator.wom_server import FakeWomServer
from tests.test_harvest_wom import fast_client

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
GROUP = 4242
UTC_ZONE = ZoneInfo("UTC")


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    return make_engine(migrated_url)


def harvest(engine: Engine, clan: SimulatedClan, now: datetime = NOW) -> None:
    with FakeWomServer(clan, limit_with_key=10_000) as server:
        result = WomHarvest(
            engine=engine,
            client=fast_client(server),
            group_id=GROUP,
            stage_run_id=None,
            lookback_days=365,
            now=now.replace(tzinfo=None),
        ).run()
    assert result.failures == []


def stored(engine: Engine) -> dict[int, tuple[datetime | None, datetime | None]]:
    """Each current member's (in-game join, WOM listing) as stored."""
    with Session(engine) as session:
        rows = session.execute(
            select(Membership.player_id, Membership.in_game_joined_at, Membership.joined_at).where(
                Membership.left_at.is_(None)
            )
        ).all()
    return {pid: (in_game, listed) for pid, in_game, listed in rows}


def naive(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=None) if moment is not None else None


def test_the_in_game_join_is_kept_beside_wom_listing_and_tenure_counts_from_it(
    engine: Engine,
) -> None:
    # The clan registered on WOM 60 days ago; most members joined in game long before.
    clan = SimulatedClan(SimConfig(seed=5, members=30, days=30, now=NOW, registered_days_ago=60))
    harvest(engine, clan)
    rows = stored(engine)
    assert rows.keys() == clan.members_at(NOW)
    listed_on = NOW.replace(tzinfo=None) - timedelta(days=60)
    for pid, (in_game, listed) in rows.items():
        # Ground truth from the simulator, not from the harvest.
        assert in_game == naive(clan.client_sync_joined_at(pid, NOW))
        assert listed is not None and listed >= listed_on
    veterans = [pid for pid, (in_game, _) in rows.items() if in_game and in_game < listed_on]
    unsynced = [pid for pid, (in_game, _) in rows.items() if in_game is None]
    assert veterans and unsynced
    with Session(engine) as session:
        members = {m.player_id: m for m in load_members(session, group_id=GROUP, timezone=UTC_ZONE)}
    today = date(2026, 11, 20)
    for pid in veterans:
        in_game = rows[pid][0]
        assert in_game is not None
        assert members[pid].tenure_source == "clan_sync"
        assert members[pid].tenure_days(today) == (today - in_game.date()).days
    # The in-game join is a date WOM sends as its midnight UTC: the same day west of UTC too.
    with Session(engine) as session:
        west = load_members(session, group_id=GROUP, timezone=ZoneInfo("America/New_York"))
    for member in west:
        in_game = rows.get(member.player_id, (None, None))[0]
        if in_game is not None:
            assert member.joined_on == in_game.date()
    for pid in unsynced:
        listed = rows[pid][1]
        assert listed is not None
        assert members[pid].tenure_source == "wom_listed"
        assert members[pid].tenure_days(today) == (today - listed.date()).days <= 60


class SyncLaterClan(SimulatedClan):
    """A clan whose first member's clan sync is unknown until `synced` is set, then withdrawn."""

    synced: str | None = None
    withdrawn: bool = False

    def group_details(self) -> dict[str, Any]:
        details = super().group_details()
        first = details["memberships"][0]
        first["clientSyncJoinedAt"] = None if self.withdrawn else self.synced
        return details


def test_a_clan_sync_that_arrives_later_is_taken_and_one_withdrawn_is_forgotten(
    engine: Engine,
) -> None:
    clan = SyncLaterClan(SimConfig(seed=5, members=12, days=20, now=NOW, registered_days_ago=40))
    first = clan.group_details()["memberships"][0]["playerId"]
    harvest(engine, clan)
    assert stored(engine)[first][0] is None
    clan.synced = "2023-05-06T00:00:00.000Z"
    clan.now = NOW + timedelta(days=1)
    harvest(engine, clan, NOW + timedelta(days=1))
    assert stored(engine)[first][0] == datetime(2023, 5, 6)
    clan.withdrawn = True
    clan.now = NOW + timedelta(days=2)
    harvest(engine, clan, NOW + timedelta(days=2))
    assert stored(engine)[first][0] is None  # WOM's answer now: tenure from its listing


class BadSyncClan(SimulatedClan):
    """Faults (WOM breaking its own contract): clientSyncJoinedAt in the future, not a date,
    not a string."""

    BAD = ("2999-01-01T00:00:00.000Z", "last tuesday", 1_700_000_000)

    def group_details(self) -> dict[str, Any]:
        details = super().group_details()
        for membership, bad in zip(details["memberships"], self.BAD, strict=False):
            membership["clientSyncJoinedAt"] = bad
        return details


def test_a_future_or_malformed_in_game_join_is_left_out_and_tenure_counts_from_listing(
    engine: Engine,
) -> None:
    clan = BadSyncClan(SimConfig(seed=5, members=12, days=20, now=NOW, registered_days_ago=40))
    broken = [m["playerId"] for m in clan.group_details()["memberships"][:3]]
    harvest(engine, clan)
    rows = stored(engine)
    assert [rows[pid][0] for pid in broken] == [None, None, None]
    with Session(engine) as session:
        members = {m.player_id: m for m in load_members(session, group_id=GROUP, timezone=UTC_ZONE)}
    assert {members[pid].tenure_source for pid in broken} == {"wom_listed"}
