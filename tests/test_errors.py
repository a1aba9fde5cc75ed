"""Exit codes: one table in code, the same table in the README and in --help."""

from __future__ import annotations

import errno
import re

import pytest

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


def _os_error(code: int, *, winerror: int | None = None) -> OSError:
    exc = OSError(code, "failed")
    if winerror is not None:
        exc.winerror = winerror  # type: ignore[attr-defined]  # what Windows sets
    return exc


@pytest.mark.parametrize(
    ("exc", "problem"),
    [
        (_os_error(errno.ENOSPC), errors.DISK_FULL),
        (_os_error(errno.EROFS), errors.READ_ONLY),
        (_os_error(errno.EIO), errors.IO_ERROR),
        (_os_error(errno.ENAMETOOLONG), errors.TOO_LONG),
        (_os_error(errno.EACCES, winerror=32), errors.HELD_OPEN),  # a sharing violation
        (_os_error(errno.EINVAL, winerror=112), errors.DISK_FULL),
        (_os_error(errno.ENOENT, winerror=206), errors.TOO_LONG),  # past MAX_PATH
        (_os_error(errno.EEXIST), None),  # not the machine's: a bug, with its traceback
    ],
)
def test_each_machine_write_failure_is_named(exc: OSError, problem: str | None) -> None:
    assert errors.write_problem(exc, "/data/output/clan_data.json") == problem


def test_a_too_long_staged_path_is_measured_where_windows_refused_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reviewer's case: the final path fits in 260, its `.staging/` twin (9 longer) does not."""
    monkeypatch.setattr(errors.sys, "platform", "win32")
    folder = "C:\\" + "x" * 230
    final = folder + "\\report.xlsx"  # 246 characters
    staged = folder + "\\.staging\\report.xlsx.tmp-1234"  # 265 characters
    refused = OSError(errno.ENOENT, "No such file or directory", staged)
    assert len(final) < errors.WINDOWS_MAX_PATH <= len(staged)
    assert errors.write_problem(refused, final) == errors.TOO_LONG
    line = errors.write_error(refused, final, setting="OUTPUT_DIR in .env")
    assert line is not None and f"the path is {len(staged)} characters" in str(line)
    short = OSError(errno.ENOENT, "No such file or directory", final)
    assert errors.write_problem(short, final) is None  # a missing file is not a long path


def test_a_write_error_names_the_folder_the_setting_and_the_fix() -> None:
    full = errors.write_error(
        _os_error(errno.ENOSPC), "/data/output/clan_data.json", setting="OUTPUT_DIR in .env"
    )
    assert full is not None and full.exit_code == errors.EXIT_WRITE == 7
    assert str(full).startswith("can't write clan_data.json in /data/output: the disk is full")
    assert "OUTPUT_DIR in .env" in str(full) and "\n" not in str(full)
    held = errors.write_error(
        _os_error(errno.EACCES), "/data/output/report.xlsx", setting="x", replacing=True
    )
    assert held is not None and "is open in another program" in str(held)
    assert errors.write_error(_os_error(errno.EEXIST), "/x", setting="x") is None
