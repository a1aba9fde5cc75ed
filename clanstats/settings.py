"""The typed settings object, read from `.env` with process environment variables on top.

Every key is documented in `.env.example`. A bad value stops with one line that names the key,
the value (never for secrets) and the expected form; see `ConfigError`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from clanstats import clock
from clanstats.db.urls import read_database_url, sqlite_path_from_url
from clanstats.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WOM_BASE_URL = "https://api.wiseoldman.net/v2"
DEFAULT_DISCORD_API_BASE = "https://discord.com/api/v10"
SECRET_KEYS = frozenset({"WOM_API_KEY", "DISCORD_BOT_TOKEN", "DATABASE_URL"})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

T = TypeVar("T")


@dataclass(frozen=True)
class Secret:
    """A value that never prints: repr and str show a mask."""

    value: str = field(repr=False)

    def __str__(self) -> str:
        return "********"

    def __repr__(self) -> str:
        return "Secret('********')"


@dataclass(frozen=True)
class Settings:
    """Everything a stage needs to know about this machine and this clan."""

    data_dir: Path
    wom_group_id: int | None
    wom_api_key: Secret | None
    wom_base_url: str
    wom_user_agent: str
    wom_requests_per_minute: int | None
    backfill_days: int
    database_url: Secret
    timezone: ZoneInfo
    local_drive_path: Path | None
    rules_file: Path
    output_dir: Path
    backup_dir: Path
    backup_keep: int
    log_file: Path
    log_level: str
    stage_timeout_seconds: int
    discord_bot_token: Secret | None = None
    discord_guild_id: int | None = None
    discord_channel_ids: tuple[int, ...] = ()
    discord_relay_channel_ids: tuple[int, ...] = ()
    discord_lookback_days: int = 400
    discord_api_base: str = DEFAULT_DISCORD_API_BASE
    identity_file: Path = PROJECT_ROOT / "identity.csv"
    http_timeout_seconds: int = 30
    # With several groups (rules.yaml `groups:`), a group's view has output_dir OUTPUT_DIR/<slug>
    # and output_root OUTPUT_DIR, the folder the manifest's paths are relative to.
    output_root: Path | None = None

    @property
    def manifest_root(self) -> Path:
        """The folder output-manifest paths are relative to (the top of OUTPUT_DIR)."""
        return self.output_root or self.output_dir

    @property
    def discord_enabled(self) -> bool:
        """Whether a Discord bot token is configured."""
        return self.discord_bot_token is not None

    @property
    def lock_file(self) -> Path:
        """The file whose lock stops two runs overlapping."""
        return self.data_dir / "clanstats.lock"

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is a SQLite file (backups and pragmas apply)."""
        return self.database_url.value.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file the URL points at, or None for another engine."""
        return sqlite_path_from_url(self.database_url.value)


def load_settings(
    env_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read `.env` (if present), overlay the process environment, validate, return Settings."""
    return _build(raw_environment(env_file, environ))


