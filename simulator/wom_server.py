"""A loopback HTTP server that speaks the Wise Old Man API v2 subset over a SimulatedClan.

    with FakeWomServer(SimulatedClan(SimConfig(members=50))) as server:
        requests.get(f"{server.base_url}/groups/4242/bulk-hiscores")

It enforces WOM's API keys and rate limits and records every request. It serves the API as WOM
does; the tests that need a misbehaving WOM add faults to it (tests/faults/wom.py).
Run `python -m simulator.wom_server --members 50 --days 120 --port 0` for a demo server.
The threaded server and request log are shared with the fake Discord (`loopback`).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import sys
import time
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import unquote

from simulator.clan import DAY_MS, HOUR_MS, PERIODS, SimConfig, SimulatedClan
from simulator.loopback import (
    FixedWindowLimiter,
    LoopbackServer,
    Quota,
    RecordedRequest,
    Request,
    format_seconds,
    json_response,
    serve_until_stopped,
)
from simulator.loopback import Response as _Response

logger = logging.getLogger(__name__)

__all__ = ["ApiError", "FakeWomServer", "RecordedRequest", "main"]

ErrorStyle = Literal["current", "legacy"]

JSON_TYPE = "application/json; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"
_PAGE_LIMIT, _SNAPSHOT_PAGE_LIMIT, _DEFAULT_PAGE = 50, 200, 20
_PERIOD_EXPRESSION = re.compile(r"(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?")
_PERIOD_UNITS_MS = (PERIODS["year"], PERIODS["month"], PERIODS["week"], DAY_MS, HOUR_MS)


class ApiError(Exception):
    """An error answer: HTTP status, WOM error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _json_response(status: int, payload: Any) -> _Response:
    """Return a JSON answer."""
    return json_response(status, payload, JSON_TYPE)


