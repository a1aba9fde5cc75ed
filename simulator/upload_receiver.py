"""A loopback receiver for signed uploads: checks the HMAC, refuses replays, records what it took.

    with UploadReceiver(secret="s3cret") as receiver:
        url = receiver.url  # POST here; receiver.accepted lists what got through

It verifies `X-ClanStats-Signature: sha256=<HMAC-SHA256(secret, "<timestamp>." + body)>`, refuses
timestamps more than `max_age` seconds from its clock (401) and an Idempotency-Key it has already
accepted (409). The tests that need it to fail add faults to it (tests/faults/upload.py).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from simulator.loopback import LoopbackServer, Request, Response, json_response

JSON_TYPE = "application/json"
UPLOAD_PATH = "/upload"


@dataclass(frozen=True)
class AcceptedUpload:
    """One upload the receiver accepted."""

    idempotency_key: str
    timestamp: int
    body: bytes


class UploadReceiver(LoopbackServer):
    """An HTTP endpoint on loopback that accepts only correctly signed, fresh, new uploads."""

    def __init__(
        self,
        *,
        secret: str,
        max_age: float = 300,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host=host, port=port)
        self.secret = secret
        self.max_age = max_age
        self.clock = clock
        self._accepted: list[AcceptedUpload] = []
        self._accepted_lock = threading.Lock()

    @property
    def url(self) -> str:
        """Return the upload URL."""
        return f"{self.root_url}{UPLOAD_PATH}"

    @property
    def accepted(self) -> list[AcceptedUpload]:
        """Return a copy of every accepted upload, oldest first."""
        with self._accepted_lock:
            return list(self._accepted)

    def respond(self, request: Request) -> Response:
        """Verify signature, freshness and novelty, then accept."""
        if request.path != UPLOAD_PATH:
            return refusal(404, "no such endpoint")
        if request.method != "POST":
            return refusal(405, "POST only")
        raw_timestamp = request.headers.get("X-ClanStats-Timestamp", "")
        signature = request.headers.get("X-ClanStats-Signature", "")
        key = request.headers.get("Idempotency-Key", "")
        if not raw_timestamp.isdigit() or not signature or not key:
            return refusal(400, "missing signature headers")
        timestamp = int(raw_timestamp)
        expected = hmac.new(
            self.secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(signature, f"sha256={expected}"):
            return refusal(401, "bad signature")
        if abs(self.clock() - timestamp) > self.max_age:
            return refusal(401, "timestamp too old or in the future (replay?)")
        if key != hashlib.sha256(request.body).hexdigest():
            return refusal(400, "Idempotency-Key is not the body's SHA-256")
        with self._accepted_lock:
            if any(upload.idempotency_key == key for upload in self._accepted):
                return refusal(409, "already received (replay)")
            self._accepted.append(AcceptedUpload(key, timestamp, request.body))
        return json_response(200, {"status": "accepted", "key": key}, JSON_TYPE)


def refusal(status: int, message: str) -> Response:
    """Return a refusal: its status and a JSON body saying why."""
    return json_response(status, {"error": message}, JSON_TYPE)
