"""HTTP client for the Wise Old Man API v2: paced under the rate limit, retried, one-line errors.

Errors raised (all ClanStatsError, so the CLI shows one line and the right exit code):

    ConfigError
    ├── WomGroupNotFoundError      404 for WOM_GROUP_ID
    └── WomAuthError               403 for WOM_API_KEY or the group verification code
    SourceError
    ├── WomPlayerUnavailable       404/403 for one player: a backfill skips that player
    ├── WomRequestRejectedError    400 or another 4xx: retrying won't help
    ├── WomUnavailableError        5xx, 429, timeouts, drops or broken bodies outlasted the retries
    └── WomUnreachableError        no connection at all: an unknown host or a refused connection

A refused connection or an unknown host on a client's first request fails at once, without
retries, and every later call of that client fails the same way without a request: nothing
has ever answered, so WOM_BASE_URL, the network or Wise Old Man itself is down, and waiting a
minute won't change that (the next scheduled run tries again). Once anything has answered, the
same failure is retried like a timeout: WOM restarting or the network blinking mid-run is
worth a few seconds of backoff; if it outlasts the retries, later calls are skipped too.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

import requests
import urllib3.exceptions

from clanstats.errors import ConfigError, SourceError
from clanstats.http_retry import (
    CUT_SHORT,
    MAX_RETRY_AFTER,
    RETRYABLE_STATUSES,
    backoff_delay,
    header_seconds,
    server_wait,
)
from clanstats.ratelimit import TokenBucket

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.wiseoldman.net/v2"
REQUESTS_PER_MINUTE_WITH_KEY = 100
REQUESTS_PER_MINUTE_WITHOUT_KEY = 20
MAX_EVENT_PAGE = 50
MAX_SNAPSHOT_PAGE = 200
PLAYER_UNAVAILABLE_CODES = frozenset(
    {"PLAYER_NOT_FOUND", "PLAYER_OPTED_OUT", "PLAYER_IS_BLOCKED", "PLAYER_IS_ARCHIVED"}
    | {"PLAYER_IS_FLAGGED"}
)
EVENT_KINDS = ("achievements", "name-changes", "activity")
# How a request that never connected is described, by kind (else in the OS's words).
_CONNECT_FAILURES = {"dns": "DNS lookup failed", "refused": "connection refused"}

JsonObject = dict[str, Any]
EventKind = Literal["achievements", "name-changes", "activity"]
_Json = TypeVar("_Json", JsonObject, list[JsonObject])


class WomGroupNotFoundError(ConfigError):
    """WOM_GROUP_ID names a group Wise Old Man doesn't have."""


class WomAuthError(ConfigError):
    """Wise Old Man rejected WOM_API_KEY or the group verification code."""


class WomPlayerUnavailable(SourceError):  # noqa: N818 - the name other modules import
    """One player can't be fetched (untracked, opted out, blocked, archived or flagged)."""

    def __init__(self, username: str, reason: str) -> None:
        super().__init__(f"Wise Old Man has no data to give for player {username!r} ({reason})")
        self.username = username
        self.reason = reason


class WomRequestRejectedError(SourceError):
    """Wise Old Man refused a request (HTTP 400 or another 4xx) and a retry won't change that."""


class WomUnavailableError(SourceError):
    """Wise Old Man kept failing until the retries ran out, or asked for too long a wait."""


class WomUnreachableError(SourceError):
    """No connection to Wise Old Man at all: its host is unknown or refuses connections."""


@dataclass
class WomStats:
    """Counts for one client: HTTP attempts sent, retries and time spent waiting on the limit."""

    requests: int = 0
    retries: int = 0
    rate_wait_seconds: float = 0.0
    by_endpoint: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class _ErrorBody:
    """The code and message of a WOM error body, in either the current or the older format."""

    code: str | None
    message: str

    @classmethod
    def parse(cls, response: requests.Response) -> _ErrorBody:
        """Read `{"code", "message"}` or `{"message"}`; fall back to the HTTP reason."""
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return cls(None, response.reason or "")
        code = body.get("code")
        return cls(str(code) if code else None, _one_line(str(body.get("message") or "")))

    def redacted(self, secrets: list[str]) -> _ErrorBody:
        """Return a copy whose message shows none of the given secrets."""
        message = self.message
        for secret in secrets:
            message = message.replace(secret, "***")
        return _ErrorBody(self.code, message)

    @property
    def label(self) -> str:
        """Return the code if there is one, else the message."""
        return self.code or self.message


class _RetryableError(Exception):
    """One attempt failed in a way a retry may fix; str() describes it for the final error."""

    def __init__(self, description: str, *, wait: float | None = None) -> None:
        super().__init__(description)
        self.wait = wait


