"""The report stage: the officers' workbook from the derived tables."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from clanstats import clock
from clanstats.crashpoints import crash_point
from clanstats.fingerprint import output_inputs, outputs_intact, unchanged
from clanstats.freshness import stale_after_hours
from clanstats.groups import for_each_group, require_group_id
from clanstats.output_set import (
    Output,
    current_set,
    hold_workbook,
    put_in_place,
    staged,
    start_set,
)
from clanstats.outputs import REPORT_FILE
from clanstats.report.workbook import write_report
from clanstats.rules import load_rules
from clanstats.stage import StageContext, StageResult


def report_stage(context: StageContext) -> StageResult:
    """Write each configured group's workbook (several groups: into OUTPUT_DIR/<slug>/)."""
    return for_each_group(context, report_group)


def report_group(context: StageContext) -> StageResult:
    """Write `clan_report_summary_merged.xlsx` into the group's output folder.

    In a pipeline run that goes on to export, the workbook waits staged and export puts it in
    place with its own files, as one set (`clanstats.output_set`).
    """
    settings = context.settings
    group_id = require_group_id(settings)
    now = clock.now().astimezone(settings.timezone)
    root = settings.manifest_root
    path = settings.output_dir / REPORT_FILE
    start_set(root, settings.output_dir)
    rules = load_rules(settings.rules_file)
    stale_hours = stale_after_hours(rules.refresh)
    with Session(context.engine) as session:
        inputs = output_inputs(
            session,
            group_id=group_id,
            today=now.date(),
            timezone=settings.timezone.key,
            files=(settings.rules_file,),
            stale_after_hours=stale_hours,
            settings=(settings.discord_enabled,),
        )
        if unchanged(session, group_id, "report", inputs) and outputs_intact(
            session, group_id, [path], settings.manifest_root
        ):
            return StageResult(counts={"unchanged": "nothing new: workbook kept"})
    counts = write_report(
        context.engine,
        staged(root, path),
        group_id=group_id,
        today=now.date(),
        now=now,
        timezone=settings.timezone,
        discord_expected=settings.discord_enabled,
        stale_after=timedelta(hours=stale_hours),
        rules=rules,
    )
    crash_point("report.before-manifest")
    set_id = current_set()
    if set_id is not None:
        hold_workbook(
            context.engine,
            group_id=group_id,
            set_id=set_id,
            stage_run_id=context.stage_run_id,
            fingerprint=inputs,
        )
        return StageResult(counts=counts)
    workbook = Output(path, "workbook", False, context.stage_run_id)
    put_in_place(
        context.engine, root, group_id=group_id, outputs=[workbook], fingerprints={"report": inputs}
    )
    return StageResult(counts=counts)
