"""Sync to folders: only changed files, temp+rename, backups with retention, validation, safety."""

from __future__ import annotations

import errno
import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from clanstats import outputs
from clanstats.db.models import OutputFile
from clanstats.errors import ConfigError
from clanstats.rules import FolderTarget
from clanstats.sync import folder
from clanstats.sync.folder import BACKUP_FOLDER, sync_folder

NOW = datetime(2026, 11, 20, 12, 0, 0)


def write_outputs(
    out: Path, files: dict[str, bytes], public: set[str] = frozenset()
) -> list[OutputFile]:  # type: ignore[assignment]
    rows = []
    for relative, content in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        rows.append(OutputFile(path=relative, public=relative in public, sha256="x", kind="json"))
    return rows


@pytest.fixture
def out(tmp_path: Path) -> Path:
    path = tmp_path / "output"
    path.mkdir()
    return path


@pytest.fixture
def drive(tmp_path: Path) -> Path:
    path = tmp_path / "drive"
    path.mkdir()
    return path


def target(drive: Path, **options: object) -> FolderTarget:
    return FolderTarget.model_validate(
        {"name": "drive", "kind": "folder", "path": str(drive), **options}
    )


def run(
    t: FolderTarget, rows: list[OutputFile], out: Path, **options: object
) -> folder.TargetOutcome:
    return sync_folder(t, rows, output_dir=out, project_root=out.parent, now=NOW, **options)  # type: ignore[arg-type]


def backups(drive: Path) -> list[str]:
    root = drive / BACKUP_FOLDER
    return (
        sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )


FILES = {
    "clan_data.json": b'{"a": 1}',
    "clan_dashboard.html": b"<html></html>",
    "site/_data/clanstats.json": b'{"b": 2}',
}


def test_first_sync_copies_all_and_second_copies_nothing(out: Path, drive: Path) -> None:
    rows = write_outputs(out, FILES)
    first = run(target(drive), rows, out)
    assert (first.outcome, first.files_changed) == ("ok", 3)
    assert (drive / "site/_data/clanstats.json").read_bytes() == b'{"b": 2}'
    second = run(target(drive), rows, out)
    assert (second.outcome, second.files_changed) == ("ok", 0)
    assert backups(drive) == []
    assert not [p for p in drive.rglob("*.tmp")]


def test_changed_file_is_copied_and_the_old_one_backed_up(out: Path, drive: Path) -> None:
    rows = write_outputs(out, FILES)
    run(target(drive), rows, out)
    (out / "clan_data.json").write_bytes(b'{"a": 2}')
    result = run(target(drive), rows, out)
    assert result.files_changed == 1
    assert (drive / "clan_data.json").read_bytes() == b'{"a": 2}'
    assert backups(drive) == ["clan_data.json.20261120T120000Z"]
    assert (drive / BACKUP_FOLDER / "clan_data.json.20261120T120000Z").read_bytes() == b'{"a": 1}'


def test_only_selected_and_public_files_go(out: Path, drive: Path) -> None:
    rows = write_outputs(out, FILES, public={"site/_data/clanstats.json", "clan_data.json"})
    result = run(target(drive, files=["site/*"], public_only=True), rows, out)
    assert result.files_changed == 1
    assert [p.name for p in drive.rglob("*") if p.is_file()] == ["clanstats.json"]


def test_the_destination_hash_decides_not_a_remembered_one(out: Path, drive: Path) -> None:
    rows = write_outputs(out, FILES)
    run(target(drive), rows, out)
    (drive / "clan_dashboard.html").write_text("edited by hand")
    assert run(target(drive), rows, out).changes == ["clan_dashboard.html (changed)"]
    assert (drive / "clan_dashboard.html").read_bytes() == b"<html></html>"


def test_backup_retention_by_count_and_age(out: Path, drive: Path) -> None:
    rows = write_outputs(out, {"clan_data.json": b"{}"})
    (drive / "clan_data.json").write_text('{"old": true}')
    folder_ = drive / BACKUP_FOLDER
    folder_.mkdir()
    for days in (1, 2, 3, 40):
        stamp = (NOW - timedelta(days=days)).strftime("%Y%m%dT%H%M%SZ")
        (folder_ / f"clan_data.json.{stamp}").write_text("{}")
    (folder_ / "other.json.20200101T000000Z").write_text("{}")  # another file's: not touched
    run(target(drive, backup_keep=3, backup_days=30), rows, out)
    assert backups(drive) == [
        "clan_data.json.20261118T120000Z",
        "clan_data.json.20261119T120000Z",
        "clan_data.json.20261120T120000Z",
        "other.json.20200101T000000Z",
    ]


@pytest.mark.parametrize(
    ("files", "options", "message"),
    [
        ({"clan_data.json": b'{"broken": '}, {}, "clan_data.json: not valid JSON"),
        (
            {"clan_data.json": b'{"a": "' + b"x" * 100 + b'"}'},
            {"max_bytes": 50},
            "over the limit of 50",
        ),
        ({"notes.txt": b"hello"}, {}, "notes.txt: type .txt is not allowed"),
    ],
)
def test_validation_refuses_the_target_and_writes_nothing(
    out: Path, drive: Path, files: dict[str, bytes], options: dict[str, object], message: str
) -> None:
    rows = write_outputs(out, {"clan_dashboard.html": b"<html></html>", **files})
    result = run(target(drive, **options), rows, out)
    assert result.outcome == "failed"
    assert result.error is not None and message in result.error
    assert "\n" not in result.error
    assert list(drive.iterdir()) == []


