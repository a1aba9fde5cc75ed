"""Hostile input: each gets a clear error, or is carried through and rendered safely.

Gathered elsewhere and not repeated here: hostile names written straight into the derived
tables (`tests/test_report_safety.py`), a `..` or a link in a manifest path for a folder target
(`tests/test_sync_folder.py`), garbage bytes as the database (`tests/test_main_cli.py`), one
mistake per rules file (`tests/test_rules.py`). This file adds names that come in through the
real harvest and go all the way out, a rules file holding every kind of mistake at once, file
patterns that reach out of the output folder, and databases cut short or scribbled over.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from clanstats.errors import EXIT_DATABASE, EXIT_OK, ConfigError
from clanstats.rules import load_rules
from simulator.clan import SimulatedClan
from simulator.loopback import Request, Response, json_response
from simulator.wom_server import FakeWomServer
from tests.reliability.world import ClanWorld, clan_today, query

HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    '=HYPERLINK("http://evil.test","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\u202eevil\u202c rtl \u05e9\u05dc\u05d5\u05dd",
    "zero\u200bwidth\u200d\ufeffname",
    "L" * 1000,
]
# Names are kept to the database column's 64 characters (PostgreSQL enforces it); WOM's own
# limit is 12, so only a broken or hostile answer is ever cut.
NAME_LIMIT = 64


class HostileWomServer(FakeWomServer):
    """The simulated WOM, with the first members' display names swapped for hostile ones."""

    def __init__(self, clan: SimulatedClan, renamed: dict[int, str]) -> None:
        super().__init__(clan, limit_with_key=100_000)
        self.renamed = renamed

    def respond(self, request: Request) -> Response:
        response = super().respond(request)
        if response.status != 200 or response.payload is None:
            return response
        renamed = json_response(200, self._rename(response.payload), response.content_type)
        renamed.headers = response.headers
        return renamed

    def _rename(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._rename(item) for item in value]
        if not isinstance(value, dict):
            return value
        value = {key: self._rename(item) for key, item in value.items()}
        if value.get("id") in self.renamed and "displayName" in value:
            value["displayName"] = self.renamed[value["id"]]
        return value


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[int, str]]]:
    data = tmp_path_factory.mktemp("hostile")
    clan = clan_today()
    members = [m["playerId"] for m in clan.group_details()["memberships"]]
    renamed = dict(zip(members, HOSTILE_NAMES, strict=False))
    assert len(renamed) == len(HOSTILE_NAMES)
    with ClanWorld(data, clan) as world:
        hostile = HostileWomServer(clan, renamed).start()
        try:
            result = world.main(WOM_BASE_URL=hostile.base_url)
        finally:
            hostile.stop()
    assert result.returncode == EXIT_OK, result.stderr
    yield data, {pid: name[:NAME_LIMIT] for pid, name in renamed.items()}


def test_hostile_names_are_stored_exactly(hostile_run: tuple[Path, dict[int, str]]) -> None:
    data, renamed = hostile_run
    stored = dict(query(data / "clanstats.db", "SELECT player_id, display_name FROM players"))
    assert {pid: stored[pid] for pid in renamed} == renamed


def test_the_workbook_holds_them_as_plain_text(hostile_run: tuple[Path, dict[int, str]]) -> None:
    data, renamed = hostile_run
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl drops extensions it doesn't know
        book = openpyxl.load_workbook(data / "output" / "clan_report_summary_merged.xlsx")
    members = book["Members"]
    found = {
        cell.value: cell.data_type
        for row in members.iter_rows()
        for cell in row
        if cell.value in renamed.values()
    }
    assert set(found) == set(renamed.values()), "a hostile name is missing or was changed"
    assert set(found.values()) == {"s"}, "a name became something other than text"
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.hyperlink is None, f"{sheet.title}!{cell.coordinate} is a link"
                if cell.data_type == "f":
                    assert not any(name in str(cell.value) for name in renamed.values())


def test_json_and_dashboard_carry_them_as_data(hostile_run: tuple[Path, dict[int, str]]) -> None:
    data, renamed = hostile_run
    clan_data = json.loads((data / "output" / "clan_data.json").read_text(encoding="utf-8"))
    exported = {member["name"] for member in clan_data["members"]}
    assert set(renamed.values()) <= exported
    public = json.loads((data / "output" / "public_summary.json").read_text(encoding="utf-8"))
    assert set(renamed.values()) <= {member["name"] for member in public["members"]}
    html = (data / "output" / "clan_dashboard.html").read_text(encoding="utf-8")
    for markup in ("<script>alert(1)", "<img src=x", "</script><"):
        assert markup not in html.replace("</script>\n<", ""), f"{markup!r} reached the HTML raw"
    assert "L" * NAME_LIMIT in html  # the long name is whole, left to the page's CSS to wrap


