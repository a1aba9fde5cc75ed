"""The run viewer over runs the real orchestrator recorded: list, show, search, compare, JSON."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import StageRun
from clanstats.errors import EXIT_OK, EXIT_SOURCE, ConfigError
from clanstats.logs import LOG_FORMAT, UtcFormatter, console
from clanstats.pipeline import PIPELINE
from clanstats.runs_view import (
    compare_runs,
    compare_runs_json,
    list_runs,
    list_runs_json,
    print_comparison,
    print_run,
    print_runs,
    print_search,
    read_log,
    search_runs,
    search_runs_json,
    show_run,
    show_run_json,
    to_json_text,
)
from simulator.clan import SimConfig, SimulatedClan
from tests.conftest import ENGINES, engine_kind
from tests.databases import PostgresDatabases, query
from tests.faults import Fault, FaultyWomServer
from tests.test_main_cli import run_main, wom_env

FAILURE = "HISCORES_SERVICE_UNAVAILABLE"  # the fake WOM's 503 code


@dataclass
class Recorded:
    """Two pipeline runs: 1 ran clean, 2 had WOM competitions failing."""

    engine: Engine
    db: str
    log_file: Path


# SQLite only: see SQLITE_ONLY in tests/conftest.py.
@pytest.fixture(scope="module", params=ENGINES[:1])
def recorded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Recorded]:
    kind = engine_kind(request)
    data = tmp_path_factory.mktemp(f"runs-{kind}")
    url = f"sqlite:///{(data / 'clanstats.db').as_posix()}"
    if kind == "postgresql":
        postgres: PostgresDatabases = request.getfixturevalue("postgres_databases")
        url = postgres.url_of(postgres.create(migrated=False))
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    clan = SimulatedClan(SimConfig(seed=9, members=15, days=40, now=today))
    with FaultyWomServer(clan, limit_with_key=10_000) as server:
        first = run_main(data, **wom_env(server), DATABASE_URL=url)
        assert first.returncode == EXIT_OK, first.stderr
        server.inject(Fault("503", path_pattern="competitions", times=100))
        # --force: the second run must fetch again, refresh intervals notwithstanding.
        second = run_main(data, "--force", **wom_env(server), timeout=300, DATABASE_URL=url)
        assert second.returncode == EXIT_SOURCE, second.stderr
    engine = make_engine(url)
    yield Recorded(engine, url, data / "app.log")
    engine.dispose()


def harvest_counts(db: str, run_id: int) -> dict[str, object]:
    [(counts,)] = query(
        db, f"SELECT counts FROM stage_runs WHERE pipeline_run_id = {run_id} AND stage='harvest'"
    )
    return json.loads(counts)


def test_list_shows_each_run_newest_first_with_outcomes_and_totals(recorded: Recorded) -> None:
    runs = list_runs(recorded.engine)
    assert [run.id for run in runs] == [2, 1]
    assert [run.exit_code for run in runs] == [EXIT_SOURCE, EXIT_OK]
    assert runs[1].outcomes == {stage.name: "ok" for stage in PIPELINE}
    assert runs[0].outcomes["harvest"] == "partial"
    assert runs[0].outcomes["transform"] == "ok"
    for run in runs:
        assert run.requests == harvest_counts(recorded.db, run.id)["WOM requests"]
        [(rows,)] = query(
            recorded.db,
            "SELECT sum(f.rows) FROM fetch_log f JOIN stage_runs s ON f.stage_run_id = s.id "
            f"WHERE s.pipeline_run_id = {run.id}",
        )
        assert run.rows == rows
        assert run.seconds is not None and run.seconds > 0
    assert runs[1].rows > runs[0].rows > 0  # the first run stored the whole clan's history
    assert [run.id for run in list_runs(recorded.engine, limit=1)] == [2]


def test_show_gives_stages_fetches_and_only_its_own_log_lines(recorded: Recorded) -> None:
    detail = show_run(recorded.engine, 2, recorded.log_file)
    assert detail.run.error == "harvest finished partially"
    harvest = detail.stages[0]
    assert (harvest.stage, harvest.status, harvest.exit_code) == ("harvest", "partial", 3)
    assert harvest.error and harvest.error.startswith("wom:competitions:")
    assert harvest.counts["members"] == 15
    assert {fetch.stage_run_id for fetch in detail.fetches} == {harvest.id}
    failed = [fetch for fetch in detail.fetches if fetch.outcome == "error"]
    assert [fetch.source for fetch in failed] == ["wom:competitions"]
    assert failed[0].error and FAILURE in failed[0].error

    texts = [line.text for line in detail.log_lines]
    assert any("pipeline run 2 started" in text for text in texts[:3])
    assert any("competitions failed" in text for text in texts)
    assert not any("pipeline run 1 " in text for text in texts)
    assert all(
        detail.run.started - timedelta(milliseconds=1) <= line.at for line in detail.log_lines
    )

    first = show_run(recorded.engine, 1, recorded.log_file)
    first_texts = [line.text for line in first.log_lines]
    assert any("pipeline run 1 started" in text for text in first_texts[:3])
    assert not any(FAILURE in text for text in first_texts)
    assert set(first_texts).isdisjoint(texts)
    # Each stage process's "finished" line lands in the run that started it.
    assert sum("finished with exit code" in text for text in first_texts) == len(PIPELINE)
    assert sum("finished with exit code" in text for text in texts) == len(PIPELINE)


def test_an_unknown_run_is_a_config_error(recorded: Recorded) -> None:
    with pytest.raises(ConfigError, match=r"no run 99; `main.py runs` lists them"):
        show_run(recorded.engine, 99, recorded.log_file)
    with pytest.raises(ConfigError, match="no run 99"):
        compare_runs(recorded.engine, 1, 99)


def test_search_finds_errors_counts_and_log_lines_in_any_case(recorded: Recorded) -> None:
    hits = search_runs(recorded.engine, FAILURE.lower(), recorded.log_file)
    assert [hit.run.id for hit in hits] == [2]
    places = hits[0].matches
    assert any(place.startswith("harvest error: wom:competitions") for place in places)
    assert any(place.startswith("wom:competitions error:") for place in places)
    assert any(place.startswith("app.log: ") and "retrying" in place for place in places)

    by_count = search_runs(recorded.engine, "MEMBERS 15", recorded.log_file)
    assert [hit.run.id for hit in by_count] == [2, 1]
    assert "harvest counts: members 15" in by_count[0].matches

    first_only = search_runs(recorded.engine, "pipeline run 1 started", recorded.log_file)
    assert [hit.run.id for hit in first_only] == [1]
    assert search_runs(recorded.engine, "no such text anywhere", recorded.log_file) == []


def test_compare_shows_outcomes_durations_and_changed_counts(recorded: Recorded) -> None:
    changes = {change.stage: change for change in compare_runs(recorded.engine, 1, 2)}
    assert list(changes) == [stage.name for stage in PIPELINE]
    harvest = changes["harvest"]
    assert (harvest.outcome_a, harvest.outcome_b) == ("ok", "partial")
    with Session(recorded.engine) as session:
        took = {
            # Each stage's time to a tenth, as the runs view shows it, then the difference.
            run.pipeline_run_id: round((run.finished_at - run.started_at).total_seconds(), 1)
            for run in session.scalars(select(StageRun).where(StageRun.stage == "harvest"))
        }
    assert harvest.seconds_change == round(took[2] - took[1], 1)  # the second one retried
    before, after = harvest_counts(recorded.db, 1), harvest_counts(recorded.db, 2)
    assert "members" not in harvest.count_changes  # unchanged counts are left out
    requests_a, requests_b = before["WOM requests"], after["WOM requests"]
    assert isinstance(requests_a, int) and isinstance(requests_b, int)
    sign = "+" if requests_b >= requests_a else ""
    assert harvest.count_changes["WOM requests"] == (
        f"{requests_a} -> {requests_b} ({sign}{requests_b - requests_a})"
    )
    assert harvest.count_changes["competitions"] == f"{before['competitions']} -> 0 (-1)"
    assert (changes["transform"].outcome_a, changes["transform"].outcome_b) == ("ok", "ok")


def test_every_view_has_a_json_twin_that_parses(recorded: Recorded) -> None:
    listed = json.loads(to_json_text(list_runs_json(recorded.engine)))
    assert [run["id"] for run in listed] == [2, 1]
    assert datetime.fromisoformat(listed[0]["started"]) == list_runs(recorded.engine)[0].started
    assert listed[0]["outcomes"]["harvest"] == "partial"

    shown = json.loads(to_json_text(show_run_json(recorded.engine, 2, recorded.log_file)))
    assert shown["run"]["exit_code"] == EXIT_SOURCE
    assert shown["stages"][0]["counts"]["members"] == 15
    assert any(fetch["outcome"] == "error" for fetch in shown["fetches"])
    assert all(datetime.fromisoformat(line["at"]) for line in shown["log_lines"])

    found = json.loads(to_json_text(search_runs_json(recorded.engine, FAILURE, recorded.log_file)))
    assert [hit["run"]["id"] for hit in found] == [2]

    compared = json.loads(to_json_text(compare_runs_json(recorded.engine, 1, 2)))
    assert compared["stages"][0]["outcome_b"] == "partial"


def test_the_printed_views_show_the_same_facts(recorded: Recorded) -> None:
    with console.capture() as captured:
        print_runs(list_runs(recorded.engine))
        print_run(show_run(recorded.engine, 2, recorded.log_file))
        print_search(search_runs(recorded.engine, FAILURE, recorded.log_file), FAILURE)
        print_comparison(1, 2, compare_runs(recorded.engine, 1, 2))
    text = captured.get()
    assert "ClanStats runs" in text and "partial" in text
    assert "wom:competitions" in text and "pipeline run 2 started" in text
    assert "Run 1 -> run 2" in text and "ok -> partial" in text


def test_the_log_is_read_across_rotations_with_tracebacks(tmp_path: Path) -> None:
    def stamp(at: datetime) -> str:
        return at.replace(tzinfo=UTC).isoformat(timespec="milliseconds")

    base = datetime(2026, 3, 1, 6, 0, 0)
    log_file = tmp_path / "app.log"
    (tmp_path / "app.log.2").write_text(f"{stamp(base)} INFO    [1] a: oldest\n")
    (tmp_path / "app.log.1").write_text(
        f"{stamp(base + timedelta(seconds=1))} ERROR   [1] a: crashed\n"
        "Traceback (most recent call last):\n  ValueError: x\n"
    )
    log_file.write_text(f"{stamp(base + timedelta(seconds=2, milliseconds=5))} INFO [2] b: new\n")
    lines = read_log(log_file)
    assert [line.at for line in lines] == [
        base,
        base + timedelta(seconds=1),
        base + timedelta(seconds=2, milliseconds=5),
    ]
    assert lines[1].text.endswith("ValueError: x")


def test_log_times_are_utc_with_their_offset_so_the_repeated_hour_is_not_ambiguous(
    tmp_path: Path,
) -> None:
    """When clocks go back (Europe/London, 25 Oct 2026) 01:30 happens twice; local-time stamps
    could not say which. With the offset each line is one instant."""
    log_file = tmp_path / "app.log"
    log_file.write_text(
        "2026-10-25T01:30:00.000+01:00 INFO    [1] a: first 01:30 (BST)\n"
        "2026-10-25T01:15:00.000+00:00 INFO    [1] a: second 01:15 (GMT), later\n"
        "2026-10-25T00:45:00.000+00:00 INFO    [1] a: between them\n"
    )
    lines = read_log(log_file)
    assert [line.at for line in lines] == [
        datetime(2026, 10, 25, 0, 30),
        datetime(2026, 10, 25, 0, 45),
        datetime(2026, 10, 25, 1, 15),
    ]


def test_app_log_is_written_in_utc_and_read_back_to_the_same_instant(tmp_path: Path) -> None:
    log_file = tmp_path / "app.log"
    # app.log's own format on a logger of the test's, so pytest's handlers stay as they are.
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(UtcFormatter(LOG_FORMAT))
    logger = logging.getLogger("clanstats.test-utc")
    logger.propagate = False
    logger.addHandler(handler)
    before = datetime.now(UTC).replace(tzinfo=None)
    try:
        logger.warning("a line to find")
    finally:
        logger.removeHandler(handler)
        handler.close()
    after = datetime.now(UTC).replace(tzinfo=None)
    [line] = [line for line in read_log(log_file) if "a line to find" in line.text]
    assert line.text.split(" ", 1)[0].endswith("+00:00")
    assert before - timedelta(milliseconds=1) <= line.at <= after
