"""Exit codes: one table in code, the same table in the README and in --help."""

from __future__ import annotations

import re

from clanstats import errors
from clanstats.cli import build_parser
from clanstats.settings import PROJECT_ROOT


def test_every_error_class_has_a_documented_exit_code() -> None:
    classes = [
        errors.ConfigError,
        errors.SourceError,
        errors.DatabaseError,
        errors.RunLockedError,
        errors.StageTimeoutError,
    ]
    codes = [cls.exit_code for cls in classes]
    assert len(set(codes)) == len(codes)
    assert all(code in errors.EXIT_CODES for code in codes)


def test_readme_lists_the_same_exit_codes() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", readme, flags=re.MULTILINE))
    assert {int(code) for code in table} == set(errors.EXIT_CODES)


def test_help_lists_exit_codes_and_stages() -> None:
    text = build_parser().format_help()
    for code in errors.EXIT_CODES:
        assert f"  {code:>3}  " in text
    assert "harvest" in text and "backfill" in text
