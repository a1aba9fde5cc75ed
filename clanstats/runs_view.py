"""`main.py runs`: list, show, search and compare recorded pipeline runs.

Reading (`list_runs`, `show_run`, `search_runs`, `compare_runs`) is apart from printing
(`print_*`); each reader has a `*_json` twin returning plain dicts with ISO times for `--json`.
A run's log lines are the app.log records (app.log and its rotations app.log.1..5) whose
timestamps fall between the run's start and end. Printed, a run's fetches of one source that
ended alike are one row with their count (a backfill fetches once per player), and a Discord
source shows its channel's name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.table import Table
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from clanstats.db.models import DiscordChannel, FetchLog, PipelineRun, StageRun
from clanstats.errors import ConfigError
from clanstats.log_reader import LogLine, lines_between, read_log
from clanstats.logs import console


@dataclass(frozen=True)
class StageDetail:
    """One stage run of a pipeline run."""

    id: int
    stage: str
    started: datetime
    finished: datetime | None
    seconds: float | None
    status: str
    exit_code: int | None
    counts: dict[str, Any]
    error: str | None


@dataclass(frozen=True)
class FetchDetail:
    """One fetch_log row of a stage run."""

    stage_run_id: int | None
    source: str
    started: datetime
    finished: datetime
    requests: int
    rows: int
    outcome: str
    error: str | None


@dataclass(frozen=True)
class RunSummary:
    """One pipeline run in a line: when, how long, each stage's outcome, totals, exit code.

    `rows` is what its fetches stored (fetch_log); `requests` sums its stages' "... requests"
    counts (WOM and Discord).
    """

    id: int
    started: datetime
    finished: datetime | None
    seconds: float | None
    status: str
    exit_code: int | None
    outcomes: dict[str, str]
    rows: int
    requests: int
    error: str | None


@dataclass(frozen=True)
class RunDetail:
    """Everything recorded about one pipeline run.

    `source_names` names the sources known by an id: "discord:<channel id>" -> "#general".
    """

    run: RunSummary
    stages: list[StageDetail]
    fetches: list[FetchDetail]
    log_lines: list[LogLine] = field(default_factory=list)
    source_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FetchGroup:
    """A run's fetches of one source in one stage run that ended alike, added up."""

    source: str
    outcome: str
    error: str | None
    fetches: int
    requests: int
    rows: int


@dataclass(frozen=True)
class SearchHit:
    """A run that mentions the searched text, and where."""

    run: RunSummary
    matches: list[str]


@dataclass(frozen=True)
class StageChange:
    """How one stage differs between two runs."""

    stage: str
    outcome_a: str | None
    outcome_b: str | None
    seconds_change: float | None
    count_changes: dict[str, str]


# --- reading ------------------------------------------------------------------------------------


def list_runs(engine: Engine, *, limit: int = 20) -> list[RunSummary]:
    """The newest `limit` pipeline runs, newest first."""
    with Session(engine) as session:
        runs = session.scalars(
            select(PipelineRun).order_by(PipelineRun.id.desc()).limit(limit)
        ).all()
        ids = [run.id for run in runs]
        stages, rows = _stages_of(session, ids), _rows_fetched(session, ids)
    return [_summary(run, stages.get(run.id, []), rows.get(run.id, 0)) for run in runs]


def show_run(engine: Engine, run_id: int, log_file: Path) -> RunDetail:
    """One run: its stage runs with counts and errors, their fetches and its app.log lines."""
    with Session(engine) as session:
        run = session.get(PipelineRun, run_id)
        if run is None:
            raise ConfigError(f"no run {run_id}; `main.py runs` lists them")
        stages = _stages_of(session, [run_id]).get(run_id, [])
        fetches = session.scalars(
            select(FetchLog)
            .where(FetchLog.stage_run_id.in_([stage.id for stage in stages]))
            .order_by(FetchLog.id)
        ).all()
        summary = _summary(run, stages, sum(row.rows for row in fetches))
        names = _channel_names(session, {row.source for row in fetches})
    return RunDetail(
        run=summary,
        stages=stages,
        fetches=[_fetch(row) for row in fetches],
        log_lines=lines_between(read_log(log_file), summary.started, summary.finished),
        source_names=names,
    )


