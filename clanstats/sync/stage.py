"""The sync stage: deliver the newest outputs to every configured target, each on its own.

A target that fails (a bad path, a missing secret, a receiver that says no) adds one line to the
stage's failures and the others still run. With CLANSTATS_SYNC_DRY_RUN=1 nothing is sent or
written; each target lists what would change.

With several groups (rules.yaml `groups:`) each group is synced on its own: its files keep their
`<slug>/` folder, a target's `files` patterns apply inside each group's folder, and the Discord
target posts one summary per group. Then folder targets also get the alliance overview.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from clanstats.clock import utcnow
from clanstats.crashpoints import crash_point
from clanstats.db.models import OutputFile
from clanstats.errors import EXIT_WRITE, ClanStatsError
from clanstats.groups import (
    ALLIANCE_GROUP_ID,
    GROUP_ENV,
    for_each_group,
    groups_for_stage,
    require_group_id,
)
from clanstats.logs import FILE_ONLY, console
from clanstats.output_set import finish_interrupted, waiting_set
from clanstats.rules import DiscordTarget, FolderTarget, HttpTarget, SyncTarget, load_rules
from clanstats.settings import PROJECT_ROOT
from clanstats.stage import NOTHING_NEW_ENV, StageContext, StageResult
from clanstats.sync.discord_post import post_summary
from clanstats.sync.folder import sync_folder
from clanstats.sync.history import TargetOutcome, last_success, record_outcome
from clanstats.sync.http_upload import upload
from clanstats.sync.sources import env_value, latest_outputs

log = logging.getLogger(__name__)

DRY_RUN_ENV = "CLANSTATS_SYNC_DRY_RUN"


@dataclass(frozen=True)
class SyncRun:
    """What every target's delivery shares in one run."""

    engine: Engine
    group_id: int
    output_dir: Path
    files: Sequence[OutputFile]
    dry_run: bool
    project_root: Path = PROJECT_ROOT
    summary_dir: Path | None = None  # where the Discord post reads from; default output_dir
    # Every source of this run's harvest failed: no post and no upload, only folder copies.
    nothing_new: bool = False
    retry_seconds: float = 1.0  # HTTP_RETRY_SECONDS: the first wait before a retry


def sync_stage(context: StageContext) -> StageResult:
    """Deliver the newest outputs to every target in rules.yaml; one line per failed target."""
    targets = load_rules(context.settings.rules_file).sync_targets
    if not targets:
        return StageResult(counts={"sync targets": "none configured"})
    result = for_each_group(context, sync_group)
    rules, _ = groups_for_stage(context.settings)
    if rules.groups and not os.environ.get(GROUP_ENV):
        folders = [target for target in targets if isinstance(target, FolderTarget)]
        alliance = _run(context, ALLIANCE_GROUP_ID, context.settings.output_dir)
        part = sync_targets(alliance, folders)
        result.counts.update({f"alliance: {key}": value for key, value in part.counts.items()})
        result.failures.extend(f"alliance: {failure}" for failure in part.failures)
        if part.failures and part.failure_exit_code == EXIT_WRITE:
            result.failure_exit_code = EXIT_WRITE
    return result


def sync_group(context: StageContext) -> StageResult:
    """Deliver one group's newest outputs (the last set put in place whole) to every target."""
    settings = context.settings
    targets = load_rules(settings.rules_file).sync_targets
    # A set a killed export left half in place is finished first (a dry run changes nothing).
    finished = os.environ.get(DRY_RUN_ENV) != "1" and finish_interrupted(settings.manifest_root)
    group_id = require_group_id(settings)
    with Session(context.engine) as session:
        waiting = waiting_set(session, group_id=group_id)
    result = _sync_group(context, targets, group_id)
    if waiting is not None and not finished:
        note = (
            f"run {waiting}'s outputs were not published: its export did not finish, so they "
            "never went in place; the last whole set was synced instead"
        )
        result.counts["not published"] = note
        console.print(f"[yellow]sync: {note}[/]")
    return result


def _sync_group(context: StageContext, targets: Sequence[SyncTarget], group_id: int) -> StageResult:
    settings = context.settings
    run = _run(context, group_id, settings.manifest_root)
    if settings.output_root is None:
        return sync_targets(run, targets)
    # One of several groups: its files sit in <slug>/, and the patterns apply inside it.
    slug = settings.output_dir.relative_to(settings.output_root).as_posix()
    scoped = [
        target
        if isinstance(target, DiscordTarget)
        else target.model_copy(update={"files": [f"{slug}/{p}" for p in target.files]})
        for target in targets
    ]
    return sync_targets(replace(run, summary_dir=settings.output_dir), scoped)


