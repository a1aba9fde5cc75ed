"""WomClient against the simulated WOM server over loopback, with the real requests library."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from clanstats.errors import ConfigError, SourceError
from clanstats.wom.client import (
    WomAuthError,
    WomClient,
    WomGroupNotFoundError,
    WomPlayerUnavailable,
    WomRequestRejectedError,
    WomUnavailableError,
)
from simulator.clan import SimulatedClan
from simulator.wom_server import FakeWomServer
from tests.conftest import SIM_NOW
from tests.fake_clock import FakeClock
from tests.faults import Fault, FaultyWomServer

GROUP_ID = 4242
API_KEY = "demo-key"
USER_AGENT = "ClanStats tests (clanstats@example.invalid)"


def make_client(server: FakeWomServer | CannedServer, **overrides: Any) -> WomClient:
    """Return a client tuned for tests: short backoffs, a limit tests won't reach.

    The timeout is generous so that a busy machine never makes a healthy answer time out; a test
    that wants the timeout to fire passes its own, shorter than the fault's delay.
    """
    options: dict[str, Any] = {
        "base_url": server.base_url,
        "api_key": API_KEY,
        "user_agent": USER_AGENT,
        "requests_per_minute": 10_000,
        "timeout": 10,
        "max_retries": 2,
        "backoff_base": 0.01,
        **overrides,
    }
    return WomClient(**options)


def statuses(server: FakeWomServer) -> list[int]:
    return [request.status for request in server.requests]


def assert_server_saw(server: FakeWomServer, kind: str, sent: int) -> None:
    """Check the server recorded the attempts the client sent."""
    if kind == "timeout":
        # The server records a request when it answers; a timed-out one is answered after the
        # client gave up on it, so it may not be in the record yet.
        assert len(server.requests) <= sent
    else:
        assert len(server.requests) == sent


def busiest_member(clan: SimulatedClan) -> tuple[str, int]:
    """Return the member with the most snapshots in the last 30 days, and that count."""
    start, end = SIM_NOW - timedelta(days=30), SIM_NOW
    counts = {
        name: len(clan.player_snapshots(name, start, end) or [])
        for name in (m["player"]["username"] for m in clan.group_details()["memberships"])
    }
    username = max(counts, key=lambda name: counts[name])
    return username, counts[username]


@pytest.fixture
def client(wom_server: FakeWomServer) -> WomClient:
    return make_client(wom_server)


@pytest.fixture(params=["current", "legacy"])
def styled_server(
    request: pytest.FixtureRequest, sim_clan: SimulatedClan
) -> Iterator[FakeWomServer]:
    """Serve the clan with errors in the current and in the older body format."""
    with FakeWomServer(
        sim_clan, error_style=request.param, limit_with_key=10_000, limit_without_key=10_000
    ) as server:
        yield server


# -- a tiny loopback server for answers the simulated one never gives ----------------------------


class CannedServer:
    """Answer every request with one fixed status and JSON body; keep each request's headers."""

    def __init__(self, status: int, body: Any) -> None:
        self.headers: list[dict[str, str]] = []
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                canned.headers.append(dict(self.headers))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        serve = self._httpd.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._httpd.server_port}/v2"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def canned() -> Iterator[Any]:
    servers: list[CannedServer] = []

    def start(status: int, body: Any) -> CannedServer:
        servers.append(CannedServer(status, body))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


# -- endpoints ------------------------------------------------------------------------------


def test_group_returns_details_with_every_membership(client: WomClient) -> None:
    group = client.group(GROUP_ID)

    assert group["id"] == GROUP_ID
    assert len(group["memberships"]) == group["memberCount"] == 12


def test_bulk_hiscores_returns_every_members_snapshot_in_one_call(
    client: WomClient, wom_server: FakeWomServer
) -> None:
    rows = client.bulk_hiscores(GROUP_ID)

    assert rows and all({"player", "data"} <= row.keys() for row in rows)
    assert [r.path for r in wom_server.requests] == [f"/v2/groups/{GROUP_ID}/bulk-hiscores"]


