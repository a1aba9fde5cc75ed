"""The WOM harvest against the loopback WOM server: what it stores, what it asks, what survives."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import (
    Achievement,
    BackfillProgress,
    CurrentValue,
    FetchLog,
    GainWindow,
    HarvestCursor,
    Membership,
    Metric,
    NameChange,
    Player,
    Snapshot,
    SnapshotValue,
    WindowGain,
)
from clanstats.errors import ConfigError
from clanstats.harvest.backfill import backfill_group
from clanstats.harvest.wom import WomHarvest
from clanstats.stage import StageResult
from clanstats.wom.client import WomClient
from simulator.clan import SimConfig, SimulatedClan
from simulator.wom_server import FakeWomServer
from tests.conftest import SQLITE_ONLY
from tests.faults import Fault, FaultyWomServer

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
ISO_NOW = "2026-11-20T12:00:00.000Z"  # as WOM writes it
GROUP = 4242
PER_MEMBER = ("/v2/players/",)  # request paths carry the API version

Harvest = Callable[[], StageResult]


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = make_engine(migrated_url)
    return engine


def fast_client(server: FakeWomServer, **overrides: object) -> WomClient:
    options: dict[str, object] = {
        "base_url": server.base_url,
        "api_key": "demo-key",
        "user_agent": "ClanStats tests",
        "requests_per_minute": 10_000,
        "timeout": 10,  # generous, so a busy machine never times out a healthy answer
        "max_retries": 2,
        "backoff_base": 0.01,
    }
    options.update(overrides)
    return WomClient(**options)  # type: ignore[arg-type]


def harvester(
    engine: Engine, server: FakeWomServer, group_id: int = GROUP, **client_options: object
) -> Harvest:
    def run() -> StageResult:
        return WomHarvest(
            engine=engine,
            client=fast_client(server, **client_options),
            group_id=group_id,
            stage_run_id=None,
            lookback_days=365,
            now=NOW.replace(tzinfo=None),
        ).run()

    return run


def backfill(engine: Engine, client: WomClient) -> StageResult:
    naive_now = NOW.replace(tzinfo=None)
    return backfill_group(engine, client, group_id=GROUP, days=30, stage_run_id=None, now=naive_now)


def current_members(engine: Engine) -> set[int]:
    with Session(engine) as session:
        query = select(Membership.player_id).where(Membership.left_at.is_(None))
        return set(session.scalars(query))


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_first_run_stores_the_whole_clan(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FakeWomServer
) -> None:
    result = harvester(engine, wom_server)()
    assert result.failures == []
    members = sim_clan.group_details()["memberships"]
    with Session(engine) as session:
        current = session.scalars(select(Membership).where(Membership.left_at.is_(None))).all()
        assert {m.player_id for m in current} == {m["playerId"] for m in members}
        assert session.scalar(select(func.count()).select_from(Snapshot)) == len(
            sim_clan.bulk_hiscores()
        )
        assert session.scalar(select(func.count()).select_from(GainWindow)) > 0
        assert session.scalar(select(func.count()).select_from(WindowGain)) > 0
        assert {row.outcome for row in session.scalars(select(FetchLog))} == {"ok"}
    paths = [r.path for r in wom_server.requests]
    assert not [p for p in paths if p.startswith(PER_MEMBER)]
    # No local history yet: one bulk-gained call per window, each for its exact span (WOM's
    # `month` is 31 days and it has no 90-day period).
    asked = [r.query for r in wom_server.requests if r.path.endswith("/bulk-gained")]
    starts = sorted(q["startDate"] for q in asked)
    assert starts == [
        f"{day}T00:00:00.000Z" for day in ("2025-11-21", "2026-08-23", "2026-10-22", "2026-11-14")
    ]
    assert all("period" not in q and q["endDate"].startswith("2026-11-20T12:00") for q in asked)
    with Session(engine) as session:
        stored = set(session.execute(select(GainWindow.period, GainWindow.start_date)).all())
    assert {period for period, _ in stored} == {"7d", "30d", "90d", "365d"}


def test_stored_values_match_what_wom_served(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FakeWomServer
) -> None:
    harvester(engine, wom_server)()
    entry = sim_clan.bulk_hiscores()[0]
    player_id = entry["player"]["id"]
    with Session(engine) as session:
        stored = dict(
            session.execute(
                select(Metric.name, CurrentValue.value)
                .join(Metric, Metric.id == CurrentValue.metric_id)
                .where(CurrentValue.player_id == player_id)
            ).all()
        )
    data = entry["data"]["data"]
    assert stored["overall"] == data["skills"]["overall"]["experience"]
    for boss, values in data["bosses"].items():
        if values["kills"] == -1:
            assert stored.get(boss) is None, f"{boss}: -1 must stay unknown, never 0"
        else:
            assert stored[boss] == values["kills"]


@SQLITE_ONLY
def test_a_quiet_day_costs_at_most_ten_requests_for_500_members(engine: Engine) -> None:
    clan = SimulatedClan(SimConfig(seed=3, members=500, days=30, now=NOW))
    with FakeWomServer(clan, limit_with_key=10_000) as server:
        harvester(engine, server)()
        server.reset_requests()
        result = harvester(engine, server)()
        paths = [r.path for r in server.requests]
    assert result.failures == []
    # The clan's state (2), the event feeds (4) and, while no member's history reaches back
    # past a window, that window's gains (one call each, never frozen at the first run's).
    # Besides: one call per competition still running (a finished one was read the first
    # day): a handful for any clan, whatever its size. This clan's only one has ended.
    running = [c["id"] for c in clan.competitions() if c["startsAt"] <= ISO_NOW < c["endsAt"]]
    standings = [p for p in paths if "/v2/competitions/" in p]
    assert sorted(standings) == sorted(f"/v2/competitions/{c}" for c in running)
    assert len(paths) - len(standings) <= 10, paths
    assert not [p for p in paths if p.startswith(PER_MEMBER)]
    assert sum(p.endswith("/bulk-gained") for p in paths) == 4


def test_windows_that_history_covers_need_no_call(engine: Engine) -> None:
    clan = SimulatedClan(SimConfig(seed=3, members=12, days=30, now=NOW))
    with FakeWomServer(clan, limit_with_key=10_000) as server:
        harvester(engine, server)()
        naive_now = NOW.replace(tzinfo=None)
        # A backfill reaching back past the 365-day window's start covers every window.
        backfill_group(
            engine, fast_client(server), group_id=GROUP, days=366, stage_run_id=None, now=naive_now
        )
        server.reset_requests()
        result = harvester(engine, server)()
        paths = [r.path for r in server.requests]
    assert result.failures == []
    assert not [p for p in paths if p.endswith("/bulk-gained")]
    assert count(engine, GainWindow) == 0  # the first run's windows are no longer needed


def test_a_new_day_adds_snapshots_and_only_new_events(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FakeWomServer
) -> None:
    run = harvester(engine, wom_server)
    run()
    snapshots, achievements = count(engine, Snapshot), count(engine, Achievement)
    again = run()
    assert again.counts["new snapshots"] == 0 and again.counts["new achievements"] == 0
    sim_clan.advance(days=3)
    later = run()
    assert later.counts["new snapshots"] > 0
    assert count(engine, Snapshot) == snapshots + later.counts["new snapshots"]
    assert count(engine, Achievement) == achievements + later.counts["new achievements"]
    newest = max(a["createdAt"] for a in sim_clan.achievements())
    with Session(engine) as session:
        cursor = session.scalar(
            select(HarvestCursor.position).where(HarvestCursor.source == "wom:achievements")
        )
    assert cursor is not None
    assert datetime.fromisoformat(cursor) == datetime.fromisoformat(
        newest.replace("Z", "")
    ).replace(tzinfo=None)


def test_name_changes_keep_one_identity(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FakeWomServer
) -> None:
    harvester(engine, wom_server)()
    changes = sim_clan.name_changes()
    assert changes, "the simulated clan should have name changes"
    with Session(engine) as session:
        for change in changes:
            stored = session.scalars(
                select(Player).where(Player.player_id == change["playerId"])
            ).one_or_none()
            if stored is None:
                continue  # a member who left before the look-back
            assert session.get(NameChange, (GROUP, change["id"])) is not None
            latest = sim_clan.player_details(change["newName"])
            assert latest is not None
            assert stored.display_name == latest["displayName"]


def test_leavers_keep_their_history(engine: Engine) -> None:
    clan = SimulatedClan(SimConfig(seed=11, members=40, days=60, now=NOW, leavers=0.0))
    with FakeWomServer(clan, limit_with_key=10_000) as server:
        run = harvester(engine, server)
        run()
        before = count(engine, Snapshot)
        gone = clan.group_details()["memberships"][0]["playerId"]
        # The clan kicks a member: serve a roster without them.
        original = clan.group_details

        def without_member() -> dict:
            details = original()
            details["memberships"] = [m for m in details["memberships"] if m["playerId"] != gone]
            return details

        clan.group_details = without_member  # type: ignore[method-assign]
        run()
    with Session(engine) as session:
        membership = session.get(Membership, (GROUP, gone))
        assert membership is not None and membership.left_at is not None
        assert session.scalar(
            select(func.count()).select_from(Snapshot).where(Snapshot.player_id == gone)
        )
    assert count(engine, Snapshot) >= before


def test_an_empty_roster_for_a_stored_clan_changes_nothing(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FakeWomServer
) -> None:
    run = harvester(engine, wom_server)
    run()
    current = current_members(engine)
    original = sim_clan.group_details

    def empty_roster() -> dict:
        return {**original(), "memberships": []}

    sim_clan.group_details = empty_roster  # type: ignore[method-assign]
    result = run()
    assert result.failures and "treated as a WOM glitch" in result.failures[0]
    assert current_members(engine) == current


def test_members_who_left_before_the_first_run_keep_their_stay(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FakeWomServer
) -> None:
    harvester(engine, wom_server)()
    current = {m["playerId"] for m in sim_clan.group_details()["memberships"]}
    left = {e["playerId"]: e["createdAt"] for e in sim_clan.activity() if e["type"] == "left"}
    gone = {pid: at for pid, at in left.items() if pid not in current}
    assert gone, "the simulated clan has members who left"
    with Session(engine) as session:
        for player_id, at in gone.items():
            membership = session.get(Membership, (GROUP, player_id))
            assert membership is not None and membership.left_at is not None
            assert membership.left_at.isoformat(timespec="milliseconds") == at.removesuffix("Z")


def test_unknown_metrics_and_sections_are_stored_without_a_migration(engine: Engine) -> None:
    clan = SimulatedClan(
        SimConfig(seed=5, members=10, days=20, now=NOW, extra_metrics=("brand_new_boss",))
    )
    with FakeWomServer(clan, limit_with_key=10_000) as server:
        result = harvester(engine, server)()
    assert result.failures == []
    with Session(engine) as session:
        metric = session.scalars(select(Metric).where(Metric.name == "brand_new_boss")).one()
        assert metric.kind == "boss"


def test_an_empty_group_is_fine(engine: Engine) -> None:
    clan = SimulatedClan(SimConfig(seed=1, members=0, days=5, now=NOW))
    with FakeWomServer(clan, limit_with_key=10_000) as server:
        result = harvester(engine, server)()
    assert result.failures == []
    assert count(engine, Player) == 0


@pytest.mark.parametrize("error_style", ["current", "legacy"])
def test_a_wrong_group_id_is_a_config_error_not_a_retry_loop(
    engine: Engine, sim_clan: SimulatedClan, error_style: str
) -> None:
    with FakeWomServer(sim_clan, limit_with_key=10_000, error_style=error_style) as server:  # type: ignore[arg-type]
        with pytest.raises(ConfigError, match="WOM_GROUP_ID=999"):
            harvester(engine, server, group_id=999)()
        assert len(server.requests) == 1


@pytest.mark.parametrize("kind", ["429", "500", "503", "timeout", "drop", "malformed", "truncated"])
def test_passing_faults_are_retried_and_the_run_completes(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FaultyWomServer, kind: str
) -> None:
    wom_server.inject(Fault(kind, path_pattern="bulk-hiscores", retry_after=0.05, delay=6))  # type: ignore[arg-type]
    result = harvester(engine, wom_server, timeout=2)()
    assert result.failures == []
    assert count(engine, Snapshot) == len(sim_clan.bulk_hiscores())


@pytest.mark.parametrize("kind", ["500", "malformed", "truncated_json"])
def test_a_failing_source_loses_nothing_and_moves_no_cursor(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FaultyWomServer, kind: str
) -> None:
    run = harvester(engine, wom_server)
    run()
    sim_clan.advance(days=2)
    snapshots = count(engine, Snapshot)
    values = count(engine, SnapshotValue)
    with Session(engine) as session:
        cursors = dict(session.execute(select(HarvestCursor.source, HarvestCursor.position)).all())
    # Every try of the second page of achievements fails; the first page was fine.
    wom_server.inject(Fault(kind, path_pattern="achievements", times=50))  # type: ignore[arg-type]
    result = run()
    assert len(result.failures) == 1 and result.failures[0].startswith("wom:achievements")
    assert "\n" not in result.failures[0]
    assert count(engine, Snapshot) > snapshots  # the other sources were kept
    assert count(engine, SnapshotValue) >= values
    with Session(engine) as session:
        after = dict(session.execute(select(HarvestCursor.source, HarvestCursor.position)).all())
        log = session.scalars(
            select(FetchLog)
            .where(FetchLog.source == "wom:achievements")
            .order_by(FetchLog.id.desc())
        ).first()
    assert after.get("wom:achievements") == cursors.get("wom:achievements")
    assert log is not None and log.outcome == "error"
    wom_server.clear_faults()
    healed = run()
    assert healed.failures == []
    # WOM dates achievements it can't date at 1970: outside the look-back, so not stored.
    served = {
        (a["playerId"], a["metric"], a["threshold"])
        for a in sim_clan.achievements()
        if not a["createdAt"].startswith("1970")
    }
    with Session(engine) as session:
        stored = set(
            session.execute(
                select(Achievement.player_id, Achievement.metric, Achievement.threshold)
            ).all()
        )
    assert stored == served


def test_schema_surprises_do_not_break_the_harvest(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FaultyWomServer
) -> None:
    wom_server.inject(Fault("schema", times=20))
    result = harvester(engine, wom_server)()
    assert result.failures == []
    assert count(engine, Snapshot) > 0


def test_backfill_is_paced_resumable_and_exact(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FaultyWomServer
) -> None:
    harvester(engine, wom_server)()
    members = len(sim_clan.group_details()["memberships"])
    # Stop the backfill after a few players: the player endpoint fails from then on.
    wom_server.inject(Fault("500", path_pattern="/players/", times=1000))
    client = fast_client(wom_server)
    first = backfill(engine, client)
    assert first.failures and "run it again to resume" in first.failures[0]
    assert first.counts["players done"] == 0 and first.counts["players left to do"] == members
    wom_server.clear_faults()
    done = backfill(engine, fast_client(wom_server))
    assert done.failures == [] and done.counts["players done"] == members
    assert done.counts["players left to do"] == 0
    again = backfill(engine, fast_client(wom_server))
    assert again.counts["players done"] == 0  # resumable: nothing left to do
    # Every stored snapshot decodes to exactly what WOM served for it.
    player = sim_clan.group_details()["memberships"][0]["player"]
    start = datetime(2026, 10, 21, tzinfo=UTC)
    served = {s["createdAt"]: s for s in sim_clan.player_snapshots(player["username"], start, NOW)}
    with Session(engine) as session:
        rows = session.execute(
            select(Snapshot.taken_at, Metric.name, SnapshotValue.value)
            .join(SnapshotValue, SnapshotValue.snapshot_id == Snapshot.id)
            .join(Metric, Metric.id == SnapshotValue.metric_id)
            .where(Snapshot.player_id == player["id"])
            .order_by(Snapshot.taken_at)
        ).all()
    state: dict[str, float | None] = {}
    by_time: dict[datetime, dict[str, float | None]] = {}
    for taken_at, name, value in rows:
        state[name] = value
        by_time[taken_at] = dict(state)
    checked = 0
    for created, snapshot in served.items():
        when = datetime.fromisoformat(created.replace("Z", "+00:00")).replace(tzinfo=None)
        if when in by_time:
            expected = snapshot["data"]["skills"]["overall"]["experience"]
            assert by_time[when]["overall"] == expected
            checked += 1
    assert checked > 0


def test_backfill_never_stores_another_players_history(engine: Engine) -> None:
    # Bug 5: a member renames and someone else takes their old name; a backfill that asks WOM
    # by the old name gets the other player's snapshots, which must never become the member's.
    clan = SimulatedClan(
        SimConfig(seed=3, members=20, days=30, now=NOW, name_changers=0.2, name_reuse=1)
    )
    reuse = clan.name_reuses()[0]  # 19-42 hours after NOW
    member = reuse.previous_owner_id
    with FakeWomServer(clan, limit_with_key=10_000) as server:
        harvester(engine, server)()  # stores the member under the name about to be reused
        clan.now = reuse.at + timedelta(hours=1)
        later = clan.now.replace(tzinfo=None)
        stale = backfill_group(
            engine, fast_client(server), group_id=GROUP, days=30, stage_run_id=None, now=later
        )
        assert stale.failures == []
        assert stale.counts["names now another player's (run harvest, then backfill again)"] == 1
        assert len(snapshot_times(engine, member)) == 1, "only the harvest's own snapshot"
        assert member not in backfilled(engine), "left to do, not marked done"
        # The next harvest stores the new name; the next backfill gets the member's own history.
        harvester(engine, server)()
        backfill_group(
            engine, fast_client(server), group_id=GROUP, days=30, stage_run_id=None, now=later
        )
        own = {
            datetime.fromisoformat(s["createdAt"].replace("Z", "+00:00")).replace(tzinfo=None)
            for s in clan.player_snapshots(clan.display_name_at(member, clan.now)) or []
        }
    assert set(snapshot_times(engine, member)) <= own  # every snapshot stored is their own
    assert member in backfilled(engine)


def snapshot_times(engine: Engine, player_id: int) -> list[datetime]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(Snapshot.taken_at)
                .where(Snapshot.player_id == player_id)
                .order_by(Snapshot.taken_at)
            )
        )


def backfilled(engine: Engine) -> set[int]:
    with Session(engine) as session:
        return set(session.scalars(select(BackfillProgress.player_id)))


class SameSecondClan(SimulatedClan):
    """A clan whose newest 120 achievements share one second, as one big WOM update leaves them."""

    extra: list[dict[str, object]]

    def achievements(self) -> list[dict[str, object]]:
        feed = super().achievements()
        newest = feed[0]["createdAt"]
        for item in feed[:120]:
            item["createdAt"] = newest
        return [*getattr(self, "extra", []), *feed]


def test_event_feeds_stop_at_what_is_stored_even_within_one_second(engine: Engine) -> None:
    # Issue 15: the cursor is a time; events stamped that same second were read again, page
    # after page, on every run. They are told apart by who and what, so one page is enough.
    clan = SameSecondClan(SimConfig(seed=5, members=80, days=150, now=NOW))
    feed = clan.achievements()
    assert len({a["createdAt"] for a in feed[:120]}) == 1 and len(feed) > 150
    with FakeWomServer(clan, limit_with_key=10_000) as server:
        harvester(engine, server)()
        stored = count(engine, Achievement)
        server.reset_requests()
        again = harvester(engine, server)()
        pages = [r for r in server.requests if r.path.endswith("/achievements")]
        assert (again.counts["new achievements"], len(pages)) == (0, 1)
        # A new achievement stamped that very second is still taken, once.
        clan.extra = [{**feed[0], "threshold": 987_654_321, "name": "A new one"}]
        clan.now = NOW + timedelta(minutes=1)  # the server builds a feed once per `now`
        later = harvester(engine, server)()
        harvester(engine, server)()
    assert later.counts["new achievements"] == 1
    assert count(engine, Achievement) == stored + 1
