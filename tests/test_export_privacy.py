"""Privacy by construction: no output carries message text, and no public one a Discord id
or how often each member joins the clan's competitions."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from sqlalchemy import String, select

from clanstats.db.engine import make_engine
from clanstats.db.models import Base
from simulator.chat import TEXT_MARKER
from tests.databases import SharedDatabase, query

# Files for members and the open web; the officers' workbook may name Discord users (to link them).
MEMBER_FACING = ("clan_data.json", "clan_dashboard.html", "public_summary.json", "site")


def discord_ids(demo: SharedDatabase) -> set[str]:
    """Every Discord id the demo stored: users, messages, channels and guilds."""
    rows = query(
        demo.url,
        "SELECT user_id FROM discord_users UNION SELECT message_id FROM discord_messages "
        "UNION SELECT channel_id FROM discord_channels UNION SELECT guild_id FROM "
        "discord_channels WHERE guild_id IS NOT NULL",
    )
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


def stored_text(demo: SharedDatabase) -> str:
    """Every text value in every table of the demo's database, one per line."""
    engine = make_engine(demo.url)
    values: list[str] = []
    try:
        with engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                columns = [c for c in table.columns if isinstance(c.type, String)]
                if columns:
                    for row in conn.execute(select(*columns)):
                        values += [str(value) for value in row if value is not None]
    finally:
        engine.dispose()
    return "\n".join(values)


def test_no_output_holds_any_message_text(demo_run: SharedDatabase) -> None:
    outputs = [p for p in (demo_run.folder / "output").rglob("*") if p.is_file()]
    assert {p.name for p in outputs} >= {"clan_data.json", "clan_report_summary_merged.xlsx"}
    for path in outputs:
        assert not TEXT_MARKER.search(readable_text(path)), f"message text in {path.name}"
    stored = stored_text(demo_run)
    assert "Discord" in stored or len(stored) > 1000, "the check read the stored text"
    assert not TEXT_MARKER.search(stored)
    if demo_run.kind == "sqlite":  # the raw file: not even in free pages
        database = demo_run.folder / "clanstats.db"
        assert not TEXT_MARKER.search(database.read_bytes().decode("latin-1"))


def test_member_facing_outputs_carry_no_discord_id(demo_run: SharedDatabase) -> None:
    ids = discord_ids(demo_run)
    assert len(ids) > 100, "the demo read Discord"
    output = demo_run.folder / "output"
    files = [output / name for name in MEMBER_FACING if (output / name).is_file()]
    files += [p for p in (output / "site").rglob("*") if p.is_file()]
    assert len(files) >= 5
    for path in files:
        text = readable_text(path)
        leaked = [i for i in ids if i in text]
        assert not leaked, f"{path.name} carries Discord ids {leaked[:3]}"


def keys_in(value: object) -> set[str]:
    """Every key in a JSON value, however deep."""
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in keys_in(item)}
    if isinstance(value, list):
        return {k for item in value for k in keys_in(item)}
    return set()


def test_the_public_summary_shows_competitions_but_not_who_joins_how_often(
    demo_run: SharedDatabase,
) -> None:
    public = json.loads((demo_run.folder / "output" / "public_summary.json").read_text("utf-8"))
    # The demo clan's finished and running competitions, each with its podium (public on WOM).
    assert {c["status"] for c in public["competitions"]} == {"finished", "running"}
    assert all(c["top"] for c in public["competitions"])
    # Each member's attendance stays in the officers' clan_data.json.
    private = {"joined", "best_rank", "last_joined_on", "held_90", "joined_90", "rate_90"}
    assert not private & keys_in(public)
    officers = json.loads((demo_run.folder / "output" / "clan_data.json").read_text("utf-8"))
    assert any(m["competitions"] for m in officers["members"])