def test_a_rules_file_with_every_kind_of_mistake_names_each_on_its_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "activity:\n"
        "  quiet_after_days: ten\n"  # 2: not a number
        "  sleepy_after_days: 3\n"  # 3: unknown key
        "ranks:\n"
        "  - name: a\n"
        "    requirements: {ehp: -5}\n"  # 6: below zero
        "goals:\n"
        "  - {name: g, metric: Not A Metric, target: 5}\n"  # 8: not a metric name
        "seasons:\n"
        "  - {name: S, start: 2026-13-01, end: 2026-12-01}\n"  # 10: not a date
        "sync_targets:\n"
        "  - {name: up, kind: http, url: ftp://x, secret_env: lower}\n"  # 12: url, env key
        "  - {name: f, kind: folder, path: out, files: ['../../secrets/*']}\n"  # 13: reaches out
        "  - {name: d, kind: carrier-pigeon}\n"  # 14: no such kind
        "refresh: {wom_state_hours: -1}\n",  # 15: below zero
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_rules(rules)
    message = str(caught.value)
    assert "\n" not in message
    for expected in (
        "line 2: activity.quiet_after_days = 'ten'",
        "line 3: activity.sleepy_after_days: unknown key",
        "line 6: ranks.0.requirements.ehp = -5",
        "line 8: goals.0.metric = 'Not A Metric'",
        "line 10: seasons.0.start = '2026-13-01'",
        "line 12: sync_targets.0.http.url = 'ftp://x'",
        "line 12: sync_targets.0.http.secret_env = 'lower'",
        "line 13: sync_targets.1.folder.files.0 = '../../secrets/*': must be a pattern inside",
        "line 14: sync_targets.2",
        "line 15: refresh.wom_state_hours = -1",
    ):
        assert expected in message, f"{expected!r} not in {message}"


def test_a_rules_file_indented_with_a_tab_deep_inside_names_its_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "activity: {quiet_after_days: 7}\n"
        "ranks:\n"
        "  - name: recruit\n"
        "  - name: corporal\n"
        "    requirements:\n"
        "      tenure_days: 30\n"
        "\t    overall: 20000000\n"  # 7: a tab where an editor showed spaces
        "goals: []\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_rules(rules)
    assert str(caught.value) == (
        "rules.yaml: line 7: a tab character; use spaces, not tabs, to indent"
    )


def test_a_rules_file_of_typos_gets_one_suggestion_each(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "activty: {quiet_after_days: 7}\n"  # 1
        "removal:\n"
        "  min_tenure_dayz: 30\n"  # 3
        "sync_targets:\n"
        "  - {name: f, kind: folder, path: out, public_onyl: true}\n"  # 5
        "zzzz: 1\n",  # 6: nothing like it
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_rules(rules)
    assert str(caught.value) == (
        "rules.yaml: line 1: activty: unknown key; did you mean `activity`?; "
        "line 3: removal.min_tenure_dayz: unknown key; did you mean `min_tenure_days`?; "
        "line 5: sync_targets.0.folder.public_onyl: unknown key; did you mean `public_only`?; "
        "line 6: zzzz: unknown key (see rules.example.yaml for the keys there are)"
    )


@pytest.mark.parametrize(
    "pattern", ["../*", "/etc/*", "site/../../*", "C:\\Users\\*", "\\\\srv\\*"]
)
def test_file_patterns_reaching_out_of_the_output_folder_are_refused(
    tmp_path: Path, pattern: str
) -> None:
    rules = tmp_path / "rules.yaml"
    target = {"name": "f", "kind": "folder", "path": "out", "files": [pattern]}
    rules.write_text(f"sync_targets:\n  - {json.dumps(target)}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 2: sync_targets\.0\.folder\.files\.0"):
        load_rules(rules)


def _cut_in_half(db: Path) -> None:
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])


def _scribble_over_a_page(db: Path) -> None:
    raw = bytearray(db.read_bytes())
    raw[4096 * 2 : 4096 * 3] = b"\xde\xad\xbe\xef" * 1024
    db.write_bytes(bytes(raw))


@pytest.mark.parametrize("damage", [_cut_in_half, _scribble_over_a_page])
def test_a_damaged_database_is_refused_in_one_line_and_left_alone(
    tmp_path: Path, damage: Any
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db = data / "clanstats.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE filler (x TEXT)")
        conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,) for _ in range(200)])
    conn.close()
    damage(db)
    damaged = db.read_bytes()
    with ClanWorld(data) as world:
        result = world.main("transform")
    assert result.returncode == EXIT_DATABASE
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "is not a healthy SQLite database" in lines[0] and "restore" in lines[0]
    assert db.read_bytes() == damaged
    assert not list((data / "backups").glob("*")) if (data / "backups").exists() else True


def test_a_corrupt_backup_copy_is_not_taken_for_a_good_one(tmp_path: Path) -> None:
    """A database file that is really a directory or unreadable gives one line too."""
    data = tmp_path / "data"
    (data / "clanstats.db").mkdir(parents=True)
    with ClanWorld(data) as world:
        result = world.main("transform")
    assert result.returncode != EXIT_OK
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    shutil.rmtree(data / "clanstats.db")
