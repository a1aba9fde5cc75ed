"""The export stage: clan_data.json, the dashboard, the public summary and the Eleventy bundle.

Every file is written atomically and recorded in the output manifest with its hash. The data is
checked against the published JSON Schema before anything is written, so a file that breaks its
own contract never reaches a website.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
from sqlalchemy.orm import Session

from clanstats.errors import ClanStatsError
from clanstats.export.clan_data import build_clan_data
from clanstats.export.dashboard import render_dashboard
from clanstats.export.eleventy import bundle_paths
from clanstats.export.public import build_public_summary
from clanstats.fingerprint import (
    last_written,
    output_inputs,
    outputs_intact,
    remember,
    unchanged,
)
from clanstats.harvest.freshness import stale_after_hours
from clanstats.harvest.wom import require_group_id
from clanstats.outputs import record_output, write_atomically
from clanstats.rules import load_rules
from clanstats.settings import PROJECT_ROOT
from clanstats.stage import StageContext, StageResult

SCHEMA_PATH = PROJECT_ROOT / "assets" / "clan_data.schema.json"
EXPORT_KINDS = ("json", "dashboard", "public_json", "eleventy")


class ExportContractError(ClanStatsError):
    """The data built for clan_data.json doesn't match its published schema (a bug)."""


def export_stage(context: StageContext) -> StageResult:
    """Build every export from the derived tables and write it to the output folder."""
    settings = context.settings
    group_id = require_group_id(settings)
    rules = load_rules(settings.rules_file)
    now = datetime.now(UTC)
    today = now.astimezone(settings.timezone).date()
    out = settings.output_dir
    with Session(context.engine) as session:
        inputs = output_inputs(
            session,
            group_id=group_id,
            today=today,
            timezone=settings.timezone.key,
            files=(settings.rules_file,),
            stale_after_hours=stale_after_hours(rules.refresh),
        )
        if unchanged(session, group_id, "export", inputs) and outputs_intact(
            session, group_id, last_written(session, group_id, EXPORT_KINDS, out), out
        ):
            return StageResult(counts={"unchanged": "nothing new: files kept"})
        data = build_clan_data(
            session,
            group_id=group_id,
            today=today,
            timezone=settings.timezone,
            generated_at=now,
            stale_after_hours=stale_after_hours(rules.refresh),
        )
        public = build_public_summary(
            session, group_id=group_id, today=today, rules=rules, generated_at=now
        )
    check_against_schema(data)
    files: dict[Path, tuple[bytes, str, bool]] = {
        out / "clan_data.json": (_json(data), "json", False),
        out / "clan_dashboard.html": (render_dashboard(data).encode("utf-8"), "dashboard", False),
        out / "public_summary.json": (_json(public), "public_json", True),
    }
    for path, content in bundle_paths(out / "site", public).items():
        files[path] = (content, "eleventy", True)
    with Session(context.engine) as session, session.begin():
        for path, (content, kind, public_file) in files.items():
            write_atomically(path, content)
            record_output(
                session,
                group_id=group_id,
                stage_run_id=context.stage_run_id,
                path=path,
                output_dir=out,
                kind=kind,
                public=public_file,
            )
        remember(session, group_id, "export", inputs)
    sizes = {path.name: len(content) for path, (content, _, _) in files.items()}
    return StageResult(
        counts={
            "files written": len(files),
            "dashboard KB": round(sizes["clan_dashboard.html"] / 1024),
            "members exported": len(data.get("members", [])),
            "public members": len(public["members"]),
        }
    )


def check_against_schema(data: dict[str, Any]) -> None:
    """Refuse to write data that breaks clan_data.schema.json."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(data)
    )
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top)"
        raise ExportContractError(
            f"clan_data.json would break its schema at {where}: {error.message[:200]} "
            "(a bug: please report it with app.log)"
        )


def _json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
