"""The rules file: defaults, the documented example, and line-numbered errors."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from clanstats.errors import ConfigError
from clanstats.rules import Rules, load_rules
from clanstats.settings import PROJECT_ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_or_empty_file_means_defaults(tmp_path: Path) -> None:
    assert load_rules(tmp_path / "absent.yaml") == Rules()
    assert load_rules(write(tmp_path, "# nothing yet\n")) == Rules()


def test_the_documented_example_is_valid() -> None:
    rules = load_rules(PROJECT_ROOT / "rules.example.yaml")
    assert [rank.name for rank in rules.ranks][:2] == ["recruit", "corporal"]
    assert rules.goals[1].metric == "vorkath"


def test_absences_back_to_back_and_of_different_members_are_fine(tmp_path: Path) -> None:
    rules = load_rules(
        write(
            tmp_path,
            "absences:\n"
            "  - {name: Zezima, from: 2026-12-01, until: 2026-12-20, reason: exams}\n"
            "  - {name: Zezima, from: 2026-12-21, until: 2027-01-05}\n"
            "  - {name: Lynx Titan, from: 2026-12-01, until: 2026-12-01}\n",
        )
    )
    first, second, third = rules.absences
    assert (first.start, first.until, first.reason) == (
        date(2026, 12, 1),
        date(2026, 12, 20),
        "exams",
    )
    assert second.reason is None and third.covers(date(2026, 12, 1))
    assert not first.covers(date(2026, 12, 21)) and second.covers(date(2026, 12, 21))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("activity:\n  quiet_after_days: ten\n", "line 2: activity.quiet_after_days = 'ten'"),
        (
            "ranks:\n  - name: a\n    requirements: {ehp: -5}\n",
            "line 3: ranks.0.requirements.ehp = -5",
        ),
        ("ranks:\n  - name: a\n  - nam: b\n", "line 3: ranks.1.nam: unknown key"),
        (
            "goals:\n  - name: g\n    metric: Not A Metric\n    target: 5\n",
            "line 3: goals.0.metric",
        ),
        (
            "seasons:\n  - name: S\n    start: 2026-12-01\n    end: 2026-01-01\n",
            "line 2: seasons.0: season 'S' ends (2026-01-01) before it starts (2026-12-01)",
        ),
        ("ranks: [\n", "line 2: not valid YAML"),
        ("- just\n- a list\n", "line 1: expected sections"),
        ("colour: blue\n", "line 1: colour: unknown key"),
        (
            "absences:\n  - {name: Zezima, from: 2027-01-14, until: 2026-12-20}\n",
            "line 2: absences.0: the absence of 'Zezima' ends (2026-12-20) before it starts "
            "(2027-01-14); swap `from` and `until`",
        ),
        (
            "absences:\n  - {name: Zezima, from: 2026-12-01, until: 2026-12-20}\n"
            "  - {name: zezima, from: 2026-12-20, until: 2027-01-05, reason: exams}\n",
            "line 1: absences: 'zezima' has two absences that overlap (2026-12-01 to 2026-12-20 "
            "and 2026-12-20 to 2027-01-05); make them one",
        ),
        ("absences:\n  - {name: Zezima, until: 2026-12-20}\n", "line 2: absences.0.from"),
        ("absences:\n  - {name: '', from: 2026-12-01, until: 2026-12-20}\n", "absences.0.name"),
        (
            "absences:\n  - {name: Zezima, from: 2026-12-01, till: 2026-12-20}\n",
            "absences.0.till: unknown key",
        ),
        (
            "goals:\n  - {name: XP, metric: overall, target: 1}\n"
            "  - {name: xp, metric: ehp, target: 2}\n",
            "line 1: goals: two are called 'xp'; give each its own name",
        ),
    ],
)
def test_mistakes_are_reported_with_their_line(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_rules(write(tmp_path, text))
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "activity:\n\tquiet_after_days: 3\n",
            "rules.yaml: line 2: a tab character; use spaces, not tabs, to indent",
        ),
        (
            "ranks:\n  - name: a\n\t- name: b\n",
            "rules.yaml: line 3: a tab character; use spaces, not tabs, to indent",
        ),
        (
            "activity:\n  quiet_after_days:\t3\n",
            "rules.yaml: line 2: a tab character at column 20; use spaces, not tabs",
        ),
    ],
)
def test_a_tab_is_named_in_plain_words(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_rules(write(tmp_path, text))
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "activty:\n  quiet_after_days: 3\n",
            "line 1: activty: unknown key; did you mean `activity`?",
        ),
        (
            "activity:\n  quiet_after_dayz: 3\n",
            "line 2: activity.quiet_after_dayz: unknown key; did you mean `quiet_after_days`?",
        ),
        (
            "ranks:\n  - name: a\n    requirments: {ehp: 3}\n",
            "line 3: ranks.0.requirments: unknown key; did you mean `requirements`?",
        ),
        (
            "custom_period: {name: x, start: 2026-01-01, ned: 2026-01-02}\n",
            "line 1: custom_period.ned: unknown key; did you mean `end`?",
        ),
        (
            "sync_targets:\n  - {name: up, kind: http, url: 'https://x.test', secret_env: A, "
            "timout: 3}\n",
            "line 2: sync_targets.0.http.timout: unknown key; did you mean `timeout`?",
        ),
        ("groups:\n  - {id: 1, name: A, slgu: a}\n", "groups.0.slgu: unknown key; did you mean"),
        (
            "colour: blue\n",
            "line 1: colour: unknown key (see rules.example.yaml for the keys there are)",
        ),
    ],
)
def test_an_unknown_key_suggests_the_known_key_it_is_close_to(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_rules(write(tmp_path, text))
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "activity:\n  quiet_after_days: ten\n",
        "ranks: [\n",
        "- just\n- a list\n",
        "activity:\n\tquiet_after_days: 3\n",
        "colour: blue\nactivity: {quiet_after_days: 50, inactive_after_days: 10}\n",
        "groups:\n  - {id: 1, name: A}\n  - {id: 1, name: B}\n",
    ],
)
def test_every_mistake_has_one_format(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_rules(write(tmp_path, text))
    message = str(caught.value)
    assert re.match(r"rules\.yaml: line \d+: \S", message), message
    for place in re.finditer(r"line \d+:", message):  # each problem: `line N: ...`
        assert message[: place.start()].endswith(("rules.yaml: ", "; ")), message
