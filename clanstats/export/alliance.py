"""The alliance overview: alliance.json and alliance.html, comparing every group side by side.

Each group's row is taken from the clan_data the same export run built for that group's
dashboard, so the overview's numbers are the dashboards' numbers. A group with no data this
run (its export failed) is listed with `available: false`. The page is self-contained with the
dashboard's safety approach (see `dashboard.render_page`): names travel as script-safe JSON and
are set as text by `assets/alliance.js`, under a CSP that allows no request at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from clanstats.export.dashboard import render_page
from clanstats.settings import PROJECT_ROOT

VERSION = 1
ALLIANCE_JSON = "alliance.json"
ALLIANCE_PAGE = "alliance.html"
TEMPLATE_PATH = PROJECT_ROOT / "templates" / "alliance.html"
CSS_PATH = PROJECT_ROOT / "assets" / "alliance.css"
JS_PATH = PROJECT_ROOT / "assets" / "alliance.js"
DASHBOARD_FILE = "clan_dashboard.html"
STATUSES = ("active", "quiet", "inactive", "unknown")  # unknown: not enough history yet
WINDOWS = ("7d", "30d")
MEASURES = ("xp", "ehp", "ehb", "messages")

Json = dict[str, Any]


def build_alliance(
    groups: Sequence[tuple[int, str, str]],
    clan_data: Mapping[int, Json],
    *,
    generated_at: datetime,
) -> Json:
    """Return alliance.json: one row per (id, name, slug) group, from its clan_data if any."""
    rows = [_row(group_id, name, slug, clan_data.get(group_id)) for group_id, name, slug in groups]
    return {
        "version": VERSION,
        "generated_at": generated_at.isoformat(),
        "groups": rows,
        "totals": _totals([row for row in rows if row["available"]]),
    }


def render_alliance(alliance: Json) -> str:
    """Return alliance.html: the overview page with its data inline."""
    return render_page(
        TEMPLATE_PATH,
        css_path=CSS_PATH,
        js_path=JS_PATH,
        title="ClanStats alliance overview",
        data=alliance,
    )


def _row(group_id: int, name: str, slug: str, data: Json | None) -> Json:
    row: Json = {
        "id": group_id,
        "name": name,
        "slug": slug,
        "dashboard": f"{slug}/{DASHBOARD_FILE}",
        "available": data is not None,
    }
    if data is None:
        return row
    kpis = data["kpis"]
    goals = data["goals"]["items"]
    top = data["gainers"]["7d"]["xp"]
    row.update(
        {
            "members": kpis["members"],
            "status_counts": {status: kpis["status_counts"][status] for status in STATUSES},
            "gains": {
                window: {m: kpis["clan_gains"][window][m] for m in MEASURES} for window in WINDOWS
            },
            "goals": {"met": sum(bool(g["achieved"]) for g in goals), "total": len(goals)},
            "promotions_due": kpis["promotions_due"],
            "top_gainer": {"name": top[0]["name"], "xp": top[0]["gained"]} if top else None,
            "freshness": [
                {key: source[key] for key in ("family", "label", "state", "age_hours")}
                for source in data["freshness"]["sources"]
            ],
            "today": data["today"],
        }
    )
    return row


def _totals(rows: list[Json]) -> Json:
    """Sum members, statuses, gains, goals and promotions over the groups with data."""
    gains: Json = {}
    for window in WINDOWS:
        gains[window] = {}
        for measure in MEASURES:
            values = [r["gains"][window][measure] for r in rows]
            known = [v for v in values if v is not None]
            gains[window][measure] = _rounded(measure, sum(known)) if known else None
    return {
        "groups": len(rows),
        "members": sum(r["members"] for r in rows),
        "status_counts": {s: sum(r["status_counts"][s] for r in rows) for s in STATUSES},
        "gains": gains,
        "goals": {k: sum(r["goals"][k] for r in rows) for k in ("met", "total")},
        "promotions_due": sum(r["promotions_due"] for r in rows),
    }


def _rounded(measure: str, value: float) -> float:
    # Hours keep two decimals, like clan_data; counts are whole numbers.
    return round(value, 2) if measure in ("ehp", "ehb") else round(value)
