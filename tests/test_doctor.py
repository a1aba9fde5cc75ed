"""`doctor` against loopback WOM and Discord servers, a closed port and broken configuration."""

from __future__ import annotations

import re
import socket
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from clanstats.demo import DEMO_MARKER, write_rules_file, write_sync_targets
from clanstats.doctor import Check, all_ok, doctor_from_environment, print_doctor, run_doctor
from clanstats.errors import EXIT_CONFIG
from clanstats.settings import load_settings
from simulator.discord_server import FakeDiscordServer
from simulator.wom_server import FakeWomServer
from tests.conftest import SQLITE_ONLY

RULES = """
sync_targets:
  - name: drive
    kind: folder
    path: "{drive}"
  - name: gone
    kind: folder
    path: "{missing}"
  - name: site
    kind: http
    url: https://example.invalid/hook
    secret_env: SITE_SECRET
  - name: chat
    kind: discord
    webhook_env: CHAT_WEBHOOK
"""


def closed_port_url() -> str:
    """A loopback URL nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v2"


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    drive = tmp_path / "my drive"
    drive.mkdir(exist_ok=True)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.format(drive=drive, missing=tmp_path / "nowhere"), encoding="utf-8")
    identity = tmp_path / "identity.csv"
    identity.write_text("discord_user_id,rsn\n123456789012345678,Some Name\n", encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("alt,main\nSome Alt,Some Name\n", encoding="utf-8")
    return {
        "CLANSTATS_ENV_FILE": str(tmp_path / "absent.env"),
        "CLANSTATS_DATA_DIR": str(tmp_path),
        "RULES_FILE": str(rules),
        # Its own identity file: the project folder's may or may not exist (setup copies one).
        "IDENTITY_FILE": str(identity),
        "PEOPLE_FILE": str(people),
        "SITE_SECRET": "s3cret",
        **extra,
    }


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


def test_everything_reachable(
    tmp_path: Path,
    migrated_url: str,
    wom_server: FakeWomServer,
    discord_server: FakeDiscordServer,
) -> None:
    environ = environment(
        tmp_path,
        DATABASE_URL=migrated_url,
        WOM_BASE_URL=wom_server.base_url,
        WOM_GROUP_ID="4242",
        DISCORD_BOT_TOKEN=discord_server.chat.bot_token,
        DISCORD_GUILD_ID="700000000000000001",
        DISCORD_API_BASE=discord_server.api_base,
    )
    checks = by_name(run_doctor(load_settings(None, environ), environ=environ))

    assert checks["Wise Old Man"].ok is True and "12 members" in checks["Wise Old Man"].detail
    assert checks["Discord"].ok is True and "logged in as" in checks["Discord"].detail
    assert checks["database"].ok is True and checks["database schema"].ok is True
    assert checks["rules file"].ok is True
    assert checks["identity file"].ok is True and "1 links" in checks["identity file"].detail
    assert checks["people file"].ok is True and "1 alts" in checks["people file"].detail
    assert checks["sync drive (folder)"].ok is True
    assert checks["sync gone (folder)"].ok is False
    assert checks["sync site (http)"].ok is True
    chat = checks["sync chat (discord)"]
    assert chat.ok is False and "CHAT_WEBHOOK" in chat.fix
    for folder in ("data folder", "output folder", "backup folder"):
        assert checks[folder].ok is True


def test_offline_bad_token_and_wrong_group(
    tmp_path: Path, wom_server: FakeWomServer, discord_server: FakeDiscordServer
) -> None:
    environ = environment(
        tmp_path,
        WOM_BASE_URL=closed_port_url(),
        WOM_GROUP_ID="4242",
        DISCORD_BOT_TOKEN="not-the-token",
        DISCORD_GUILD_ID="700000000000000001",
        DISCORD_API_BASE=discord_server.api_base,
    )
    checks = by_name(run_doctor(load_settings(None, environ), environ=environ, timeout=2))
    wom = checks["Wise Old Man"]
    assert wom.ok is False and wom.detail.startswith("offline (")
    assert checks["Discord"].ok is False and "refused" in checks["Discord"].detail
    assert checks["database"].ok is None  # no database yet

    environ["WOM_BASE_URL"] = wom_server.base_url
    environ["WOM_GROUP_ID"] = "999"
    checks = by_name(run_doctor(load_settings(None, environ), environ=environ))
    assert checks["Wise Old Man"].ok is False and "WOM_GROUP_ID" in checks["Wise Old Man"].fix


def test_broken_configuration_is_reported_not_raised(tmp_path: Path) -> None:
    environ = environment(tmp_path)
    (tmp_path / "db.sqlite").write_bytes(b"not a database" * 300)
    (tmp_path / "rules.yaml").write_text("activity: [1, 2\n", encoding="utf-8")
    environ["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite'}"
    checks = by_name(doctor_from_environment(None, environ))
    assert checks["rules file"].ok is False
    assert checks["database"].ok is False and "restore" in checks["database"].fix
    assert checks["Wise Old Man"].ok is None and checks["Discord"].ok is None
    assert not all_ok(list(checks.values()))

    environ["WOM_GROUP_ID"] = "abc"
    only = doctor_from_environment(None, environ)
    assert [c.name for c in only] == ["settings"] and only[0].ok is False
    assert "WOM_GROUP_ID" in only[0].detail


def test_print_doctor_shows_each_check(capsys: pytest.CaptureFixture[str]) -> None:
    checks = [Check("database", True, "ok"), Check("Discord", False, "offline (x)", "retry")]
    print_doctor(checks, Console(width=120, force_terminal=False))
    out = capsys.readouterr().out
    assert "FAIL" in out and "offline (x)" in out and "retry" in out
    assert all_ok(checks[:1]) and not all_ok(checks)


@SQLITE_ONLY
def test_the_demo_doctor_checks_the_demo_not_your_configuration(
    tmp_path: Path, migrated_url: str
) -> None:
    from tests.test_main_cli import run_main

    demo = tmp_path / "demo"
    # Your own settings point at a WOM that doesn't answer and a Discord bot: never probed here.
    yours = {
        "CLANSTATS_DEMO_DIR": str(demo),
        "WOM_BASE_URL": closed_port_url(),
        "WOM_GROUP_ID": "4242",
        "DISCORD_BOT_TOKEN": "your-real-token",
        "COLUMNS": "250",
    }
    none_yet = run_main(tmp_path, "--demo", "doctor", **yours)
    assert none_yet.returncode == EXIT_CONFIG
    assert none_yet.stderr.strip().splitlines() == [
        f"error: there is no demo in {demo} to check yet: run `python main.py --demo` first "
        "(`python main.py doctor` checks your own configuration)"
    ]

    # What a demo run leaves behind: its folder, rules, identity file and database.
    demo.mkdir()
    (demo / DEMO_MARKER).write_text("made by the test\n")
    rules = write_rules_file(demo / "rules.yaml", date.today())
    write_sync_targets(rules, demo / "drive", "http://127.0.0.1:9/upload")
    (demo / "identity.csv").write_text("discord_user_id,rsn\n", encoding="utf-8")
    result = run_main(
        tmp_path, "--demo", "doctor", CLANSTATS_DEMO_DATABASE_URL=migrated_url, **yours
    )
    shown = result.stdout + result.stderr
    assert result.returncode == 0, shown
    assert f"Checking the demo in {demo} (its own settings; .env is not read)" in shown
    assert "simulated on 127.0.0.1 only while the demo runs, so they are not checked" in shown
    assert f"{demo} writable" in shown  # the data folder checked is the demo's
    assert "rules.yaml: 3 sync targets" in shown and "identity.csv: 0 links" in shown
    assert f"{demo / 'drive'} exists" in shown
    not_checked = "simulated by the demo only while it runs"
    for name in ("Wise Old Man", "Discord", "sync website (http)", "sync discord (discord)"):
        assert re.search(rf"skip\s+{re.escape(name)}\s+{re.escape(not_checked)}", shown), name
    assert "offline" not in shown and "FAIL" not in shown


def test_a_broken_people_file_is_named_with_its_line_and_the_fix(tmp_path: Path) -> None:
    environ = environment(tmp_path, DATABASE_URL=f"sqlite:///{(tmp_path / 'c.db').as_posix()}")
    Path(environ["PEOPLE_FILE"]).write_text("alt,main\nIron Bob,Iron Bob\n", encoding="utf-8")
    people = by_name(run_doctor(load_settings(None, environ), environ=environ))["people file"]
    assert people.ok is False
    assert "people.csv: line 2: 'Iron Bob' is named as its own alt" in people.detail
    assert people.fix == "fix people.csv"
