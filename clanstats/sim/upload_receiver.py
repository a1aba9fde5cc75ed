"""A loopback receiver for signed uploads: checks the HMAC, refuses replays, records what it took.

    with UploadReceiver(secret="s3cret") as receiver:
        url = receiver.url  # POST here; receiver.accepted lists what got through

It verifies `X-ClanStats-Signature: sha256=<HMAC-SHA256(secret, "<timestamp>." + body)>`, refuses
timestamps more than `max_age` seconds from its clock (401) and an Idempotency-Key it has already
accepted (409). `inject(Fault("503", times=2))` makes it fail the next requests first; a
"malformed" fault takes the upload but garbles the answer (a proxy's page in place of the JSON).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from clanstats.sim.loopback import (
    MALFORMED_BODY,
    Fault,
    LoopbackServer,
    Request,
    Response,
    json_response,
)

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

    fault_kinds: ClassVar[tuple[str, ...]] = (
        "429", "500", "502", "503", "504", "timeout", "drop", "truncated", "malformed",
    )  # fmt: skip

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
            return _refuse(404, "no such endpoint")
        if request.method != "POST":
            return _refuse(405, "POST only")
        raw_timestamp = request.headers.get("X-ClanStats-Timestamp", "")
        signature = request.headers.get("X-ClanStats-Signature", "")
        key = request.headers.get("Idempotency-Key", "")
        if not raw_timestamp.isdigit() or not signature or not key:
            return _refuse(400, "missing signature headers")
        timestamp = int(raw_timestamp)
        expected = hmac.new(
            self.secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(signature, f"sha256={expected}"):
            return _refuse(401, "bad signature")
        if abs(self.clock() - timestamp) > self.max_age:
            return _refuse(401, "timestamp too old or in the future (replay?)")
        if key != hashlib.sha256(request.body).hexdigest():
            return _refuse(400, "Idempotency-Key is not the body's SHA-256")
        with self._accepted_lock:
            if any(upload.idempotency_key == key for upload in self._accepted):
                return _refuse(409, "already received (replay)")
            self._accepted.append(AcceptedUpload(key, timestamp, request.body))
        return json_response(200, {"status": "accepted", "key": key}, JSON_TYPE)

    def fault_response(self, request: Request, fault: Fault) -> Response:
        """Answer an injected 429 (with Retry-After) or 5xx, or garble a real answer."""
        if fault.kind == "malformed":
            response = self.respond(request)
            return Response(response.status, MALFORMED_BODY, "text/html")
        response = _refuse(int(fault.kind), "try again later")
        if fault.kind == "429":
            response.headers["Retry-After"] = f"{fault.retry_after:g}"
        return response


def _refuse(status: int, message: str) -> Response:
    return json_response(status, {"error": message}, JSON_TYPE)