def group_fetches(fetches: Sequence[FetchDetail]) -> list[FetchGroup]:
    """Fetches of one source, stage run, outcome and error as one group, first seen first."""
    groups: dict[tuple[int | None, str, str, str | None], FetchGroup] = {}
    for fetch in fetches:
        key = (fetch.stage_run_id, fetch.source, fetch.outcome, fetch.error)
        seen = groups.get(key)
        groups[key] = FetchGroup(
            source=fetch.source,
            outcome=fetch.outcome,
            error=fetch.error,
            fetches=(seen.fetches if seen else 0) + 1,
            requests=(seen.requests if seen else 0) + fetch.requests,
            rows=(seen.rows if seen else 0) + fetch.rows,
        )
    return list(groups.values())


def search_runs(engine: Engine, text: str, log_file: Path) -> list[SearchHit]:
    """Runs whose errors, counts or log lines contain `text` (any case), newest first."""
    needle = text.casefold()
    with Session(engine) as session:
        runs = session.scalars(select(PipelineRun).order_by(PipelineRun.id.desc())).all()
        ids = [run.id for run in runs]
        stages, rows = _stages_of(session, ids), _rows_fetched(session, ids)
        fetch_errors = _fetch_errors(session)
    lines = read_log(log_file)
    hits = []
    for run in runs:
        summary = _summary(run, stages.get(run.id, []), rows.get(run.id, 0))
        matches = [
            place
            for place, value in _searchable(summary, stages.get(run.id, []), fetch_errors)
            if needle in value.casefold()
        ]
        matches += [
            f"app.log: {line.text.splitlines()[0]}"
            for line in lines_between(lines, summary.started, summary.finished)
            if needle in line.text.casefold()
        ]
        if matches:
            hits.append(SearchHit(summary, matches))
    return hits


def compare_runs(engine: Engine, a: int, b: int) -> list[StageChange]:
    """Per stage: outcome a -> b, the change in duration and every count that changed."""
    with Session(engine) as session:
        for run_id in (a, b):
            if session.get(PipelineRun, run_id) is None:
                raise ConfigError(f"no run {run_id}; `main.py runs` lists them")
        stages = _stages_of(session, [a, b])
    before = {stage.stage: stage for stage in stages.get(a, [])}
    after = {stage.stage: stage for stage in stages.get(b, [])}
    names = list(before) + [name for name in after if name not in before]
    changes = []
    for name in names:
        old, new = before.get(name), after.get(name)
        seconds = (
            round(new.seconds - old.seconds, 1)
            if old and new and old.seconds is not None and new.seconds is not None
            else None
        )
        changes.append(
            StageChange(
                stage=name,
                outcome_a=old.status if old else None,
                outcome_b=new.status if new else None,
                seconds_change=seconds,
                count_changes=_count_changes(old.counts if old else {}, new.counts if new else {}),
            )
        )
    return changes


# --- JSON twins -----------------------------------------------------------------------------------


def list_runs_json(engine: Engine, *, limit: int = 20) -> list[dict[str, Any]]:
    """`list_runs` as plain dicts."""
    return [_plain(run) for run in list_runs(engine, limit=limit)]


def show_run_json(engine: Engine, run_id: int, log_file: Path) -> dict[str, Any]:
    """`show_run` as a plain dict."""
    return _plain(show_run(engine, run_id, log_file))


def search_runs_json(engine: Engine, text: str, log_file: Path) -> list[dict[str, Any]]:
    """`search_runs` as plain dicts: each run with the places the text was found."""
    return [_plain(hit) for hit in search_runs(engine, text, log_file)]


def compare_runs_json(engine: Engine, a: int, b: int) -> dict[str, Any]:
    """`compare_runs` as a plain dict."""
    return {"a": a, "b": b, "stages": [_plain(c) for c in compare_runs(engine, a, b)]}


def to_json_text(value: object) -> str:
    """The text `--json` prints."""
    return json.dumps(value, indent=2, ensure_ascii=False)


# --- printing -----------------------------------------------------------------------------------


