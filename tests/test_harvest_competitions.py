"""Competition standings: who took part in each competition and where they placed, as WOM says.

Harvests run against the loopback WOM with the real client. The simulated clan (`sim_clan`)
has two competitions at SIM_NOW: one that ended on Nov 9 and one that runs Nov 17-24.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import (
    Competition,
    CompetitionParticipation,
    FetchLog,
    Membership,
    Player,
)
from clanstats.harvest.wom import WomHarvest
from clanstats.stage import StageResult
from simulator.clan import SimulatedClan
from tests.conftest import SIM_NOW
from tests.faults import Fault, FaultyWomServer
from tests.test_harvest_wom import fast_client

GROUP = 4242
FINISHED, RUNNING = 42421, 42422
DETAILS = "wom:competition-details"
# A row as the harvest should store it: (player, rank, team, gained, start, end).
Row = tuple[int, int, str | None, float | None, float | None, float | None]


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


def harvest(
    engine: Engine, server: FaultyWomServer, clan: SimulatedClan, *, lookback_days: int = 365
) -> StageResult:
    """Harvest as of the clan's now, as a daily run on that day would."""
    return WomHarvest(
        engine=engine,
        client=fast_client(server),
        group_id=GROUP,
        stage_run_id=None,
        lookback_days=lookback_days,
        now=clan.now.replace(tzinfo=None),
    ).run()


def stored(engine: Engine, competition_id: int) -> list[Row]:
    with Session(engine) as session:
        rows = session.scalars(
            select(CompetitionParticipation)
            .where(CompetitionParticipation.competition_id == competition_id)
            .order_by(CompetitionParticipation.rank)
        )
        return [
            (r.player_id, r.rank, r.team_name, r.gained, r.start_value, r.end_value) for r in rows
        ]


def expected(clan: SimulatedClan, competition_id: int) -> list[Row]:
    """The simulation's own standings as of its now: unknown (-1) ends are None, and so is
    a gain from or to one."""
    return [
        (
            p.player_id,
            p.rank,
            p.team,
            p.gain,
            None if p.start < 0 else p.start,
            None if p.end < 0 else p.end,
        )
        for p in clan.competition_placings(competition_id, clan.now)
    ]


def fetched_at(engine: Engine) -> dict[int, datetime | None]:
    with Session(engine) as session:
        return dict(session.execute(select(Competition.id, Competition.details_fetched_at)).all())


def details_asked(server: FaultyWomServer) -> list[str]:
    return [r.path.rsplit("/", 1)[1] for r in server.requests if "/v2/competitions/" in r.path]


def last_fetch(engine: Engine, source: str) -> FetchLog:
    with Session(engine) as session:
        log = session.scalars(
            select(FetchLog).where(FetchLog.source == source).order_by(FetchLog.id.desc())
        ).first()
    assert log is not None, f"no fetch of {source}"
    return log


def test_each_started_competition_is_stored_with_ranks_in_wom_order(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FaultyWomServer
) -> None:
    result = harvest(engine, wom_server, sim_clan)
    assert result.failures == []
    for competition_id in (FINISHED, RUNNING):
        rows = stored(engine, competition_id)
        assert rows == expected(sim_clan, competition_id)
        assert [rank for _, rank, *_ in rows] == list(range(1, len(rows) + 1))
    running = stored(engine, RUNNING)
    # Vorkath: below the hiscores' kill count WOM has -1 at an end, and then no gain is known.
    assert any(gained is None for _, _, _, gained, _, _ in running)
    assert any(gained is not None for _, _, _, gained, _, _ in running)
    assert result.counts["competition participants"] == len(running) + len(stored(engine, FINISHED))
    now = SIM_NOW.replace(tzinfo=None)
    assert fetched_at(engine) == {FINISHED: now, RUNNING: now}
    log = last_fetch(engine, DETAILS)
    assert (log.outcome, log.requests) == ("ok", 2)
    assert sorted(details_asked(wom_server)) == [str(FINISHED), str(RUNNING)]


