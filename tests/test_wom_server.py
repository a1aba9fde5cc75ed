"""The fake WOM server over loopback: routes, errors, auth, rate limits, faults, request log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote

import pytest
import requests

from simulator.clan import SimConfig, SimulatedClan
from simulator.metrics import BOSSES
from simulator.wom_server import FakeWomServer
from tests.conftest import SIM_NOW
from tests.fake_clock import FakeClock
from tests.faults import Fault, FaultyWomServer

GROUP = 4242
KEY = {"x-api-key": "demo-key"}


def get(server: FakeWomServer, path: str, **kwargs: object) -> requests.Response:
    """GET a path under the server's base URL."""
    return requests.get(f"{server.base_url}{path}", timeout=5, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def strict_server(sim_clan: SimulatedClan, window_clock: FakeClock) -> Iterator[FakeWomServer]:
    """Serve with tiny limits and a window that passes only when the test says so."""
    with FakeWomServer(
        sim_clan, limit_without_key=3, limit_with_key=5, window_seconds=0.5, clock=window_clock
    ) as server:
        yield server


@pytest.fixture
def window_clock() -> FakeClock:
    return FakeClock()


# --------------------------------------------------------------------------- routes and shapes


def test_group_details_and_bulk_hiscores(wom_server: FakeWomServer) -> None:
    details = get(wom_server, f"/groups/{GROUP}")
    assert details.status_code == 200
    assert details.headers["Content-Type"].startswith("application/json")
    group = details.json()
    assert group["id"] == GROUP
    assert group["memberCount"] == len(group["memberships"]) == 12
    hiscores = get(wom_server, f"/groups/{GROUP}/bulk-hiscores").json()
    assert len(hiscores) == 12
    assert set(hiscores[0]) == {"player", "data"}
    assert set(hiscores[0]["data"]["data"]["bosses"]) == set(BOSSES)


@pytest.mark.parametrize(
    "query",
    [
        "period=week",
        "period=2w3d",
        "period=1m",
        "startDate=2026-11-01T00:00:00.000Z&endDate=2026-11-20T12:00:00Z",
    ],
)
def test_bulk_gained_accepts_periods_and_dates(wom_server: FakeWomServer, query: str) -> None:
    response = get(wom_server, f"/groups/{GROUP}/bulk-gained?{query}")
    assert response.status_code == 200
    entries = response.json()
    assert entries
    assert set(entries[0]) == {"player", "startDate", "endDate", "data"}
    assert set(entries[0]["data"][0]) == {"metric", "gained", "start", "end"}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("period=fortnight", "INVALID_PERIOD"),
        ("period=0d", "INVALID_PERIOD"),
        ("startDate=yesterday&endDate=today", "VALIDATION_ERROR"),
        ("startDate=2026-11-10T00:00:00Z", "VALIDATION_ERROR"),
        ("startDate=2026-11-10T00:00:00Z&endDate=2026-11-01T00:00:00Z", "INVALID_DATE_RANGE"),
        ("", "VALIDATION_ERROR"),
    ],
)
def test_bulk_gained_rejects_bad_windows(wom_server: FakeWomServer, query: str, code: str) -> None:
    response = get(wom_server, f"/groups/{GROUP}/bulk-gained?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_gained_hiscores_records_competitions(wom_server: FakeWomServer) -> None:
    gained = get(wom_server, f"/groups/{GROUP}/gained?metric=overall&period=month").json()
    assert [g["data"]["gained"] for g in gained] == sorted(
        (g["data"]["gained"] for g in gained), reverse=True
    )
    hiscores = get(wom_server, f"/groups/{GROUP}/hiscores?metric=attack").json()
    assert hiscores[0]["data"]["type"] == "skill"
    records = get(wom_server, f"/groups/{GROUP}/records?metric=overall&period=week").json()
    assert records[0]["period"] == "week"
    assert get(wom_server, f"/groups/{GROUP}/competitions").json()
    bad_metric = get(wom_server, f"/groups/{GROUP}/hiscores?metric=not_a_metric")
    assert bad_metric.status_code == 400
    assert bad_metric.json()["code"] == "VALIDATION_ERROR"


def test_competition_details_rank_participants_by_gain(
    wom_server: FakeWomServer, sim_clan: SimulatedClan
) -> None:
    for competition in get(wom_server, f"/groups/{GROUP}/competitions").json():
        details = get(wom_server, f"/competitions/{competition['id']}").json()
        assert {k: v for k, v in details.items() if k != "participations"} == competition
        participations = details["participations"]
        assert len(participations) == competition["participantCount"] > 0
        # WOM's order: most gained, then the higher start, then the lower player id.
        order = [
            (-p["progress"]["gained"], -p["progress"]["start"], p["playerId"])
            for p in participations
        ]
        assert order == sorted(order)
        for participation in participations:
            assert participation["competitionId"] == competition["id"]
            assert participation["player"]["id"] == participation["playerId"]
            assert participation["deltas"][0]["values"] == participation["progress"]
            assert participation["deltas"][0]["metric"] == competition["metric"]


@pytest.mark.parametrize(
    ("competition", "status", "code"),
    [
        ("999", 404, "UNEXPECTED_ERROR"),
        ("abc", 400, "VALIDATION_ERROR"),
        ("0", 400, "VALIDATION_ERROR"),
    ],
)
def test_an_unknown_competition_gets_wom_errors(
    wom_server: FakeWomServer, competition: str, status: int, code: str
) -> None:
    response = get(wom_server, f"/competitions/{competition}")
    assert response.status_code == status
    assert response.json()["code"] == code
    if status == 404:
        assert response.json()["message"] == "Competition not found."


@pytest.mark.parametrize("route", ["achievements", "name-changes", "activity"])
def test_event_routes_page_newest_first(
    wom_server: FakeWomServer, sim_clan: SimulatedClan, route: str
) -> None:
    full = {
        "achievements": sim_clan.achievements,
        "name-changes": sim_clan.name_changes,
        "activity": sim_clan.activity,
    }[route]()
    assert len(get(wom_server, f"/groups/{GROUP}/{route}").json()) == min(20, len(full))
    pages = [
        get(wom_server, f"/groups/{GROUP}/{route}?limit=7&offset={offset}").json()
        for offset in range(0, len(full) + 7, 7)
    ]
    assert [item for page in pages for item in page] == full
    assert get(wom_server, f"/groups/{GROUP}/{route}?limit=50").status_code == 200
    too_many = get(wom_server, f"/groups/{GROUP}/{route}?limit=51")
    assert too_many.status_code == 400
    assert too_many.json()["code"] == "VALIDATION_ERROR"


def test_empty_group() -> None:
    empty = SimulatedClan(SimConfig(members=0, days=5, now=SIM_NOW))
    with FakeWomServer(empty) as server:
        assert get(server, f"/groups/{GROUP}").json()["memberships"] == []
        assert get(server, f"/groups/{GROUP}/bulk-hiscores").json() == []
        assert get(server, f"/groups/{GROUP}/statistics").status_code == 400


def test_statistics_and_csv(wom_server: FakeWomServer) -> None:
    statistics = get(wom_server, f"/groups/{GROUP}/statistics").json()
    assert {"maxedCombatCount", "averageStats", "metricLeaders"} <= statistics.keys()
    csv = get(wom_server, f"/groups/{GROUP}/csv")
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("Player,Role,Experience")


def test_update_all_needs_the_verification_code(
    wom_server: FakeWomServer, sim_clan: SimulatedClan
) -> None:
    url = f"{wom_server.base_url}/groups/{GROUP}/update-all"
    wrong = requests.post(url, json={"verificationCode": "000-000-000"}, timeout=5)
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "INCORRECT_VERIFICATION_CODE"
    assert requests.post(url, json={}, timeout=5).status_code == 400
    right = requests.post(url, json={"verificationCode": sim_clan.verification_code}, timeout=5)
    assert right.status_code == 200
    assert set(right.json()) == {"count", "message"}


def test_players_and_snapshots(wom_server: FakeWomServer, sim_clan: SimulatedClan) -> None:
    name = sim_clan.bulk_hiscores()[0]["player"]["displayName"]
    spelled = name.upper().replace(" ", "-")
    details = get(wom_server, f"/players/{spelled}")
    assert details.status_code == 200
    assert {"combatLevel", "latestSnapshot", "archive", "annotations"} <= details.json().keys()
    snapshots = get(wom_server, f"/players/{name}/snapshots?limit=200").json()
    assert snapshots
    dates = [s["createdAt"] for s in snapshots]
    assert dates == sorted(dates, reverse=True)
    assert len(get(wom_server, f"/players/{name}/snapshots?limit=2&offset=1").json()) == 2
    week = get(wom_server, f"/players/{name}/snapshots?period=week&limit=200").json()
    assert len(week) <= len(snapshots)
    assert get(wom_server, f"/players/{name}/snapshots?limit=201").status_code == 400
    timeline = get(wom_server, f"/players/{name}/snapshots/timeline?metric=overall").json()
    assert set(timeline[0]) == {"value", "rank", "date"}
    missing = get(wom_server, "/players/nobody%20here")
    assert missing.status_code == 404
    assert missing.json()["code"] == "PLAYER_NOT_FOUND"


def test_unknown_group_route_and_params(wom_server: FakeWomServer) -> None:
    not_found = get(wom_server, "/groups/999")
    assert not_found.status_code == 404
    assert not_found.json() == {"code": "GROUP_NOT_FOUND", "message": "Group not found."}
    not_a_number = get(wom_server, "/groups/abc")
    assert not_a_number.status_code == 400
    assert not_a_number.json()["code"] == "VALIDATION_ERROR"
    no_route = get(wom_server, f"/groups/{GROUP}/nonsense")
    assert no_route.status_code == 404
    assert no_route.json()["code"] == "ENDPOINT_NOT_FOUND"
    assert get(wom_server, f"/groups/{GROUP}?utm=1&foo=bar").status_code == 200


def test_legacy_error_style(sim_clan: SimulatedClan) -> None:
    with FakeWomServer(sim_clan, error_style="legacy") as server:
        response = get(server, "/groups/999")
    assert response.status_code == 404
    assert response.json() == {"message": "Group not found."}


# --------------------------------------------------------------------------- auth and rate limits


def test_unknown_api_key_is_refused(wom_server: FakeWomServer) -> None:
    response = get(wom_server, f"/groups/{GROUP}", headers={"x-api-key": "stolen"})
    assert response.status_code == 403
    assert response.json()["message"].startswith("Invalid API Key.")
    assert get(wom_server, f"/groups/{GROUP}", headers=KEY).status_code == 200


def test_rate_limit_headers_and_429(strict_server: FakeWomServer, window_clock: FakeClock) -> None:
    answers = [get(strict_server, f"/groups/{GROUP}") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a.headers["RateLimit-Limit"] == "3" for a in answers)
    assert all(a.headers["RateLimit-Reset"] == "1" for a in answers)  # 0.5 s, rounded up
    assert answers[-1].headers["Retry-After"] == "1"  # whole seconds, rounded up, as WOM sends
    # A key has its own, larger bucket.
    keyed = get(strict_server, f"/groups/{GROUP}", headers=KEY)
    assert keyed.status_code == 200
    assert keyed.headers["RateLimit-Limit"] == "5"
    window_clock.advance(0.5)
    assert get(strict_server, f"/groups/{GROUP}").status_code == 200


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [("500", 500, "UNEXPECTED_ERROR"), ("503", 503, "HISCORES_SERVICE_UNAVAILABLE")],
)
def test_status_faults(wom_server: FaultyWomServer, kind: str, status: int, code: str) -> None:
    wom_server.inject(Fault(kind))  # type: ignore[arg-type]
    failed = get(wom_server, f"/groups/{GROUP}")
    assert failed.status_code == status
    assert failed.json()["code"] == code
    assert "RateLimit-Remaining" in failed.headers
    assert get(wom_server, f"/groups/{GROUP}").status_code == 200


