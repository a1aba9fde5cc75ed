"""The loopback HTTP server the simulator's fake APIs share: lifecycle, request log and faults.

A subclass answers requests (`respond`) and renders its own error faults (`fault_response`).
`LoopbackServer` runs a ThreadingHTTPServer in a daemon thread, records every request, serves
the transport faults ("drop", "timeout", "truncated", "truncated_json") and the payload faults
("wrong_type" and the schema drifts, through the subclass's `drift`) itself, and closes every
open connection on `stop()`. `FixedWindowLimiter` counts requests per key in fixed windows.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Literal, Self, get_args
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger(__name__)

FaultKind = Literal[
    "403", "429", "500", "502", "503", "504", "timeout", "drop",
    "malformed", "truncated", "truncated_json", "wrong_type",
    "schema", "unknown_fields", "missing_fields", "null_fields",
]  # fmt: skip
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
TRANSPORT_FAULTS = ("timeout", "drop", "truncated", "truncated_json")
# A normal answer, rewritten: wrong JSON type, or the schema drifting (subclasses' `drift`).
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


@dataclass(frozen=True)
class RecordedRequest:
    """One request, logged as its answer goes out; status 0 means it was dropped unanswered.

    `api_key` says whether the request carried the API's credential header (WOM's x-api-key,
    Discord's Authorization), valid or not.
    """

    method: str
    path: str
    query: dict[str, str]
    status: int
    api_key: bool
    at: float


@dataclass(frozen=True)
class Request:
    """One parsed request, as a subclass's `respond` sees it."""

    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes
    client: str


@dataclass
class Response:
    """An answer ready to send; `payload` keeps the JSON value for faults that rewrite it."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    payload: Any = None


def json_response(status: int, payload: Any, content_type: str) -> Response:
    """Return a compact JSON answer."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, body, content_type, payload=payload)


def format_seconds(value: float) -> str:
    """Format seconds for a header: whole numbers without a decimal point."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# --------------------------------------------------------------------------- rate limiting


@dataclass(frozen=True)
class Quota:
    """Where a key stands in its rate-limit window."""

    limit: int
    remaining: int
    reset_after: float
    allowed: bool


class FixedWindowLimiter:
    """Count requests per key in fixed windows that start with a key's first request."""

    def __init__(self, window_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window_seconds
        self._clock = clock  # a test's fake clock makes the windows exact under any load
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window start, count)

    def hit(self, key: str, limit: int) -> Quota:
        """Count one request and return the key's quota, allowed or not."""
        with self._lock:
            started, count = self._current(key)
            count += 1
            self._windows[key] = (started, count)
            return self._quota(started, count, limit)

    def peek(self, key: str, limit: int) -> Quota:
        """Return the key's quota without counting a request."""
        with self._lock:
            started, count = self._current(key)
            return self._quota(started, count, limit)

    def _current(self, key: str) -> tuple[float, int]:
        """Return the key's live window, starting a new one when the old has passed."""
        now = self._clock()
        started, count = self._windows.get(key, (now, 0))
        if now - started >= self.window:
            started, count = now, 0
        return started, count

    def _quota(self, started: float, count: int, limit: int) -> Quota:
        """Return a quota for a window holding `count` requests."""
        reset_after = max(0.0, started + self.window - self._clock())
        return Quota(limit, max(0, limit - count), reset_after, count <= limit)


# --------------------------------------------------------------------------- the server


