"""Identity: the officers' file, name matching, relay names, ambiguity, name changes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import (
    DiscordMessage,
    DiscordUser,
    IdentityIssue,
    IdentityLink,
    Membership,
    NameChange,
    Player,
    RelayName,
    WomGroup,
)
from clanstats.errors import ConfigError
from clanstats.transform.identity import link_identities
from clanstats.transform.identity_file import ManualLink, read_identity_file

GROUP = 1
T = datetime(2026, 11, 1)
# player id -> (display name, current member?)
PLAYERS = {
    1: ("Iron Bob", True),
    2: ("Zezima", True),
    3: ("Lynx Titan", True),
    4: ("Quiet One", True),
    5: ("Old Timer", False),
    6: ("B0aty", True),
    7: ("New Name", True),  # was "Former Name" before a WOM name change
}
# discord user id -> (username, global name)
USERS = {
    1001: ("ironbob", "Iron_Bob"),  # normalised match -> Iron Bob
    1002: ("zezima", None),  # exact match -> Zezima
    1003: ("lynx.fan", "Lynx-Titan"),  # fits Lynx Titan ...
    1004: ("lynxtitan_alt", "lynx titan"),  # ... and so does this one: ambiguous
    1005: ("randomguy", "Random"),  # fits nobody
    1006: ("bestboaty", "Boaty"),  # the identity file links this one to B0aty
    1007: ("oldname", "Former Name"),  # player 7's old name
}


@pytest.fixture
def engine(migrated_url: str) -> Engine:
    engine = make_engine(migrated_url)
    with Session(engine) as session, session.begin():
        session.execute(insert(WomGroup), [{"id": GROUP, "name": "g", "fetched_at": T}])
        session.execute(
            insert(Player),
            [
                {
                    "group_id": GROUP,
                    "player_id": pid,
                    "username": name.lower(),
                    "display_name": name,
                    "first_seen_at": T,
                }
                for pid, (name, _) in PLAYERS.items()
            ],
        )
        session.execute(
            insert(Membership),
            [
                {
                    "group_id": GROUP,
                    "player_id": pid,
                    "joined_at": T,
                    "updated_at": T,
                    "left_at": None if current else T,
                }
                for pid, (_, current) in PLAYERS.items()
            ],
        )
        session.execute(
            insert(NameChange),
            [
                {
                    "group_id": GROUP,
                    "id": 9,
                    "player_id": 7,
                    "old_name": "Former Name",
                    "new_name": "New Name",
                    "status": "approved",
                    "created_at": T,
                }
            ],
        )
        session.execute(
            insert(DiscordUser),
            [
                {
                    "group_id": GROUP,
                    "user_id": uid,
                    "username": u,
                    "global_name": g,
                    "is_bot": False,
                    "first_seen_at": T,
                    "last_seen_at": T,
                }
                for uid, (u, g) in USERS.items()
            ],
        )
        messages = [
            {"group_id": GROUP, "message_id": 10 + uid, "channel_id": 5, "author_id": uid}
            for uid in USERS
        ]
        messages += [
            {"group_id": GROUP, "message_id": 1, "channel_id": 6, "relay_name": "Quiet One"},
            {"group_id": GROUP, "message_id": 2, "channel_id": 6, "relay_name": "quiet_one"},
            {"group_id": GROUP, "message_id": 3, "channel_id": 6, "relay_name": "Stranger"},
        ]
        session.execute(insert(DiscordMessage), messages)
    return engine


def run(engine: Engine, manual: list[ManualLink] | None = None) -> dict[str, object]:
    with Session(engine) as session, session.begin():
        return link_identities(session, GROUP, manual or []).counts()


def links(engine: Engine) -> dict[int, tuple[int, str]]:
    with Session(engine) as session:
        rows = session.execute(
            select(IdentityLink.discord_user_id, IdentityLink.player_id, IdentityLink.source)
        ).all()
    return {user: (player, source) for user, player, source in rows}


def issues(engine: Engine) -> dict[tuple[str, str], str]:
    with Session(engine) as session:
        rows = session.scalars(select(IdentityIssue)).all()
    return {(i.kind, i.subject): i.detail for i in rows}


def test_names_match_across_case_spaces_underscores_and_hyphens(engine: Engine) -> None:
    run(engine)
    found = links(engine)
    assert found[1001] == (1, "name")
    assert found[1002] == (2, "name")


def test_a_name_two_users_share_links_neither(engine: Engine) -> None:
    run(engine)
    found, open_issues = links(engine), issues(engine)
    assert 1003 not in found and 1004 not in found
    assert ("ambiguous", "1003") in open_issues and ("ambiguous", "1004") in open_issues


def test_old_names_still_match_after_a_rename(engine: Engine) -> None:
    run(engine)
    assert links(engine)[1007] == (7, "name")


def test_the_identity_file_wins_and_settles_ambiguity(engine: Engine) -> None:
    counts = run(engine, [ManualLink(3, 1003, "lynx titan"), ManualLink(4, 1006, "B0aty")])
    found = links(engine)
    assert found[1003] == (3, "manual")
    assert found[1006] == (6, "manual")
    assert 1004 not in found  # 3 is taken by the file: nothing left for 1004 to fit
    assert counts["linked by identity file"] == 2


def test_a_file_line_naming_nobody_is_listed(engine: Engine) -> None:
    run(engine, [ManualLink(7, 1005, "Nobody Here")])
    assert "identity file line 7" in issues(engine)[("manual_unknown_rsn", "1005")]


def test_relay_names_map_to_players_and_unknown_ones_are_listed(engine: Engine) -> None:
    run(engine)
    with Session(engine) as session:
        relay = dict(session.execute(select(RelayName.name_key, RelayName.player_id)).all())
    assert relay == {"quiet one": 4, "stranger": None}
    assert ("unknown_relay_name", "stranger") in issues(engine)
    assert issues(engine)[("unlinked_member", "4")] == "speaks only in relay chat"


def test_unlinked_people_are_listed_and_leavers_are_not(engine: Engine) -> None:
    run(engine)
    open_issues = issues(engine)
    assert ("unlinked_discord", "1005") in open_issues
    unlinked_members = {subject for kind, subject in open_issues if kind == "unlinked_member"}
    assert unlinked_members == {"3", "4", "6"}  # 5 left the clan


def test_rerunning_gives_the_same_tables(engine: Engine) -> None:
    run(engine)
    first = (links(engine), issues(engine))
    run(engine)
    assert (links(engine), issues(engine)) == first


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "identity.csv"
    path.write_text(text, encoding=encoding)
    return path


def test_identity_file_reads_comments_bom_and_excel_semicolons(tmp_path: Path) -> None:
    text = "\ufeff# who is who\ndiscord_user_id;rsn;;\n123456789012345678;Iron Bob;;\n\n"
    assert read_identity_file(write(tmp_path, text)) == [
        ManualLink(line=3, discord_user_id=123456789012345678, rsn="Iron Bob")
    ]
    assert read_identity_file(tmp_path / "absent.csv") == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("id,name\n", "line 1: the first line must be the header"),
        (
            "discord_user_id,rsn\n12ab,Bob\n",
            "line 2: discord_user_id '12ab' is not a Discord user id",
        ),
        ("discord_user_id,rsn\n123456789012345678,<b>x</b>\n", "line 2: rsn '<b>x</b>' is not"),
        ("discord_user_id,rsn\n123456789012345678\n", "line 2: expected 2 values"),
        (
            "discord_user_id,rsn\n123456789012345678,Bob\n123456789012345678,Al\n",
            "line 3: Discord user 123456789012345678 is already linked on line 2",
        ),
        (
            "discord_user_id,rsn\n123456789012345678,Iron Bob\n223456789012345678,iron_bob\n",
            "line 3: 'iron_bob' is already linked on line 2",
        ),
    ],
)
def test_identity_file_mistakes_name_their_line(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_identity_file(write(tmp_path, body))
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_identity_file_in_a_legacy_encoding_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "identity.csv"
    path.write_bytes("discord_user_id,rsn\n123456789012345678,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="save it as UTF-8 CSV"):
        read_identity_file(path)