def print_runs(runs: Sequence[RunSummary]) -> None:
    """The runs as a table."""
    if not runs:
        console.print("No runs recorded yet: `main.py` runs the pipeline.")
        return
    table = Table(title="ClanStats runs", title_justify="left")
    for column in ("run", "started (UTC)", "time", "stages", "rows fetched", "requests", "exit"):
        table.add_column(
            column, justify="right" if column in ("rows fetched", "requests") else "left"
        )
    for run in runs:
        table.add_row(
            str(run.id),
            _when(run.started),
            _duration(run.seconds),
            ", ".join(f"{name} {_coloured(status)}" for name, status in run.outcomes.items()),
            str(run.rows),
            str(run.requests),
            "running" if run.exit_code is None else str(run.exit_code),
        )
    console.print(table)


def print_run(detail: RunDetail) -> None:
    """A run's stages, fetches and log lines."""
    run = detail.run
    console.print(
        f"[bold]Run {run.id}[/]: {_coloured(run.status)}, exit code {run.exit_code}, "
        f"started {_when(run.started)} UTC, took {_duration(run.seconds)}"
        + (f"\n[red]{run.error}[/]" if run.error else "")
    )
    stages = Table(title="Stages", title_justify="left")
    for column in ("stage", "result", "time", "counts", "error"):
        stages.add_column(column)
    for stage in detail.stages:
        stages.add_row(
            stage.stage,
            _coloured(stage.status),
            _duration(stage.seconds),
            ", ".join(f"{key} {value}" for key, value in _flat(stage.counts).items()),
            stage.error or "",
        )
    console.print(stages)
    if detail.fetches:
        fetches = Table(title="Fetches", title_justify="left")
        for column in ("source", "fetches", "outcome", "requests", "rows", "error"):
            right = column in ("fetches", "requests", "rows")
            fetches.add_column(column, justify="right" if right else "left")
        for group in group_fetches(detail.fetches):
            fetches.add_row(
                _source_label(group.source, detail.source_names),
                str(group.fetches),
                group.outcome,
                str(group.requests),
                str(group.rows),
                group.error or "",
            )
        console.print(fetches)
    console.print(f"[bold]app.log[/] ({len(detail.log_lines)} lines)")
    for line in detail.log_lines:
        console.print(line.text, markup=False, soft_wrap=True)


def print_search(hits: Sequence[SearchHit], text: str) -> None:
    """Each matching run with where the text was found."""
    if not hits:
        console.print(f"No run mentions {text!r}.")
    for hit in hits:
        console.print(f"[bold]Run {hit.run.id}[/] ({_when(hit.run.started)} UTC):")
        for match in hit.matches:
            console.print(f"  {match}", markup=False, soft_wrap=True)


def print_comparison(a: int, b: int, changes: Sequence[StageChange]) -> None:
    """The per-stage differences between two runs."""
    table = Table(title=f"Run {a} -> run {b}", title_justify="left")
    for column in ("stage", "outcome", "time", "counts changed"):
        table.add_column(column)
    for change in changes:
        table.add_row(
            change.stage,
            f"{change.outcome_a or '-'} -> {change.outcome_b or '-'}",
            "" if change.seconds_change is None else f"{change.seconds_change:+.1f}s",
            ", ".join(f"{key} {delta}" for key, delta in change.count_changes.items()),
        )
    console.print(table)


# --- helpers ------------------------------------------------------------------------------------


def _stages_of(session: Session, run_ids: Sequence[int]) -> dict[int, list[StageDetail]]:
    by_run: dict[int, list[StageDetail]] = {}
    rows = session.scalars(
        select(StageRun).where(StageRun.pipeline_run_id.in_(run_ids)).order_by(StageRun.id)
    )
    for row in rows:
        counts = json.loads(row.counts) if row.counts else {}
        by_run.setdefault(row.pipeline_run_id or 0, []).append(
            StageDetail(
                id=row.id,
                stage=row.stage,
                started=row.started_at,
                finished=row.finished_at,
                seconds=_seconds(row.started_at, row.finished_at),
                status=row.status,
                exit_code=row.exit_code,
                counts=counts if isinstance(counts, dict) else {},
                error=row.error,
            )
        )
    return by_run


def _summary(run: PipelineRun, stages: Sequence[StageDetail], rows: int) -> RunSummary:
    requests = [
        value
        for stage in stages
        for key, value in _flat(stage.counts).items()
        if key.casefold().endswith("requests") and _number(value) is not None
    ]
    return RunSummary(
        id=run.id,
        started=run.started_at,
        finished=run.finished_at,
        seconds=_seconds(run.started_at, run.finished_at),
        status=run.status,
        exit_code=run.exit_code,
        outcomes={stage.stage: stage.status for stage in stages},
        rows=rows,
        requests=int(sum(requests)),
        error=run.error,
    )


