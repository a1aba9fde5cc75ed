"""A loopback HTTP server that speaks the Wise Old Man API v2 subset over a SimulatedClan.

    with FakeWomServer(SimulatedClan(SimConfig(members=50))) as server:
        requests.get(f"{server.base_url}/groups/4242/bulk-hiscores")

It enforces WOM's API keys and rate limits, records every request, and can inject faults
(`server.inject(Fault("503"))`) so clients can be tested against a misbehaving service.
Run `python -m clanstats.sim.wom_server --members 50 --days 120 --port 0` for a demo server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self, get_args
from urllib.parse import parse_qsl, unquote, urlsplit

from clanstats.sim.clan import DAY_MS, HOUR_MS, PERIODS, SimConfig, SimulatedClan

logger = logging.getLogger(__name__)

FaultKind = Literal[
    "429", "500", "502", "503", "timeout", "drop",
    "malformed", "truncated", "truncated_json", "schema",
]  # fmt: skip
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
ErrorStyle = Literal["current", "legacy"]

JSON_TYPE = "application/json; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
_PAGE_LIMIT, _SNAPSHOT_PAGE_LIMIT, _DEFAULT_PAGE = 50, 200, 20
_PERIOD_EXPRESSION = re.compile(r"(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?")
_PERIOD_UNITS_MS = (PERIODS["year"], PERIODS["month"], PERIODS["week"], DAY_MS, HOUR_MS)
_UNKNOWN_METRIC = "mystery_boss_2099"
_BAD_GATEWAY_HTML = (
    b"<html><head><title>502 Bad Gateway</title></head><body>"
    b"<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
_MALFORMED_BODY = b"<!DOCTYPE html><html><body><h1>Something went wrong</h1></body></html>"


@dataclass(frozen=True)
class Fault:
    """A failure for the next `times` requests whose path matches `path_pattern` (a regex).

    Kinds: "429" (with Retry-After: retry_after), "500", "502" (an HTML proxy page), "503"
    (HISCORES_SERVICE_UNAVAILABLE), "timeout" (answer normally after `delay` seconds),
    "drop" (hang up without answering), "malformed" (200 whose body isn't JSON), "truncated"
    (full Content-Length, half the body, hang up), "truncated_json" (200, JSON cut in half with
    a matching Content-Length), "schema" (200, payload drifted: unknown metric, missing field,
    nulls). Faulted requests don't count against the rate limit, except those answered normally.
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
    """One request, logged as its answer goes out; status 0 means it was dropped unanswered."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    api_key: bool
    at: float


class ApiError(Exception):
    """An error answer: HTTP status, WOM error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class _Response:
    """An answer ready to send; `payload` keeps the JSON value for the schema fault."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    payload: Any = None


def _json_response(status: int, payload: Any) -> _Response:
    """Return a JSON answer."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return _Response(status, body, payload=payload)


def _seconds(value: float) -> str:
    """Format seconds for a header: whole numbers without a decimal point."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# --------------------------------------------------------------------------- rate limiting


@dataclass(frozen=True)
class _Quota:
    """Where a client stands in its rate-limit window."""

    limit: int
    remaining: int
    reset: float
    allowed: bool

    def headers(self) -> dict[str, str]:
        """Return the RateLimit-* headers every answer carries."""
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(math.ceil(self.reset)),
        }


class _RateLimiter:
    """Count requests per client in fixed windows, as WOM does."""

    def __init__(self, window_seconds: float) -> None:
        self._window = window_seconds
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # client -> (window start, count)

    def hit(self, client: str, limit: int) -> _Quota:
        """Count one request and return the client's quota, allowed or not."""
        with self._lock:
            started, count = self._current(client)
            count += 1
            self._windows[client] = (started, count)
            return self._quota(started, count, limit)

    def peek(self, client: str, limit: int) -> _Quota:
        """Return the client's quota without counting a request."""
        with self._lock:
            started, count = self._current(client)
            return self._quota(started, count, limit)

    def _current(self, client: str) -> tuple[float, int]:
        """Return the client's live window, starting a new one when the old has passed."""
        now = time.monotonic()
        started, count = self._windows.get(client, (now, 0))
        if now - started >= self._window:
            started, count = now, 0
        return started, count

    def _quota(self, started: float, count: int, limit: int) -> _Quota:
        """Return a quota for a window holding `count` requests."""
        reset = max(0.0, started + self._window - time.monotonic())
        return _Quota(limit, max(0, limit - count), reset, count <= limit)


# --------------------------------------------------------------------------- the API


def _parse_period(text: str) -> int:
    """Return a period's length in ms: a name (`week`) or an expression (`2w3d`)."""
    if text in PERIODS:
        return PERIODS[text]
    match = _PERIOD_EXPRESSION.fullmatch(text)
    length = 0
    if match:
        length = sum(
            int(n) * unit for n, unit in zip(match.groups(), _PERIOD_UNITS_MS, strict=True) if n
        )
    if length <= 0:
        raise ApiError(400, "INVALID_PERIOD", f"Invalid period: {text}.")
    return length


def _parse_date(name: str, text: str) -> datetime:
    """Return an ISO 8601 date from a query parameter (naive means UTC)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(
            400, "VALIDATION_ERROR", f"Parameter '{name}' is not a valid date."
        ) from None
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _page(query: dict[str, str], max_limit: int = _PAGE_LIMIT) -> slice:
    """Return the slice `limit` and `offset` ask for, enforcing WOM's maximum limit."""
    limit = _integer(query, "limit", _DEFAULT_PAGE)
    offset = _integer(query, "offset", 0)
    if limit < 1 or limit > max_limit:
        message = f"Parameter 'limit' must be between 1 and {max_limit}."
        raise ApiError(400, "VALIDATION_ERROR", message)
    if offset < 0:
        raise ApiError(400, "VALIDATION_ERROR", "Parameter 'offset' must be >= 0.")
    return slice(offset, offset + limit)


def _integer(query: dict[str, str], name: str, default: int) -> int:
    """Return an integer query parameter, or `default` when it is absent."""
    if name not in query:
        return default
    try:
        return int(query[name])
    except ValueError:
        raise ApiError(400, "VALIDATION_ERROR", f"Parameter '{name}' is not a number.") from None


class _WomApi:
    """The WOM routes over a SimulatedClan; each returns a JSON value or a ready _Response."""

    def __init__(self, clan: SimulatedClan) -> None:
        self.clan = clan
        self._feeds: dict[tuple[str, datetime], list[Any]] = {}
        group = r"/groups/(?P<group>[^/]+)"
        player = r"/players/(?P<player>[^/]+)"
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", group, self.group_details),
            ("GET", group + "/bulk-hiscores", self.bulk_hiscores),
            ("GET", group + "/bulk-gained", self.bulk_gained),
            ("GET", group + "/gained", self.gained),
            ("GET", group + "/hiscores", self.hiscores),
            ("GET", group + "/records", self.records),
            ("GET", group + "/achievements", self.achievements),
            ("GET", group + "/name-changes", self.name_changes),
            ("GET", group + "/activity", self.activity),
            ("GET", group + "/competitions", self.competitions),
            ("GET", group + "/statistics", self.statistics),
            ("GET", group + "/csv", self.csv),
            ("POST", group + "/update-all", self.update_all),
            ("GET", player, self.player_details),
            ("GET", player + "/snapshots", self.player_snapshots),
            ("GET", player + "/snapshots/timeline", self.player_timeline),
        ]
        self._routes = [(method, re.compile(f"/v2{path}/?"), view) for method, path, view in routes]

    def dispatch(self, method: str, path: str, query: dict[str, str], body: bytes) -> _Response:
        """Route a request; ApiError for anything WOM would refuse."""
        for route_method, pattern, view in self._routes:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                arguments = {k: unquote(v) for k, v in match.groupdict().items()}
                if "group" in arguments:
                    self._check_group(arguments.pop("group"))
                result = view(query=query, body=body, **arguments)
                return result if isinstance(result, _Response) else _json_response(200, result)
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"Endpoint not found: {method} {path}")

    # ------------------------------------------------------------------ group routes

    def group_details(self, **_: Any) -> Any:
        """GET /groups/:id."""
        return self.clan.group_details()

    def bulk_hiscores(self, **_: Any) -> Any:
        """GET /groups/:id/bulk-hiscores."""
        return self.clan.bulk_hiscores()

    def bulk_gained(self, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/bulk-gained?period= or ?startDate=&endDate=."""
        return self.clan.bulk_gained(*self._range(query))

    def gained(self, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/gained?metric=&period=."""
        return self.clan.group_gained(self._metric(query), *self._range(query))

    def hiscores(self, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/hiscores?metric=."""
        return self.clan.group_hiscores(self._metric(query))

    def records(self, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/records?metric=&period= (paged)."""
        metric, period = self._metric(query), query.get("period", "")
        if period not in PERIODS:
            raise ApiError(400, "INVALID_PERIOD", f"Invalid period: {period}.")
        page = _page(query)
        return self.clan.group_records(metric, period)[page]

    def achievements(self, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/achievements (paged, newest first)."""
        page = _page(query)
        return self._feed("achievements", self.clan.achievements)[page]

    def name_changes(self, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/name-changes (paged, newest first)."""
        page = _page(query)
        return self._feed("name_changes", self.clan.name_changes)[page]

    def activity(self, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/activity (paged, newest first)."""
        page = _page(query)
        return self._feed("activity", self.clan.activity)[page]

    def _feed(self, name: str, build: Callable[[], list[Any]]) -> list[Any]:
        """A whole event feed as of the clan's now, built once and paged from then on.

        Building a feed walks every member's history; a client paging 100 pages would otherwise
        pay for it 100 times.
        """
        key = (name, self.clan.now)
        if key not in self._feeds:
            self._feeds = {k: v for k, v in self._feeds.items() if k[1] == key[1]}
            self._feeds[key] = build()
        return self._feeds[key]

    def competitions(self, **_: Any) -> Any:
        """GET /groups/:id/competitions."""
        return self.clan.competitions()

    def statistics(self, **_: Any) -> Any:
        """GET /groups/:id/statistics; 400 for a group without stats."""
        statistics = self.clan.group_statistics()
        if statistics is None:
            raise ApiError(400, "BAD_REQUEST", "Couldn't find any stats for this group.")
        return statistics

    def csv(self, **_: Any) -> _Response:
        """GET /groups/:id/csv as text/csv."""
        csv = self.clan.members_csv()
        if "\n" not in csv:  # the header alone
            raise ApiError(400, "BAD_REQUEST", "Group has no members.")
        return _Response(200, csv.encode(), CSV_TYPE)

    def update_all(self, body: bytes, **_: Any) -> Any:
        """POST /groups/:id/update-all with {verificationCode}."""
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(400, "VALIDATION_ERROR", "Request body is not valid JSON.") from None
        code = payload.get("verificationCode") if isinstance(payload, dict) else None
        if not code:
            message = "Parameter 'verificationCode' is undefined."
            raise ApiError(400, "VALIDATION_ERROR", message)
        if code != self.clan.verification_code:
            raise ApiError(403, "INCORRECT_VERIFICATION_CODE", "Incorrect verification code.")
        count = self.clan.outdated_member_count()
        message = (
            f"{count} outdated (updated > 24h ago) players are being updated. "
            "This can take up to a few minutes."
        )
        return {"count": count, "message": message}

    # ------------------------------------------------------------------ player routes

    def player_details(self, player: str, **_: Any) -> Any:
        """GET /players/:username."""
        return self._found(self.clan.player_details(player))

    def player_snapshots(self, player: str, query: dict[str, str], **_: Any) -> Any:
        """GET /players/:username/snapshots (newest first, limit <= 200)."""
        page = _page(query, _SNAPSHOT_PAGE_LIMIT)
        start, end = self._optional_range(query)
        return self._found(self.clan.player_snapshots(player, start, end))[page]

    def player_timeline(self, player: str, query: dict[str, str], **_: Any) -> Any:
        """GET /players/:username/snapshots/timeline?metric=."""
        metric = self._metric(query)
        start, end = self._optional_range(query)
        return self._found(self.clan.player_timeline(player, metric, start, end))

    # ------------------------------------------------------------------ parameters

    def _check_group(self, raw_id: str) -> None:
        """Refuse a non-numeric group id (400) or another group (404)."""
        if not raw_id.isdigit():
            raise ApiError(400, "VALIDATION_ERROR", "Parameter 'id' is not a valid number.")
        if int(raw_id) != self.clan.config.group_id:
            raise ApiError(404, "GROUP_NOT_FOUND", "Group not found.")

    def _metric(self, query: dict[str, str]) -> str:
        """Return the required `metric` parameter, checked against the served metrics."""
        metric = query.get("metric")
        if not metric:
            raise ApiError(400, "VALIDATION_ERROR", "Parameter 'metric' is undefined.")
        if metric.lower() not in self.clan.metrics:
            raise ApiError(400, "VALIDATION_ERROR", f"Invalid enum value for 'metric': {metric}.")
        return metric.lower()

    def _range(self, query: dict[str, str]) -> tuple[datetime, datetime]:
        """Return the window a `period` or a `startDate`/`endDate` pair asks for."""
        start, end = self._optional_range(query)
        if start is None or end is None:
            raise ApiError(400, "VALIDATION_ERROR", "Invalid period and start/end dates.")
        return start, end

    def _optional_range(self, query: dict[str, str]) -> tuple[datetime | None, datetime | None]:
        """Return (start, end) from `period` or dates; (None, None) when neither is given."""
        now = self.clan.now
        if "period" in query:
            return now - timedelta(milliseconds=_parse_period(query["period"])), now
        start_text, end_text = query.get("startDate"), query.get("endDate")
        if start_text is None and end_text is None:
            return None, None
        if start_text is None or end_text is None:
            raise ApiError(400, "VALIDATION_ERROR", "Both 'startDate' and 'endDate' are needed.")
        start, end = _parse_date("startDate", start_text), _parse_date("endDate", end_text)
        if start >= end:
            raise ApiError(400, "INVALID_DATE_RANGE", "Start date must be before the end date.")
        return start, end

    @staticmethod
    def _found(value: Any) -> Any:
        """Return value, or 404 when the clan doesn't know the player."""
        if value is None:
            raise ApiError(404, "PLAYER_NOT_FOUND", "Player not found.")
        return value


# --------------------------------------------------------------------------- faults on the wire


def _drift_schema(payload: Any) -> Any:
    """Return a copy of a payload drifted the way a changing API drifts.

    Snapshot data gains an unknown boss and nulls in its first activity, Player objects lose
    `ttm` and get a null `exp`, and bulk-gained metric lists gain an unknown metric.
    """
    if isinstance(payload, list):
        drifted = [_drift_schema(item) for item in payload]
        if drifted and all(
            isinstance(i, dict) and "gained" in i and "metric" in i for i in drifted
        ):
            drifted.append({"metric": _UNKNOWN_METRIC, "gained": 5, "start": 0, "end": 5})
        return drifted
    if not isinstance(payload, dict):
        return payload
    drifted_dict = {key: _drift_schema(value) for key, value in payload.items()}
    bosses, activities = drifted_dict.get("bosses"), drifted_dict.get("activities")
    if isinstance(bosses, dict) and isinstance(activities, dict):
        bosses[_UNKNOWN_METRIC] = {"metric": _UNKNOWN_METRIC, "rank": 1234, "kills": 42, "ehb": 0}
        for activity in list(activities)[:1]:
            activities[activity] = {**activities[activity], "rank": None, "score": None}
    if "username" in drifted_dict and "displayName" in drifted_dict:
        drifted_dict.pop("ttm", None)
        drifted_dict["exp"] = None
    return drifted_dict


# --------------------------------------------------------------------------- the server


class _HttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its FakeWomServer and its open connections."""

    daemon_threads = True
    owner: FakeWomServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log connection errors quietly: clients time out and hang up on purpose in tests."""
        logger.debug("connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    """Hand every request to the FakeWomServer that owns this HTTP server."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # close idle keep-alive connections eventually
    # Headers and body go out in two writes; with Nagle on, each keep-alive request waits ~40 ms.
    disable_nagle_algorithm = True
    server: _HttpServer

    def setup(self) -> None:
        """Track the connection so stop() can close it."""
        super().setup()
        self.server.owner._connections.add(self.connection)

    def finish(self) -> None:
        """Forget the connection."""
        self.server.owner._connections.discard(self.connection)
        with contextlib.suppress(OSError):  # a dropped or truncated answer closed the socket
            super().finish()

    def do_GET(self) -> None:
        """Serve a GET."""
        self.server.owner._handle(self)

    def do_POST(self) -> None:
        """Serve a POST."""
        self.server.owner._handle(self)

    def do_PUT(self) -> None:
        """Serve a PUT (always an unknown route)."""
        self.server.owner._handle(self)

    def do_DELETE(self) -> None:
        """Serve a DELETE (always an unknown route)."""
        self.server.owner._handle(self)

    def do_PATCH(self) -> None:
        """Serve a PATCH (always an unknown route)."""
        self.server.owner._handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Send access logs to the module logger instead of stderr."""
        logger.debug(format, *args)


class FakeWomServer:
    """A Wise Old Man API v2 server on loopback, backed by a SimulatedClan."""

    def __init__(
        self,
        clan: SimulatedClan,
        *,
        api_keys: Collection[str] = ("demo-key",),
        limit_without_key: int = 20,
        limit_with_key: int = 100,
        window_seconds: float = 60,
        error_style: ErrorStyle = "current",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.clan = clan
        self.api_keys = frozenset(api_keys)
        self.limit_without_key = limit_without_key
        self.limit_with_key = limit_with_key
        self.error_style = error_style
        self._api = _WomApi(clan)
        self._limiter = _RateLimiter(window_seconds)
        self._address = (host, port)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []  # pending, `times` counting down
        self._connections: set[socket.socket] = set()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

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
        for connection in list(self._connections):
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
    def base_url(self) -> str:
        """Return the API base URL, e.g. `http://127.0.0.1:PORT/v2`."""
        return f"http://{self._address[0]}:{self.port}/v2"

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
        """Answer one request: a fault if one matches, else auth, rate limit and the route."""
        split = urlsplit(handler.path)
        method, path = handler.command, split.path
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        key = handler.headers.get("x-api-key")
        request = RecordedRequest(method, path, query, 0, key is not None, time.time())
        fault = self._take_fault(path)
        if fault is None:
            self._send(handler, request, self._respond(handler, method, path, query, body))
        else:
            self._serve_fault(handler, request, fault, body)

    def _respond(
        self, handler: _Handler, method: str, path: str, query: dict[str, str], body: bytes
    ) -> _Response:
        """Check the key and the rate limit, then route; every answer gets RateLimit headers."""
        key = handler.headers.get("x-api-key")
        client, limit = self._client(handler)
        if key is not None and key not in self.api_keys:
            message = "Invalid API Key. Remove the header or ask WOM for a valid key."
            response = self._error(ApiError(403, "INVALID_API_KEY", message))
            response.headers.update(self._limiter.peek(client, limit).headers())
            return response
        quota = self._limiter.hit(client, limit)
        if not quota.allowed:
            response = self._rate_limited(math.ceil(quota.reset))
        else:
            try:
                response = self._api.dispatch(method, path, query, body)
            except ApiError as error:
                response = self._error(error)
            except Exception:  # a bug in the simulation must still answer like a server
                logger.exception("unexpected error serving %s %s", method, path)
                response = self._error(ApiError(500, "UNEXPECTED_ERROR", "Unexpected error."))
        response.headers.update(quota.headers())
        return response

    def _client(self, handler: _Handler) -> tuple[str, int]:
        """Return the rate-limit bucket and limit of a request: per valid key, else per IP."""
        key = handler.headers.get("x-api-key")
        if key is not None and key in self.api_keys:
            return f"key:{key}", self.limit_with_key
        return f"ip:{handler.client_address[0]}", self.limit_without_key

    def _error(self, error: ApiError) -> _Response:
        """Return an error answer in the configured body style."""
        if self.error_style == "legacy":
            return _json_response(error.status, {"message": error.message})
        return _json_response(error.status, {"code": error.code, "message": error.message})

    def _rate_limited(self, retry_after: float) -> _Response:
        """Return a 429 answer with Retry-After."""
        message = "Too many requests, please try again later."
        response = self._error(ApiError(429, "RATE_LIMIT_EXCEEDED", message))
        response.headers["Retry-After"] = _seconds(retry_after)
        return response

    def _serve_fault(
        self, handler: _Handler, request: RecordedRequest, fault: Fault, body: bytes
    ) -> None:
        """Answer a request the way `fault` says."""
        method, path, query = request.method, request.path, request.query
        client, limit = self._client(handler)
        quota_headers = self._limiter.peek(client, limit).headers()
        if fault.kind == "drop":
            self._record(request, 0)
            self._close(handler)
            return
        if fault.kind in ("timeout", "truncated", "truncated_json", "schema"):
            if fault.kind == "timeout":
                time.sleep(fault.delay)
            response = self._respond(handler, method, path, query, body)
            if fault.kind == "truncated":
                self._send(handler, request, response, truncate=True)
                return
            if fault.kind == "truncated_json":
                response.body = response.body[: len(response.body) // 2]
            elif fault.kind == "schema" and response.status == 200 and response.payload is not None:
                drifted = _json_response(200, _drift_schema(response.payload))
                response.body, response.payload = drifted.body, drifted.payload
            self._send(handler, request, response)
            return
        response = self._fault_response(fault)
        response.headers = {**quota_headers, **response.headers}
        self._send(handler, request, response)

    def _fault_response(self, fault: Fault) -> _Response:
        """Return the canned answer of a status or malformed-body fault."""
        if fault.kind == "429":
            return self._rate_limited(fault.retry_after)
        if fault.kind == "500":
            return self._error(ApiError(500, "UNEXPECTED_ERROR", "Internal server error."))
        if fault.kind == "502":
            # A proxy in front of WOM answers this one, in HTML.
            return _Response(502, _BAD_GATEWAY_HTML, "text/html")
        if fault.kind == "503":
            message = "Failed to load hiscores: Service is unavailable."
            return self._error(ApiError(503, "HISCORES_SERVICE_UNAVAILABLE", message))
        return _Response(200, _MALFORMED_BODY, JSON_TYPE)

    def _send(
        self,
        handler: _Handler,
        request: RecordedRequest,
        response: _Response,
        *,
        truncate: bool = False,
    ) -> None:
        """Record and write an answer; with `truncate`, send half the body and hang up."""
        self._record(request, response.status)
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
                self._close(handler)
            else:
                handler.wfile.write(response.body)
        except OSError:
            handler.close_connection = True  # the client gave up (e.g. its timeout fired)

    def _record(self, request: RecordedRequest, status: int) -> None:
        """Log a request with the status it got (before the answer goes out, so it's visible)."""
        with self._lock:
            self._requests.append(replace(request, status=status))

    @staticmethod
    def _close(handler: _Handler) -> None:
        """Hang up on the client without a proper end."""
        handler.close_connection = True
        with contextlib.suppress(OSError):  # the client already hung up
            handler.connection.shutdown(socket.SHUT_RDWR)


# --------------------------------------------------------------------------- command line


def _interrupt(signum: int, frame: object) -> None:
    """Treat SIGTERM like Ctrl-C so the server closes cleanly."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Serve a simulated clan until Ctrl-C; print the base URL first."""
    parser = argparse.ArgumentParser(description="Serve a simulated clan over the WOM API v2.")
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--group-id", type=int, default=4242)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--api-key", action="append", help="accepted key (default: demo-key)")
    parser.add_argument("--extra-metric", action="append", default=[], help="an unknown boss")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    config = SimConfig(
        seed=args.seed,
        members=args.members,
        days=args.days,
        group_id=args.group_id,
        extra_metrics=tuple(args.extra_metric),
    )
    clan = SimulatedClan(config)
    keys = tuple(args.api_key or ("demo-key",))
    signal.signal(signal.SIGTERM, _interrupt)
    with FakeWomServer(clan, api_keys=keys, host=args.host, port=args.port) as server:
        print(server.base_url, flush=True)
        logger.info(
            "group %d, verification code %s, api keys %s; Ctrl-C stops",
            config.group_id,
            clan.verification_code,
            ", ".join(keys),
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            logger.info("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
