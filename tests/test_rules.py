"""The rules file: defaults, the documented example, and line-numbered errors."""

from __future__ import annotations

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
