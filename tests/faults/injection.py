"""Faults on the wire: a queue of them, and how a loopback server serves each kind.

`FaultInjection` goes in front of a simulated server's class (`class FaultyWomServer(
FaultInjection, FakeWomServer)`): a request whose path matches a pending fault gets the fault
instead of the normal answer. It serves the transport faults ("drop", "timeout", "truncated",
"truncated_json") and the payload faults ("wrong_type" and the schema drifts, through the
server's `drift`) itself; the server renders its API's error answers (`fault_response`).
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar, Literal, get_args

from simulator.loopback import (
    LoopbackServer,
    RecordedRequest,
    Request,
    Response,
    json_response,
)

FaultKind = Literal[
    "403", "429", "500", "502", "503", "504", "timeout", "drop",
    "malformed", "truncated", "truncated_json", "wrong_type",
    "schema", "unknown_fields", "missing_fields", "null_fields",
]  # fmt: skip
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
TRANSPORT_FAULTS = ("timeout", "drop", "truncated", "truncated_json")
# A normal answer, rewritten: wrong JSON type, or the schema drifting (the server's `drift`).
PAYLOAD_FAULTS = ("wrong_type", "schema", "unknown_fields", "missing_fields", "null_fields")
SCHEMA_FAULTS = PAYLOAD_FAULTS[1:]
MALFORMED_BODY = b"<!DOCTYPE html><html><body><h1>Something went wrong</h1></body></html>"


@dataclass(frozen=True)
class Fault:
    """A failure for the next `times` requests whose path matches `path_pattern` (a regex).

    Kinds: "429" (with Retry-After: retry_after), "500", "502", "503", "504" (error answers in
    the served API's style), "timeout" (answer normally after `delay` seconds), "drop" (hang up
    without answering), "malformed" (200 whose body isn't JSON), "truncated" (full
    Content-Length, half the body, hang up), "truncated_json" (200, JSON cut in half with a
    matching Content-Length), "wrong_type" (200, valid JSON of the wrong type: a list wrapped in
    an object, an object in a list), and the schema surprises, a normal answer drifted by the
    server's `drift`: "unknown_fields" (new fields, metrics or message types), "missing_fields"
    (optional fields left out), "null_fields" (null where a value was), "schema" (WOM: all three
    at once). Each server lists the kinds it serves in `fault_kinds`. Faulted requests don't
    count against the rate limit, except those answered normally.
    """

    kind: FaultKind
    path_pattern: str | None = None
    times: int = 1
    retry_after: float = 1
    delay: float = 5

    def __post_init__(self) -> None:
        """Reject unknown kinds, non-positive counts and broken patterns early."""
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")
        if self.times < 1:
            raise ValueError(f"times must be >= 1, got {self.times}")
        if self.path_pattern is not None:
            re.compile(self.path_pattern)

    def matches(self, path: str) -> bool:
        """Return whether this fault applies to a request path."""
        return self.path_pattern is None or re.search(self.path_pattern, path) is not None


class FaultInjection(LoopbackServer):
    """A loopback server with a fault queue: a matching request gets its fault, not `respond`."""

    fault_kinds: ClassVar[tuple[str, ...]] = FAULT_KINDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._fault_lock = threading.Lock()
        self._faults: list[Fault] = []  # pending, `times` counting down

    # ------------------------------------------------------------------ for the served API

    def fault_response(self, request: Request, fault: Fault) -> Response:
        """Return the canned answer of an error or malformed-body fault."""
        raise NotImplementedError

    def drift(self, payload: Any, kind: str) -> Any:
        """Return a normal answer's JSON drifted the way a schema fault `kind` says."""
        return payload

    # ------------------------------------------------------------------ the queue

    @property
    def faults(self) -> list[Fault]:
        """Return the pending faults, each with the `times` it has left."""
        with self._fault_lock:
            return list(self._faults)

    def inject(self, fault: Fault) -> None:
        """Queue a fault; matching requests consume it before normal handling."""
        if fault.kind not in self.fault_kinds:
            name = type(self).__name__
            raise ValueError(
                f"{name} can't serve {fault.kind!r} faults; it serves {self.fault_kinds}"
            )
        with self._fault_lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        """Drop every pending fault."""
        with self._fault_lock:
            self._faults.clear()

    def _take_fault(self, path: str) -> Fault | None:
        """Consume one use of the first pending fault matching a path."""
        with self._fault_lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(path):
                    if fault.times > 1:
                        self._faults[index] = replace(fault, times=fault.times - 1)
                    else:
                        del self._faults[index]
                    return fault
            return None

    # ------------------------------------------------------------------ serving a fault

    def intercept(
        self, handler: BaseHTTPRequestHandler, request: Request, record: RecordedRequest
    ) -> bool:
        """Serve the first pending fault matching the request's path, if there is one."""
        fault = self._take_fault(request.path)
        if fault is None:
            return False
        self.serve_fault(handler, request, record, fault)
        return True

    def serve_fault(
        self,
        handler: BaseHTTPRequestHandler,
        request: Request,
        record: RecordedRequest,
        fault: Fault,
    ) -> None:
        """Answer a request the way `fault` says."""
        if fault.kind == "drop":
            self.log_request(record, 0)
            hang_up(handler)
            return
        if fault.kind in PAYLOAD_FAULTS:
            response = self.respond_safely(request)
            if response.status == 200 and response.payload is not None:
                payload = response.payload
                if fault.kind == "wrong_type":
                    payload = [payload] if isinstance(payload, dict) else {"items": payload}
                else:
                    payload = self.drift(payload, fault.kind)
                rewritten = json_response(200, payload, response.content_type)
                response.body, response.payload = rewritten.body, rewritten.payload
            self.send(handler, record, response)
            return
        if fault.kind in TRANSPORT_FAULTS:
            if fault.kind == "timeout":
                time.sleep(fault.delay)
            response = self.respond_safely(request)
            if fault.kind == "truncated":
                self._send_half(handler, record, response)
                return
            if fault.kind == "truncated_json":
                response.body = response.body[: len(response.body) // 2]
            self.send(handler, record, response)
            return
        self.send(handler, record, self.fault_response(request, fault))

    def _send_half(
        self, handler: BaseHTTPRequestHandler, record: RecordedRequest, response: Response
    ) -> None:
        """Record an answer, send its full Content-Length and half its body, and hang up."""
        self.log_request(record, response.status)
        self.write_head(handler, response)
        try:
            handler.wfile.write(response.body[: len(response.body) // 2])
            handler.wfile.flush()
            hang_up(handler)
        except OSError:
            handler.close_connection = True  # the client gave up (e.g. its timeout fired)


def hang_up(handler: BaseHTTPRequestHandler) -> None:
    """Hang up on the client without a proper end."""
    handler.close_connection = True
    with contextlib.suppress(OSError):  # the client already hung up
        handler.connection.shutdown(socket.SHUT_RDWR)
