"""Discord post: a weekly summary embed (and the workbook) through a channel webhook.

The embed is built from the export's files: gainers, goals and season from the public summary
(so members who opted out stay out), milestones from clan_data.json limited to those members.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from clanstats import clock
from clanstats.outputs import REPORT_FILE
from clanstats.rules import DiscordTarget
from clanstats.sync.history import TargetOutcome
from clanstats.sync.retry import DeliveryError, post_with_retries

TOP = 5
MILESTONE_DAYS = 7
ATTACHMENT_LIMIT = 25 * 1024 * 1024  # Discord's upload limit for a server without boosts
FIELD_LIMIT = 1024
# A daily run drifts by minutes; without slack a weekly post would slip a day every week.
PERIOD_SLACK = timedelta(hours=2)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Json = dict[str, Any]


def due(last_posted: datetime | None, now: datetime, every_days: int) -> bool:
    """Return whether a post is due: never posted, or the last one is a period old."""
    return last_posted is None or now - last_posted >= timedelta(days=every_days) - PERIOD_SLACK


def build_embed(public: Json, clan_data: Json | None) -> Json:
    """Return the weekly summary embed: top gainers, goals, season top 5, new milestones."""
    clan = public.get("clan", {}).get("name", "The clan")
    fields = [
        _field("Top gainers (7 days XP)", _gainers(public)),
        _field("This week's goals", _goals(public)),
    ]
    season = public.get("season")
    if season:
        fields.append(_field(f"Season: {season['name']} — top {TOP}", _season(season)))
    if clan_data is not None:
        shown = {m["name"] for m in public.get("members", [])}
        fields.append(_field("New milestones", _milestones(clan_data, shown)))
    totals = public.get("totals", {})
    return {
        "title": f"{clan} — weekly summary"[:256],
        "description": (
            f"{public.get('clan', {}).get('members', 0)} members; "
            f"{totals.get('xp_7d', 0):,.0f} XP and {totals.get('boss_kills_7d', 0):,.0f} boss "
            "kills in the last 7 days."
        ),
        "fields": fields,
        "footer": {"text": f"ClanStats · data of {public.get('date', '?')}"},
        "color": 0x2F7D32,
    }


def post_summary(
    target: DiscordTarget,
    *,
    output_dir: Path,
    webhook_url: str,
    last_posted: datetime | None,
    now: datetime,
    dry_run: bool = False,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    backoff_base: float = 1.0,
) -> TargetOutcome:
    """Post the summary unless the last post is less than a period old; report the outcome."""
    if not due(last_posted, now, target.every_days):
        assert last_posted is not None
        return TargetOutcome(
            target.name, "discord", "skipped",
            f"skipped (posted {last_posted:%Y-%m-%d}; every {target.every_days} days)",
            dry_run=dry_run,
        )  # fmt: skip
    try:
        public = _read_json(output_dir / "public_summary.json")
        clan_data_path = output_dir / "clan_data.json"
        clan_data = _read_json(clan_data_path) if clan_data_path.exists() else None
    except DeliveryError as exc:
        return TargetOutcome(target.name, "discord", "failed", "failed", error=str(exc))
    payload = {"username": "ClanStats", "embeds": [build_embed(public, clan_data)]}
    workbook = output_dir / REPORT_FILE
    attach = target.attach_workbook and workbook.is_file()
    if attach and workbook.stat().st_size > ATTACHMENT_LIMIT:
        attach = False  # Discord would refuse the whole post; the embed alone is still useful
    payload_json = json.dumps(payload, ensure_ascii=False)
    content_sha = hashlib.sha256(payload_json.encode()).hexdigest()
    if dry_run:
        extra = f" with {REPORT_FILE}" if attach else ""
        return TargetOutcome(
            target.name, "discord", "ok", f"would post{extra}", files_changed=1,
            content_sha256=content_sha, dry_run=True, changes=[f"weekly summary{extra}"],
        )  # fmt: skip
    workbook_bytes = workbook.read_bytes() if attach else b""

    def build() -> dict[str, Any]:
        if not attach:
            return {"json": payload}
        return {
            "data": {"payload_json": payload_json},
            "files": {"files[0]": (REPORT_FILE, workbook_bytes, XLSX_TYPE)},
        }

    try:
        post_with_retries(
            session or requests.Session(), with_wait(webhook_url), build,
            shown_url=_shown(webhook_url),
            timeout=30, max_retries=3, backoff_base=backoff_base, sleep=sleep,
        )  # fmt: skip
    except DeliveryError as exc:
        return TargetOutcome(target.name, "discord", "failed", "failed", error=str(exc))
    note = " with workbook" if attach else ""
    return TargetOutcome(
        target.name, "discord", "ok", f"posted{note}", files_changed=1,
        bytes=len(payload_json) + len(workbook_bytes), content_sha256=content_sha,
    )  # fmt: skip


def with_wait(url: str) -> str:
    """Return the webhook URL asking Discord to answer with the message (so errors show)."""
    return url + ("&" if "?" in url else "?") + "wait=true"


def _read_json(path: Path) -> Json:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeliveryError(f"{path.name} is missing; run export first") from None
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"{path.name} can't be read ({exc}); run export again") from None
    if not isinstance(data, dict):
        raise DeliveryError(f"{path.name} is not a JSON object; run export again")
    return data


def _field(name: str, lines: list[str]) -> Json:
    text = "\n".join(lines) or "—"
    if len(text) > FIELD_LIMIT:
        text = text[: FIELD_LIMIT - 1].rsplit("\n", 1)[0] + "\n…"
    return {"name": name[:256], "value": text, "inline": False}


def _gainers(public: Json) -> list[str]:
    ranked = sorted(
        (
            (m.get("gains", {}).get("7d", {}).get("xp") or 0, m["name"])
            for m in public.get("members", [])
        ),
        key=lambda pair: (-pair[0], pair[1].lower()),
    )
    return [f"{i}. {name} — {xp:,.0f} XP" for i, (xp, name) in enumerate(ranked[:TOP], 1) if xp > 0]


def _goals(public: Json) -> list[str]:
    lines = []
    for goal in public.get("goals", []):
        mark = "✅" if goal.get("achieved") else "⏳"
        target = goal.get("target") or 0
        # The public summary's percent: the one rounding rule (never 100% before it is met).
        share = f" ({goal['percent']}%)" if "percent" in goal else ""
        lines.append(f"{mark} {goal['name']}: {goal['progress']:,.0f} / {target:,.0f}{share}")
    return lines


def _season(season: Json) -> list[str]:
    return [
        f"{row['place']}. {row['name']} — {row['points']:,.1f} pts"
        for row in season.get("standings", [])[:TOP]
    ]


def _milestones(clan_data: Json, shown: set[str]) -> list[str]:
    today = date.fromisoformat(clan_data.get("today", clock.utcnow().date().isoformat()))
    since = today - timedelta(days=MILESTONE_DAYS)
    return [
        f"{row['name']}: {row['title']}"
        for row in clan_data.get("milestones", [])
        if row.get("name") in shown and date.fromisoformat(row["occurred_on"]) > since
    ]


def _shown(url: str) -> str:
    # The webhook token is in the path: show only where it goes.
    parts = urlsplit(url)
    return f"Discord webhook at {parts.netloc}"
