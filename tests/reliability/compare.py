"""What two runs' databases and outputs hold, normalised only where a run's own clock shows.

Normalised, and nothing else: timestamps later than the simulated clan's "now" (the moments of
the run itself: `generated_at`, the workbook's "Written ...", fetch and run times),
how long before the output it was fetched (clan_data.json's `age_hours`, the workbook's
"Hours ago": a difference of two run moments, so it grows with the time a recovery takes),
`backfill_progress.since` (the run's clock minus WOM_BACKFILL_DAYS), surrogate `id` columns
and `stage_run_id` (numbering of rows and runs), and the stages' input fingerprints
(`transform_state` keys `fingerprint:*`: digests that take in row ids and fetch-log outcomes, so
they differ whenever the run history does). The bookkeeping tables
of runs and deliveries (pipeline_runs, stage_runs, fetch_log, output_manifest, sync_history,
alembic_version) differ by design between an interrupted and an uninterrupted history and are
left out; every clan-data table, raw and derived, is compared row for row.
"""

from __future__ import annotations

import json
import re
import sqlite3
import warnings
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl

RUN_BOOKKEEPING = {
    "alembic_version",
    "pipeline_runs",
    "stage_runs",
    "fetch_log",
    "output_manifest",
    "sync_history",
}
RUN_COLUMNS = {"id", "stage_run_id"}
RUN_CLOCK_COLUMNS = {("backfill_progress", "since")}
FINGERPRINT = "fingerprint:"
ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[+-]\d\d:\d\d|Z)?")
RUN_TIME = "<run time>"
RUN_AGE = "<run age>"
AGE_KEY = "age_hours"  # clan_data.json: hours from a run's fetch to its export
AGE_HEADING = "Hours ago"  # the workbook's column of the same
AGE_IN_TEXT = re.compile(rf'"{AGE_KEY}":\s*[0-9.]+')


class Normaliser:
    """Blank out the moments of a run: anything later than the clan's simulated now."""

    def __init__(self, clan_now: datetime) -> None:
        self.clan_now = clan_now.replace(tzinfo=None)

    def value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return RUN_TIME if value.replace(tzinfo=None) > self.clan_now else value
        if isinstance(value, str):
            return ISO_MOMENT.sub(self._moment, value)
        return value

    def _moment(self, match: re.Match[str]) -> str:
        text = match.group(0).replace("Z", "+00:00")
        moment = datetime.fromisoformat(text).replace(tzinfo=None)
        return RUN_TIME if moment > self.clan_now else match.group(0)


def table_names(conn: sqlite3.Connection) -> list[str]:
    """Every table of a SQLite database but SQLite's own."""
    query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    return [name for (name,) in conn.execute(query)]


def database_contents(db: Path, norm: Normaliser) -> dict[str, list[tuple[Any, ...]]]:
    """Every clan-data table's rows, sorted, with run numbering and run times blanked."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [name for name in table_names(conn) if name not in RUN_BOOKKEEPING]
        contents = {}
        for table in sorted(tables):
            columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
            kept = [
                c for c in columns if c not in RUN_COLUMNS and (table, c) not in RUN_CLOCK_COLUMNS
            ]
            rows = conn.execute(f'SELECT {", ".join(kept)} FROM "{table}"').fetchall()
            if table == "transform_state":
                rows = [row for row in rows if not str(row[1]).startswith(FINGERPRINT)]
            contents[table] = sorted((tuple(norm.value(v) for v in row) for row in rows), key=repr)
        return contents
    finally:
        conn.close()


def output_contents(folder: Path, norm: Normaliser) -> dict[str, Any]:
    """Each visible output file's content: JSON parsed, workbooks as cell values, text as is."""
    contents: dict[str, Any] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in relative.split("/")):
            continue
        if path.suffix == ".json":
            text = norm.value(path.read_text(encoding="utf-8"))
            contents[relative] = _json_without_ages(json.loads(text))
        elif path.suffix == ".xlsx":
            contents[relative] = workbook_cells(path, norm)
        else:  # the dashboard holds clan_data.json too, as text
            text = norm.value(path.read_text(encoding="utf-8"))
            contents[relative] = AGE_IN_TEXT.sub(f'"{AGE_KEY}":"{RUN_AGE}"', text)
    return contents


def workbook_cells(path: Path, norm: Normaliser) -> dict[str, list[tuple[Any, ...]]]:
    """Every sheet's cell values, as openpyxl reads them back."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl drops extensions it doesn't know; fine here
        return _cells(path, norm)


def _cells(path: Path, norm: Normaliser) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {
            sheet.title: _without_ages(
                [tuple(norm.value(v) for v in row) for row in sheet.iter_rows(values_only=True)]
            )
            for sheet in book.worksheets
        }
    finally:
        book.close()


def _without_ages(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows, with the numbers under an "Hours ago" heading (to the next blank row) blanked."""
    column: int | None = None
    kept = []
    for row in rows:
        if AGE_HEADING in row:
            column = row.index(AGE_HEADING)
        elif not any(value is not None for value in row):
            column = None
        elif column is not None and isinstance(row[column], int | float):
            row = (*row[:column], RUN_AGE, *row[column + 1 :])
        kept.append(row)
    return kept


def _json_without_ages(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: RUN_AGE if key == AGE_KEY and item is not None else _json_without_ages(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_json_without_ages(item) for item in value]
    return value


def differences(got: Any, want: Any, where: str = "") -> list[str]:
    """Where two contents differ, as paths like `clan_data.json/members/3/name` (first 10)."""
    if isinstance(got, dict) and isinstance(want, dict):
        found = [f"{where}/{key}: only in one" for key in got.keys() ^ want.keys()]
        for key in got.keys() & want.keys():
            found += differences(got[key], want[key], f"{where}/{key}")
        return found[:10]
    if isinstance(got, list | tuple) and isinstance(want, list | tuple) and len(got) == len(want):
        found = []
        for index, (one, other) in enumerate(zip(got, want, strict=True)):
            found += differences(one, other, f"{where}/{index}")
        return found[:10]
    return [] if got == want else [f"{where}: {str(got)[:120]!r} != {str(want)[:120]!r}"]
