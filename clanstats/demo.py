"""`main.py --demo`: the real pipeline against a simulated clan served on loopback.

The demo keeps everything under `demo/` (database, backups, outputs, log) and ignores `.env`, so
it never touches a real clan's data, and it makes no request beyond 127.0.0.1. The simulated clan
comes from the simulator (`simulator/`, with its own dependency, numpy), imported only when the
demo runs: looking at the last demo (`--demo runs`, `--demo identity`, ...) doesn't need it.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from clanstats import clock
from clanstats.errors import ConfigError
from clanstats.logs import console, setup_logging
from clanstats.pipeline import STAGES, Stage, run_pipeline
from clanstats.settings import PROJECT_ROOT, load_settings

if TYPE_CHECKING:
    from simulator.chat import SimulatedChat
    from simulator.clan import SimConfig, SimulatedClan

DEMO_DIR = Path(os.environ.get("CLANSTATS_DEMO_DIR", PROJECT_ROOT / "demo"))
# For the tests: the demo on an empty PostgreSQL database instead of demo/clanstats.db.
DEMO_DATABASE_URL_ENV = "CLANSTATS_DEMO_DATABASE_URL"
DEMO_MARKER = ".clanstats-demo"
DEMO_API_KEY = "demo-key"
# The simulated server grants this many requests a minute to the demo key, and the client is
# told the same, so pacing is real but a first run with backfill still takes seconds.
DEMO_REQUESTS_PER_MINUTE = 600
# The demo clan, as the simulator's SimConfig takes it: seed, members, days of history, group.
DEMO_SEED, DEMO_MEMBERS, DEMO_DAYS, DEMO_GROUP_ID = 7, 50, 180, 4242
DEMO_BACKFILL_DAYS = 120
DEMO_UPLOAD_SECRET = "demo-upload-secret"  # shared with the loopback receiver, nothing real
DEMO_COMMAND = "python main.py --demo"  # how the user looks at the demo afterwards
# What a run without the simulator lacks, and how to get it.
_SIMULATOR_MISSING = {
    "numpy": "numpy, the simulator's own dependency (the `sim` extra), is not installed: run "
    "setup again (./setup.sh or setup.bat; requirements.txt has it) or `pip install numpy`",
    "simulator": "the simulator (the `simulator` package beside `clanstats`) is missing: "
    "install ClanStats with it (`pip install -e .` in its folder)",
}


@contextmanager
def simulator_required(what: str) -> Iterator[None]:
    """Turn a missing simulator, or its numpy, into one line saying what to install."""
    try:
        yield
    except ModuleNotFoundError as exc:
        missing = _SIMULATOR_MISSING.get((exc.name or "").partition(".")[0])
        if missing is None:
            raise
        raise ConfigError(f"{what} runs a simulated clan, but {missing}") from exc


def run_demo(stages: Sequence[Stage], extra_env: Mapping[str, str] | None = None) -> int:
    """Serve the simulated clan and run the stages (backfill after harvest).

    A run that starts with harvest starts over in a fresh demo/; a later stage alone (say
    `--demo sync --dry-run`) works on what the last demo run left there.
    """
    with simulator_required("the demo"):
        from simulator.chat import SimulatedChat
        from simulator.clan import SimulatedClan
        from simulator.discord_server import FakeDiscordServer
        from simulator.upload_receiver import UploadReceiver
        from simulator.wom_server import FakeWomServer
    if not stages or stages[0].name == "harvest" or not (DEMO_DIR / "clanstats.db").exists():
        _reset_demo_dir()
    clan = SimulatedClan(_demo_config())
    chat = SimulatedChat(clan)
    identity_file = _write_identity_file(clan, chat)
    away = _long_quiet(clan)
    rules_file = write_rules_file(DEMO_DIR / "rules.yaml", clan.now.date(), away)
    people_file = _write_people_file(clan, chat, away)
    with (
        FakeWomServer(
            clan, api_keys=(DEMO_API_KEY,), limit_with_key=DEMO_REQUESTS_PER_MINUTE
        ) as server,
        FakeDiscordServer(chat) as discord_server,
        UploadReceiver(secret=DEMO_UPLOAD_SECRET) as website,
    ):
        env = {
            **demo_environment(),
            "WOM_BASE_URL": server.base_url,
            "WOM_API_KEY": DEMO_API_KEY,
            "WOM_REQUESTS_PER_MINUTE": str(DEMO_REQUESTS_PER_MINUTE),
            "WOM_BACKFILL_DAYS": str(DEMO_BACKFILL_DAYS),
            "WOM_USER_AGENT": "ClanStats demo (loopback only)",
            "RULES_FILE": str(rules_file),
            "DISCORD_BOT_TOKEN": chat.bot_token,
            "DISCORD_GUILD_ID": str(chat.guild_id),
            "DISCORD_CHANNEL_IDS": "",
            "DISCORD_RELAY_CHANNEL_IDS": str(chat.relay_channel_id),
            "DISCORD_API_BASE": discord_server.api_base,
            "IDENTITY_FILE": str(identity_file),
            "PEOPLE_FILE": str(people_file),
            "CLANSTATS_UPLOAD_SECRET": DEMO_UPLOAD_SECRET,
            "CLANSTATS_DISCORD_WEBHOOK": discord_server.webhook_url,
        }
        settings = load_settings(environ=env)
        setup_logging(settings.log_file, settings.log_level)
        console.print(
            f"[bold]Demo:[/] {clan.config.members} simulated members, {clan.config.days} days "
            "of history, served offline on 127.0.0.1",
            soft_wrap=True,
        )
        write_sync_targets(rules_file, DEMO_DIR / "drive", website.url)
        exit_code = run_pipeline(
            settings,
            _with_backfill(stages),
            env={**env, **(extra_env or {})},
            command=DEMO_COMMAND,
        )
    for line in where_to_look(settings.output_dir):
        console.print(line, soft_wrap=True, markup=False)
    return exit_code


def where_to_look(output_dir: Path, platform: str = sys.platform) -> list[str]:
    """The demo's last lines: the dashboard and the workbook by full path, and how to open them."""
    from clanstats.export.alliance import DASHBOARD_FILE
    from clanstats.outputs import REPORT_FILE

    files = [
        (path, what)
        for path, what in (
            (output_dir / DASHBOARD_FILE, "dashboard in a browser"),
            (output_dir / REPORT_FILE, "workbook in Excel or LibreOffice"),
        )
        if path.is_file()
    ]
    identity = f"who is linked to whom: {DEMO_COMMAND} identity"
    if not files:  # the run stopped before report and export
        return [f"The demo's database, log and outputs are in {DEMO_DIR}; {identity}"]
    identity = identity.capitalize()
    both = " and its ".join(what for _, what in files)
    them = "them" if len(files) > 1 else "it"
    return [
        f"Open the demo's {both}:",
        *(f"  {open_command(path, platform)}" for path, _ in files),
        f"(or double-click {them} in {output_dir})",
        identity,
    ]


