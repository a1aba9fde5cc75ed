"""Discord post: a weekly summary embed with the workbook, through the fake Discord's webhook."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from clanstats.outputs import REPORT_FILE
from clanstats.rules import DiscordTarget
from clanstats.sync.discord_post import build_embed, post_summary
from simulator.discord_server import FakeDiscordServer

NOW = datetime(2026, 11, 20, 12)
PUBLIC = {
    "date": "2026-11-20",
    "clan": {"name": "Iron Owls", "members": 3},
    "totals": {"xp_7d": 1_234_567, "boss_kills_7d": 89, "messages_7d": 10},
    "members": [
        {"name": "Zezima", "gains": {"7d": {"xp": 900_000}}},
        {"name": "Lynx Titan", "gains": {"7d": {"xp": 1_500_000}}},
        {"name": "Idle Ian", "gains": {"7d": {"xp": 0}}},
    ],
    "goals": [
        {"name": "Slayer week", "target": 1000, "progress": 999, "achieved": False, "percent": 99}
    ],
    "season": {"name": "Winter", "standings": [{"place": 1, "name": "Zezima", "points": 42.0}]},
}
CLAN_DATA = {
    "today": "2026-11-20",
    "milestones": [
        {"name": "Zezima", "title": "99 Cooking", "occurred_on": "2026-11-18"},
        {"name": "Zezima", "title": "Old news", "occurred_on": "2026-10-01"},
        {"name": "Hidden Hal", "title": "opted out", "occurred_on": "2026-11-19"},
    ],
}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    (tmp_path / "public_summary.json").write_text(json.dumps(PUBLIC))
    (tmp_path / "clan_data.json").write_text(json.dumps(CLAN_DATA))
    (tmp_path / REPORT_FILE).write_bytes(b"PK\x03\x04 pretend workbook")
    return tmp_path


def target(**options: object) -> DiscordTarget:
    return DiscordTarget.model_validate(
        {"name": "discord", "kind": "discord", "webhook_env": "CLAN_WEBHOOK", **options}
    )


def test_the_embed_holds_gainers_goals_season_and_recent_public_milestones() -> None:
    embed = build_embed(PUBLIC, CLAN_DATA)
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert embed["title"] == "Iron Owls — weekly summary"
    assert (
        fields["Top gainers (7 days XP)"] == "1. Lynx Titan — 1,500,000 XP\n2. Zezima — 900,000 XP"
    )
    # 99.9% rounds to 100% but the goal isn't met: the public summary's floored percent.
    assert fields["This week's goals"] == "⏳ Slayer week: 999 / 1,000 (99%)"
    assert fields["Season: Winter — top 5"] == "1. Zezima — 42.0 pts"
    assert fields["New milestones"] == "Zezima: 99 Cooking"


def test_posts_the_embed_with_the_workbook_attached(
    discord_server: FakeDiscordServer, out: Path
) -> None:
    outcome = post_summary(
        target(), output_dir=out, webhook_url=discord_server.webhook_url, last_posted=None, now=NOW
    )
    assert (outcome.outcome, outcome.summary) == ("ok", "posted with workbook")
    [post] = discord_server.webhook_posts
    assert post.payload["embeds"][0]["title"] == "Iron Owls — weekly summary"
    assert post.files == {REPORT_FILE: b"PK\x03\x04 pretend workbook"}
    [request] = discord_server.requests
    assert request.query == {"wait": "true"} and request.status == 200


def test_without_the_workbook_it_posts_json(discord_server: FakeDiscordServer, out: Path) -> None:
    outcome = post_summary(
        target(attach_workbook=False), output_dir=out, webhook_url=discord_server.webhook_url,
        last_posted=None, now=NOW,
    )  # fmt: skip
    assert outcome.summary == "posted"
    assert discord_server.webhook_posts[0].files == {}


def test_a_second_run_within_the_period_does_not_post(
    discord_server: FakeDiscordServer, out: Path
) -> None:
    outcome = post_summary(
        target(every_days=7), output_dir=out, webhook_url=discord_server.webhook_url,
        last_posted=NOW - timedelta(days=3), now=NOW,
    )  # fmt: skip
    assert (outcome.outcome, outcome.summary) == (
        "skipped",
        "skipped (posted 2026-11-17; every 7 days)",
    )
    assert discord_server.requests == []
    due = post_summary(
        target(every_days=7), output_dir=out, webhook_url=discord_server.webhook_url,
        last_posted=NOW - timedelta(days=7, minutes=-30), now=NOW,
    )  # fmt: skip
    assert due.outcome == "ok"  # a run a few minutes early still counts as a week later


def test_a_wrong_webhook_token_is_one_failure_line_without_the_token(
    discord_server: FakeDiscordServer, out: Path
) -> None:
    url = discord_server.webhook_url.rsplit("/", 1)[0] + "/not-the-token"
    outcome = post_summary(target(), output_dir=out, webhook_url=url, last_posted=None, now=NOW)
    assert outcome.outcome == "failed"
    assert outcome.error == (
        f"Discord webhook at 127.0.0.1:{discord_server.port} refused the request "
        "(HTTP 401: Invalid Webhook Token)"
    )
    assert discord_server.webhook_posts == []


def test_a_missing_summary_fails_with_a_hint(
    discord_server: FakeDiscordServer, tmp_path: Path
) -> None:
    outcome = post_summary(
        target(),
        output_dir=tmp_path,
        webhook_url=discord_server.webhook_url,
        last_posted=None,
        now=NOW,
    )
    assert outcome.error == "public_summary.json is missing; run export first"
