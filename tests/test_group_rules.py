"""rules.yaml `groups:`: slugs, defaults and one line-numbered error per bad entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from clanstats.errors import ConfigError
from clanstats.group_rules import derive_slug
from clanstats.rules import load_rules


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_groups_load_with_derived_and_given_slugs(tmp_path: Path) -> None:
    rules = load_rules(
        write(
            tmp_path,
            "groups:\n  - {id: 1, name: 'Iron Sim #2'}\n  - {id: 2, name: Other, slug: b_2,"
            " discord: {guild_id: 700000000000000001, relay_channel_ids: []}}\n",
        )
    )
    assert [group.folder for group in rules.groups] == ["iron-sim-2", "b_2"]
    assert rules.groups[1].discord is not None
    assert rules.groups[1].discord.guild_id == 700000000000000001


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Café Crew", "cafe-crew"), ("🐉🐉", "group-7"), ("CON", "group-7"), ("a" * 60, "a" * 40)],
)
def test_derived_slugs_are_folder_safe(name: str, slug: str) -> None:
    assert derive_slug(name, 7) == slug


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "groups:\n  - {id: 1, name: A}\n  - {id: 1, name: B}\n",
            "line 3: groups.1.id = 1: group id 1 is listed twice (also item 0)",
        ),
        (
            "groups:\n  - {id: 1, name: A, slug: x}\n  - {id: 2, name: B, slug: x}\n",
            "line 3: groups.1.slug = 'x': slug 'x' is taken by item 0",
        ),
        (
            "groups:\n  - {id: 1, name: Same}\n  - {id: 2, name: same}\n",
            "line 3: groups.1.name = 'same': slug 'same' is taken by item 0; give this group",
        ),
        ("groups:\n  - {id: 1, name: A, slug: ../up}\n", "line 2: groups.0.slug = '../up'"),
        ("groups:\n  - {id: 1, name: A, slug: a/b}\n", "line 2: groups.0.slug = 'a/b'"),
        ("groups:\n  - {id: 1, name: A, slug: Caps}\n", "line 2: groups.0.slug = 'Caps'"),
        ("groups:\n  - {id: 1, name: A, slug: nul}\n", "'nul' is a name Windows reserves"),
        ("groups:\n  - {id: 0, name: A}\n", "line 2: groups.0.id = 0"),
        ("groups:\n  - {id: 1}\n", "line 2: groups.0.name: Field required"),
        ("groups:\n  - id: 1\n    name: A\n    discord: {}\n", "line 4: groups.0.discord: give"),
        (
            "groups:\n  - {id: 1, name: A, discord: {guild_id: 12}}\n",
            "groups.0.discord.guild_id = 12",
        ),
        ("groups:\n  - {id: 1, name: A, colour: red}\n", "groups.0.colour: unknown key"),
    ],
)
def test_bad_group_entries_give_one_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_rules(write(tmp_path, text))
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