def _run(context: StageContext, group_id: int, output_dir: Path) -> SyncRun:
    with Session(context.engine) as session:
        files = latest_outputs(session, group_id=group_id)
    return SyncRun(
        engine=context.engine,
        group_id=group_id,
        output_dir=output_dir,
        files=files,
        dry_run=os.environ.get(DRY_RUN_ENV) == "1",
        nothing_new=os.environ.get(NOTHING_NEW_ENV) == "1",
        retry_seconds=context.settings.http_retry_seconds,
    )


def sync_targets(run: SyncRun, targets: Sequence[SyncTarget]) -> StageResult:
    """Deliver to each target independently, record its history row, and sum up the run."""
    result = StageResult()
    for target in targets:
        outcome = deliver_safely(run, target)
        crash_point("sync.before-history-row")
        if not run.dry_run:  # a dry run writes nothing, not even the history `--status` reads
            record_outcome(run.engine, group_id=run.group_id, outcome=outcome)
        result.counts[f"{target.name}: {_count_label(target, run.dry_run)}"] = outcome.summary
        if run.dry_run:
            for change in outcome.changes or ["nothing would change"]:
                console.print(f"sync {target.name} (dry run): {change}")
        if outcome.error:
            # A failure's line is printed with the stage's failures: here only the log gets it.
            failing = outcome.outcome in ("failed", "partial")
            log.warning(
                "sync %s: %s", target.name, outcome.error, extra=FILE_ONLY if failing else None
            )
        if outcome.outcome in ("failed", "partial"):
            error = outcome.error or outcome.outcome
            named = error.startswith(f"sync target {target.name!r}")
            result.failures.append(error if named else f"{target.name}: {error}")
        if outcome.write_failed:
            result.failure_exit_code = EXIT_WRITE
    return result


def deliver_safely(run: SyncRun, target: SyncTarget) -> TargetOutcome:
    """Deliver to one target; turn any error into a failed outcome so the others still run."""
    started = utcnow()
    try:
        outcome = deliver(run, target)
    except ClanStatsError as exc:
        outcome = TargetOutcome(target.name, target.kind, "failed", "failed", error=str(exc))
    except Exception as exc:  # one broken target must not cost the others their delivery
        log.exception("sync %s crashed", target.name)
        error = f"unexpected error {type(exc).__name__}: {exc} (details in app.log)"
        outcome = TargetOutcome(target.name, target.kind, "failed", "failed", error=error)
    outcome.started_at = started
    outcome.dry_run = run.dry_run
    return outcome


def deliver(run: SyncRun, target: SyncTarget) -> TargetOutcome:
    """Deliver to one target by its kind."""
    if isinstance(target, FolderTarget):
        return sync_folder(
            target,
            run.files,
            output_dir=run.output_dir,
            project_root=run.project_root,
            dry_run=run.dry_run,
        )
    if run.nothing_new:
        # The outputs show the last good harvest's data: nothing new to publish or announce.
        return TargetOutcome(
            target.name, target.kind, "skipped", "skipped: every source failed, nothing new"
        )
    with Session(run.engine) as session:
        last = last_success(session, group_id=run.group_id, target=target.name)
    if isinstance(target, HttpTarget):
        return upload(
            target,
            run.files,
            output_dir=run.output_dir,
            secret=env_value(target.secret_env, target=target.name),
            last_sent_sha256=last.content_sha256 if last else None,
            dry_run=run.dry_run,
            backoff_base=run.retry_seconds,
        )
    assert isinstance(target, DiscordTarget)
    return post_summary(
        target,
        output_dir=run.summary_dir or run.output_dir,
        webhook_url=env_value(target.webhook_env, target=target.name),
        last_posted=last.started_at if last else None,
        now=utcnow(),
        dry_run=run.dry_run,
        backoff_base=run.retry_seconds,
    )


def _count_label(target: SyncTarget, dry_run: bool) -> str:
    if dry_run:
        return "would change" if isinstance(target, FolderTarget) else "dry run"
    return {"folder": "files changed", "http": "upload", "discord": "post"}[target.kind]
