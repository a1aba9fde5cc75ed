"""The loopback HTTP server the simulator's fake APIs share: lifecycle and request log.

A subclass answers requests (`respond`) the way the real API does. `LoopbackServer` runs a
ThreadingHTTPServer in a daemon thread, records every request and closes every open connection
on `stop()`. A subclass may answer a request its own way before `respond` (`intercept`): the
tests' fault injection does (tests/faults/); the simulator itself serves only the real APIs.
`FixedWindowLimiter` counts requests per key in fixed windows.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger(__name__)


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
    """An answer ready to send; `payload` keeps the JSON value it was made from, if any."""

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
    """An HTTP server on loopback in a daemon thread, with a request log."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._address = (host, port)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._connections: set[socket.socket] = set()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ for subclasses

    def respond(self, request: Request) -> Response:
        """Answer a request normally."""
        raise NotImplementedError

    def credentials_sent(self, request: Request) -> bool:
        """Return whether a request carried the API's credential header."""
        return False

    def intercept(
        self, handler: BaseHTTPRequestHandler, request: Request, record: RecordedRequest
    ) -> bool:
        """Answer a request before `respond` may; return whether it was answered.

        The simulated APIs answer every request with `respond`; the tests' fault injection
        (tests/faults/) answers some its own way, through `send` or `log_request`.
        """
        return False

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

    # ------------------------------------------------------------------ requests

    @property
    def requests(self) -> list[RecordedRequest]:
        """Return a copy of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def reset_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    # ------------------------------------------------------------------ handling

    def _handle(self, handler: _Handler) -> None:
        """Answer one request: `intercept` first, else `respond`."""
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
        if not self.intercept(handler, request, record):
            self.send(handler, record, self.respond_safely(request))

    def respond_safely(self, request: Request) -> Response:
        """Return `respond`'s answer; a bug in the simulation still answers like a server."""
        try:
            return self.respond(request)
        except Exception:
            logger.exception("unexpected error serving %s %s", request.method, request.path)
            return json_response(500, {"message": "Unexpected error."}, "application/json")

    def send(
        self, handler: BaseHTTPRequestHandler, record: RecordedRequest, response: Response
    ) -> None:
        """Record and write an answer."""
        self.log_request(record, response.status)
        self.write_head(handler, response)
        try:
            handler.wfile.write(response.body)
        except OSError:
            handler.close_connection = True  # the client gave up (e.g. its timeout fired)

    @staticmethod
    def write_head(handler: BaseHTTPRequestHandler, response: Response) -> None:
        """Write an answer's status line and headers, Content-Length from its body."""
        handler.send_response(response.status)
        handler.send_header("Content-Type", response.content_type)
        handler.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            handler.send_header(name, value)
        handler.end_headers()

    def log_request(self, record: RecordedRequest, status: int) -> None:
        """Log a request with the status it got (before the answer goes out, so it's visible)."""
        with self._lock:
            self._requests.append(replace(record, status=status))

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
