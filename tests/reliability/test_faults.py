"""Faults: each loopback server misbehaves one way while the real `main.py` stage runs.

A small clan is harvested once a day early (the seed), then the clan moves on to today. The
reference history adds one fault-free harvest; each case adds the same harvest with one fault
injected (Wise Old Man and Discord cases run `main.py harvest`, sync cases `main.py sync` on an
exported seed, faulting the upload receiver and the Discord webhook together). Each case checks:
the run ends 0 (retried through) or 3 (partial, the failing source named in one line), never 1
or a traceback; every raw row stored before is still there and, in append-only tables, unchanged;
no Discord cursor is past the newest stored message of its channel; and, with the fault cleared,
the next run ends 0 with the same clan data as the reference (`compare.py`). Schema surprises
(unknown metrics, fields and message types, missing optional fields, nulls) drift the data
itself, so those cases check what was kept instead: an unknown metric is stored, nulls are
stored as nulls or skipped with a warning.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from clanstats.errors import EXIT_OK, EXIT_SOURCE
from tests.faults import Fault, FaultInjection, FaultyUploadReceiver
from tests.reliability.compare import Normaliser, database_contents, differences, table_names
from tests.reliability.world import ClanWorld, clan_today, query, rules_text

# Tables the harvest updates in place by design (latest state; WOM's window gains are fetched
# afresh for each day's windows, a running competition's standings on every run); the rest only
# ever gain rows.
STATE_TABLES = {
    "wom_groups",
    "players",
    "memberships",
    "competitions",
    "competition_participations",
    "gain_windows",
    "window_gains",
    "harvest_cursors",
    "discord_channels",
    "discord_users",
    "backfill_progress",
    "current_values",
}
FAST = {"HTTP_TIMEOUT_SECONDS": "1"}
# Which sources a harvest reads: the other family counts as fresh and is not fetched.
REFRESH = {
    "all": "refresh: {wom_state_hours: 0, wom_events_hours: 0, discord_hours: 0}\n",
    "wom": "refresh: {wom_state_hours: 0, wom_events_hours: 0, discord_hours: 1000}\n",
    "discord": "refresh: {wom_state_hours: 1000, wom_events_hours: 1000, discord_hours: 0}\n",
}


@dataclass(frozen=True)
class Case:
    """One fault on one server, what the run must end with and what its failure line names."""

    server: str  # "wom", "discord" or "sync" (the upload receiver and the webhook at once)
    fault: Fault
    exit_code: int = EXIT_OK
    names: str = ""  # text the one-line failure must hold when the run is partial
    like_reference: bool = True  # False when the fault changes the data itself (schema drift)
    env: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        where = f"@{self.fault.path_pattern}" if self.fault.path_pattern else ""
        return f"{self.server}-{self.fault.kind}x{self.fault.times}{where}"


MESSAGES = r"/channels/\d+/messages$"
# One case per way a source's answer fails (a 502 with an HTML page and a 503 with JSON are
# different answers; a 200 that isn't JSON and one cut short take the same path as the body's
# other breakages, tested in tests/test_harvest_*.py and tests/test_sync_upload.py).
CASES = [
    # Wise Old Man: the client retries transient failures (Retry-After, backoff).
    Case("wom", Fault("429", times=3, retry_after=0.1)),
    Case("wom", Fault("429", "/achievements", times=20, retry_after=0), 3, "wom:achievements"),
    Case("wom", Fault("502")),
    Case("wom", Fault("503")),
    Case("wom", Fault("timeout", delay=2), env=FAST),
    Case("wom", Fault("truncated")),
    Case("wom", Fault("wrong_type", "bulk-hiscores"), 3, "wom:hiscores"),
    Case("wom", Fault("unknown_fields", times=50), like_reference=False),
    Case("wom", Fault("missing_fields", times=50), like_reference=False),
    Case("wom", Fault("null_fields", times=50), like_reference=False),
    # Discord: discord.py retries 429 and 500/502/504; the rest fail one channel, kept for later.
    Case("discord", Fault("429", MESSAGES, times=3, retry_after=0.1)),
    Case("discord", Fault("503", MESSAGES), 3, "HTTP 503"),
    Case("discord", Fault("timeout", MESSAGES, delay=2), 3, "TimeoutError", env=FAST),
    Case("discord", Fault("truncated", MESSAGES), 3, "broken"),
    Case("discord", Fault("wrong_type", MESSAGES), 3, "broken"),
    Case("discord", Fault("unknown_fields", times=500)),
    Case("discord", Fault("missing_fields", times=500)),
    Case("discord", Fault("null_fields", times=500), like_reference=False),
    # Sync: the upload and the webhook post retry 429 and 5xx, and take a garbled 200 as done.
    Case("sync", Fault("429", times=2, retry_after=0.1)),
    Case("sync", Fault("503")),
    Case("sync", Fault("malformed")),
    Case("sync", Fault("429", times=10, retry_after=0), 3, "sync: website: "),
]


@dataclass
class Faults:
    """The shared world, its seeds and the reference contents."""

    world: ClanWorld
    rules: dict[str, Path]
    seed: Path  # harvested a day early
    exported: Path  # the reference harvest, transformed, reported and exported, never synced
    reference: dict[str, list[tuple[Any, ...]]]
    norm: Normaliser


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faults]:
    root = tmp_path_factory.mktemp("faults")
    clan = clan_today(members=6, days=10)
    noon = clan.now
    with ClanWorld(root / "world", clan) as world:
        base = (world.data_dir / "rules.yaml").read_text(encoding="utf-8")
        rules = {}
        for name, refresh in REFRESH.items():
            rules[name] = root / f"rules-{name}.yaml"
            rules[name].write_text(base + refresh, encoding="utf-8")
        seed = root / "seed"
        seed.mkdir()
        clan.now = noon - timedelta(days=1)
        _ok(run(world, seed, rules["all"], "harvest"))
        clan.now = noon
        reference = _copy(seed, root / "reference")
        _ok(run(world, reference, rules["all"], "harvest"))
        exported = _copy(reference, root / "exported")
        for stage in ("transform", "report", "export"):
            _ok(run(world, exported, rules["all"], stage))
        norm = Normaliser(noon)
        yield Faults(world, rules, seed, exported, database_contents(reference / DB, norm), norm)


DB = "clanstats.db"


def run(world: ClanWorld, data: Path, rules: Path, *args: str, **env: str) -> Any:
    """Run `main.py ARGS` on a data folder of its own with a rules file (lines left unwrapped)."""
    folders = {"CLANSTATS_DATA_DIR": str(data), "RULES_FILE": str(rules), "COLUMNS": "300"}
    return world.main(*args, **folders, **env)


def _ok(result: Any) -> None:
    assert result.returncode == EXIT_OK, result.stdout + result.stderr


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_fault_ends_complete_or_partial_and_keeps_what_was_stored(
    faults: Faults, case: Case, tmp_path: Path
) -> None:
    if case.server == "sync":
        check_sync(faults, case, tmp_path)
        return
    data = _copy(faults.seed, tmp_path / "data")
    before = raw_rows(data / DB)
    server: FaultInjection = faults.world.wom if case.server == "wom" else faults.world.discord
    rules = faults.rules[case.server]
    server.inject(case.fault)
    try:
        result = run(faults.world, data, rules, "harvest", **case.env)
    finally:
        server.clear_faults()
    check_outcome(result, case)
    after = raw_rows(data / DB)
    assert only_additions(before, after) == []
    assert cursors_behind_stored_messages(data / DB) == []
    if result.returncode == EXIT_SOURCE:
        _ok(run(faults.world, data, rules, "harvest"))
    contents = family(database_contents(data / DB, faults.norm), case.server)
    if case.like_reference:
        assert differences(contents, family(faults.reference, case.server)) == []
    else:
        check_drift(case, data / DB, result.stdout + result.stderr)


def family(contents: dict[str, list[Any]], server: str) -> dict[str, list[Any]]:
    """The tables (and cursor rows) a harvest of one source family writes."""
    discord = server == "discord"
    kept = {t: rows for t, rows in contents.items() if t.startswith("discord") == discord}
    cursors = contents["harvest_cursors"]
    kept["harvest_cursors"] = [r for r in cursors if ("discord:" in repr(r)) == discord]
    return kept


def check_outcome(result: Any, case: Case) -> None:
    """Exit 0 or 3 as expected; no traceback; a partial run names the failure in one line."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == case.exit_code, output
    if case.exit_code == EXIT_SOURCE:
        lines = [line for line in result.stderr.splitlines() if case.names in line]
        assert len(lines) == 1, result.stderr