def test_bulk_gained_takes_a_period(client: WomClient, wom_server: FakeWomServer) -> None:
    rows = client.bulk_gained(GROUP_ID, period="week")

    assert rows and all(isinstance(row["data"], list) for row in rows)
    assert wom_server.requests[0].query == {"period": "week"}


def test_bulk_gained_takes_a_date_window_in_utc(
    client: WomClient, wom_server: FakeWomServer
) -> None:
    rows = client.bulk_gained(GROUP_ID, start=SIM_NOW - timedelta(days=7), end=SIM_NOW)

    assert rows
    assert wom_server.requests[0].query == {
        "startDate": "2026-11-13T12:00:00.000Z",
        "endDate": "2026-11-20T12:00:00.000Z",
    }


@pytest.mark.parametrize(
    "window",
    [
        {},
        {"period": "week", "start": SIM_NOW},
        {"start": SIM_NOW},
        {"start": SIM_NOW, "end": SIM_NOW - timedelta(days=1)},
    ],
)
def test_bulk_gained_refuses_an_unclear_window_without_calling(
    client: WomClient, wom_server: FakeWomServer, window: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        client.bulk_gained(GROUP_ID, **window)
    assert wom_server.requests == []


def test_group_competitions(client: WomClient, sim_clan: SimulatedClan) -> None:
    assert client.group_competitions(GROUP_ID) == sim_clan.competitions()


def test_competition_details(client: WomClient, sim_clan: SimulatedClan) -> None:
    for competition in sim_clan.competitions():
        details = client.competition_details(competition["id"])
        assert details == sim_clan.competition_details(competition["id"])
        assert details["participantCount"] == len(details["participations"])


@pytest.mark.parametrize("error_style", ["current", "legacy"])
def test_an_unknown_competition_is_refused_once_and_not_a_config_error(
    sim_clan: SimulatedClan, error_style: str
) -> None:
    with FakeWomServer(sim_clan, error_style=error_style) as server:  # type: ignore[arg-type]
        with pytest.raises(WomRequestRejectedError) as caught:
            make_client(server).competition_details(999)
        assert statuses(server) == [404]
    assert "HTTP 404" in str(caught.value) and "Competition not found." in str(caught.value)


def test_update_all_posts_the_verification_code(
    client: WomClient, wom_server: FakeWomServer, sim_clan: SimulatedClan
) -> None:
    answer = client.update_all(GROUP_ID, sim_clan.verification_code)

    assert set(answer) == {"count", "message"}
    assert wom_server.requests[0].method == "POST"


def test_a_wrong_verification_code_is_a_config_error_that_hides_the_code(
    client: WomClient, wom_server: FakeWomServer
) -> None:
    with pytest.raises(WomAuthError) as caught:
        client.update_all(GROUP_ID, "999-999-999")

    assert isinstance(caught.value, ConfigError)
    assert "999-999-999" not in str(caught.value)
    assert statuses(wom_server) == [403]


def test_a_bad_period_is_rejected_with_its_code_and_not_retried(
    client: WomClient, wom_server: FakeWomServer
) -> None:
    with pytest.raises(WomRequestRejectedError) as caught:
        client.bulk_gained(GROUP_ID, period="fortnightly")

    assert "HTTP 400 INVALID_PERIOD: Invalid period: fortnightly." in str(caught.value)
    assert statuses(wom_server) == [400]


def test_the_user_agent_and_key_go_with_every_request(canned: Any) -> None:
    server = canned(200, [])
    client = make_client(server)

    client.bulk_hiscores(GROUP_ID)
    client.group_competitions(GROUP_ID)

    assert [h["User-Agent"] for h in server.headers] == [USER_AGENT, USER_AGENT]
    assert [h["x-api-key"] for h in server.headers] == [API_KEY, API_KEY]


def test_no_key_header_without_a_key(canned: Any) -> None:
    server = canned(200, [])

    make_client(server, api_key=None).bulk_hiscores(GROUP_ID)

    assert "x-api-key" not in {name.lower() for name in server.headers[0]}


def test_a_base_url_with_a_trailing_slash_works(wom_server: FakeWomServer) -> None:
    client = make_client(wom_server, base_url=wom_server.base_url + "/")

    client.group(GROUP_ID)

    assert wom_server.requests[0].path == f"/v2/groups/{GROUP_ID}"


def test_an_unexpected_top_level_shape_is_a_source_error(canned: Any) -> None:
    server = canned(200, {"members": []})

    with pytest.raises(SourceError, match="where a list was expected"):
        make_client(server).bulk_hiscores(GROUP_ID)


def test_drifted_fields_pass_through_untouched(
    client: WomClient, wom_server: FaultyWomServer
) -> None:
    wom_server.inject(Fault("schema", path_pattern="bulk-hiscores"))

    rows = client.bulk_hiscores(GROUP_ID)

    assert "mystery_boss_2099" in rows[0]["data"]["data"]["bosses"]
    assert client.stats.retries == 0


# -- paging ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["achievements", "name-changes", "activity"])
def test_event_pages_cover_every_event_newest_first(
    client: WomClient, wom_server: FakeWomServer, sim_clan: SimulatedClan, kind: Any
) -> None:
    expected = {
        "achievements": sim_clan.achievements,
        "name-changes": sim_clan.name_changes,
        "activity": sim_clan.activity,
    }[kind]()

    page_size = 50 if kind == "achievements" else 4

    pages = list(client.iter_group_events(GROUP_ID, kind, page_size=page_size))

    assert [event for page in pages for event in page] == expected
    assert all(len(page) == page_size for page in pages[:-1])
    offsets = [int(r.query["offset"]) for r in wom_server.requests]
    assert offsets == list(range(0, page_size * len(offsets), page_size))


def test_events_stop_after_a_short_page_without_asking_again(
    client: WomClient, wom_server: FakeWomServer, sim_clan: SimulatedClan
) -> None:
    total = len(sim_clan.achievements())
    assert total % 50, "the clan must not hold an exact number of pages for this test"

    list(client.iter_group_events(GROUP_ID, "achievements"))

    assert len(wom_server.requests) == total // 50 + 1


def test_breaking_out_of_event_pages_fetches_nothing_more(
    client: WomClient, wom_server: FakeWomServer
) -> None:
    pages = client.iter_group_events(GROUP_ID, "achievements", page_size=5)
    assert wom_server.requests == []

    for page in pages:
        assert len(page) == 5
        break

    assert len(wom_server.requests) == 1
    assert wom_server.requests[0].query == {"limit": "5", "offset": "0"}


@pytest.mark.parametrize(("kind", "page_size"), [("badges", 10), ("activity", 0), ("activity", 51)])
def test_event_paging_refuses_bad_arguments_at_once(
    client: WomClient, kind: Any, page_size: int
) -> None:
    with pytest.raises(ValueError):
        client.iter_group_events(GROUP_ID, kind, page_size=page_size)


def test_player_snapshots_page_by_offset_newest_first(
    client: WomClient, wom_server: FakeWomServer, sim_clan: SimulatedClan
) -> None:
    username, count = busiest_member(sim_clan)
    assert count > 7

    pages = list(
        client.player_snapshots(
            username, start=SIM_NOW - timedelta(days=30), end=SIM_NOW, page_size=7
        )
    )

    snapshots = [snapshot for page in pages for snapshot in page]
    assert len(snapshots) == count
    created = [snapshot["createdAt"] for snapshot in snapshots]
    assert created == sorted(created, reverse=True)
    assert [int(r.query["offset"]) for r in wom_server.requests] == list(
        range(0, 7 * len(wom_server.requests), 7)
    )
    assert {r.query["limit"] for r in wom_server.requests} == {"7"}


def test_an_unknown_player_is_skippable_in_both_error_styles(
    styled_server: FakeWomServer,
) -> None:
    client = make_client(styled_server)

    with pytest.raises(WomPlayerUnavailable) as caught:
        next(client.player_snapshots("no such name", start=SIM_NOW - timedelta(1), end=SIM_NOW))

    assert caught.value.username == "no such name"
    assert isinstance(caught.value, SourceError)
    assert statuses(styled_server) == [404]


@pytest.mark.parametrize(
    "body",
    [
        {"code": "PLAYER_OPTED_OUT", "message": "Player has opted out."},
        {"code": "PLAYER_IS_FLAGGED", "message": "Player is flagged."},
        {"message": "Player is blocked."},
    ],
)
def test_a_player_wom_refuses_is_skippable(canned: Any, body: dict[str, str]) -> None:
    server = canned(403, body)
    client = make_client(server)

    with pytest.raises(WomPlayerUnavailable, match="zezima"):
        next(client.player_snapshots("zezima", start=SIM_NOW - timedelta(1), end=SIM_NOW))

    assert len(server.headers) == 1


# -- configuration errors -------------------------------------------------------------------


def test_an_unknown_group_is_a_config_error_without_retry(styled_server: FakeWomServer) -> None:
    client = make_client(styled_server)

    with pytest.raises(WomGroupNotFoundError) as caught:
        client.bulk_hiscores(999)

    assert isinstance(caught.value, ConfigError)
    assert str(caught.value) == (
        "WOM_GROUP_ID=999: Wise Old Man has no such group; use the number in your group's "
        "page address (wiseoldman.net/groups/<id>)"
    )
    assert statuses(styled_server) == [404]


def test_a_rejected_key_is_a_config_error_that_never_shows_the_key(
    styled_server: FakeWomServer, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-live-7f3a9c"
    client = make_client(styled_server, api_key=secret)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(WomAuthError) as caught:
        client.group(GROUP_ID)

    message = str(caught.value)
    assert isinstance(caught.value, ConfigError)
    assert "WOM_API_KEY" in message
    assert secret not in message
    assert secret not in repr(caught.value)
    assert secret not in repr(client)
    assert secret not in caplog.text
    assert statuses(styled_server) == [403]


def test_a_server_message_echoing_the_key_is_redacted(canned: Any) -> None:
    server = canned(400, {"code": "VALIDATION_ERROR", "message": f"Bad header {API_KEY}."})

    with pytest.raises(WomRequestRejectedError) as caught:
        make_client(server).bulk_hiscores(GROUP_ID)

    assert API_KEY not in str(caught.value)
    assert "HTTP 400 VALIDATION_ERROR: Bad header ***." in str(caught.value)


def test_each_request_logs_method_template_and_status(
    client: WomClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="clanstats.wom.client")

    client.bulk_hiscores(GROUP_ID)

    assert "GET /groups/:id/bulk-hiscores -> 200 in " in caplog.text


# -- retries --------------------------------------------------------------------------------


def test_a_429_waits_for_retry_after_then_succeeds(wom_server: FaultyWomServer) -> None:
    # The client's clock moves only when it sleeps: the wait is exact whatever the machine's load.
    clock = FakeClock()
    client = make_client(wom_server, clock=clock, sleep=clock.sleep)
    wom_server.inject(Fault("429", retry_after=0.4))

    client.group(GROUP_ID)

    assert statuses(wom_server) == [429, 200]
    assert sum(clock.sleeps) == pytest.approx(0.4)
    assert client.stats.retries == 1
    assert client.stats.rate_wait_seconds == pytest.approx(0.4)


def test_a_retry_after_beyond_the_cap_gives_up_at_once(wom_server: FaultyWomServer) -> None:
    client = make_client(wom_server, max_retry_after=5)
    wom_server.inject(Fault("429", retry_after=600))

    with pytest.raises(WomUnavailableError, match="asked to wait 600 s"):
        client.group(GROUP_ID)

    assert statuses(wom_server) == [429]


@pytest.mark.parametrize(
    "kind",
    ["500", "502", "503", "timeout", "drop", "malformed", "truncated", "truncated_json"],
)
def test_a_transient_failure_is_retried_then_succeeds(
    wom_server: FaultyWomServer, kind: Any
) -> None:
    # Only the first answer is late, so the retry must not time out however busy the machine is:
    # the timeout sits well between a healthy answer and the fault's delay.
    client = make_client(wom_server, timeout=2) if kind == "timeout" else make_client(wom_server)
    wom_server.inject(Fault(kind, path_pattern="bulk-hiscores", delay=6))

    rows = client.bulk_hiscores(GROUP_ID)

    assert len(rows) == 12
    assert_server_saw(wom_server, kind, 2)
    assert wom_server.requests[-1].status == 200
    assert client.stats.requests == 2
    assert client.stats.retries == 1


@pytest.mark.parametrize(
    ("kind", "last"),
    [
        ("503", "HTTP 503 HISCORES_SERVICE_UNAVAILABLE"),
        ("502", "HTTP 502 Bad Gateway"),
        ("timeout", "no answer within 0.5 s"),
        ("malformed", "HTTP 200 with a body that is not valid JSON"),
        ("truncated", "cut short"),
    ],
)
def test_retries_run_out_with_a_one_line_error_naming_the_endpoint(
    wom_server: FaultyWomServer, kind: Any, last: str
) -> None:
    client = make_client(wom_server, timeout=0.5)
    wom_server.inject(Fault(kind, times=3, delay=1.5))

    with pytest.raises(WomUnavailableError) as caught:
        client.bulk_hiscores(GROUP_ID)

    message = str(caught.value)
    assert message.startswith(
        "Wise Old Man did not answer /groups/:id/bulk-hiscores after 3 tries (last: "
    )
    assert last in message
    assert message.endswith("); try again later")
    assert "\n" not in message
    assert API_KEY not in message
    assert client.stats.requests == 3
    assert_server_saw(wom_server, kind, 3)


def test_the_exhausted_message_matches_the_documented_wording(
    wom_server: FaultyWomServer,
) -> None:
    client = make_client(wom_server, max_retries=4, backoff_base=0.001)
    wom_server.inject(Fault("503", times=5))

    with pytest.raises(SourceError) as caught:
        client.bulk_hiscores(GROUP_ID)

    assert str(caught.value) == (
        "Wise Old Man did not answer /groups/:id/bulk-hiscores after 5 tries "
        "(last: HTTP 503 HISCORES_SERVICE_UNAVAILABLE); try again later"
    )


# -- pacing and stats -----------------------------------------------------------------------


def test_pacing_keeps_under_the_servers_limit_without_a_single_429(
    sim_clan: SimulatedClan,
) -> None:
    with FakeWomServer(sim_clan, limit_with_key=5, window_seconds=1) as server:
        client = make_client(server, requests_per_minute=5, rate_window_seconds=1.0)

        for _ in range(20):
            client.group_competitions(GROUP_ID)

        assert statuses(server) == [200] * 20
        # 20 requests at 5 a second span at least three full windows (less a little latency).
        times = sorted(request.at for request in server.requests)
        assert times[-1] - times[0] >= 2.9
        assert client.stats.rate_wait_seconds >= 2.0


@pytest.mark.parametrize(("api_key", "limit"), [(None, 20), (API_KEY, 100)])
def test_the_default_pace_follows_whether_there_is_a_key(
    canned: Any, api_key: str | None, limit: int
) -> None:
    clock = FakeClock()
    server = canned(200, [])
    client = make_client(
        server, api_key=api_key, requests_per_minute=None, clock=clock, sleep=clock.sleep
    )

    for _ in range(limit):
        client.group_competitions(GROUP_ID)
    assert clock.sleeps == []

    client.group_competitions(GROUP_ID)
    assert sum(clock.sleeps) == pytest.approx(60.0)
    assert client.stats.rate_wait_seconds == pytest.approx(60.0)


def test_stats_count_requests_per_endpoint_template(
    client: WomClient, wom_server: FaultyWomServer, sim_clan: SimulatedClan
) -> None:
    usernames = [m["player"]["username"] for m in sim_clan.group_details()["memberships"][:3]]
    wom_server.inject(Fault("503", path_pattern="bulk-hiscores"))

    client.group(GROUP_ID)
    client.bulk_hiscores(GROUP_ID)
    for username in usernames:
        for _ in client.player_snapshots(username, start=SIM_NOW - timedelta(2), end=SIM_NOW):
            pass

    assert client.stats.by_endpoint == {
        "/groups/:id": 1,
        "/groups/:id/bulk-hiscores": 2,
        "/players/:username/snapshots": 3,
    }
    assert client.stats.requests == 6 == len(wom_server.requests)
    assert client.stats.retries == 1
