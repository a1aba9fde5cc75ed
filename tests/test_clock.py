"""The pipeline's clock: CLANSTATS_NOW sets every stage's "now", and a bad value is one line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from clanstats import clock
from clanstats.errors import EXIT_CONFIG, ConfigError
from clanstats.settings import load_settings
from tests.test_main_cli import query, run_main


@pytest.fixture(autouse=True)
def real_time_after(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts and ends on the machine's clock."""
    monkeypatch.delenv(clock.NOW_ENV, raising=False)
    clock.start_at(None)
    yield
    clock.start_at(None)


def test_without_the_setting_the_clock_is_the_machines() -> None:
    before = datetime.now(UTC)
    assert before <= clock.now() <= datetime.now(UTC)
    assert clock.child_environment() == {}


def test_a_set_moment_starts_the_clock_and_it_runs_on_from_there() -> None:
    clock.start_at("2026-03-29T00:59:59Z")  # one second before Europe/London's clocks go forward
    first = clock.now()
    assert timedelta(0) <= first - datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC) < timedelta(1)
    assert clock.utcnow().tzinfo is None
    assert clock.today(ZoneInfo("Pacific/Auckland")) == date(2026, 3, 29)
    assert clock.today(ZoneInfo("America/New_York")) == date(2026, 3, 28)
    # A child process carries on from where this clock has got to, not from the start.
    carried = datetime.fromisoformat(clock.child_environment()[clock.NOW_ENV])
    assert first <= carried <= clock.now()


def test_a_moment_without_an_offset_is_utc() -> None:
    assert clock.parse_moment("2026-11-30T06:00:00") == datetime(2026, 11, 30, 6, tzinfo=UTC)
    assert clock.parse_moment("2026-11-30T07:00:00+01:00") == datetime(2026, 11, 30, 6, tzinfo=UTC)


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "30/11/2026"])
def test_a_bad_moment_is_a_config_error_naming_the_setting(value: str) -> None:
    with pytest.raises(ConfigError, match=r"^CLANSTATS_NOW=.* is not valid: expected an ISO 8601"):
        load_settings(environ={clock.NOW_ENV: value})


def test_the_settings_set_the_clock_from_dotenv_too(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("CLANSTATS_NOW=2026-01-05T10:00:00Z\n", encoding="utf-8")
    load_settings(env_file=env_file, environ={})
    assert clock.now() - datetime(2026, 1, 5, 10, tzinfo=UTC) < timedelta(minutes=1)


def test_a_bad_moment_stops_main_with_exit_code_2(tmp_path: Path) -> None:
    result = run_main(tmp_path, "transform", CLANSTATS_NOW="not a time", WOM_GROUP_ID="1")
    assert result.returncode == EXIT_CONFIG
    assert "CLANSTATS_NOW='not a time' is not valid" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_every_stage_of_a_run_keeps_the_set_days_time(tmp_path: Path) -> None:
    # A run "on" 2025-06-01: the run log's times follow the clock, one process after another.
    result = run_main(tmp_path, "transform", CLANSTATS_NOW="2025-06-01T06:00:00Z", WOM_GROUP_ID="1")
    assert result.returncode == 0, result.stderr
    started, finished = query(
        tmp_path / "clanstats.db", "SELECT started_at, finished_at FROM stage_runs"
    )[0]
    assert str(started).startswith("2025-06-01 06:00")
    assert str(started) <= str(finished) < "2025-06-01 06:10"
