"""Privacy by construction: no output carries message text, and no public one a Discord id."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest

from clanstats.sim.chat import TEXT_MARKER
from tests.test_export_clan_data import demo_database as build_demo_database

# Files for members and the open web; the officers' workbook may name Discord users (to link them).
MEMBER_FACING = ("clan_data.json", "clan_dashboard.html", "public_summary.json", "site")


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole demo pipeline's database and outputs (made once, shared with the data tests)."""
    return build_demo_database(tmp_path_factory)


def discord_ids(database: Path) -> set[str]:
    """Every Discord id the demo stored: users, messages, channels and guilds."""
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT user_id FROM discord_users UNION SELECT message_id FROM discord_messages "
            "UNION SELECT channel_id FROM discord_channels UNION SELECT guild_id FROM "
            "discord_channels WHERE guild_id IS NOT NULL"
        ).fetchall()
    conn.close()
    return {str(row[0]) for row in rows}


def readable_text(path: Path) -> str:
    """A file's text; a workbook's sheets and strings from inside its zip."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as workbook:
            return "\n".join(
                workbook.read(name).decode("utf-8", "replace")
                for name in workbook.namelist()
                if name.endswith(".xml")
            )
    return path.read_text(encoding="utf-8", errors="replace")


def test_no_output_holds_any_message_text(demo_database: Path) -> None:
    outputs = [p for p in (demo_database.parent / "output").rglob("*") if p.is_file()]
    assert {p.name for p in outputs} >= {"clan_data.json", "clan_report_summary_merged.xlsx"}
    for path in outputs:
        assert not TEXT_MARKER.search(readable_text(path)), f"message text in {path.name}"
    assert not TEXT_MARKER.search(demo_database.read_bytes().decode("latin-1"))


def test_member_facing_outputs_carry_no_discord_id(demo_database: Path) -> None:
    ids = discord_ids(demo_database)
    assert len(ids) > 100, "the demo read Discord"
    output = demo_database.parent / "output"
    files = [output / name for name in MEMBER_FACING if (output / name).is_file()]
    files += [p for p in (output / "site").rglob("*") if p.is_file()]
    assert len(files) >= 5
    for path in files:
        text = readable_text(path)
        leaked = [i for i in ids if i in text]
        assert not leaked, f"{path.name} carries Discord ids {leaked[:3]}"