def check_drift(case: Case, db: Path, output: str) -> None:
    """What a schema drift left: the unknown metric stored, nulls stored as nulls."""
    if case.server == "wom" and case.fault.kind == "unknown_fields":
        assert query(db, "SELECT 1 FROM metrics WHERE name = 'mystery_boss_2099'") == [(1,)]
    if case.server == "discord":  # null content counts as no text, as without the intent
        assert query(db, "SELECT count(*) FROM discord_messages")[0][0] > 0


def check_sync(faults: Faults, case: Case, tmp_path: Path) -> None:
    """Fault the upload receiver and the webhook together; both deliver once the fault clears."""
    data = _copy(faults.exported, tmp_path / "data")
    world = faults.world
    before = raw_rows(data / DB)
    posts = len(world.discord.webhook_posts)
    with FaultyUploadReceiver(secret=world.env["UPLOAD_SECRET"]) as website:
        rules = tmp_path / "rules.yaml"
        drive = tmp_path / "drive"
        drive.mkdir()
        rules.write_text(rules_text(world.clan.now.date().isoformat(), drive, website.url))
        webhook_fault = Fault(
            case.fault.kind, r"/webhooks/", case.fault.times, case.fault.retry_after
        )
        website.inject(case.fault)
        world.discord.inject(webhook_fault)
        try:
            result = run(world, data, rules, "sync")
        finally:
            world.discord.clear_faults()
            website.clear_faults()
        check_outcome(result, case)
        assert only_additions(before, raw_rows(data / DB)) == []
        if result.returncode == EXIT_SOURCE:
            assert result.stderr.count("sync: discord: Discord webhook") == 1, result.stderr
            _ok(run(world, data, rules, "sync"))
        summary = (data / "output" / "public_summary.json").read_bytes()
        assert [upload.body for upload in website.accepted] == [summary]
    new_posts = world.discord.webhook_posts[posts:]
    # Discord's webhook has no idempotency key: a post whose answer was cut off is sent again.
    assert 1 <= len(new_posts) <= (2 if case.fault.kind == "truncated" else 1)
    assert "weekly summary" in new_posts[-1].payload["embeds"][0]["title"]


