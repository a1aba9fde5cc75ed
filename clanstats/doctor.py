"""`doctor`: check configuration, database, folders, sync targets and the services, one line each.

Every check answers ok (True), a problem (False, with a fix) or skipped (None: nothing to check).
A service that can't be reached is an "offline (...)" line, never a crash.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping, Sized
from dataclasses import dataclass
from pathlib import Path

import requests
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from clanstats.db.backup import integrity_ok
from clanstats.db.engine import engine_for
from clanstats.db.migrate import current_revision, head_revision
from clanstats.db.pg_dump import INSTALL_HINT
from clanstats.errors import ClanStatsError, ConfigError
from clanstats.groups import Group, configured_groups
from clanstats.rules import FolderTarget, HttpTarget, Rules, SyncTarget, load_rules
from clanstats.settings import PROJECT_ROOT, Settings, load_settings, raw_environment
from clanstats.sync.folder import target_root
from clanstats.transform.identity_file import read_identity_file
from clanstats.transform.people_file import read_people_file

TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool | None  # None: skipped
    detail: str
    fix: str = ""


def doctor_from_environment(
    env_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    not_running: str | None = None,
) -> list[Check]:
    """Load the settings and run every check; bad settings are a failed first check.

    `not_running` says why the services (and the sync targets whose secrets only they know)
    aren't there to check: the demo's exist only while it runs.
    """
    try:
        settings = load_settings(env_file, environ)
    except ConfigError as exc:
        return [Check("settings", False, str(exc), "fix .env (see .env.example)")]
    return run_doctor(settings, environ=environ, not_running=not_running)


def run_doctor(
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT_SECONDS,
    not_running: str | None = None,
) -> list[Check]:
    """Run every check against these settings; `environ` is where sync secrets are looked up.

    With `not_running` (the reason), WOM, Discord and the targets that need their secrets are
    skipped with that reason instead of probed.
    """
    checks = [Check("settings", True, "loaded")]
    rules, rules_check = _rules(settings)
    checks += [rules_check, _identity(settings), _people(settings), *_database(settings)]
    checks += [
        _writable("data folder", settings.data_dir),
        _writable("output folder", settings.output_dir),
        _writable("backup folder", settings.backup_dir),
    ]
    if rules is not None:
        env = raw_environment(environ=environ)
        checks += [_sync_target(target, env, not_running) for target in rules.sync_targets]
    if not_running is not None:
        return [*checks, *(Check(name, None, not_running) for name in ("Wise Old Man", "Discord"))]
    if rules is not None and rules.groups:
        groups_check, groups = _groups(settings, rules)
        checks.append(groups_check)
        checks += [_wom(group.settings, timeout, group.label) for group in groups]
        return [*checks, _discord(settings, timeout)]
    checks += [_wom(settings, timeout), _discord(settings, timeout)]
    return checks


def _groups(settings: Settings, rules: Rules) -> tuple[Check, list[Group]]:
    """Whether rules.yaml `groups:` and .env agree; the groups to probe when they do."""
    try:
        groups = configured_groups(settings, rules)
    except ConfigError as exc:
        return Check("groups", False, str(exc), "fix groups: in rules.yaml or .env"), []
    slugs = ", ".join(group.label for group in groups)
    return Check("groups", True, f"{len(groups)} groups: {slugs}"), groups


def all_ok(checks: list[Check]) -> bool:
    """Whether no check failed (skipped ones don't count)."""
    return all(check.ok is not False for check in checks)


def print_doctor(checks: list[Check], console: Console | None = None) -> None:
    """Print the checks as a table: mark, name, detail and, for a problem, the fix."""
    table = Table(show_header=True, header_style="bold", box=None)
    for column in ("", "check", "detail", "fix"):
        table.add_column(column)
    marks = {True: "[green]ok[/]", False: "[red]FAIL[/]", None: "[dim]skip[/]"}
    for check in checks:
        table.add_row(marks[check.ok], check.name, check.detail, check.fix)
    (console or Console()).print(table)


# --- configuration and files -----------------------------------------------------------------


def _rules(settings: Settings) -> tuple[Rules | None, Check]:
    path = settings.rules_file
    try:
        rules = load_rules(path)
    except ConfigError as exc:
        return None, Check("rules file", False, str(exc), f"fix {path.name}")
    if not path.exists():
        return rules, Check("rules file", None, f"{path} not found: defaults are used")
    return rules, Check("rules file", True, f"{path.name}: {len(rules.sync_targets)} sync targets")


def _identity(settings: Settings) -> Check:
    return _officers_file(
        "identity file", settings.identity_file, read_identity_file, "no manual links", "links"
    )


def _people(settings: Settings) -> Check:
    return _officers_file(
        "people file", settings.people_file, read_people_file, "nobody has alts", "alts"
    )


def _officers_file(
    name: str, path: Path, read: Callable[[Path], Sized], missing: str, unit: str
) -> Check:
    """One of the officers' CSV files: missing (fine), read whole, or its mistakes."""
    if not path.exists():
        return Check(name, None, f"{path.name} not found: {missing}")
    try:
        lines = read(path)
    except ConfigError as exc:
        return Check(name, False, str(exc), f"fix {path.name}")
    return Check(name, True, f"{path.name}: {len(lines)} {unit}")


def _database(settings: Settings) -> list[Check]:
    path = settings.sqlite_path
    if path is not None and not path.exists():
        return [Check("database", None, f"{path} doesn't exist yet: the first run creates it")]
    checks: list[Check] = []
    if path is not None:
        if not integrity_ok(path):
            fix = f"python main.py restore (the newest good copy in {settings.backup_dir})"
            return [Check("database", False, f"{path}: integrity check failed", fix)]
        checks.append(Check("database", True, f"{path}: integrity ok"))
    try:
        engine = engine_for(settings, "doctor")
    except ClanStatsError as exc:
        return [*checks, Check("database", False, str(exc), "check DATABASE_URL and the server")]
    try:
        if path is None:
            checks += [_postgres_server(engine), _backup_tools()]
        current, head = current_revision(engine), head_revision()
    except ClanStatsError as exc:
        return [*checks, Check("database schema", False, str(exc), "check DATABASE_URL")]
    finally:
        engine.dispose()
    if current == head:
        return [*checks, Check("database schema", True, f"at the newest revision ({head})")]
    fix = "run python main.py: it backs up, then migrates"
    detail = f"at {current or 'empty'}, the code expects {head}"
    return [*checks, Check("database schema", False, detail, fix)]


def _postgres_server(engine: Engine) -> Check:
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    where = f"{engine.url.host or 'localhost'}:{engine.url.port or 5432}/{engine.url.database}"
    return Check("database", True, f"PostgreSQL {version} at {where}, {int(size) / 1e6:.1f} MB")


def _backup_tools() -> Check:
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        detail = f"{' and '.join(missing)} not on PATH: backup, restore and migrations can't run"
        return Check("backup tools", False, detail, INSTALL_HINT)
    return Check("backup tools", True, "pg_dump and pg_restore found")


def _writable(name: str, folder: Path) -> Check:
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        return Check(name, False, f"{existing} is not writable ({exc.strerror})", "fix permissions")
    created = "" if existing == folder else " (created on first use)"
    return Check(name, True, f"{folder} writable{created}")


def _sync_target(
    target: SyncTarget, env: Mapping[str, str], not_running: str | None = None
) -> Check:
    name = f"sync {target.name} ({target.kind})"
    if isinstance(target, FolderTarget):
        try:
            root = target_root(target, PROJECT_ROOT)
        except ConfigError as exc:
            return Check(name, False, str(exc), "create the folder or fix the path in rules")
        return Check(name, True, f"{root} exists")
    if not_running is not None:
        return Check(name, None, not_running)
    key = target.secret_env if isinstance(target, HttpTarget) else target.webhook_env
    if env.get(key, "").strip():
        return Check(name, True, f"{key} is set")
    return Check(name, False, f"{key} is not set", f"put {key}=... in .env")


# --- services --------------------------------------------------------------------------------


def _wom(settings: Settings, timeout: float, label: str = "") -> Check:
    name = f"Wise Old Man ({label})" if label else "Wise Old Man"
    if settings.wom_group_id is None:
        return Check(name, None, "no WOM_GROUP_ID: the demo clan is used")
    headers = {"User-Agent": settings.wom_user_agent}
    if settings.wom_api_key is not None:
        headers["x-api-key"] = settings.wom_api_key.get_secret_value()
    url = f"{settings.wom_base_url}/groups/{settings.wom_group_id}"

    def judge(response: requests.Response) -> Check:
        if response.status_code == 200:
            body = response.json()
            members = len(body.get("memberships", []))
            return Check(name, True, f"group {body.get('name', '?')!r}, {members} members")
        if response.status_code == 404:
            detail = f"group {settings.wom_group_id} not found"
            return Check(name, False, detail, "check WOM_GROUP_ID")
        if response.status_code in (401, 403):
            return Check(name, False, "API key refused", "fix or remove WOM_API_KEY")
        return Check(name, False, f"answered HTTP {response.status_code}", "try later")

    return _probe(name, url, headers, timeout, judge)


def _discord(settings: Settings, timeout: float) -> Check:
    if settings.discord_bot_token is None:
        return Check("Discord", None, "no DISCORD_BOT_TOKEN: Discord is off")
    headers = {"Authorization": f"Bot {settings.discord_bot_token.get_secret_value()}"}

    def judge(response: requests.Response) -> Check:
        if response.status_code == 200:
            return Check("Discord", True, f"logged in as {response.json().get('username', '?')}")
        if response.status_code == 401:
            detail = "the bot token was refused"
            return Check("Discord", False, detail, "reset the token and update DISCORD_BOT_TOKEN")
        return Check("Discord", False, f"answered HTTP {response.status_code}", "try later")

    return _probe("Discord", f"{settings.discord_api_base}/users/@me", headers, timeout, judge)


def _probe(
    name: str,
    url: str,
    headers: dict[str, str],
    timeout: float,
    judge: Callable[[requests.Response], Check],
) -> Check:
    """One GET, no retries; network trouble and unreadable answers become a failed check."""
    try:
        response = requests.get(url, headers=headers, timeout=timeout)
        return judge(response)
    except requests.RequestException as exc:
        reason = type(exc).__name__
        return Check(name, False, f"offline ({reason} reaching {url})", "check the connection")
    except ValueError:
        return Check(name, False, f"{url} answered something that isn't JSON", "try later")
