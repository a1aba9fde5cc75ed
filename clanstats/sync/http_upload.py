"""Signed HTTP upload: POST outputs with an HMAC-SHA256 signature, timestamp and idempotency key.

The receiver recomputes `HMAC-SHA256(secret, f"{timestamp}.".encode() + body)`, rejects old
timestamps (replays) and keys it has seen; the README shows how. Content the target already
accepted (the same body hash as its last ok upload) is not sent again.
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import requests

from clanstats.db.models import OutputFile
from clanstats.rules import HttpTarget
from clanstats.sync.history import TargetOutcome
from clanstats.sync.retry import DeliveryError, post_with_retries

TIMESTAMP_HEADER = "X-ClanStats-Timestamp"
SIGNATURE_HEADER = "X-ClanStats-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
ALREADY_RECEIVED = frozenset({409})


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the signature header value: `sha256=<hex HMAC-SHA256(secret, "<ts>." + body)>`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Return every header of a signed upload of `body` at `timestamp` (unix seconds)."""
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        IDEMPOTENCY_HEADER: hashlib.sha256(body).hexdigest(),
    }


def upload_body(target: HttpTarget, files: Sequence[OutputFile], output_dir: Path) -> bytes:
    """Return the bytes to send: the one file as is, or several as `{"files": {path: ...}}`."""
    chosen = [row.path for row in files if _selected(target, row.path)]
    if not chosen:
        wanted = ", ".join(target.files)
        raise DeliveryError(f"no output matches files: {wanted}; run export first")
    if len(chosen) == 1:
        content = (output_dir / chosen[0]).read_bytes()
        if PurePosixPath(chosen[0]).suffix == ".json":
            _require_json(chosen[0], content)
        return content
    bundle: dict[str, Any] = {}
    for path in chosen:
        content = (output_dir / path).read_bytes()
        bundle[path] = (
            _require_json(path, content)
            if PurePosixPath(path).suffix == ".json"
            else content.decode("utf-8")
        )
    return json.dumps({"files": bundle}, ensure_ascii=False, sort_keys=True).encode("utf-8")


def upload(
    target: HttpTarget,
    files: Sequence[OutputFile],
    *,
    output_dir: Path,
    secret: str,
    last_sent_sha256: str | None,
    dry_run: bool = False,
    session: requests.Session | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    backoff_base: float = 1.0,
) -> TargetOutcome:
    """Send the target's files unless the target already has this content; report the outcome."""
    try:
        body = upload_body(target, files, output_dir)
    except (DeliveryError, OSError, UnicodeDecodeError) as exc:
        return TargetOutcome(target.name, "http", "failed", "failed", error=str(exc))
    content_sha = hashlib.sha256(body).hexdigest()
    if content_sha == last_sent_sha256:
        return TargetOutcome(
            target.name, "http", "skipped", "skipped (unchanged)",
            content_sha256=content_sha, dry_run=dry_run,
        )  # fmt: skip
    if dry_run:
        return TargetOutcome(
            target.name, "http", "ok", f"would send {len(body):,} bytes",
            files_changed=1, content_sha256=content_sha, dry_run=True,
            changes=[f"POST {_shown(target.url)} ({len(body):,} bytes)"],
        )  # fmt: skip

    def build() -> dict[str, Any]:
        return {"data": body, "headers": signed_headers(secret, int(clock()), body)}

    try:
        # 409 is the receiver saying it already has this body (its Idempotency-Key): an earlier
        # try got through but its answer was lost, or a run was killed before recording it.
        response = post_with_retries(
            session or requests.Session(), target.url, build,
            shown_url=_shown(target.url), timeout=target.timeout,
            max_retries=target.max_retries, backoff_base=backoff_base, sleep=sleep,
            done_statuses=ALREADY_RECEIVED,
        )  # fmt: skip
    except DeliveryError as exc:
        return TargetOutcome(
            target.name, "http", "failed", "failed", content_sha256=content_sha, error=str(exc)
        )
    sent = "already received" if response.status_code in ALREADY_RECEIVED else "sent"
    return TargetOutcome(
        target.name, "http", "ok", f"{sent} ({len(body):,} bytes)",
        files_changed=1, bytes=len(body), content_sha256=content_sha,
    )  # fmt: skip


def _selected(target: HttpTarget, path: str) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in target.files)


def _require_json(path: str, content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError as exc:
        raise DeliveryError(f"{path}: not valid JSON ({exc}); refused") from None


def _shown(url: str) -> str:
    # Only scheme, host and path: a query string may carry a token.
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
