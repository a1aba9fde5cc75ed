"""The typed settings object, read from `.env` with process environment variables on top.

Every key is documented in `.env.example`. pydantic-settings reads both sources and validates
every key in one pass, in field order (a path is relative to a folder read before it). A bad value
stops with one line that names the key, the value (never for secrets) and the expected form, the
field's `description`; see `ConfigError`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from clanstats import clock
from clanstats.db.urls import read_database_url, sqlite_path_from_url
from clanstats.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WOM_BASE_URL = "https://api.wiseoldman.net/v2"
DEFAULT_DISCORD_API_BASE = "https://discord.com/api/v10"
SECRET_KEYS = frozenset({"WOM_API_KEY", "DISCORD_BOT_TOKEN", "DATABASE_URL"})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
IDS = "channel ids separated by commas"
# Comma-separated in .env, not JSON: pydantic-settings must hand the text to `_snowflakes`.
SnowflakeList = Annotated[tuple[int, ...], NoDecode]


def _key(name: str, default: Any = None, expected: str = "", **rules: Any) -> Any:
    """A setting read from the `.env` key `name`; `expected` is the form an error asks for."""
    if callable(default):
        return Field(default_factory=default, validation_alias=name, description=expected, **rules)
    return Field(default, validation_alias=name, description=expected, **rules)


class Settings(BaseSettings):
    """Everything a stage needs to know about this machine and this clan."""

    # Only values given in .env or the environment are checked: a default is right as it stands
    # (rules.yaml and identity.csv may well not exist: their readers say so).
    model_config = SettingsConfigDict(
        frozen=True,
        extra="ignore",
        case_sensitive=True,
        env_file_encoding="utf-8",
        validate_default=False,
    )

    now: str | None = _key("CLANSTATS_NOW", expected="an ISO 8601 time", exclude=True)
    data_dir: Path = _key("CLANSTATS_DATA_DIR", PROJECT_ROOT, "a folder")
    wom_group_id: int | None = _key(
        "WOM_GROUP_ID", None, "a whole number such as 1234", gt=0, lt=2**31
    )
    wom_api_key: SecretStr | None = _key("WOM_API_KEY")
    local_drive_path: Path | None = _key("LOCAL_DRIVE_PATH", None, "a folder")
    rules_file: Path = _key("RULES_FILE", PROJECT_ROOT / "rules.yaml", "a file")
    # Read by `clanstats.db.urls`; the default is the data folder's clanstats.db.
    database_url: SecretStr = _key(
        "DATABASE_URL",
        None,
        "a database URL such as sqlite:///clanstats.db or postgresql://user:password@host/db",
        validate_default=True,
    )
    wom_base_url: str = _key("WOM_BASE_URL", DEFAULT_WOM_BASE_URL, "an http(s) URL")
    wom_user_agent: str = _key(
        "WOM_USER_AGENT",
        lambda data: (
            f"ClanStats/0.1 (group {data.get('wom_group_id') or 'demo'}; "
            "set WOM_USER_AGENT to your contact)"
        ),
    )
    wom_requests_per_minute: int | None = _key(
        "WOM_REQUESTS_PER_MINUTE", None, "a whole number, e.g. 20", ge=1, le=100_000
    )
    backfill_days: int = _key("WOM_BACKFILL_DAYS", 365, "1 to 3650", ge=1, le=3650)
    timezone: ZoneInfo = _key("TIMEZONE", ZoneInfo("UTC"), "an IANA name like Europe/London")
    output_dir: Path = _key("OUTPUT_DIR", lambda data: data["data_dir"] / "output", "a folder")
    backup_dir: Path = _key("BACKUP_DIR", lambda data: data["data_dir"] / "backups", "a folder")
    backup_keep: int = _key("BACKUP_KEEP", 14, "a whole number >= 0", ge=0, le=10_000)
    log_file: Path = _key("LOG_FILE", lambda data: data["data_dir"] / "app.log", "a file")
    log_level: str = _key("LOG_LEVEL", "INFO", "one of " + ", ".join(LOG_LEVELS))
    stage_timeout_seconds: int = _key(
        "STAGE_TIMEOUT_SECONDS", 1800, "10 to 86400 seconds", ge=10, le=86_400
    )
    discord_bot_token: SecretStr | None = _key("DISCORD_BOT_TOKEN")
    discord_guild_id: int | None = _key(
        "DISCORD_GUILD_ID", None, "a Discord server id (15-21 digits)"
    )
    discord_relay_channel_ids: SnowflakeList = _key("DISCORD_RELAY_CHANNEL_IDS", (), IDS)
    # Relay channels are read like any other, even when not listed among the channels.
    # Whether a bot token has anything to read depends on rules.yaml `groups:` too: see groups.py.
    discord_channel_ids: SnowflakeList = _key("DISCORD_CHANNEL_IDS", (), IDS)
    discord_lookback_days: int = _key("DISCORD_LOOKBACK_DAYS", 400, "1 to 3650 days", ge=1, le=3650)
    discord_api_base: str = _key("DISCORD_API_BASE", DEFAULT_DISCORD_API_BASE, "an http(s) URL")
    identity_file: Path = _key("IDENTITY_FILE", PROJECT_ROOT / "identity.csv", "a file")
    people_file: Path = _key("PEOPLE_FILE", PROJECT_ROOT / "people.csv", "a file")
    http_timeout_seconds: int = _key("HTTP_TIMEOUT_SECONDS", 30, "1 to 600 seconds", ge=1, le=600)
    # The first wait before a failed request is tried again, doubled for each try after it (a
    # server's Retry-After wins).
    http_retry_seconds: float = _key(
        "HTTP_RETRY_SECONDS", 1.0, "0.01 to 60 seconds", ge=0.01, le=60
    )
    # With several groups (rules.yaml `groups:`), a group's view has output_dir OUTPUT_DIR/<slug>
    # and output_root OUTPUT_DIR, the folder the manifest's paths are relative to. No .env key.
    output_root: Path | None = Field(None, exclude=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # `load_settings` hands the environment in (the process's, or the demo's own), so the
        # sources are that and the `.env` file beneath it.
        return init_settings, dotenv_settings

    # ------------------------------------------------------------------ reading raw values

    @model_validator(mode="before")
    @classmethod
    def _blank_means_default(cls, values: Any) -> Any:
        """Keep only .env keys, stripped; an empty one (`KEY=`) leaves its default."""
        if not isinstance(values, dict):
            return values
        stripped = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
        return {k: v for k, v in stripped.items() if k in ENV_KEYS and v != ""}

    @field_validator(
        "wom_group_id",
        "wom_requests_per_minute",
        "backfill_days",
        "backup_keep",
        "stage_timeout_seconds",
        "discord_lookback_days",
        "http_timeout_seconds",
        mode="before",
    )
    @classmethod
    def _whole_number(cls, raw: Any) -> Any:
        """A count as digits: pydantic alone would take `1.0` or `1_000`."""
        if isinstance(raw, str) and not re.fullmatch(r"[+-]?[0-9]+", raw):
            raise ValueError(raw)
        return raw

    @field_validator(
        "data_dir",
        "local_drive_path",
        "rules_file",
        "output_dir",
        "backup_dir",
        "log_file",
        "identity_file",
        "people_file",
        mode="before",
    )
    @classmethod
    def _path(cls, raw: Any, info: ValidationInfo) -> Any:
        """A path as typed: quotes dropped, `~` expanded, relative to its base folder."""
        if not isinstance(raw, str):
            return raw
        key = _env_key(info)
        if any(ord(character) < 32 for character in raw):
            # python-dotenv reads backslashes in "double quotes" as escapes: "D:\app" is D:<BEL>pp.
            raise PydanticCustomError(
                "clanstats",
                f"{key} holds a control character: in double quotes a backslash starts an escape "
                "(\\a, \\n, \\t); write the path in single quotes ('D:\\ClanStats\\app.log') or "
                "with forward slashes (D:/ClanStats/app.log)",
            )
        path = Path(raw.strip('"')).expanduser()
        if path.is_absolute():
            return path
        # Paths of files that ship with the project are relative to it; the rest to the data.
        in_project = info.field_name in {"data_dir", "rules_file", "identity_file", "people_file"}
        return (PROJECT_ROOT if in_project else info.data.get("data_dir", PROJECT_ROOT)) / path

    @field_validator("local_drive_path")
    @classmethod
    def _drive_exists(cls, drive: Path | None) -> Path | None:
        """The Drive folder must exist: a typo would otherwise publish nowhere."""
        if drive is not None and not drive.is_dir():
            raise PydanticCustomError(
                "clanstats",
                f"LOCAL_DRIVE_PATH={drive}: not a folder that exists; create it or fix the path",
            )
        return drive

    @field_validator("rules_file", "identity_file", "people_file")
    @classmethod
    def _file_exists(cls, path: Path, info: ValidationInfo) -> Path:
        """A file named in .env must exist (the defaults need not: see `model_config`)."""
        if not path.is_file():
            raise PydanticCustomError(
                "clanstats",
                f"{_env_key(info)}={path}: no such file; fix the path or remove the line",
            )
        return path

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, raw: Any, info: ValidationInfo) -> str:
        """Read DATABASE_URL (`clanstats.db.urls`); refuse a SQLite file in the Drive folder."""
        data_dir: Path = info.data.get("data_dir", PROJECT_ROOT)
        url = raw or f"sqlite:///{(data_dir / 'clanstats.db').as_posix()}"
        try:
            checked = read_database_url(
                url, data_dir=data_dir, name="DATABASE_URL (hidden)", show=False
            )
        except ConfigError as exc:
            raise PydanticCustomError("clanstats", str(exc)) from None
        path = sqlite_path_from_url(checked)
        drive: Path | None = info.data.get("local_drive_path")
        if (
            path is not None
            and drive is not None
            and path.resolve().is_relative_to(drive.resolve())
        ):
            raise PydanticCustomError(
                "clanstats",
                "DATABASE_URL is inside LOCAL_DRIVE_PATH: a syncing Drive client corrupts live "
                "databases; keep the database outside the Drive folder",
            )
        return checked

    @field_validator("wom_base_url", "discord_api_base")
    @classmethod
    def _http_url(cls, url: str) -> str:
        """An http(s) URL, without the trailing slash the clients add themselves."""
        if not re.match(r"^https?://[^\s/]+", url):
            raise ValueError(url)
        return url.rstrip("/")

    @field_validator("timezone", mode="before")
    @classmethod
    def _timezone(cls, raw: Any) -> Any:
        """An IANA timezone name (tzdata supplies the database on Windows)."""
        if not isinstance(raw, str):
            return raw
        try:
            return ZoneInfo(raw)
        except (ValueError, OSError, ZoneInfoNotFoundError):
            raise ValueError(raw) from None

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, level: str) -> str:
        """One of LOG_LEVELS, in any case."""
        if level.upper() not in LOG_LEVELS:
            raise ValueError(level)
        return level.upper()

    @field_validator("discord_guild_id", mode="before")
    @classmethod
    def _snowflake(cls, raw: Any) -> Any:
        """A Discord server id."""
        return _snowflake(raw) if isinstance(raw, str) else raw

    @field_validator("discord_relay_channel_ids", "discord_channel_ids", mode="before")
    @classmethod
    def _snowflakes(cls, raw: Any, info: ValidationInfo) -> Any:
        """Channel ids separated by commas; the channels read include the relay channels."""
        if not isinstance(raw, str):
            return raw
        ids = tuple(_snowflake(part.strip()) for part in raw.split(",") if part.strip())
        if info.field_name == "discord_channel_ids" and ids:
            ids += info.data.get("discord_relay_channel_ids", ())
        return tuple(dict.fromkeys(ids))

    # ------------------------------------------------------------------ derived values

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
        return self.database_url.get_secret_value().startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file the URL points at, or None for another engine."""
        return sqlite_path_from_url(self.database_url.get_secret_value())