def test_429_fault_carries_retry_after(wom_server: FaultyWomServer) -> None:
    wom_server.inject(Fault("429", retry_after=0.25))
    response = get(wom_server, f"/groups/{GROUP}")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "0.25"


def test_502_fault_is_an_html_page(wom_server: FaultyWomServer) -> None:
    wom_server.inject(Fault("502"))
    response = get(wom_server, f"/groups/{GROUP}")
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")


def test_timeout_fault_answers_late(wom_server: FaultyWomServer) -> None:
    wom_server.inject(Fault("timeout", delay=0.4))
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{wom_server.base_url}/groups/{GROUP}", timeout=0.1)
    wom_server.inject(Fault("timeout", delay=0.1))
    assert get(wom_server, f"/groups/{GROUP}").status_code == 200


def test_drop_fault_hangs_up(wom_server: FaultyWomServer) -> None:
    wom_server.inject(Fault("drop"))
    with pytest.raises(requests.exceptions.ConnectionError):
        get(wom_server, f"/groups/{GROUP}")
    assert wom_server.requests[-1].status == 0


def test_malformed_fault_is_not_json(wom_server: FaultyWomServer) -> None:
    wom_server.inject(Fault("malformed"))
    response = get(wom_server, f"/groups/{GROUP}")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_truncated_fault_breaks_the_body(wom_server: FaultyWomServer) -> None:
    wom_server.inject(Fault("truncated"))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(wom_server, f"/groups/{GROUP}/bulk-hiscores")


