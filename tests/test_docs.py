"""The README, .env.example and --help stay true to the code."""

from __future__ import annotations

import argparse
import re

from clanstats.cli import build_parser
from clanstats.pipeline import STAGES
from clanstats.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")


def test_every_stage_is_documented_in_the_readme() -> None:
    for stage in STAGES:
        assert f"python main.py {stage.name}" in README or f"| {stage.name} " in README, stage.name


def test_every_command_and_option_has_help_and_a_readme_line() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        assert sub.format_help().strip(), name
        assert re.search(rf"`python main\.py[^`]*\b{name}\b", README), (
            f"`main.py {name}` not in README"
        )
    for option in ("--from", "--demo", "--force"):
        assert f"python main.py {option}" in README, option
    for name, sub in commands.choices.items():
        for action in sub._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert f"`{option}" in README or f" {option}" in README, (name, option)


def test_env_example_lists_exactly_the_keys_the_settings_read() -> None:
    from clanstats.settings import ENV_KEYS

    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, flags=re.MULTILINE))
    assert listed == ENV_KEYS


def test_readme_quick_start_commands_match_ci() -> None:
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = "./setup.sh --dev && .venv/bin/python -m pytest"
    assert test_command in README
    assert test_command in ci
    assert "./run_auto.sh --demo" in README and "run_auto.bat --demo" in README


def test_readme_maps_every_table() -> None:
    from clanstats.db.models import Base

    for table in Base.metadata.tables:
        assert f"`{table}`" in README, f"README's How it works doesn't mention {table}"