class _NoConnectionError(_RetryableError):
    """No connection was made: `kind` is "dns", "refused" or the OS's description."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"connection failed: {_CONNECT_FAILURES.get(kind, kind)}")
        self.kind = kind


class WomClient:
    """Call the Wise Old Man API, paced under its rate limit, retrying what a retry can fix."""

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        user_agent: str,
        requests_per_minute: int | None = None,
        rate_window_seconds: float = 60.0,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff_base: float = 1.0,
        max_retry_after: float = MAX_RETRY_AFTER,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not user_agent.strip():
            raise ValueError("user_agent must name the clan or a contact, as WOM asks")
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, not {max_retries}")
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key or None
        self._headers = {"User-Agent": user_agent, "Accept": "application/json"}
        if self._api_key:
            self._headers["x-api-key"] = self._api_key
        if requests_per_minute is None:
            requests_per_minute = (
                REQUESTS_PER_MINUTE_WITH_KEY if self._api_key else REQUESTS_PER_MINUTE_WITHOUT_KEY
            )
        self._bucket = TokenBucket(
            requests_per_minute, rate_window_seconds, clock=clock, sleep=sleep
        )
        self._timeout = timeout
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._max_retry_after = max_retry_after
        self._session = session or requests.Session()
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()
        self._stats_lock = threading.Lock()
        self.stats = WomStats()
        self._answered = False  # whether any request of this client ever got an HTTP answer
        # Set once WOM proved unreachable: every later call fails with it, sending nothing.
        self.unreachable: WomUnreachableError | None = None

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"WomClient(base_url={self._base_url!r}, api_key={key}, limit={self._bucket!r})"

    # -- group endpoints ------------------------------------------------------------------------

    def group(self, group_id: int) -> JsonObject:
        """Return the group's details with every membership."""
        return self._call("GET", "/groups/:id", {"id": group_id}, expect=dict)

    def bulk_hiscores(self, group_id: int) -> list[JsonObject]:
        """Return every member's latest full snapshot, in one call."""
        return self._call("GET", "/groups/:id/bulk-hiscores", {"id": group_id}, expect=list)

    def bulk_gained(
        self,
        group_id: int,
        *,
        period: str | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[JsonObject]:
        """Return every member's gains over a period or a start/end window, in one call."""
        query = _window_query(period, start, end)
        return self._call(
            "GET", "/groups/:id/bulk-gained", {"id": group_id}, query=query, expect=list
        )

    def group_competitions(self, group_id: int) -> list[JsonObject]:
        """Return the group's competitions."""
        return self._call("GET", "/groups/:id/competitions", {"id": group_id}, expect=list)

    def update_all(self, group_id: int, verification_code: str) -> JsonObject:
        """Ask WOM to queue updates for members last updated over a day ago."""
        return self._call(
            "POST",
            "/groups/:id/update-all",
            {"id": group_id},
            body={"verificationCode": verification_code},
            expect=dict,
        )

    def iter_group_events(
        self, group_id: int, kind: EventKind, *, page_size: int = MAX_EVENT_PAGE
    ) -> Iterator[list[JsonObject]]:
        """Yield pages of achievements, name changes or activity, newest first."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(EVENT_KINDS)}, not {kind!r}")
        _check_page_size(page_size, MAX_EVENT_PAGE)
        return self._pages(f"/groups/:id/{kind}", {"id": group_id}, {}, page_size)

    # -- competition endpoints ------------------------------------------------------------------

    def competition_details(self, competition_id: int) -> JsonObject:
        """Return one competition with every participant's progress, most gained first."""
        return self._call("GET", "/competitions/:id", {"id": competition_id}, expect=dict)

    # -- player endpoints -----------------------------------------------------------------------

    def player_snapshots(
        self, username: str, *, start: datetime, end: datetime, page_size: int = MAX_SNAPSHOT_PAGE
    ) -> Iterator[list[JsonObject]]:
        """Yield pages of one player's snapshots between start and end, newest first."""
        _check_page_size(page_size, MAX_SNAPSHOT_PAGE)
        query = _window_query(None, start, end)
        return self._pages("/players/:username/snapshots", {"username": username}, query, page_size)

    # -- transport ------------------------------------------------------------------------------

    def _pages(
        self,
        template: str,
        path_args: Mapping[str, object],
        query: Mapping[str, str],
        page_size: int,
    ) -> Iterator[list[JsonObject]]:
        """Fetch pages by limit/offset, one only when the caller asks for it, until a short one."""
        offset = 0
        while True:
            page_query = {**query, "limit": str(page_size), "offset": str(offset)}
            page = self._call("GET", template, path_args, query=page_query, expect=list)
            if page:
                yield page
            if len(page) < page_size:
                return
            offset += len(page)

    def _call(
        self,
        method: str,
        template: str,
        path_args: Mapping[str, object],
        *,
        expect: type[_Json],
        query: Mapping[str, str] | None = None,
        body: JsonObject | None = None,
    ) -> _Json:
        """Send one logical request, retrying transient failures; return the checked JSON."""
        if self.unreachable is not None:
            raise WomUnreachableError(str(self.unreachable))
        url = self._base_url + _fill_path(template, path_args)
        tries = self._max_retries + 1
        last: _RetryableError | None = None
        for attempt in range(tries):
            if attempt:
                self._count(retries=1)
            try:
                payload = self._attempt(method, template, url, path_args, query, body)
            except _RetryableError as failure:
                last = failure
                self._refuse_long_wait(template, failure)
                if isinstance(failure, _NoConnectionError) and not self._answered:
                    raise self._give_up_unreachable(failure, tries=1) from None
                if attempt + 1 < tries:
                    self._wait_before_retry(template, failure, attempt, tries)
                continue
            return _check_shape(payload, expect, template)
        if isinstance(last, _NoConnectionError):
            raise self._give_up_unreachable(last, tries=tries)
        raise WomUnavailableError(
            f"Wise Old Man did not answer {template} after {tries} tries (last: {last}); "
            "try again later"
        )

    def _give_up_unreachable(
        self, failure: _NoConnectionError, *, tries: int
    ) -> WomUnreachableError:
        """Remember that WOM can't be reached, so later calls fail without a request."""
        self.unreachable = WomUnreachableError(
            _unreachable_message(self._base_url, failure.kind, tries, answered=self._answered)
        )
        return self.unreachable

    def _attempt(
        self,
        method: str,
        template: str,
        url: str,
        path_args: Mapping[str, object],
        query: Mapping[str, str] | None,
        body: JsonObject | None,
    ) -> Any:
        """Wait for a token, send one HTTP request and return its JSON or raise."""
        waited = self._bucket.acquire()
        self._count(requests=1, rate_wait=waited, endpoint=template)
        started = self._clock()
        response = self._send(method, url, query, body)
        self._answered = True
        log.debug(
            "%s %s -> %s in %.3f s", method, template, response.status_code, self._clock() - started
        )
        self._obey_rate_headers(response)
        if response.ok:
            return _decode_json(response)
        raise self._error_for(method, template, path_args, response, body)

    def _send(
        self, method: str, url: str, query: Mapping[str, str] | None, body: JsonObject | None
    ) -> requests.Response:
        """Send the request and read the whole body, turning transport failures retryable."""
        try:
            return self._session.request(
                method, url, params=query, json=body, headers=self._headers, timeout=self._timeout
            )
        except requests.Timeout as exc:
            raise _RetryableError(f"no answer within {self._timeout:g} s") from exc
        except CUT_SHORT as exc:
            raise _RetryableError("the response body was cut short") from exc
        except requests.ConnectionError as exc:
            kind = _no_connection_kind(exc)
            if kind is not None:
                raise _NoConnectionError(kind) from exc
            raise _RetryableError(f"connection failed: {_root_cause(exc)}") from exc

    def _obey_rate_headers(self, response: requests.Response) -> None:
        """Pause the bucket until the server's reset when it says no requests remain."""
        remaining = header_seconds(response, "RateLimit-Remaining")
        reset = header_seconds(response, "RateLimit-Reset")
        if remaining is not None and remaining <= 0 and reset is not None:
            self._bucket.pause_until(self._clock() + min(reset, self._max_retry_after))

    def _error_for(
        self,
        method: str,
        template: str,
        path_args: Mapping[str, object],
        response: requests.Response,
        body: JsonObject | None,
    ) -> Exception:
        """Map an HTTP error to a retryable failure or to the error the caller should see."""
        status = response.status_code
        # A server echoing a request back could quote the key or the verification code.
        error = _ErrorBody.parse(response).redacted(self._secrets(body))
        if status == 429:
            label = f"HTTP 429 {error.label or 'Too Many Requests'}"
            return _RetryableError(label, wait=server_wait(response))
        if status in RETRYABLE_STATUSES:
            return _RetryableError(f"HTTP {status} {error.label}".rstrip())
        message = _permanent_error_message(method, template, status, error)
        return _permanent_error(path_args, status, error, message)

    def _wait_before_retry(
        self, template: str, failure: _RetryableError, attempt: int, tries: int
    ) -> None:
        """Honour a server-given wait (through the bucket) or back off exponentially."""
        if failure.wait is not None:
            # Through the bucket, so every other request waits too and the wait counts as pacing.
            self._bucket.pause_until(self._clock() + failure.wait)
            delay = failure.wait
        else:
            delay = backoff_delay(self._backoff_base, attempt, self._random)
            self._sleep(delay)
        log.info(
            "Wise Old Man %s failed (%s); retrying in %.2f s (try %d of %d)",
            template,
            failure,
            delay,
            attempt + 2,
            tries,
        )

    def _refuse_long_wait(self, template: str, failure: _RetryableError) -> None:
        """Give up at once when the server asks for a wait longer than max_retry_after."""
        if failure.wait is not None and failure.wait > self._max_retry_after:
            raise WomUnavailableError(
                f"Wise Old Man asked to wait {failure.wait:g} s before calling {template} "
                f"again (more than the {self._max_retry_after:g} s allowed); try again later"
            )

    def _count(
        self, *, requests: int = 0, retries: int = 0, rate_wait: float = 0.0, endpoint: str = ""
    ) -> None:
        """Add to the stats under a lock, so threads sharing a client keep exact counts."""
        with self._stats_lock:
            self.stats.requests += requests
            self.stats.retries += retries
            self.stats.rate_wait_seconds += rate_wait
            if endpoint:
                self.stats.by_endpoint[endpoint] += 1

    def _secrets(self, body: JsonObject | None) -> list[str]:
        """Return the API key and every string sent in the body (e.g. a verification code)."""
        secrets = [self._api_key] if self._api_key else []
        return secrets + [v for v in (body or {}).values() if isinstance(v, str) and v]


def _permanent_error_message(method: str, template: str, status: int, error: _ErrorBody) -> str:
    """Describe a non-retryable HTTP error in one line, before any mapping to a finer class."""
    detail = f"{error.code}: {error.message}" if error.code and error.message else error.label
    verb = "rejected" if status == 400 else "refused"
    return f"Wise Old Man {verb} {method} {template} (HTTP {status} {detail})".rstrip()


def _permanent_error(
    path_args: Mapping[str, object],
    status: int,
    error: _ErrorBody,
    message: str,
) -> Exception:
    """Pick the error class a caller can act on: fix config, skip a player, or give up."""
    text = error.message.lower()
    if status == 403 and (error.code == "INVALID_API_KEY" or "invalid api key" in text):
        return WomAuthError(
            "WOM_API_KEY was rejected by Wise Old Man (HTTP 403 Invalid API Key); "
            "correct it, or remove it to use the keyless limit of 20 requests a minute"
        )
    if status == 403 and (
        error.code == "INCORRECT_VERIFICATION_CODE" or "verification code" in text
    ):
        return WomAuthError(
            f"Wise Old Man rejected the verification code for group {path_args.get('id')} "
            "(HTTP 403 INCORRECT_VERIFICATION_CODE); use the code given when the group was made"
        )
    if status == 404 and (error.code == "GROUP_NOT_FOUND" or "group not found" in text):
        group_id = path_args.get("id")
        return WomGroupNotFoundError(
            f"WOM_GROUP_ID={group_id}: Wise Old Man has no such group; use the number in your "
            "group's page address (wiseoldman.net/groups/<id>)"
        )
    if "username" in path_args and _is_player_unavailable(status, error):
        return WomPlayerUnavailable(str(path_args["username"]), f"HTTP {status} {error.label}")
    return WomRequestRejectedError(message)


def _is_player_unavailable(status: int, error: _ErrorBody) -> bool:
    """Tell whether an error on a player endpoint means only that player can't be served."""
    if error.code in PLAYER_UNAVAILABLE_CODES:
        return True
    if error.code == "ENDPOINT_NOT_FOUND" or "endpoint not found" in error.message.lower():
        return False
    # Older bodies carry no code: any other 403 or 404 on a player path is about the player.
    return status in (403, 404) and error.code is None


def _decode_json(response: requests.Response) -> Any:
    """Return the body's JSON, or raise retryable if it was cut short or isn't JSON."""
    content = response.content
    declared = response.headers.get("Content-Length")
    # With compression the header counts encoded bytes, so only compare plain bodies.
    plain = "Content-Encoding" not in response.headers
    if plain and declared and declared.isdigit() and len(content) < int(declared):
        raise _RetryableError(
            f"HTTP {response.status_code} body cut short ({len(content)} of {declared} bytes)"
        )
    try:
        return json.loads(content)
    except ValueError as exc:
        raise _RetryableError(
            f"HTTP {response.status_code} with a body that is not valid JSON"
        ) from exc


def _check_shape(payload: Any, expect: type[_Json], template: str) -> _Json:
    """Make sure the top level is the object or list the endpoint promises."""
    if not isinstance(payload, expect):
        wanted = "an object" if expect is dict else "a list"
        raise SourceError(
            f"Wise Old Man answered {template} with {type(payload).__name__} "
            f"where {wanted} was expected; its API may have changed"
        )
    return payload


def _fill_path(template: str, path_args: Mapping[str, object]) -> str:
    """Replace each `:name` segment with its URL-quoted value."""
    segments = [
        quote(str(path_args[segment[1:]]), safe="") if segment.startswith(":") else segment
        for segment in template.split("/")
    ]
    return "/".join(segments)


def _window_query(
    period: str | None, start: datetime | None, end: datetime | None
) -> dict[str, str]:
    """Build the query for either a named period or a start/end date window."""
    if period is not None and (start is not None or end is not None):
        raise ValueError("give either a period or start/end dates, not both")
    if period is not None:
        return {"period": period}
    if start is None or end is None:
        raise ValueError("give a period, or both start and end dates")
    if _as_utc(start) >= _as_utc(end):
        raise ValueError(f"start {start.isoformat()} must be before end {end.isoformat()}")
    return {"startDate": _iso_utc(start), "endDate": _iso_utc(end)}


def _as_utc(moment: datetime) -> datetime:
    """Return the moment in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _iso_utc(moment: datetime) -> str:
    """Format a moment the way WOM writes dates: ISO 8601 UTC with milliseconds and Z."""
    return _as_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _check_page_size(page_size: int, maximum: int) -> None:
    """Refuse a page size WOM would reject or that would make paging loop."""
    if not 1 <= page_size <= maximum:
        raise ValueError(f"page_size must be between 1 and {maximum}, not {page_size}")


def _unreachable_message(base_url: str, kind: str, tries: int, *, answered: bool) -> str:
    """Say in one line that WOM can't be reached, naming the host and what to check."""
    address = urlsplit(base_url)
    where = address.netloc or base_url
    if answered:
        # It answered earlier in this run, so the setting is right: WOM or the network went away.
        what = _CONNECT_FAILURES.get(kind, kind)
        return f"Wise Old Man at {where} stopped answering ({what}, {tries} tries); try again later"
    if kind == "dns":
        return (
            f"Wise Old Man's host {address.hostname or where} can't be found (DNS lookup "
            "failed); check WOM_BASE_URL and this computer's internet connection"
        )
    if kind == "refused":
        return (
            f"Wise Old Man at {where} refused the connection; check WOM_BASE_URL, or try "
            "again later if Wise Old Man is down"
        )
    return (
        f"Wise Old Man at {where} can't be reached ({kind}); check WOM_BASE_URL and this "
        "computer's internet connection"
    )


def _no_connection_kind(exc: requests.ConnectionError) -> str | None:
    """How a request failed to connect: "dns", "refused" or the OS's words; else None.

    None means a connection was made and then lost (a drop, a reset): a retry may fix that.
    """
    chain = _exception_chain(exc)
    if any(isinstance(e, socket.gaierror) for e in chain):
        return "dns"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "refused"
    new_connection = next(
        (e for e in chain if isinstance(e, urllib3.exceptions.NewConnectionError)), None
    )
    if new_connection is None:
        return None
    causes = [e for e in chain if isinstance(e, OSError)]
    if not causes:
        return "no connection"
    # The OS's own words ("Network is unreachable"): they name no URL and no secret.
    return causes[-1].strerror or type(causes[-1]).__name__


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """The exception and every one behind it (reason, wrapped argument, cause, context)."""
    seen: list[BaseException] = []
    pending = [exc]
    while pending and len(seen) < 20:
        current = pending.pop(0)
        if any(current is known for known in seen):
            continue
        seen.append(current)
        reason = getattr(current, "reason", None)
        inner = [reason, *current.args, current.__cause__, current.__context__]
        pending += [e for e in inner if isinstance(e, BaseException)]
    return seen


def _root_cause(exc: BaseException) -> str:
    """Name the innermost exception behind a requests error, without its (URL-bearing) text."""
    current = exc
    for _ in range(6):
        inner = getattr(current, "reason", None)
        if not isinstance(inner, BaseException):
            inner = next((a for a in current.args if isinstance(a, BaseException)), None)
        if inner is None or inner is current:
            break
        current = inner
    return type(current).__name__


def _one_line(text: str) -> str:
    """Collapse whitespace so a server message can't break a one-line error."""
    return " ".join(text.split())[:200]