def test_a_finished_competition_is_read_once_after_its_end_a_running_one_every_run(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FaultyWomServer
) -> None:
    harvest(engine, wom_server, sim_clan)
    before = stored(engine, RUNNING)
    for day in range(1, 7):  # Nov 21 .. Nov 26: the running competition ends on Nov 24, noon
        sim_clan.advance(days=1)
        wom_server.reset_requests()
        result = harvest(engine, wom_server, sim_clan)
        assert result.failures == []
        # Read every day up to its end (Nov 24, noon, read as it ends); never after that.
        assert details_asked(wom_server) == ([str(RUNNING)] if day <= 4 else []), day
    after = stored(engine, RUNNING)
    assert after == expected(sim_clan, RUNNING) != before  # the final standings
    assert fetched_at(engine)[RUNNING] == datetime(2026, 11, 24, 12)
    assert last_fetch(engine, DETAILS).requests == 0


def test_a_competition_that_ended_before_the_look_back_is_not_read(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FaultyWomServer
) -> None:
    result = harvest(engine, wom_server, sim_clan, lookback_days=10)  # the first ended Nov 9
    assert result.failures == []
    assert details_asked(wom_server) == [str(RUNNING)]
    assert stored(engine, FINISHED) == []
    assert fetched_at(engine)[FINISHED] is None


def test_a_failing_details_request_keeps_the_stored_standings_and_fails_only_its_source(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FaultyWomServer
) -> None:
    harvest(engine, wom_server, sim_clan)
    before, read_at = stored(engine, RUNNING), fetched_at(engine)
    sim_clan.advance(days=2)
    wom_server.inject(Fault("500", path_pattern=r"/competitions/\d+$", times=50))
    result = harvest(engine, wom_server, sim_clan)
    assert len(result.failures) == 1, result.failures
    failure = result.failures[0]
    assert failure.startswith(f"{DETAILS}: competition {RUNNING}: ")
    assert "HTTP 500" in failure and "\n" not in failure
    assert stored(engine, RUNNING) == before
    assert fetched_at(engine) == read_at
    log = last_fetch(engine, DETAILS)
    assert (log.outcome, log.requests, log.rows) == ("error", 3, 0)  # the first try and 2 more
    assert last_fetch(engine, "wom:competitions").outcome == "ok"  # the list was kept
    wom_server.clear_faults()
    healed = harvest(engine, wom_server, sim_clan)
    assert healed.failures == []
    assert stored(engine, RUNNING) == expected(sim_clan, RUNNING) != before


def test_when_the_competitions_list_fails_no_details_are_asked(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FaultyWomServer
) -> None:
    harvest(engine, wom_server, sim_clan)
    wom_server.reset_requests()
    wom_server.inject(Fault("wrong_type", path_pattern="/competitions$"))
    result = harvest(engine, wom_server, sim_clan)
    assert [f.split(": ")[0] for f in result.failures] == ["wom:competitions"]
    assert details_asked(wom_server) == []
    assert last_fetch(engine, DETAILS).outcome == "skipped"


def _broken(
    clan: SimulatedClan, monkeypatch: pytest.MonkeyPatch, change: Callable[[Any], None]
) -> None:
    """Make the clan's WOM serve every competition's details changed by `change`."""
    original = clan.competition_details

    def served(competition_id: int) -> Any:
        details = original(competition_id)
        if details is not None:
            change(details)
        return details

    monkeypatch.setattr(clan, "competition_details", served)


def _set(**fields: Any) -> Callable[[Any], None]:
    def change(details: Any) -> None:
        details.update(fields)

    return change


def _participation(index: int, value: Any) -> Callable[[Any], None]:
    def change(details: Any) -> None:
        details["participations"][index] = value

    return change