# Every .env key a setting reads; `output_root` has none (only groups.py sets it).
ENV_KEYS = frozenset(
    str(field.validation_alias)
    for field in Settings.model_fields.values()
    if field.validation_alias
)


def load_settings(
    env_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read `.env` (if present), overlay the process environment, validate, return Settings."""
    environ = os.environ if environ is None else environ
    env_file = env_file or _env_file(environ)
    given: dict[str, Any] = {key: value for key, value in environ.items() if key in ENV_KEYS}
    try:
        settings = Settings(_env_file=env_file if env_file.exists() else None, **given)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{env_file}: can't be read ({exc}); fix or recreate it") from None
    if settings.now:
        clock.start_at(settings.now)  # tests and reproducing a past day only
    return settings


def raw_environment(
    env_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Every `.env` value with the process environment's on top, as plain strings.

    For keys that are not settings: sync's upload secrets, named in rules.yaml, and the doctor.
    """
    environ = os.environ if environ is None else environ
    env_file = env_file or _env_file(environ)
    values: dict[str, str] = {}
    if env_file.exists():
        try:
            raw = dotenv_values(env_file)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{env_file}: can't be read ({exc}); fix or recreate it") from None
        values.update({k: v for k, v in raw.items() if v is not None})
    values.update({k: v for k, v in environ.items() if k.isupper()})
    return values


def _env_file(environ: Mapping[str, str]) -> Path:
    """The `.env` file: CLANSTATS_ENV_FILE (the demo, the benchmark and tests point it at a file
    that doesn't exist, for no `.env`), else the project folder's."""
    return Path(environ.get("CLANSTATS_ENV_FILE", PROJECT_ROOT / ".env"))


def _snowflake(text: str) -> int:
    """A Discord id: 15 to 21 digits, within the 64 bits Discord gives it."""
    if not re.fullmatch(r"[0-9]{15,21}", text) or int(text) >= 2**63:
        raise ValueError(text)
    return int(text)


def _one_line(error: ValidationError) -> str:
    """The first bad value as `KEY='value' is not valid: expected <form>`, or our own line."""
    first = error.errors()[0]
    if first["type"] == "clanstats":
        return first["msg"]  # a line of our own, naming the key and the fix
    key = str(first["loc"][0]) if first["loc"] else "a setting"
    field = next((f for f in Settings.model_fields.values() if f.validation_alias == key), None)
    shown = "(hidden)" if key in SECRET_KEYS else repr(first.get("input"))
    expected = field.description if field is not None and field.description else "another value"
    return f"{key}={shown} is not valid: expected {expected}"


def _env_key(info: ValidationInfo) -> str:
    """The .env key of the field being validated."""
    return str(Settings.model_fields[str(info.field_name)].validation_alias)