def open_command(path: Path, platform: str = sys.platform) -> str:
    """The command that opens a file in its usual program: cmd's start, macOS open, xdg-open."""
    if platform == "win32":
        return f'start "" "{path}"'
    opener = "open" if platform == "darwin" else "xdg-open"
    return f"{opener} {shlex.quote(str(path))}"


def demo_environment() -> dict[str, str]:
    """The settings every demo command shares: all in demo/, none from .env or the shell.

    The rules, identity and people files are the last demo run's, once there has been one.
    """
    made = {
        key: str(path)
        for key, path in (
            ("RULES_FILE", DEMO_DIR / "rules.yaml"),
            ("IDENTITY_FILE", DEMO_DIR / "identity.csv"),
            ("PEOPLE_FILE", DEMO_DIR / "people.csv"),
        )
        if path.is_file()
    }
    return {
        **made,
        "CLANSTATS_ENV_FILE": str(DEMO_DIR / "no.env"),
        "CLANSTATS_DATA_DIR": str(DEMO_DIR),
        # Every path is pinned so a real clan's settings in the environment can't leak in.
        "DATABASE_URL": os.environ.get(DEMO_DATABASE_URL_ENV)
        or f"sqlite:///{(DEMO_DIR / 'clanstats.db').as_posix()}",
        "OUTPUT_DIR": str(DEMO_DIR / "output"),
        "BACKUP_DIR": str(DEMO_DIR / "backups"),
        "LOG_FILE": str(DEMO_DIR / "app.log"),
        "LOCAL_DRIVE_PATH": "",
        "WOM_GROUP_ID": str(DEMO_GROUP_ID),
    }


def _long_quiet(clan: SimulatedClan) -> list[str]:
    """Members WOM has seen no progress from in 45 days: the demo's leaves of absence."""
    now = clan.now
    quiet = sorted(
        pid
        for pid in clan.members_at(now)
        if (moved := clan.last_progressed_at(pid, now)) is None or moved < now - timedelta(days=45)
    )
    return [clan.display_name_at(pid, now) for pid in quiet[:2]]


