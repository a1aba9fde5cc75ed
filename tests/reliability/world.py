"""A small simulated clan on loopback servers, and `main.py` run against it as a user runs it.

`ClanWorld` starts the fake WOM, Discord and upload servers for a 10-member clan dated today
(the stage processes use the real clock), writes a rules file with every kind of sync target,
and runs `main.py` in a subprocess with everything kept in one data folder.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from clanstats.settings import PROJECT_ROOT
from simulator.chat import ChatConfig, SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from tests.faults import FaultyDiscordServer, FaultyUploadReceiver, FaultyWomServer

UPLOAD_SECRET = "reliability-upload-secret"


def clan_today(members: int = 10, days: int = 20) -> SimulatedClan:
    """A deterministic clan whose 'now' is today's noon (UTC), so the real clock agrees."""
    noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    if datetime.now(UTC) < noon:
        noon -= timedelta(days=1)
    return SimulatedClan(SimConfig(seed=5, members=members, days=days, now=noon))


def rules_text(today: str, drive: Path, upload_url: str) -> str:
    """Rules with a season, goals and the three kinds of sync target."""
    return f"""activity: {{quiet_after_days: 7, inactive_after_days: 14, new_member_days: 7}}
ranks:
  - name: recruit
  - name: corporal
    requirements: {{tenure_days: 5, overall: 1000000}}
seasons:
  - {{name: Now, start: {today}, end: {today}, points: {{overall: 0.001, messages: 1}}}}
goals:
  - {{name: XP, metric: overall, target: 1000000}}
sync_targets:
  - {{name: drive, kind: folder, path: {json.dumps(drive.as_posix())}}}
  - {{name: website, kind: http, url: {json.dumps(upload_url)}, secret_env: UPLOAD_SECRET,
      max_retries: 2, timeout: 3}}
  - {{name: discord, kind: discord, webhook_env: DISCORD_WEBHOOK}}
"""


@dataclass
class ClanWorld:
    """Loopback servers plus a data folder: what one pipeline's life needs."""

    data_dir: Path
    clan: SimulatedClan = field(default_factory=clan_today)
    wom: FaultyWomServer = field(init=False)
    discord: FaultyDiscordServer = field(init=False)
    website: FaultyUploadReceiver = field(init=False)
    env: dict[str, str] = field(init=False)
    _stack: ExitStack = field(default_factory=ExitStack)

    def __enter__(self) -> ClanWorld:
        chat = SimulatedChat(self.clan, ChatConfig(seed=3, message_scale=0.3))
        self.wom = self._stack.enter_context(
            FaultyWomServer(self.clan, limit_with_key=100_000, limit_without_key=100_000)
        )
        self.discord = self._stack.enter_context(
            FaultyDiscordServer(chat, rate_limit_per_second=10_000)
        )
        self.website = self._stack.enter_context(FaultyUploadReceiver(secret=UPLOAD_SECRET))
        drive = self.data_dir / "drive"
        drive.mkdir(parents=True, exist_ok=True)
        rules = self.data_dir / "rules.yaml"
        rules.write_text(
            rules_text(self.clan.now.date().isoformat(), drive, self.website.url),
            encoding="utf-8",
        )
        self.env = {
            "CLANSTATS_ENV_FILE": str(self.data_dir / "absent.env"),
            "CLANSTATS_DATA_DIR": str(self.data_dir),
            "RULES_FILE": str(rules),
            "WOM_BASE_URL": self.wom.base_url,
            "WOM_GROUP_ID": str(self.clan.config.group_id),
            "WOM_API_KEY": "demo-key",
            "WOM_REQUESTS_PER_MINUTE": "100000",
            "WOM_BACKFILL_DAYS": "15",
            "DISCORD_BOT_TOKEN": chat.bot_token,
            "DISCORD_GUILD_ID": str(chat.guild_id),
            "DISCORD_CHANNEL_IDS": "",
            "DISCORD_RELAY_CHANNEL_IDS": str(chat.relay_channel_id),
            "DISCORD_API_BASE": self.discord.api_base,
            "UPLOAD_SECRET": UPLOAD_SECRET,
            "DISCORD_WEBHOOK": self.discord.webhook_url,
            "TIMEZONE": "UTC",
        }
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def db(self) -> Path:
        """The SQLite database file."""
        return self.data_dir / "clanstats.db"

    def main(
        self, *args: str, timeout: float = 120, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run `python main.py ARGS` to its end; return the finished process."""
        return subprocess.run(
            [sys.executable, str(PROJECT_ROOT / "main.py"), *args],
            env={**os.environ, **self.env, **env},
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            check=False,
        )

    def start_main(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """Start `python main.py ARGS` and return at once."""
        return subprocess.Popen(
            [sys.executable, str(PROJECT_ROOT / "main.py"), *args],
            env={**os.environ, **self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Run one read-only query on a SQLite file."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def integrity(db: Path) -> str:
    """SQLite's own verdict on the file: 'ok' or the first problem."""
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def files_under(root: Path) -> Iterator[Path]:
    """Every file under root, sorted."""
    yield from sorted(p for p in root.rglob("*") if p.is_file())
