"""Signed HTTP upload to a loopback receiver that checks signatures; targets run apart."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.db.engine import make_engine
from clanstats.db.models import OutputFile, SyncHistory
from clanstats.rules import FolderTarget, HttpTarget
from clanstats.sync.http_upload import sign, signed_headers, upload
from clanstats.sync.stage import SyncRun, sync_targets
from tests.fake_clock import FakeClock
from tests.faults import Fault, FaultyUploadReceiver

SECRET = "correct horse battery staple"
SUMMARY = b'{"clan": {"name": "Iron Owls"}, "members": []}'


class WallClock(FakeClock):
    """A fake unix clock for the receiver, starting near real time so uploads are fresh."""


@pytest.fixture
def clock() -> WallClock:
    import time

    return WallClock(start=time.time())


@pytest.fixture
def receiver(clock: WallClock) -> Iterator[FaultyUploadReceiver]:
    with FaultyUploadReceiver(secret=SECRET, clock=clock) as server:
        yield server


@pytest.fixture
def out(tmp_path: Path) -> Path:
    path = tmp_path / "output"
    path.mkdir()
    (path / "public_summary.json").write_bytes(SUMMARY)
    (path / "clan_data.json").write_bytes(b'{"private": true}')
    return path


ROWS = [
    OutputFile(path="public_summary.json", public=True, sha256="x", kind="public_json"),
    OutputFile(path="clan_data.json", public=False, sha256="x", kind="json"),
]


def http_target(url: str, **options: object) -> HttpTarget:
    return HttpTarget.model_validate(
        {"name": "website", "kind": "http", "url": url, "secret_env": "SITE_SECRET", **options}
    )


def send(
    receiver: FaultyUploadReceiver,
    out: Path,
    *,
    secret: str = SECRET,
    last: str | None = None,
    **kw: object,
):  # type: ignore[no-untyped-def]
    sleeps: list[float] = []
    outcome = upload(
        http_target(receiver.url),
        ROWS,
        output_dir=out,
        secret=secret,
        last_sent_sha256=last,
        sleep=sleeps.append,
        **kw,  # type: ignore[arg-type]
    )
    return outcome, sleeps


def test_a_good_upload_is_verified_and_accepted(receiver: FaultyUploadReceiver, out: Path) -> None:
    outcome, _ = send(receiver, out)
    assert (outcome.outcome, outcome.summary) == ("ok", f"sent ({len(SUMMARY)} bytes)")
    assert outcome.content_sha256 == hashlib.sha256(SUMMARY).hexdigest()
    [accepted] = receiver.accepted
    assert accepted.body == SUMMARY  # the private clan_data.json is not among the default files
    assert accepted.idempotency_key == hashlib.sha256(SUMMARY).hexdigest()


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    import hmac

    expected = hmac.new(b"k", b"1700000000." + b"{}", hashlib.sha256).hexdigest()
    assert sign("k", 1700000000, b"{}") == f"sha256={expected}"


def test_a_bad_secret_is_rejected_and_the_target_fails_in_one_line(
    receiver: FaultyUploadReceiver, out: Path
) -> None:
    outcome, sleeps = send(receiver, out, secret="wrong")
    assert outcome.outcome == "failed" and sleeps == []
    assert outcome.error == f"{receiver.url} refused the request (HTTP 401: bad signature)"
    assert receiver.accepted == []


def test_a_replayed_request_is_rejected(
    receiver: FaultyUploadReceiver, out: Path, clock: WallClock
) -> None:
    send(receiver, out)
    accepted = receiver.accepted[0]
    headers = signed_headers(SECRET, accepted.timestamp, SUMMARY)
    again = requests.post(receiver.url, data=SUMMARY, headers=headers, timeout=5)
    assert again.status_code == 409  # same key: already received
    other = b'{"other": 1}'
    stale = signed_headers(SECRET, accepted.timestamp, other)
    clock.advance(6 * 60)
    late = requests.post(receiver.url, data=other, headers=stale, timeout=5)
    assert late.status_code == 401 and "too old" in late.json()["error"]
    assert len(receiver.accepted) == 1


def test_an_old_timestamp_from_the_sender_is_rejected(
    receiver: FaultyUploadReceiver, out: Path, clock: WallClock
) -> None:
    outcome, _ = send(receiver, out, clock=lambda: clock.now - 301)
    assert outcome.outcome == "failed" and "HTTP 401" in str(outcome.error)


def test_a_503_is_retried_with_backoff_and_then_succeeds(
    receiver: FaultyUploadReceiver, out: Path
) -> None:
    receiver.inject(Fault("503", times=2))
    outcome, sleeps = send(receiver, out)
    # Backoff with jitter (clanstats/http_retry.py): 1 s then 2 s, each drawn from its upper half.
    assert outcome.outcome == "ok" and len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0
    assert [r.status for r in receiver.requests] == [503, 503, 200]
    assert len(receiver.accepted) == 1


def test_a_429_waits_as_long_as_retry_after_says(receiver: FaultyUploadReceiver, out: Path) -> None:
    receiver.inject(Fault("429", retry_after=7))
    outcome, sleeps = send(receiver, out)
    assert outcome.outcome == "ok" and sleeps == [7.0]


def test_retries_run_out_into_one_failure_line(receiver: FaultyUploadReceiver, out: Path) -> None:
    receiver.inject(Fault("503", times=10))
    outcome, sleeps = send(receiver, out)
    assert outcome.outcome == "failed" and len(sleeps) == 4
    assert outcome.error == f"{receiver.url} kept failing after 5 tries (HTTP 503: try again later)"


def test_unchanged_content_is_not_sent_again(receiver: FaultyUploadReceiver, out: Path) -> None:
    first, _ = send(receiver, out)
    second, _ = send(receiver, out, last=first.content_sha256)
    assert (second.outcome, second.summary) == ("skipped", "skipped (unchanged)")
    assert len(receiver.requests) == 1


def test_several_files_go_as_one_json_object(receiver: FaultyUploadReceiver, out: Path) -> None:
    outcome = upload(
        http_target(receiver.url, files=["*.json"]),
        ROWS,
        output_dir=out,
        secret=SECRET,
        last_sent_sha256=None,
    )
    assert outcome.outcome == "ok"
    import json

    assert json.loads(receiver.accepted[0].body) == {
        "files": {"clan_data.json": {"private": True}, "public_summary.json": json.loads(SUMMARY)}
    }


# --------------------------------------------------------------------------- the stage


def test_one_failing_target_does_not_stop_the_others(
    tmp_path: Path,
    migrated_url: str,
    out: Path,
    receiver: FaultyUploadReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = make_engine(migrated_url)
    with Session(engine) as session, session.begin():
        for row in ROWS:
            session.add(
                OutputFile(
                    group_id=1,
                    path=row.path,
                    kind=row.kind,
                    public=row.public,
                    sha256="x",
                    bytes=1,
                    written_at=datetime(2026, 11, 20),
                )
            )
    with Session(engine) as session:
        files = list(session.scalars(select(OutputFile)))
    monkeypatch.setenv("SITE_SECRET", SECRET)
    monkeypatch.setenv("CLANSTATS_ENV_FILE", str(tmp_path / "absent.env"))
    drive = tmp_path / "drive"
    drive.mkdir()
    targets = [
        FolderTarget(name="gone", kind="folder", path=str(tmp_path / "missing")),
        http_target(receiver.url),
        HttpTarget(name="nosecret", kind="http", url=receiver.url, secret_env="UNSET_SECRET_XYZ"),
        FolderTarget(name="drive", kind="folder", path=str(drive)),
    ]
    run = SyncRun(engine=engine, group_id=1, output_dir=out, files=files, dry_run=False)
    result = sync_targets(run, targets)
    assert result.counts == {
        "gone: files changed": "failed",
        "website: upload": f"sent ({len(SUMMARY)} bytes)",
        "nosecret: upload": "failed",
        "drive: files changed": 2,
    }
    assert len(result.failures) == 2
    assert result.failures[0].startswith("sync target 'gone': path ")
    assert result.failures[1].startswith("sync target 'nosecret' needs UNSET_SECRET_XYZ in .env")
    again = sync_targets(run, targets[1:2])
    assert again.counts == {"website: upload": "skipped (unchanged)"}
    with Session(engine) as session:
        rows = session.scalars(select(SyncHistory).order_by(SyncHistory.id)).all()
    assert [(r.target, r.outcome) for r in rows] == [
        ("gone", "failed"),
        ("website", "ok"),
        ("nosecret", "failed"),
        ("drive", "ok"),
        ("website", "skipped"),
    ]


def test_a_dry_run_sends_nothing_and_records_nothing(
    tmp_path: Path,
    migrated_url: str,
    out: Path,
    receiver: FaultyUploadReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = make_engine(migrated_url)
    monkeypatch.setenv("SITE_SECRET", SECRET)
    drive = tmp_path / "drive"
    drive.mkdir()
    run = SyncRun(engine=engine, group_id=1, output_dir=out, files=ROWS, dry_run=True)
    result = sync_targets(
        run, [http_target(receiver.url), FolderTarget(name="drive", kind="folder", path=str(drive))]
    )
    assert result.counts == {
        "website: dry run": f"would send {len(SUMMARY)} bytes",
        "drive: would change": 2,
    }
    assert receiver.requests == [] and list(drive.iterdir()) == []
    with Session(engine) as session:
        # Not even a history row: `sync --status` would report a sync that never happened.
        assert session.scalars(select(SyncHistory)).all() == []


def test_a_run_whose_sources_all_failed_uploads_nothing_but_copies_to_folders(
    tmp_path: Path,
    migrated_url: str,
    out: Path,
    receiver: FaultyUploadReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The outputs show the last good harvest: no upload (nor Discord post) announces them."""
    engine = make_engine(migrated_url)
    monkeypatch.setenv("SITE_SECRET", SECRET)
    drive = tmp_path / "drive"
    drive.mkdir()
    run = SyncRun(
        engine=engine, group_id=1, output_dir=out, files=ROWS, dry_run=False, nothing_new=True
    )
    result = sync_targets(
        run, [http_target(receiver.url), FolderTarget(name="drive", kind="folder", path=str(drive))]
    )
    assert result.counts == {
        "website: upload": "skipped: every source failed, nothing new",
        "drive: files changed": 2,
    }
    assert result.failures == []
    assert receiver.requests == [] and len(list(drive.iterdir())) == 2


def test_an_answer_cut_off_after_the_receiver_took_the_upload_counts_as_delivered(
    receiver: FaultyUploadReceiver, out: Path
) -> None:
    # The receiver stores the upload, then hangs up mid-answer: the retry is told 409.
    receiver.inject(Fault("truncated"))
    outcome, sleeps = send(receiver, out)
    assert (outcome.outcome, outcome.summary) == ("ok", f"already received ({len(SUMMARY)} bytes)")
    assert [request.status for request in receiver.requests] == [200, 409]
    assert len(receiver.accepted) == 1 and len(sleeps) == 1