def test_truncated_json_fault_cuts_the_json(wom_server: FaultyWomServer) -> None:
    wom_server.inject(Fault("truncated_json"))
    response = get(wom_server, f"/groups/{GROUP}/bulk-hiscores")
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_schema_fault_drifts_the_payload(wom_server: FaultyWomServer) -> None:
    wom_server.inject(Fault("schema"))
    entry = get(wom_server, f"/groups/{GROUP}/bulk-hiscores").json()[0]
    assert "mystery_boss_2099" in entry["data"]["data"]["bosses"]
    assert "ttm" not in entry["player"]
    assert entry["player"]["exp"] is None
    first_activity = next(iter(entry["data"]["data"]["activities"].values()))
    assert first_activity["score"] is None
    wom_server.inject(Fault("schema"))
    gained = get(wom_server, f"/groups/{GROUP}/bulk-gained?period=week").json()
    assert gained[0]["data"][-1]["metric"] == "mystery_boss_2099"
    clean = get(wom_server, f"/groups/{GROUP}/bulk-hiscores").json()[0]
    assert "mystery_boss_2099" not in clean["data"]["data"]["bosses"]


def test_faults_match_paths_and_count_down(wom_server: FaultyWomServer) -> None:
    wom_server.inject(Fault("503", path_pattern=r"/bulk-hiscores$", times=2))
    assert get(wom_server, f"/groups/{GROUP}").status_code == 200
    assert wom_server.faults[0].times == 2
    assert get(wom_server, f"/groups/{GROUP}/bulk-hiscores").status_code == 503
    assert wom_server.faults[0].times == 1
    assert get(wom_server, f"/groups/{GROUP}/bulk-hiscores").status_code == 503
    assert wom_server.faults == []
    assert get(wom_server, f"/groups/{GROUP}/bulk-hiscores").status_code == 200
    with pytest.raises(ValueError):
        Fault("teapot")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- request log