def raw_environment(
    env_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The `.env` file's values with the process environment's on top, as plain strings."""
    environ = os.environ if environ is None else environ
    env_file = env_file or Path(environ.get("CLANSTATS_ENV_FILE", PROJECT_ROOT / ".env"))
    values: dict[str, str] = {}
    if env_file.exists():
        try:
            raw = dotenv_values(env_file)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{env_file}: can't be read ({exc}); fix or recreate it") from None
        values.update({k: v for k, v in raw.items() if v is not None})
    values.update({k: v for k, v in environ.items() if k.isupper()})
    return values


def _build(values: Mapping[str, str]) -> Settings:
    """Validate raw strings into Settings; first bad value raises ConfigError."""
    get = _Reader(values)
    now = get.text("CLANSTATS_NOW", "")
    if now:
        clock.start_at(now)  # tests and reproducing a past day only
    data_dir = get.path("CLANSTATS_DATA_DIR", PROJECT_ROOT, base=PROJECT_ROOT)
    api_key = get.text("WOM_API_KEY", "")
    group_id = get.parsed("WOM_GROUP_ID", None, _positive_int, "a whole number such as 1234")
    drive = get.optional_path("LOCAL_DRIVE_PATH", base=data_dir)
    if drive is not None and not drive.is_dir():
        raise ConfigError(
            f"LOCAL_DRIVE_PATH={drive}: not a folder that exists; create it or fix the path"
        )
    rules_file = get.optional_path("RULES_FILE", base=PROJECT_ROOT)
    if rules_file is not None and not rules_file.is_file():
        raise ConfigError(f"RULES_FILE={rules_file}: no such file; fix the path or remove the line")
    database_url = get.text("DATABASE_URL", f"sqlite:///{(data_dir / 'clanstats.db').as_posix()}")
    database_url = _check_database_url(database_url, data_dir, drive)
    settings = Settings(
        data_dir=data_dir,
        wom_group_id=group_id,
        wom_api_key=Secret(api_key) if api_key else None,
        wom_base_url=get.parsed(
            "WOM_BASE_URL", DEFAULT_WOM_BASE_URL, _http_url, "an http(s) URL"
        ).rstrip("/"),
        wom_user_agent=get.text("WOM_USER_AGENT", "")
        or f"ClanStats/0.1 (group {group_id or 'demo'}; set WOM_USER_AGENT to your contact)",
        wom_requests_per_minute=get.parsed(
            "WOM_REQUESTS_PER_MINUTE", None, _bounded_int(1, 100_000), "a whole number, e.g. 20"
        ),
        backfill_days=get.parsed("WOM_BACKFILL_DAYS", 365, _bounded_int(1, 3650), "1 to 3650"),
        database_url=Secret(database_url),
        timezone=get.parsed(
            "TIMEZONE", ZoneInfo("UTC"), _timezone, "an IANA name like Europe/London"
        ),
        local_drive_path=drive,
        rules_file=rules_file or PROJECT_ROOT / "rules.yaml",
        output_dir=get.path("OUTPUT_DIR", data_dir / "output", base=data_dir),
        backup_dir=get.path("BACKUP_DIR", data_dir / "backups", base=data_dir),
        backup_keep=get.parsed("BACKUP_KEEP", 14, _bounded_int(0, 10_000), "a whole number >= 0"),
        log_file=get.path("LOG_FILE", data_dir / "app.log", base=data_dir),
        log_level=get.parsed("LOG_LEVEL", "INFO", _log_level, "one of " + ", ".join(LOG_LEVELS)),
        stage_timeout_seconds=get.parsed(
            "STAGE_TIMEOUT_SECONDS", 1800, _bounded_int(10, 86_400), "10 to 86400 seconds"
        ),
    )
    token = get.text("DISCORD_BOT_TOKEN", "")
    guild = get.parsed("DISCORD_GUILD_ID", None, _snowflake, "a Discord server id (17-20 digits)")
    no_ids: tuple[int, ...] = ()
    channels = get.parsed(
        "DISCORD_CHANNEL_IDS", no_ids, _snowflakes, "channel ids separated by commas"
    )
    relays = get.parsed(
        "DISCORD_RELAY_CHANNEL_IDS", no_ids, _snowflakes, "channel ids separated by commas"
    )
    # Whether a bot token has anything to read depends on rules.yaml `groups:` too: see groups.py.
    identity_file = get.optional_path("IDENTITY_FILE", base=PROJECT_ROOT)
    if identity_file is not None and not identity_file.is_file():
        raise ConfigError(
            f"IDENTITY_FILE={identity_file}: no such file; fix the path or remove the line"
        )
    return replace(
        settings,
        discord_bot_token=Secret(token) if token else None,
        discord_guild_id=guild,
        # Relay channels are read like any other, even when not listed among the channels.
        discord_channel_ids=tuple(dict.fromkeys(channels + relays)) if channels else (),
        discord_relay_channel_ids=relays,
        discord_lookback_days=get.parsed(
            "DISCORD_LOOKBACK_DAYS", 400, _bounded_int(1, 3650), "1 to 3650 days"
        ),
        discord_api_base=get.parsed(
            "DISCORD_API_BASE", DEFAULT_DISCORD_API_BASE, _http_url, "an http(s) URL"
        ).rstrip("/"),
        identity_file=identity_file or PROJECT_ROOT / "identity.csv",
        http_timeout_seconds=get.parsed(
            "HTTP_TIMEOUT_SECONDS", 30, _bounded_int(1, 600), "1 to 600 seconds"
        ),
    )


class _Reader:
    """Typed access to raw settings strings with one-line errors."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values

    def text(self, key: str, default: str) -> str:
        value = self._values.get(key, "").strip()
        return value or default

    def parsed(self, key: str, default: T, parse: Callable[[str], T], expected: str) -> T:
        raw = self._values.get(key, "").strip()
        if not raw:
            return default
        try:
            return parse(raw)
        except (ValueError, ZoneInfoNotFoundError):
            shown = "(hidden)" if key in SECRET_KEYS else repr(raw)
            raise ConfigError(f"{key}={shown} is not valid: expected {expected}") from None

    def path(self, key: str, default: Path, *, base: Path) -> Path:
        return self.optional_path(key, base=base) or default

    def optional_path(self, key: str, *, base: Path) -> Path | None:
        raw = self._values.get(key, "").strip().strip('"')
        if not raw:
            return None
        path = Path(raw).expanduser()
        return path if path.is_absolute() else (base / path)


def _check_database_url(url: str, data_dir: Path, drive: Path | None) -> str:
    """Read DATABASE_URL (`clanstats.db.urls`); refuse a SQLite file inside the Drive folder."""
    checked = read_database_url(url, data_dir=data_dir, name="DATABASE_URL (hidden)", show=False)
    path = sqlite_path_from_url(checked)
    if path is not None and drive is not None and path.resolve().is_relative_to(drive.resolve()):
        raise ConfigError(
            "DATABASE_URL is inside LOCAL_DRIVE_PATH: a syncing Drive client corrupts live "
            "databases; keep the database outside the Drive folder"
        )
    return checked


def _snowflake(raw: str) -> int:
    if not re.fullmatch(r"\d{15,21}", raw):
        raise ValueError(raw)
    return int(raw)


def _snowflakes(raw: str) -> tuple[int, ...]:
    return tuple(_snowflake(part.strip()) for part in raw.split(",") if part.strip())


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError(raw)
    return value


def _bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw)
        if not low <= value <= high:
            raise ValueError(raw)
        return value

    return parse


def _http_url(raw: str) -> str:
    if not re.match(r"^https?://[^\s/]+", raw):
        raise ValueError(raw)
    return raw


def _timezone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ValueError, OSError):
        raise ValueError(raw) from None


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in LOG_LEVELS:
        raise ValueError(raw)
    return level