def _quota_headers(quota: Quota) -> dict[str, str]:
    """Return the RateLimit-* headers every answer carries."""
    return {
        "RateLimit-Limit": str(quota.limit),
        "RateLimit-Remaining": str(quota.remaining),
        "RateLimit-Reset": str(math.ceil(quota.reset_after)),
    }


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
    """The WOM routes over one or more SimulatedClans, routed by group id.

    Each view gets the clan a request is about (`clan=`) and returns a JSON value or a ready
    _Response. Player routes go to the first clan that tracks the player; a competition route
    finds the clan hosting the competition itself (`clan=None`).
    """

    def __init__(self, clans: Sequence[SimulatedClan]) -> None:
        self.clans = {clan.config.group_id: clan for clan in clans}
        if len(self.clans) != len(clans):
            ids = [clan.config.group_id for clan in clans]
            raise ValueError(f"every clan needs its own group_id, got {ids}")
        self._feeds: dict[tuple[int, str, datetime], list[Any]] = {}
        group = r"/groups/(?P<group>[^/]+)"
        player = r"/players/(?P<player>[^/]+)"
        competition = r"/competitions/(?P<competition>[^/]+)"
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
            ("GET", competition, self.competition_details),
        ]
        self._routes = [(method, re.compile(f"/v2{path}/?"), view) for method, path, view in routes]

    def dispatch(self, method: str, path: str, query: dict[str, str], body: bytes) -> _Response:
        """Route a request; ApiError for anything WOM would refuse."""
        for route_method, pattern, view in self._routes:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                arguments = {k: unquote(v) for k, v in match.groupdict().items()}
                clan: SimulatedClan | None = None
                if "group" in arguments:
                    clan = self._group(arguments.pop("group"))
                elif "player" in arguments:
                    clan = self._player_clan(arguments["player"])
                result = view(clan=clan, query=query, body=body, **arguments)
                return result if isinstance(result, _Response) else _json_response(200, result)
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"Endpoint not found: {method} {path}")

    # ------------------------------------------------------------------ group routes

    def group_details(self, clan: SimulatedClan, **_: Any) -> Any:
        """GET /groups/:id."""
        return clan.group_details()

    def bulk_hiscores(self, clan: SimulatedClan, **_: Any) -> Any:
        """GET /groups/:id/bulk-hiscores."""
        return clan.bulk_hiscores()

    def bulk_gained(self, clan: SimulatedClan, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/bulk-gained?period= or ?startDate=&endDate=."""
        return clan.bulk_gained(*self._range(clan, query))

    def gained(self, clan: SimulatedClan, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/gained?metric=&period=."""
        return clan.group_gained(self._metric(clan, query), *self._range(clan, query))

    def hiscores(self, clan: SimulatedClan, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/hiscores?metric=."""
        return clan.group_hiscores(self._metric(clan, query))

    def records(self, clan: SimulatedClan, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/records?metric=&period= (paged)."""
        metric, period = self._metric(clan, query), query.get("period", "")
        if period not in PERIODS:
            raise ApiError(400, "INVALID_PERIOD", f"Invalid period: {period}.")
        page = _page(query)
        return clan.group_records(metric, period)[page]

    def achievements(self, clan: SimulatedClan, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/achievements (paged, newest first)."""
        page = _page(query)
        return self._feed(clan, "achievements", clan.achievements)[page]

    def name_changes(self, clan: SimulatedClan, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/name-changes (paged, newest first)."""
        page = _page(query)
        return self._feed(clan, "name_changes", clan.name_changes)[page]

    def activity(self, clan: SimulatedClan, query: dict[str, str], **_: Any) -> Any:
        """GET /groups/:id/activity (paged, newest first)."""
        page = _page(query)
        return self._feed(clan, "activity", clan.activity)[page]

    def _feed(self, clan: SimulatedClan, name: str, build: Callable[[], list[Any]]) -> list[Any]:
        """A whole event feed as of the clan's now, built once and paged from then on.

        Building a feed walks every member's history; a client paging 100 pages would otherwise
        pay for it 100 times.
        """
        key = (clan.config.group_id, name, clan.now)
        if key not in self._feeds:
            # Keep other groups' feeds; drop this group's feeds from an earlier now.
            self._feeds = {k: v for k, v in self._feeds.items() if k[0] != key[0] or k[2] == key[2]}
            self._feeds[key] = build()
        return self._feeds[key]

    def competitions(self, clan: SimulatedClan, **_: Any) -> Any:
        """GET /groups/:id/competitions."""
        return clan.competitions()

    def statistics(self, clan: SimulatedClan, **_: Any) -> Any:
        """GET /groups/:id/statistics; 400 for a group without stats."""
        statistics = clan.group_statistics()
        if statistics is None:
            raise ApiError(400, "BAD_REQUEST", "Couldn't find any stats for this group.")
        return statistics

    def csv(self, clan: SimulatedClan, **_: Any) -> _Response:
        """GET /groups/:id/csv as text/csv."""
        csv = clan.members_csv()
        if "\n" not in csv:  # the header alone
            raise ApiError(400, "BAD_REQUEST", "Group has no members.")
        return _Response(200, csv.encode(), CSV_TYPE)

    def update_all(self, clan: SimulatedClan, body: bytes, **_: Any) -> Any:
        """POST /groups/:id/update-all with {verificationCode}."""
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(400, "VALIDATION_ERROR", "Request body is not valid JSON.") from None
        code = payload.get("verificationCode") if isinstance(payload, dict) else None
        if not code:
            message = "Parameter 'verificationCode' is undefined."
            raise ApiError(400, "VALIDATION_ERROR", message)
        if code != clan.verification_code:
            raise ApiError(403, "INCORRECT_VERIFICATION_CODE", "Incorrect verification code.")
        count = clan.outdated_member_count()
        message = (
            f"{count} outdated (updated > 24h ago) players are being updated. "
            "This can take up to a few minutes."
        )
        return {"count": count, "message": message}

    # ------------------------------------------------------------------ player routes

    def player_details(self, clan: SimulatedClan, player: str, **_: Any) -> Any:
        """GET /players/:username."""
        return self._found(clan.player_details(player))

    def player_snapshots(
        self, clan: SimulatedClan, player: str, query: dict[str, str], **_: Any
    ) -> Any:
        """GET /players/:username/snapshots (newest first, limit <= 200)."""
        page = _page(query, _SNAPSHOT_PAGE_LIMIT)
        start, end = self._optional_range(clan, query)
        return self._found(clan.player_snapshots(player, start, end))[page]

    def player_timeline(
        self, clan: SimulatedClan, player: str, query: dict[str, str], **_: Any
    ) -> Any:
        """GET /players/:username/snapshots/timeline?metric=."""
        metric = self._metric(clan, query)
        start, end = self._optional_range(clan, query)
        return self._found(clan.player_timeline(player, metric, start, end))

    # ------------------------------------------------------------------ competition routes

    def competition_details(self, competition: str, **_: Any) -> Any:
        """GET /competitions/:id; 404 for a competition no served group has (yet)."""
        if not competition.isdigit() or int(competition) < 1:
            raise ApiError(400, "VALIDATION_ERROR", "Parameter 'id' is not a valid number.")
        for clan in self.clans.values():
            details = clan.competition_details(int(competition))
            if details is not None:
                return details
        # WOM raises a NotFoundError without a code here: its error handler adds this one.
        raise ApiError(404, "UNEXPECTED_ERROR", "Competition not found.")

    # ------------------------------------------------------------------ parameters

    def _group(self, raw_id: str) -> SimulatedClan:
        """Return the clan of a group id; 400 when it isn't a number, 404 for no served group."""
        if not raw_id.isdigit():
            raise ApiError(400, "VALIDATION_ERROR", "Parameter 'id' is not a valid number.")
        clan = self.clans.get(int(raw_id))
        if clan is None:
            raise ApiError(404, "GROUP_NOT_FOUND", "Group not found.")
        return clan

    def _player_clan(self, username: str) -> SimulatedClan:
        """Return the first clan tracking a player (the first clan when none does: a 404)."""
        clans = list(self.clans.values())
        if len(clans) > 1:
            for clan in clans:
                if clan.player_details(username) is not None:
                    return clan
        return clans[0]

    def _metric(self, clan: SimulatedClan, query: dict[str, str]) -> str:
        """Return the required `metric` parameter, checked against the served metrics."""
        metric = query.get("metric")
        if not metric:
            raise ApiError(400, "VALIDATION_ERROR", "Parameter 'metric' is undefined.")
        if metric.lower() not in clan.metrics:
            raise ApiError(400, "VALIDATION_ERROR", f"Invalid enum value for 'metric': {metric}.")
        return metric.lower()

    def _range(self, clan: SimulatedClan, query: dict[str, str]) -> tuple[datetime, datetime]:
        """Return the window a `period` or a `startDate`/`endDate` pair asks for."""
        start, end = self._optional_range(clan, query)
        if start is None or end is None:
            raise ApiError(400, "VALIDATION_ERROR", "Invalid period and start/end dates.")
        return start, end

    def _optional_range(
        self, clan: SimulatedClan, query: dict[str, str]
    ) -> tuple[datetime | None, datetime | None]:
        """Return (start, end) from `period` or dates; (None, None) when neither is given."""
        now = clan.now
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


# --------------------------------------------------------------------------- the server


class FakeWomServer(LoopbackServer):
    """A Wise Old Man API v2 server on loopback, backed by one SimulatedClan or several.

    Given a list of clans (each with its own `SimConfig.group_id`) it serves every one of them,
    routing `/groups/:id/...` by group id (404 for any other id) and `/players/:name` to the
    first clan tracking the player. `clan` is the first clan, `clans` all of them by group id.
    """

    def __init__(
        self,
        clan: SimulatedClan | Sequence[SimulatedClan],
        *,
        api_keys: Collection[str] = ("demo-key",),
        limit_without_key: int = 20,
        limit_with_key: int = 100,
        window_seconds: float = 60,
        error_style: ErrorStyle = "current",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        clans = [clan] if isinstance(clan, SimulatedClan) else list(clan)
        if not clans:
            raise ValueError("FakeWomServer needs at least one clan")
        self._api = _WomApi(clans)
        super().__init__(host=host, port=port)
        self.clan = clans[0]
        self.clans: dict[int, SimulatedClan] = dict(self._api.clans)
        self.api_keys = frozenset(api_keys)
        self.limit_without_key = limit_without_key
        self.limit_with_key = limit_with_key
        self.error_style = error_style
        self._limiter = FixedWindowLimiter(window_seconds, clock)

    @property
    def base_url(self) -> str:
        """Return the API base URL, e.g. `http://127.0.0.1:PORT/v2`."""
        return f"{self.root_url}/v2"

    # ------------------------------------------------------------------ answers

    def credentials_sent(self, request: Request) -> bool:
        """Return whether the request sent an x-api-key header."""
        return request.headers.get("x-api-key") is not None

    def respond(self, request: Request) -> _Response:
        """Check the key and the rate limit, then route; every answer gets RateLimit headers."""
        key = request.headers.get("x-api-key")
        if key is not None and key not in self.api_keys:
            message = "Invalid API Key. Remove the header or ask WOM for a valid key."
            response = self.error_response(ApiError(403, "INVALID_API_KEY", message))
            response.headers.update(self.quota_headers(request))
            return response
        quota = self._limiter.hit(*self._client(request))
        if not quota.allowed:
            response = self.rate_limited(math.ceil(quota.reset_after))
        else:
            method, path = request.method, request.path
            try:
                response = self._api.dispatch(method, path, request.query, request.body)
            except ApiError as error:
                response = self.error_response(error)
            except Exception:  # a bug in the simulation must still answer like a server
                logger.exception("unexpected error serving %s %s", method, path)
                response = self.error_response(
                    ApiError(500, "UNEXPECTED_ERROR", "Unexpected error.")
                )
        response.headers.update(_quota_headers(quota))
        return response

    def quota_headers(self, request: Request) -> dict[str, str]:
        """Return the RateLimit-* headers of a request's bucket, without counting the request."""
        return _quota_headers(self._limiter.peek(*self._client(request)))

    def _client(self, request: Request) -> tuple[str, int]:
        """Return the rate-limit bucket and limit of a request: per valid key, else per IP."""
        key = request.headers.get("x-api-key")
        if key is not None and key in self.api_keys:
            return f"key:{key}", self.limit_with_key
        return f"ip:{request.client}", self.limit_without_key

    def error_response(self, error: ApiError) -> _Response:
        """Return an error answer in the configured body style."""
        if self.error_style == "legacy":
            return _json_response(error.status, {"message": error.message})
        return _json_response(error.status, {"code": error.code, "message": error.message})

    def rate_limited(self, retry_after: float) -> _Response:
        """Return a 429 answer with Retry-After."""
        message = "Too many requests, please try again later."
        response = self.error_response(ApiError(429, "RATE_LIMIT_EXCEEDED", message))
        response.headers["Retry-After"] = format_seconds(retry_after)
        return response


# --------------------------------------------------------------------------- command line


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
    with FakeWomServer(clan, api_keys=keys, host=args.host, port=args.port) as server:
        print(server.base_url, flush=True)
        logger.info(
            "group %d, verification code %s, api keys %s; Ctrl-C stops",
            config.group_id,
            clan.verification_code,
            ", ".join(keys),
        )
        serve_until_stopped(logger)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
