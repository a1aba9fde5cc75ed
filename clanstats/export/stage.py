"""The export stage: clan_data.json, the dashboard, the public summary and the Eleventy bundle.

Every file is written atomically, staged, and put in place with the rest of its set, then
recorded in the output manifest with its hash (`clanstats.output_set`): in a pipeline run the set
includes the workbook report staged. The data is checked against the published JSON Schema
before anything is written, so a file that breaks its own contract never reaches a website.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import jsonschema_rs
from sqlalchemy.orm import Session

from clanstats import clock
from clanstats.crashpoints import crash_point
from clanstats.errors import ClanStatsError
from clanstats.export.alliance import ALLIANCE_JSON, ALLIANCE_PAGE, build_alliance, render_alliance
from clanstats.export.clan_data import build_clan_data
from clanstats.export.dashboard import render_dashboard
from clanstats.export.eleventy import bundle_paths
from clanstats.export.public import build_public_summary
from clanstats.fingerprint import last_written, output_inputs, outputs_intact, unchanged
from clanstats.freshness import stale_after_hours
from clanstats.groups import (
    ALLIANCE_GROUP_ID,
    GROUP_ENV,
    Group,
    for_each_group,
    groups_for_stage,
    require_group_id,
)
from clanstats.output_set import (
    Output,
    current_set,
    finish_interrupted,
    held_workbook,
    put_in_place,
    staged,
)
from clanstats.outputs import REPORT_FILE, write_atomically
from clanstats.rules import load_rules
from clanstats.settings import PROJECT_ROOT
from clanstats.stage import StageContext, StageResult

SCHEMA_PATH = PROJECT_ROOT / "assets" / "clan_data.schema.json"
EXPORT_KINDS = ("json", "dashboard", "public_json", "eleventy")


class ExportContractError(ClanStatsError):
    """The data built for clan_data.json doesn't match its published schema (a bug)."""


def export_stage(context: StageContext) -> StageResult:
    """Export each configured group; with several, then the alliance overview at the top."""
    exported: dict[int, dict[str, Any]] = {}

    def export_one(group_context: StageContext) -> StageResult:
        result, data = export_group(group_context)
        exported[require_group_id(group_context.settings)] = data
        return result

    result = for_each_group(context, export_one)
    rules, groups = groups_for_stage(context.settings)
    # `--group` debugs one group: the overview would show the others as missing, so keep it.
    if rules.groups and not os.environ.get(GROUP_ENV):
        written = write_alliance(context, groups, exported)
        result.counts["alliance files written"] = written
    return result


def write_alliance(
    context: StageContext, groups: list[Group], exported: dict[int, dict[str, Any]]
) -> int:
    """Write alliance.json and alliance.html at the top of the output folder; record both."""
    out = context.settings.output_dir
    alliance = build_alliance(
        [(group.id, group.name, group.label) for group in groups],
        exported,
        generated_at=clock.now(),
    )
    files = {
        out / ALLIANCE_JSON: (_json(alliance), "alliance_json", False),
        out / ALLIANCE_PAGE: (render_alliance(alliance).encode("utf-8"), "alliance_page", False),
    }
    write_and_record(context, files, group_id=ALLIANCE_GROUP_ID, output_dir=out)
    return len(files)


def write_and_record(
    context: StageContext,
    files: dict[Path, tuple[bytes, str, bool]],
    *,
    group_id: int,
    output_dir: Path,
    inputs: str | None = None,
    held: tuple[Output, str] | None = None,
) -> None:
    """Stage each (content, kind, public) file, then put them in place as one set.

    `inputs` is the export's input fingerprint, stored with the set (see `fingerprint`);
    `held` the workbook report left staged for this set, and report's fingerprint.
    """
    outputs = []
    for path, (content, kind, public_file) in files.items():
        write_atomically(staged(output_dir, path), content)
        crash_point("export.between-files")
        outputs.append(Output(path, kind, public_file, context.stage_run_id))
    fingerprints = {} if inputs is None else {"export": inputs}
    if held is not None:
        outputs.append(held[0])
        fingerprints["report"] = held[1]
    put_in_place(
        context.engine, output_dir, group_id=group_id, outputs=outputs, fingerprints=fingerprints
    )


def export_group(context: StageContext) -> tuple[StageResult, dict[str, Any]]:
    """Build every export of the context's group and write it to its output folder."""
    settings = context.settings
    group_id = require_group_id(settings)
    rules = load_rules(settings.rules_file)
    now = clock.now()
    today = now.astimezone(settings.timezone).date()
    out = settings.output_dir
    root = settings.manifest_root
    finish_interrupted(root)
    with Session(context.engine) as session:
        held = held_workbook(
            session, group_id=group_id, set_id=current_set(), workbook=out / REPORT_FILE
        )
        inputs = output_inputs(
            session,
            group_id=group_id,
            today=today,
            timezone=settings.timezone.key,
            files=(settings.rules_file,),
            stale_after_hours=stale_after_hours(rules.refresh),
        )
        kept = last_written(session, group_id, EXPORT_KINDS, root)
        if unchanged(session, group_id, "export", inputs) and outputs_intact(
            session, group_id, kept, root
        ):
            kept_data = json.loads((out / "clan_data.json").read_bytes())
            if held is not None:  # the set is the new workbook and the files kept
                write_and_record(context, {}, group_id=group_id, output_dir=root, held=held)
            return StageResult(counts={"unchanged": "nothing new: files kept"}), kept_data
        data = build_clan_data(
            session,
            group_id=group_id,
            today=today,
            timezone=settings.timezone,
            generated_at=now,
            rules=rules,
            stale_after_hours=stale_after_hours(rules.refresh),
        )
        public = build_public_summary(
            session,
            group_id=group_id,
            today=today,
            timezone=settings.timezone,
            rules=rules,
            generated_at=now,
        )
    check_against_schema(data)
    files: dict[Path, tuple[bytes, str, bool]] = {
        out / "clan_data.json": (_json(data), "json", False),
        out / "clan_dashboard.html": (render_dashboard(data).encode("utf-8"), "dashboard", False),
        out / "public_summary.json": (_json(public), "public_json", True),
    }
    for path, content in bundle_paths(out / "site", public).items():
        files[path] = (content, "eleventy", True)
    write_and_record(context, files, group_id=group_id, output_dir=root, inputs=inputs, held=held)
    sizes = {path.name: len(content) for path, (content, _, _) in files.items()}
    counts: dict[str, object] = {
        "files written": len(files),
        "dashboard KB": round(sizes["clan_dashboard.html"] / 1024),
        "members exported": len(data.get("members", [])),
        "public members": len(public["members"]),
    }
    return StageResult(counts=counts), data


def check_against_schema(data: dict[str, Any]) -> None:
    """Refuse to write data that breaks clan_data.schema.json."""
    error = next(iter(_schema_validator().iter_errors(data)), None)
    if error is not None:
        where = "/".join(str(part) for part in error.instance_path) or "(top)"
        raise ExportContractError(
            f"clan_data.json would break its schema at {where}: {error.message[:200]} "
            "(a bug: please report it with app.log)"
        )


@functools.cache
def _schema_validator() -> jsonschema_rs.Draft202012Validator:
    """The published schema, compiled once (jsonschema-rs; formats are not asserted).

    A compiled validator checks 5,000 members in about 10 ms where the pure-Python one took
    seconds resolving every `$ref` again for every record.
    """
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema_rs.Draft202012Validator(schema)


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