def write_rules_file(path: Path, today: date, away: Sequence[str] = ()) -> Path:
    """Write the demo clan's rules: its rank ladder, a season under way and goals sized for it.

    `away` names members to give leaves of absence: the first away now, the second back.
    """
    season_start, season_end = today - timedelta(days=45), today + timedelta(days=45)
    text = f"""# Made by the demo (see rules.example.yaml for every key).
activity: {{quiet_after_days: 7, inactive_after_days: 30, new_member_days: 14}}
removal: {{min_tenure_days: 30, no_activity_days: 30}}
ranks:
  - name: recruit
  - name: corporal
    requirements: {{tenure_days: 30, overall: 20000000}}
  - name: sergeant
    requirements: {{tenure_days: 90, ehp: 300, messages_30d: 10}}
  - name: lieutenant
    requirements: {{tenure_days: 180, ehp: 700, ehb: 100}}
  - name: captain
    requirements: {{tenure_days: 365, ehp: 1200, ehb: 300, total_level: 2000}}
seasons:
  - name: Season {season_start:%B}
    start: {season_start.isoformat()}
    end: {season_end.isoformat()}
    points: {{overall: 0.00001, ehb: 5, messages: 0.5}}
goals:
  - {{name: "25M clan XP", metric: overall, target: 25000000}}
  - {{name: "1,500 boss kills", metric: boss_kills, target: 1500}}
  - {{name: "800 messages", metric: messages, target: 800}}
"""
    spans = [(-10, 20, "exams"), (-60, -20, "holiday")]
    if away:
        text += "absences:\n" + "".join(
            f"  - {{name: {json.dumps(name)}, from: {today + timedelta(days=start)}, "
            f"until: {today + timedelta(days=until)}, reason: {reason}}}\n"
            for name, (start, until, reason) in zip(away, spans, strict=False)
        )
    path.write_text(text, encoding="utf-8")
    return path


def write_sync_targets(
    rules_file: Path, drive: Path, upload_url: str, *, discord_post: bool = True
) -> None:
    """Deliver the outputs to a stand-in Drive folder, a website and (if wanted) Discord."""
    drive.mkdir(exist_ok=True)
    post = "  - {name: discord, kind: discord, webhook_env: CLANSTATS_DISCORD_WEBHOOK}\n"
    with rules_file.open("a", encoding="utf-8") as rules:
        rules.write(
            "sync_targets:\n"
            f"  - {{name: drive, kind: folder, path: {json.dumps(drive.as_posix())}}}\n"
            f"  - {{name: website, kind: http, url: {json.dumps(upload_url)}, "
            "secret_env: CLANSTATS_UPLOAD_SECRET}\n" + (post if discord_post else "")
        )


def _write_identity_file(clan: SimulatedClan, chat: SimulatedChat) -> Path:
    """The demo officers' file: it settles one name that two Discord users share."""
    from simulator.clan import standardize_username

    names = {m["playerId"]: m["player"]["displayName"] for m in clan.group_details()["memberships"]}
    shared = set(chat.ambiguous_names())
    lines = [
        "# Made by the demo: the officers' links (see identity.example.csv)",
        "discord_user_id,rsn",
    ]
    for user in chat.users():
        if (
            user["kind"] == "member"
            and user["player_id"] in names
            and standardize_username(user["global_name"] or "") in shared
        ):
            lines.append(f"{user['id']},{names[user['player_id']]}")
            break
    path = DEMO_DIR / "identity.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write_people_file(clan: SimulatedClan, chat: SimulatedChat, away: Sequence[str]) -> Path:
    """The demo officers' alts: a quiet alt of a player who plays, two quiet accounts of one
    player, two accounts that both play, and a typo (see simulator/alts.py)."""
    from simulator.alts import alt_lines, people_csv

    now = clan.now
    on_leave = {pid for pid in clan.members_at(now) if clan.display_name_at(pid, now) in away}
    path = DEMO_DIR / "people.csv"
    lines = alt_lines(clan, chat, at=now, until=now, exclude=on_leave)
    path.write_text(people_csv(lines), encoding="utf-8")
    return path


def _demo_config() -> SimConfig:
    from simulator.clan import SimConfig

    today_noon = clock.now().replace(hour=12, minute=0, second=0, microsecond=0)
    return SimConfig(
        seed=DEMO_SEED,
        members=DEMO_MEMBERS,
        days=DEMO_DAYS,
        group_id=DEMO_GROUP_ID,
        now=today_noon,
        # Registered on WOM a month before the history starts: long-standing members are
        # listed from then, and their tenure comes from the clan sync's in-game join.
        registered_days_ago=DEMO_DAYS + 30,
    )


def _with_backfill(stages: Sequence[Stage]) -> list[Stage]:
    """The demo shows history, so a backfill follows the harvest when the harvest runs."""
    stages = list(stages)
    backfill = next(stage for stage in STAGES if stage.name == "backfill")
    if backfill not in stages and stages and stages[0].name == "harvest":
        stages.insert(1, backfill)
    return stages


def _reset_demo_dir() -> None:
    if DEMO_DIR.exists() and (DEMO_DIR / DEMO_MARKER).exists():
        shutil.rmtree(DEMO_DIR)
    DEMO_DIR.mkdir(exist_ok=True)
    (DEMO_DIR / DEMO_MARKER).write_text("Made by `main.py --demo`; deleted by the next demo.\n")