def test_dot_dot_in_a_manifest_path_is_refused(out: Path, drive: Path, tmp_path: Path) -> None:
    rows = write_outputs(out, {"clan_data.json": b"{}"})
    (tmp_path / "evil.json").write_text("{}")
    rows.append(OutputFile(path="../evil.json", public=True, sha256="x", kind="json"))
    result = run(target(drive), rows, out)
    assert result.outcome == "failed" and "../evil.json: not a plain relative path" in str(
        result.error
    )
    assert list(drive.iterdir()) == []


def test_a_link_leading_out_of_the_target_is_refused(
    out: Path, drive: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (drive / "site").symlink_to(outside, target_is_directory=True)
    rows = write_outputs(out, FILES)
    result = run(target(drive), rows, out)
    assert result.outcome == "failed" and "leads outside" in str(result.error)
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in drive.iterdir()) == ["site"]


def test_a_missing_target_folder_is_a_config_error_naming_the_target(
    out: Path, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=r"sync target 'drive': path .*missing is not a folder"):
        run(target(tmp_path / "missing"), [], out)


def test_a_relative_path_is_taken_from_the_project_folder(out: Path, drive: Path) -> None:
    rows = write_outputs(out, {"clan_data.json": b"{}"})
    result = run(target(drive, path="drive"), rows, out)  # project_root is tmp_path here
    assert result.files_changed == 1 and (drive / "clan_data.json").exists()


def test_a_locked_file_is_retried_then_reported_with_the_old_file_intact(
    out: Path, drive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = write_outputs(out, FILES)
    run(target(drive), rows, out)
    for name in ("clan_data.json", "clan_dashboard.html"):
        (out / name).write_bytes(
            (out / name).read_bytes().replace(b"1", b"9").replace(b"><", b">x<")
        )
    locked = drive / "clan_data.json"
    attempts: list[Path] = []
    real_replace = outputs.replace_file

    def replace(source: Path, destination: Path) -> None:
        if destination == locked:
            attempts.append(destination)
            raise PermissionError(13, "The process cannot access the file")
        real_replace(source, destination)

    monkeypatch.setattr(outputs, "replace_file", replace)
    sleeps: list[float] = []
    result = run(target(drive), rows, out, lock_retry_delays=(0.01, 0.02), sleep=sleeps.append)
    assert len(attempts) == 3 and sleeps == [0.01, 0.02]
    assert result.outcome == "partial" and result.files_changed == 1
    assert f"{locked} is open in another program" in str(result.error) and result.write_failed
    assert locked.read_bytes() == b'{"a": 1}'
    assert (drive / "clan_dashboard.html").read_bytes() == b"<html>x</html>"
    assert not [p for p in drive.rglob("*.tmp")]
    assert backups(drive) == ["clan_dashboard.html.20261120T120000Z"]


def test_dry_run_lists_changes_and_changes_nothing(out: Path, drive: Path) -> None:
    rows = write_outputs(out, FILES)
    (drive / "clan_data.json").write_text(json.dumps({"a": 0}))
    result = run(target(drive), rows, out, dry_run=True)
    assert result.dry_run and result.files_changed == 3
    assert sorted(result.changes) == [
        "clan_dashboard.html (new)",
        "clan_data.json (changed)",
        "site/_data/clanstats.json (new)",
    ]
    assert sorted(p.name for p in drive.iterdir()) == ["clan_data.json"]
    assert (drive / "clan_data.json").read_text() == '{"a": 0}'


def test_a_disk_that_fills_up_mid_backup_leaves_every_old_copy_and_no_half_file(
    out: Path, drive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills while the old clan_data.json is copied into the backups: nothing is
    replaced, no half copy stays in .clanstats-backups (a Drive client would upload it), and
    the line names the file and the target's setting, as a real full disk's error names
    neither."""
    rows = write_outputs(out, FILES)
    run(target(drive), rows, out)
    old = {p.relative_to(drive).as_posix(): p.read_bytes() for p in drive.rglob("*") if p.is_file()}
    for name in FILES:
        (out / name).write_bytes((out / name).read_bytes() + b" ")

    def full_disk_copy(source: Path, destination: Path) -> None:
        Path(destination).write_bytes(Path(source).read_bytes()[:3])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(folder.shutil, "copyfile", full_disk_copy)
    result = run(target(drive), rows, out)
    assert result.outcome == "failed" and result.write_failed
    assert "the disk is full" in str(result.error) and f"in {drive}" in str(result.error)
    assert "the path of sync target 'drive' in rules.yaml" in str(result.error)
    now = {p.relative_to(drive).as_posix(): p.read_bytes() for p in drive.rglob("*") if p.is_file()}
    assert now == old
