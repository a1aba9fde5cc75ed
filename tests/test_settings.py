"""Settings: .env parsing, environment overrides, and one-line errors for every bad value."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clanstats.errors import EXIT_CONFIG, ConfigError
from clanstats.settings import PROJECT_ROOT, load_settings


def settings_from(tmp_path: Path, env_text: str = "", **environ: str):
    env_file = tmp_path / ".env"
    env_file.write_text(env_text, encoding="utf-8")
    return load_settings(env_file, {"CLANSTATS_DATA_DIR": str(tmp_path), **environ})


def test_defaults_put_everything_in_the_data_folder(tmp_path: Path) -> None:
    settings = settings_from(tmp_path)
    assert settings.wom_group_id is None
    assert settings.sqlite_path == tmp_path / "clanstats.db"
    assert settings.backup_dir == tmp_path / "backups"
    assert settings.output_dir == tmp_path / "output"
    assert settings.log_file == tmp_path / "app.log"
    assert str(settings.timezone) == "UTC"
    assert settings.wom_base_url == "https://api.wiseoldman.net/v2"


def test_env_file_values_and_environment_override(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        "WOM_GROUP_ID=123\nTIMEZONE=Europe/London\nWOM_API_KEY='abc def'\n",
        TIMEZONE="America/New_York",
    )
    assert settings.wom_group_id == 123
    assert str(settings.timezone) == "America/New_York"
    assert settings.wom_api_key is not None and settings.wom_api_key.get_secret_value() == "abc def"


def test_secrets_never_print(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "WOM_API_KEY=super-secret-key\n")
    assert "super-secret-key" not in repr(settings)
    assert "super-secret-key" not in str(settings.wom_api_key)


def test_paths_with_spaces_work(tmp_path: Path) -> None:
    folder = tmp_path / "My Clan Data"
    folder.mkdir()
    settings = load_settings(tmp_path / "none.env", {"CLANSTATS_DATA_DIR": str(folder)})
    assert settings.sqlite_path == folder / "clanstats.db"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("WOM_GROUP_ID", "abc", "WOM_GROUP_ID='abc' is not valid: expected a whole number"),
        ("WOM_GROUP_ID", "-4", "WOM_GROUP_ID='-4' is not valid"),
        ("TIMEZONE", "Mars/Olympus", "TIMEZONE='Mars/Olympus' is not valid: expected an IANA"),
        ("WOM_BASE_URL", "ftp://x", "WOM_BASE_URL='ftp://x' is not valid: expected an http(s) URL"),
        ("BACKUP_KEEP", "many", "BACKUP_KEEP='many' is not valid"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD' is not valid: expected one of DEBUG"),
        ("STAGE_TIMEOUT_SECONDS", "1", "STAGE_TIMEOUT_SECONDS='1' is not valid: expected 10 to"),
        ("WOM_REQUESTS_PER_MINUTE", "0", "WOM_REQUESTS_PER_MINUTE='0' is not valid"),
        ("HTTP_TIMEOUT_SECONDS", "0", "HTTP_TIMEOUT_SECONDS='0' is not valid: expected 1 to 600"),
        ("HTTP_RETRY_SECONDS", "0", "HTTP_RETRY_SECONDS='0' is not valid: expected 0.01 to 60"),
        ("HTTP_RETRY_SECONDS", "soon", "HTTP_RETRY_SECONDS='soon' is not valid: expected 0.01"),
    ],
)
def test_bad_values_name_key_value_and_form(
    tmp_path: Path, key: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, f"{key}={value}\n")
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == EXIT_CONFIG


def test_bad_paths_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"LOCAL_DRIVE_PATH=.*not a folder that exists"):
        settings_from(tmp_path, LOCAL_DRIVE_PATH=str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match=r"RULES_FILE=.*no such file"):
        settings_from(tmp_path, RULES_FILE=str(tmp_path / "nope.yaml"))
    with pytest.raises(ConfigError, match="doesn't exist; create the folder"):
        settings_from(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/no/such/dir/x.db")


def test_database_url_errors_hide_the_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, DATABASE_URL="mysql://root:hunter2@db/clan")
    assert "hunter2" not in str(caught.value)
    assert "DATABASE_URL" in str(caught.value)


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://clan:pw@db.example/clan", "postgresql+psycopg://clan:pw@db.example/clan"),
        ("postgresql://clan@127.0.0.1:5433/clan", "postgresql+psycopg://clan@127.0.0.1:5433/clan"),
        ("postgresql+psycopg2://clan@db/clan", "postgresql+psycopg://clan@db/clan"),
        ("postgresql+psycopg://clan@db/clan", "postgresql+psycopg://clan@db/clan"),
    ],
)
def test_postgres_urls_are_run_on_the_installed_driver(
    tmp_path: Path, given: str, used: str
) -> None:
    """`postgres://` (what some hosts hand out) once crashed every stage with exit 1."""
    assert settings_from(tmp_path, DATABASE_URL=given).database_url.get_secret_value() == used


def test_a_postgres_url_without_a_database_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"names no database: add /dbname") as caught:
        settings_from(tmp_path, DATABASE_URL="postgres://clan:hunter2@db.example")
    assert "hunter2" not in str(caught.value)


def test_database_inside_drive_folder_is_refused(tmp_path: Path) -> None:
    drive = tmp_path / "Drive"
    drive.mkdir()
    with pytest.raises(ConfigError, match="inside LOCAL_DRIVE_PATH"):
        settings_from(tmp_path, LOCAL_DRIVE_PATH=str(drive), DATABASE_URL=f"sqlite:///{drive}/c.db")


def test_unreadable_env_file_is_a_config_error(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_bytes(b"WOM_GROUP_ID=\xff\xfe\n")
    with pytest.raises(ConfigError, match=r"\.env: can't be read"):
        load_settings(env_file, {"CLANSTATS_DATA_DIR": str(tmp_path)})


def test_channel_ids_are_comma_separated_text_and_relays_are_read_too(tmp_path: Path) -> None:
    """pydantic-settings would read a list as JSON: the .env form is `id, id` (hand-worked)."""
    settings = settings_from(
        tmp_path,
        "DISCORD_CHANNEL_IDS=111111111111111111, 222222222222222222\n"
        "DISCORD_RELAY_CHANNEL_IDS=333333333333333333,111111111111111111\n",
    )
    assert settings.discord_channel_ids == (
        111111111111111111,
        222222222222222222,
        333333333333333333,
    )
    assert settings.discord_relay_channel_ids == (333333333333333333, 111111111111111111)
    only_relays = settings_from(tmp_path, DISCORD_RELAY_CHANNEL_IDS="333333333333333333")
    assert only_relays.discord_channel_ids == ()


def test_blank_values_mean_the_default_and_lowercase_keys_are_not_settings(
    tmp_path: Path,
) -> None:
    settings = settings_from(
        tmp_path,
        f"WOM_GROUP_ID=\nBACKUP_KEEP=   \nLOG_LEVEL= debug \noutput_root={tmp_path}\n",
        output_root=str(tmp_path / "elsewhere"),
        data_dir=str(tmp_path / "elsewhere"),
    )
    assert settings.wom_group_id is None
    assert settings.backup_keep == 14
    assert settings.log_level == "DEBUG"
    assert settings.output_root is None
    assert settings.data_dir == tmp_path


def test_relative_paths_follow_their_base_folder(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path, 'OUTPUT_DIR="out put"\nLOG_FILE=logs/app.log\nBACKUP_DIR=~/clan-backups\n'
    )
    assert settings.output_dir == tmp_path / "out put"
    assert settings.log_file == tmp_path / "logs" / "app.log"
    assert settings.backup_dir == Path.home() / "clan-backups"


def test_bad_discord_ids_and_secrets_are_named_without_showing_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^DISCORD_CHANNEL_IDS='12, x' is not valid: expected"):
        settings_from(tmp_path, DISCORD_CHANNEL_IDS="12, x")
    with pytest.raises(ConfigError, match=r"^DISCORD_GUILD_ID='42' is not valid: expected a"):
        settings_from(tmp_path, DISCORD_GUILD_ID="42")


def test_a_group_view_is_a_copy_and_leaves_the_settings_alone(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "WOM_GROUP_ID=7\n")
    view = settings.model_copy(update={"wom_group_id": 8, "output_root": tmp_path})
    assert (settings.wom_group_id, settings.output_root) == (7, None)
    assert (view.wom_group_id, view.manifest_root) == (8, tmp_path)
    with pytest.raises(ValueError, match="frozen"):
        settings.wom_group_id = 9  # type: ignore[misc]


def test_a_project_without_rules_or_identity_files_reads_its_settings(tmp_path: Path) -> None:
    """rules.yaml and identity.csv are optional: a reviewer found a fresh clone refused both.

    The package is copied to a folder without them, since the project's own folder has them.
    """
    project = tmp_path / "project"
    shutil.copytree(
        PROJECT_ROOT / "clanstats", project / "clanstats", ignore=shutil.ignore_patterns("*.pyc")
    )
    code = (
        "from clanstats.settings import load_settings\n"
        f"s = load_settings(environ={{'CLANSTATS_DATA_DIR': {str(tmp_path)!r}, "
        f"'CLANSTATS_ENV_FILE': {str(tmp_path / 'none.env')!r}}})\n"
        "print(s.rules_file.name, s.rules_file.exists(), s.identity_file.name, "
        "s.identity_file.exists())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["rules.yaml", "False", "identity.csv", "False"]


def test_a_password_with_a_raw_at_sign_is_one_hidden_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, DATABASE_URL="postgresql://clan:s3cr@t:Pw9xyz@db.example/clan")
    message = str(caught.value)
    assert message.startswith("DATABASE_URL (hidden) is not a database URL")
    assert "%40" in message and "Pw9xyz" not in message and "s3cr" not in message


@pytest.mark.parametrize("value", ["1.0", "1_000", "1e3", "５"])
def test_counts_are_written_in_digits(tmp_path: Path, value: str) -> None:
    with pytest.raises(
        ConfigError, match=r"^WOM_BACKFILL_DAYS=.* is not valid: expected 1 to 3650"
    ):
        settings_from(tmp_path, WOM_BACKFILL_DAYS=value)


def test_errors_name_the_value_as_typed_and_the_first_bad_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^LOG_LEVEL='verbose' is not valid"):
        settings_from(tmp_path, LOG_LEVEL="verbose")
    # Keys are checked in order: the group id comes before the Drive folder, as it always did.
    with pytest.raises(ConfigError, match=r"^WOM_GROUP_ID='x' is not valid"):
        settings_from(tmp_path, WOM_GROUP_ID="x", LOCAL_DRIVE_PATH=str(tmp_path / "no-drive"))


def test_a_windows_path_in_double_quotes_is_refused_with_the_fix(tmp_path: Path) -> None:
    """python-dotenv reads `\\a` in double quotes as a bell: the path would be silently wrong."""
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, 'LOG_FILE="D:\\logs\\app.log"\n')
    message = str(caught.value)
    assert message.startswith("LOG_FILE holds a control character")
    assert "single quotes" in message and "\n" not in message
    single = settings_from(tmp_path, "LOG_FILE='D:\\logs\\app.log'\n")
    assert str(single.log_file).endswith("D:\\logs\\app.log")


def test_ids_past_64_bits_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^DISCORD_GUILD_ID="):
        settings_from(tmp_path, DISCORD_GUILD_ID="99999999999999999999")
    with pytest.raises(ConfigError, match=r"^WOM_GROUP_ID="):
        settings_from(tmp_path, WOM_GROUP_ID="99999999999")