Rows = dict[str, tuple[list[int], set[tuple[Any, ...]]]]


def raw_rows(db: Path) -> Rows:
    """Every table's primary-key positions and rows (bookkeeping too: nothing may vanish)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = {}
        for table in table_names(conn):
            info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
            key = [index for index, column in enumerate(info) if column[5]]
            rows[table] = (key, set(conn.execute(f'SELECT * FROM "{table}"').fetchall()))
        return rows
    finally:
        conn.close()


def only_additions(before: Rows, after: Rows) -> list[str]:
    """What was lost or changed: in state tables a row's key must stay, elsewhere the row."""
    problems = []
    for table, (key, rows) in before.items():
        kept = after.get(table, (key, set()))[1]
        if table in STATE_TABLES:
            lost = {_pick(row, key) for row in rows} - {_pick(row, key) for row in kept}
        else:
            lost = rows - kept
        problems += [f"{table}: {row!r} lost or changed" for row in sorted(lost, key=repr)[:3]]
    return problems


def _pick(row: tuple[Any, ...], key: list[int]) -> tuple[Any, ...]:
    return tuple(row[i] for i in key) if key else row


def cursors_behind_stored_messages(db: Path) -> list[str]:
    """Discord cursors past the newest message stored for their channel."""
    rows = query(
        db,
        "SELECT c.source, c.position, (SELECT max(m.message_id) FROM discord_messages m "
        "WHERE 'discord:' || m.channel_id = c.source) FROM harvest_cursors c "
        "WHERE c.source LIKE 'discord:%'",
    )
    return [f"{s}: {p} > {newest}" for s, p, newest in rows if newest is None or int(p) > newest]