def _without_player_id(details: Any) -> None:
    del details["participations"][0]["playerId"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_set(participations={"0": {}}), "without a participations list (got dict)"),
        (lambda details: details.pop("participations"), "without a participations list (got null)"),
        (_participation(1, "1501"), "participation 2 being a str, not an object"),
        (_without_player_id, "participation 1 lacking a numeric playerId (got null)"),
    ],
    ids=["not-a-list", "missing", "not-an-object", "no-player-id"],
)
def test_a_malformed_answer_is_one_line_naming_the_problem(
    engine: Engine,
    sim_clan: SimulatedClan,
    wom_server: FaultyWomServer,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[Any], None],
    problem: str,
) -> None:
    harvest(engine, wom_server, sim_clan)
    before, read_at = stored(engine, RUNNING), fetched_at(engine)
    sim_clan.advance(days=1)
    _broken(sim_clan, monkeypatch, change)
    result = harvest(engine, wom_server, sim_clan)
    assert len(result.failures) == 1, result.failures
    failure = result.failures[0]
    assert failure.startswith(f"{DETAILS}: Wise Old Man answered /competitions/:id for ")
    assert f"competition {RUNNING}" in failure and problem in failure, failure
    assert "\n" not in failure
    assert stored(engine, RUNNING) == before and fetched_at(engine) == read_at


def test_an_answer_of_the_wrong_type_is_a_one_line_error(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FaultyWomServer
) -> None:
    wom_server.inject(Fault("wrong_type", path_pattern=r"/competitions/\d+$"))
    result = harvest(engine, wom_server, sim_clan)
    assert result.failures == [
        f"{DETAILS}: competition {FINISHED}: Wise Old Man answered /competitions/:id with list "
        "where an object was expected; its API may have changed"
    ]
    assert stored(engine, FINISHED) == stored(engine, RUNNING) == []


OUTSIDER = 990_001  # a player WOM tracks whom ClanStats has never seen


def _add_participants(details: Any) -> None:
    """A participant never seen (with their Player), one without a Player, a repeat, a bad id."""
    participations = details["participations"]
    first = participations[0]
    player = {
        **first["player"],
        "id": OUTSIDER,
        "username": "new face",
        "displayName": "New Face",
    }
    stranger = {**first, "playerId": OUTSIDER, "player": player}
    nameless = {**first, "playerId": OUTSIDER + 1}
    del nameless["player"]
    participations += [stranger, nameless, dict(first), {**first, "playerId": -1}]


def test_participants_never_seen_get_a_players_row_or_are_left_out(
    engine: Engine,
    sim_clan: SimulatedClan,
    wom_server: FaultyWomServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _broken(sim_clan, monkeypatch, _add_participants)
    with caplog.at_level(logging.WARNING, logger="clanstats.harvest.competitions"):
        result = harvest(engine, wom_server, sim_clan)
    assert result.failures == []
    rows = stored(engine, FINISHED)
    served = len(sim_clan.competition_placings(FINISHED, sim_clan.now))
    # Kept at their place in WOM's list: the outsider, with WOM's Player as their players row.
    assert [(player, rank) for player, rank, *_ in rows[served:]] == [(OUTSIDER, served + 1)]
    with Session(engine) as session:
        outsider = session.get(Player, (GROUP, OUTSIDER))
        assert outsider is not None and outsider.display_name == "New Face"
        assert session.get(Membership, (GROUP, OUTSIDER)) is None  # not made a member
        assert session.get(Player, (GROUP, OUTSIDER + 1)) is None
    assert "1 participants WOM sent no player details for were left out" in caplog.text
    assert "repeats a player" in caplog.text and "has no usable player id (-1)" in caplog.text


def test_a_competition_wom_no_longer_lists_is_forgotten_with_its_standings(
    engine: Engine, sim_clan: SimulatedClan, wom_server: FaultyWomServer
) -> None:
    harvest(engine, wom_server, sim_clan)
    kept = sorted(fetched_at(engine))
    member = stored(engine, RUNNING)[0][0]
    with Session(engine) as session, session.begin():
        # A competition an officer has since deleted on WOM, with a standing stored.
        session.add(
            Competition(
                group_id=GROUP,
                id=999,
                title="Deleted",
                starts_at=datetime(2026, 11, 1),
                ends_at=datetime(2026, 11, 8),
                details_fetched_at=datetime(2026, 11, 9),
            )
        )
        session.flush()
        session.add(
            CompetitionParticipation(
                group_id=GROUP,
                competition_id=999,
                player_id=member,
                rank=1,
                fetched_at=datetime(2026, 11, 9),
            )
        )
    assert harvest(engine, wom_server, sim_clan).failures == []
    assert sorted(fetched_at(engine)) == kept
    assert stored(engine, 999) == []
    assert stored(engine, RUNNING) != []