def test_every_request_is_recorded(wom_server: FakeWomServer) -> None:
    get(wom_server, f"/groups/{GROUP}/activity?limit=5&offset=0", headers=KEY)
    get(wom_server, "/groups/999")
    get(wom_server, f"/groups/{GROUP}", headers={"x-api-key": "stolen"})
    log = wom_server.requests
    assert [(r.method, r.path, r.status, r.api_key) for r in log] == [
        ("GET", f"/v2/groups/{GROUP}/activity", 200, True),
        ("GET", "/v2/groups/999", 404, False),
        ("GET", f"/v2/groups/{GROUP}", 403, True),
    ]
    assert log[0].query == {"limit": "5", "offset": "0"}
    assert log[0].at <= log[1].at <= log[2].at
    wom_server.reset_requests()
    assert wom_server.requests == []


def test_a_stale_username_and_a_rejoiner_over_http() -> None:
    clan = SimulatedClan(
        SimConfig(
            seed=5, members=40, days=40, now=SIM_NOW, leavers=0.2, name_changers=0.2,
            rejoiners=2, name_reuse=1,
        )
    )  # fmt: skip
    [reuse] = clan.name_reuses()
    [late] = [
        p for p in clan.player_ids() if len(clan.stays(p)) > 1 and p not in clan.members_at(SIM_NOW)
    ]
    path = f"/players/{quote(reuse.name)}"
    with FakeWomServer(clan, limit_with_key=10_000, limit_without_key=10_000) as server:
        assert get(server, path).json()["id"] == reuse.previous_owner_id
        members = get(server, f"/groups/{GROUP}").json()["memberships"]
        assert late not in {m["playerId"] for m in members}
        clan.advance(7)
        assert get(server, path).json()["id"] == reuse.owner_id
        snapshots = get(server, f"{path}/snapshots?limit=200").json()
        assert {s["playerId"] for s in snapshots} == {reuse.owner_id}
        changes = get(server, f"/groups/{GROUP}/name-changes?limit=50").json()
        assert reuse.name in {c["oldName"] for c in changes}
        members = get(server, f"/groups/{GROUP}").json()["memberships"]
        [rejoined] = [m for m in members if m["playerId"] == late]
        assert rejoined["role"] == "recruit"
        assert datetime.fromisoformat(rejoined["createdAt"]) == clan.stays(late)[1][0]


def test_server_serves_a_500_member_clan() -> None:
    # How fast it serves is the benchmark's to say (python -m clanstats.bench), not a test's.
    clan = SimulatedClan(SimConfig(members=500, days=365, now=SIM_NOW))
    with FakeWomServer(clan) as server:
        response = get(server, f"/groups/{GROUP}/bulk-hiscores", headers=KEY)
    assert response.status_code == 200
    assert len(response.json()) == 500