class LoopbackServer:
    """An HTTP server on loopback in a daemon thread, with a request log and a fault queue."""

    fault_kinds: ClassVar[tuple[str, ...]] = FAULT_KINDS

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._address = (host, port)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []  # pending, `times` counting down
        self._connections: set[socket.socket] = set()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ for subclasses

    def respond(self, request: Request) -> Response:
        """Answer a request normally."""
        raise NotImplementedError

    def fault_response(self, request: Request, fault: Fault) -> Response:
        """Return the canned answer of an error or malformed-body fault."""
        raise NotImplementedError

    def credentials_sent(self, request: Request) -> bool:
        """Return whether a request carried the API's credential header."""
        return False

    def drift(self, payload: Any, kind: str) -> Any:
        """Return a normal answer's JSON drifted the way a schema fault `kind` says."""
        return payload

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Bind and serve in a daemon thread; return self."""
        if self._httpd is not None:
            return self
        httpd = _HttpServer(self._address, _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """Return the bound port (only while running)."""
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        return int(self._httpd.server_address[1])

    @property
    def root_url(self) -> str:
        """Return `http://HOST:PORT` (only while running)."""
        return f"http://{self._address[0]}:{self.port}"

    # ------------------------------------------------------------------ requests and faults

    @property
    def requests(self) -> list[RecordedRequest]:
        """Return a copy of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def reset_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    @property
    def faults(self) -> list[Fault]:
        """Return the pending faults, each with the `times` it has left."""
        with self._lock:
            return list(self._faults)

    def inject(self, fault: Fault) -> None:
        """Queue a fault; matching requests consume it before normal handling."""
        if fault.kind not in self.fault_kinds:
            name = type(self).__name__
            raise ValueError(
                f"{name} can't serve {fault.kind!r} faults; it serves {self.fault_kinds}"
            )
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._faults.clear()

    def _take_fault(self, path: str) -> Fault | None:
        """Consume one use of the first pending fault matching a path."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(path):
                    if fault.times > 1:
                        self._faults[index] = replace(fault, times=fault.times - 1)
                    else:
                        del self._faults[index]
                    return fault
            return None

    # ------------------------------------------------------------------ handling

    def _handle(self, handler: _Handler) -> None:
        """Answer one request: a fault if one matches, else `respond`."""
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        request = Request(
            method=handler.command,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=handler.headers,
            body=handler.rfile.read(length) if length else b"",
            client=str(handler.client_address[0]),
        )
        sent_key = self.credentials_sent(request)
        record = RecordedRequest(
            request.method, request.path, request.query, 0, sent_key, time.time()
        )
        fault = self._take_fault(request.path)
        if fault is None:
            self.send(handler, record, self._respond_safely(request))
        else:
            self.serve_fault(handler, request, record, fault)

    def _respond_safely(self, request: Request) -> Response:
        """Return `respond`'s answer; a bug in the simulation still answers like a server."""
        try:
            return self.respond(request)
        except Exception:
            logger.exception("unexpected error serving %s %s", request.method, request.path)
            return json_response(500, {"message": "Unexpected error."}, "application/json")

    def serve_fault(
        self,
        handler: BaseHTTPRequestHandler,
        request: Request,
        record: RecordedRequest,
        fault: Fault,
    ) -> None:
        """Answer a request the way `fault` says."""
        if fault.kind == "drop":
            self._record(record, 0)
            self.hang_up(handler)
            return
        if fault.kind in PAYLOAD_FAULTS:
            response = self._respond_safely(request)
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
            response = self._respond_safely(request)
            if fault.kind == "truncated_json":
                response.body = response.body[: len(response.body) // 2]
            self.send(handler, record, response, truncate=fault.kind == "truncated")
            return
        self.send(handler, record, self.fault_response(request, fault))

    def send(
        self,
        handler: BaseHTTPRequestHandler,
        record: RecordedRequest,
        response: Response,
        *,
        truncate: bool = False,
    ) -> None:
        """Record and write an answer; with `truncate`, send half the body and hang up."""
        self._record(record, response.status)
        handler.send_response(response.status)
        handler.send_header("Content-Type", response.content_type)
        handler.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        try:
            if truncate:
                handler.wfile.write(response.body[: len(response.body) // 2])
                handler.wfile.flush()
                self.hang_up(handler)
            else:
                handler.wfile.write(response.body)
        except OSError:
            handler.close_connection = True  # the client gave up (e.g. its timeout fired)

    def _record(self, record: RecordedRequest, status: int) -> None:
        """Log a request with the status it got (before the answer goes out, so it's visible)."""
        with self._lock:
            self._requests.append(replace(record, status=status))

    @staticmethod
    def hang_up(handler: BaseHTTPRequestHandler) -> None:
        """Hang up on the client without a proper end."""
        handler.close_connection = True
        with contextlib.suppress(OSError):  # the client already hung up
            handler.connection.shutdown(socket.SHUT_RDWR)

    def _track(self, connection: socket.socket, open_: bool) -> None:
        """Remember or forget an open connection, so stop() can close it."""
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


class _HttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows the LoopbackServer it serves for."""

    daemon_threads = True
    owner: LoopbackServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log connection errors quietly: clients time out and hang up on purpose in tests."""
        logger.debug("connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    """Hand every request to the LoopbackServer that owns this HTTP server."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # close idle keep-alive connections eventually
    # Headers and body go out in two writes; with Nagle on, each keep-alive request waits ~40 ms.
    disable_nagle_algorithm = True
    server: _HttpServer

    def setup(self) -> None:
        """Track the connection so stop() can close it."""
        super().setup()
        self.server.owner._track(self.connection, True)

    def finish(self) -> None:
        """Forget the connection."""
        self.server.owner._track(self.connection, False)
        with contextlib.suppress(OSError):  # a dropped or truncated answer closed the socket
            super().finish()

    def do_GET(self) -> None:
        """Serve a GET."""
        self.server.owner._handle(self)

    def do_POST(self) -> None:
        """Serve a POST."""
        self.server.owner._handle(self)

    def do_PUT(self) -> None:
        """Serve a PUT."""
        self.server.owner._handle(self)

    def do_DELETE(self) -> None:
        """Serve a DELETE."""
        self.server.owner._handle(self)

    def do_PATCH(self) -> None:
        """Serve a PATCH."""
        self.server.owner._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Send access logs to the module logger instead of stderr."""
        logger.debug(format, *args)


def serve_until_stopped(log: logging.Logger) -> None:
    """Block a fake server's command line until Ctrl-C or SIGTERM (treated alike)."""

    def _interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        log.info("stopped")