def _rows_fetched(session: Session, run_ids: Sequence[int]) -> dict[int, int]:
    """Rows each run's fetches stored (fetch_log), by pipeline run id."""
    totals = session.execute(
        select(StageRun.pipeline_run_id, func.sum(FetchLog.rows))
        .join(FetchLog, FetchLog.stage_run_id == StageRun.id)
        .where(StageRun.pipeline_run_id.in_(run_ids))
        .group_by(StageRun.pipeline_run_id)
    )
    return {run_id: int(rows or 0) for run_id, rows in totals if run_id is not None}


def _channel_names(session: Session, sources: set[str]) -> dict[str, str]:
    """The channel name (`discord_channels`) of each "discord:<id>" source, as "#general"."""
    ids = {
        int(source.removeprefix("discord:")): source
        for source in sources
        if source.startswith("discord:") and source.removeprefix("discord:").isdigit()
    }
    if not ids:
        return {}
    rows = session.execute(
        select(DiscordChannel.channel_id, DiscordChannel.name).where(
            DiscordChannel.channel_id.in_(ids)
        )
    )
    return {ids[channel_id]: f"#{name}" for channel_id, name in rows}


def _source_label(source: str, names: Mapping[str, str]) -> str:
    """A source as the user knows it: "discord #general" rather than a channel id."""
    name = names.get(source)
    return f"discord {name}" if name else source


def _fetch(row: FetchLog) -> FetchDetail:
    return FetchDetail(
        stage_run_id=row.stage_run_id,
        source=row.source,
        started=row.started_at,
        finished=row.finished_at,
        requests=row.requests,
        rows=row.rows,
        outcome=row.outcome,
        error=row.error,
    )


def _fetch_errors(session: Session) -> dict[int, list[tuple[str, str]]]:
    errors: dict[int, list[tuple[str, str]]] = {}
    rows = session.execute(
        select(FetchLog.stage_run_id, FetchLog.source, FetchLog.error).where(
            FetchLog.error.is_not(None), FetchLog.stage_run_id.is_not(None)
        )
    )
    for stage_run_id, source, error in rows:
        errors.setdefault(stage_run_id or 0, []).append((source, error or ""))
    return errors


def _searchable(
    run: RunSummary,
    stages: Sequence[StageDetail],
    fetch_errors: Mapping[int, list[tuple[str, str]]],
) -> Iterator[tuple[str, str]]:
    """(where, text) pairs of a run's recorded errors and counts."""
    if run.error:
        yield f"run error: {run.error}", run.error
    for stage in stages:
        if stage.error:
            yield f"{stage.stage} error: {stage.error}", stage.error
        for key, value in _flat(stage.counts).items():
            yield f"{stage.stage} counts: {key} {value}", f"{key} {value}"
        for source, error in fetch_errors.get(stage.id, []):
            yield f"{source} error: {error}", f"{source} {error}"


def _count_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, str]:
    old, new = _flat(before), _flat(after)
    changes = {}
    for key in list(old) + [key for key in new if key not in old]:
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        number_a, number_b = _number(a), _number(b)
        if number_a is not None and number_b is not None:
            delta = number_b - number_a
            changes[key] = f"{a} -> {b} ({'+' if delta >= 0 else ''}{round(delta, 2)})"
        else:
            changes[key] = f"{'-' if a is None else a} -> {'-' if b is None else b}"
    return changes


def _flat(counts: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in counts.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _number(value: object) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _seconds(started: datetime, finished: datetime | None) -> float | None:
    return None if finished is None else round((finished - started).total_seconds(), 1)


def _plain(value: object) -> Any:
    """A dataclass (or a list of them) as JSON-ready dicts with ISO times."""
    raw = asdict(value) if hasattr(value, "__dataclass_fields__") else value  # type: ignore[call-overload]
    return json.loads(json.dumps(raw, default=_iso))


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


def _duration(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f}s"


def _coloured(status: str) -> str:
    colour = {"ok": "green", "partial": "yellow", "running": "cyan"}.get(status, "red")
    return f"[{colour}]{status}[/]"
