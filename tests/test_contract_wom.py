"""The simulated Wise Old Man server against WOM's official types (@wise-old-man/utils).

Every request ClanStats' WomClient makes is sent over HTTP to FakeWomServer, for the default
clan and for the awkward cases (an empty group, unranked -1 values, a metric newer than the
package, renamed players and a reused name, members who left and came back, unknown
`lastChangedAt`), and every answer is checked against the response type of the official
client method making the same request (tests/contracts/wom-schemas.mjs): every field the type
requires, with its type, and no field it doesn't declare. The simulator's schema faults are
off-contract on purpose: the definition must reject each of them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from clanstats.settings import PROJECT_ROOT
from simulator.clan import SimConfig, SimulatedClan
from simulator.wom_server import FakeWomServer
from tests.conftest import SIM_NOW
from tests.contracts_support import (
    Recorded,
    Schemas,
    Verdict,
    needs_contracts,
    official_schemas,
    pinned_versions,
    validate,
)
from tests.faults import Fault, FaultyWomServer

pytestmark = needs_contracts

GROUP = 4242
NEW_METRIC = "new_boss_2027"
WINDOW = "startDate=2026-11-13T12:00:00.000Z&endDate=2026-11-20T12:00:00.000Z"
BASE: dict[str, Any] = {"seed": 7, "members": 12, "days": 30, "now": SIM_NOW, "group_id": GROUP}
CLANS = {
    "default": SimConfig(**BASE),
    "empty": SimConfig(**{**BASE, "members": 0, "days": 10}),
    "renamed": SimConfig(**BASE, name_changers=0.3, name_reuse=3, unknown_last_changed=0.5),
    "rejoiners": SimConfig(**BASE, rejoiners=2),
    "new_metric": SimConfig(**BASE, extra_metrics=(NEW_METRIC,)),
}
# What the client asks (clanstats/wom/client.py), each with the official answer type.
CALLS = {
    "group": ("GetGroupDetails", "GET", "/groups/4242"),
    "bulk-hiscores": ("GetGroupBulkHiscores", "GET", "/groups/4242/bulk-hiscores"),
    "bulk-gained-week": ("GetBulkGroupGains", "GET", "/groups/4242/bulk-gained?period=week"),
    "bulk-gained-dates": ("GetBulkGroupGains", "GET", f"/groups/4242/bulk-gained?{WINDOW}"),
    "competitions": ("GetGroupCompetitions", "GET", "/groups/4242/competitions"),
    "update-all": ("UpdateAll", "POST", "/groups/4242/update-all"),
    "achievements": ("GetGroupAchievements", "GET", "/groups/4242/achievements?limit=50&offset=0"),
    "name-changes": ("GetGroupNameChanges", "GET", "/groups/4242/name-changes?limit=50&offset=0"),
    "activity": ("GetGroupActivity", "GET", "/groups/4242/activity?limit=50&offset=0"),
}
SNAPSHOTS = (
    "GetPlayerSnapshots",
    "GET",
    f"/players/{{name}}/snapshots?{WINDOW}&limit=200&offset=0",
)
COMPETITION = ("GetCompetitionDetails", "GET", "/competitions/{id}")


def _first_member(clan: SimulatedClan) -> str:
    return str(clan.group_details()["memberships"][0]["player"]["username"])


def _renamed(clan: SimulatedClan) -> str:
    return str(clan.name_changes()[0]["newName"])


def _reused_name(clan: SimulatedClan) -> str:
    return next(r.name for r in clan.name_reuses() if r.at <= clan.now)


def _rejoiner(clan: SimulatedClan) -> str:
    kinds: dict[str, list[str]] = {}
    for event in reversed(clan.activity()):  # oldest first
        kinds.setdefault(event["player"]["username"], []).append(event["type"])
    return next(name for name, seen in kinds.items() if "left" in seen and seen[-1] == "joined")


def _competition(ended: bool) -> Callable[[SimulatedClan], int]:
    def pick(clan: SimulatedClan) -> int:
        now = clan.now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return next(c["id"] for c in clan.competitions() if (c["endsAt"] <= now) is ended)

    return pick


# Whose snapshots each clan's case reads (the empty group has nobody to ask about).
PLAYERS: dict[str, dict[str, Callable[[SimulatedClan], str]]] = {
    "default": {"snapshots": _first_member},
    "renamed": {"snapshots": _renamed, "snapshots-reused-name": _reused_name},
    "rejoiners": {"snapshots": _rejoiner},
    "new_metric": {"snapshots": _first_member},
}
# Which competitions' details each clan's case reads (the empty group has none).
STANDINGS = {"competition-finished": _competition(True), "competition-running": _competition(False)}
COMPETITIONS: dict[str, dict[str, Callable[[SimulatedClan], int]]] = {
    clan: STANDINGS for clan in CLANS if clan != "empty"
}
CASES = (
    [f"{clan}.{call}" for clan in CLANS for call in CALLS]
    + [f"{clan}.{case}" for clan, cases in PLAYERS.items() for case in cases]
    + [f"{clan}.{case}" for clan, cases in COMPETITIONS.items() for case in cases]
)
NEW_METRIC_CASES = [case for case in CASES if case.startswith("new_metric.")]
# The schema faults, each drifting a normal answer off the contract (tests/faults/wom.py):
# the call faulted and the fields the definition must complain about.
UNKNOWN_BOSS = {"/N/data/data/bosses/mystery_boss_2099"}
MISSING = {"/N/player/ttm", "/N/data/data/activities/bounty_hunter_hunter/rank"}
NULLS = {"/N/player/exp"} | {
    f"/N/data/data/activities/bounty_hunter_hunter/{field}" for field in ("rank", "score")
}
FAULTS = {
    "unknown_fields": ("bulk-hiscores", UNKNOWN_BOSS),
    "unknown_fields+gained": ("bulk-gained-week", {"/N/data/N/metric"}),
    "missing_fields": ("bulk-hiscores", MISSING),
    "null_fields": ("bulk-hiscores", NULLS),
    "schema": ("bulk-hiscores", UNKNOWN_BOSS | MISSING | NULLS),
    "wrong_type": ("group", {""}),
}


@dataclass(frozen=True)
class Checked:
    """Every recorded answer and what the official definitions said of it."""

    recorded: dict[str, Recorded]
    verdicts: dict[str, Verdict]

    def verdict(self, name: str) -> Verdict:
        return self.verdicts[name]


def _get(server: FakeWomServer, method: str, path: str, clan: SimulatedClan) -> Any:
    """Send a request like WomClient does (with the key) and return its 200 JSON."""
    body = {"verificationCode": clan.verification_code} if method == "POST" else None
    response = requests.request(
        method,
        server.base_url + path,
        json=body,
        headers={"x-api-key": "demo-key", "User-Agent": "ClanStats contract test"},
        timeout=30,
    )
    assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text}"
    return response.json()


def _record_clan(name: str, config: SimConfig, out: dict[str, Recorded]) -> None:
    clan = SimulatedClan(config)
    with FaultyWomServer(clan, limit_with_key=10_000, limit_without_key=10_000) as server:
        for call, (definition, method, path) in CALLS.items():
            request = f"{method} {path}"
            out[f"{name}.{call}"] = Recorded(
                "wom", definition, _get(server, method, path, clan), request
            )
        for case, whose in PLAYERS.get(name, {}).items():
            definition, method, path = SNAPSHOTS
            path = path.format(name=quote(whose(clan)))
            out[f"{name}.{case}"] = Recorded(
                "wom", definition, _get(server, method, path, clan), f"{method} {path}"
            )
        for case, which in COMPETITIONS.get(name, {}).items():
            definition, method, path = COMPETITION
            path = path.format(id=which(clan))
            out[f"{name}.{case}"] = Recorded(
                "wom", definition, _get(server, method, path, clan), f"{method} {path}"
            )
        if name == "default":
            for fault, (call, _) in FAULTS.items():
                definition, method, path = CALLS[call]
                kind = fault.split("+")[0]
                server.inject(Fault(kind, path_pattern=path.split("?")[0] + "$"))  # type: ignore[arg-type]
                body = _get(server, method, path, clan)
                out[f"fault.{fault}"] = Recorded(
                    "wom", definition, body, f"{fault}: {method} {path}"
                )


def _without_new_metric(body: Any) -> Any:
    """A copy of an answer with every trace of NEW_METRIC taken out."""
    if isinstance(body, list):
        return [
            _without_new_metric(i)
            for i in body
            if not (isinstance(i, dict) and i.get("metric") == NEW_METRIC)
        ]
    if isinstance(body, dict):
        return {k: _without_new_metric(v) for k, v in body.items() if k != NEW_METRIC}
    return body


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> Schemas:
    return official_schemas(tmp_path_factory)


@pytest.fixture(scope="module")
def checked(schemas: Schemas, tmp_path_factory: pytest.TempPathFactory) -> Checked:
    """Record every case from the simulated server and validate them all in one node run."""
    recorded: dict[str, Recorded] = {}
    for name, config in CLANS.items():
        _record_clan(name, config, recorded)
    for case in NEW_METRIC_CASES:
        original = recorded[case]
        recorded[f"{case}-without"] = Recorded(
            "wom", original.definition, _without_new_metric(original.body), original.request
        )
    default_group = recorded["default.group"].body
    broken = copy.deepcopy(default_group)
    del broken["memberships"][0]["player"]["displayName"]
    recorded["broken.required-field-removed"] = Recorded("wom", "GetGroupDetails", broken)
    retyped = copy.deepcopy(default_group)
    retyped["memberships"][0]["createdAt"] = 1_700_000_000_000  # a number where a date belongs
    recorded["broken.wrong-type"] = Recorded("wom", "GetGroupDetails", retyped)
    folder: Path = tmp_path_factory.mktemp("wom-bodies")
    return Checked(recorded, validate(schemas, recorded, folder))


# --------------------------------------------------------------------------- on contract


@pytest.mark.parametrize("case", [c for c in CASES if c not in NEW_METRIC_CASES])
def test_every_answer_matches_the_official_type(checked: Checked, case: str) -> None:
    verdict = checked.verdict(case)
    assert verdict.valid, verdict.describe(checked.recorded[case])


@pytest.mark.parametrize("case", NEW_METRIC_CASES)
def test_a_metric_newer_than_the_package_is_its_only_deviation(checked: Checked, case: str) -> None:
    """A metric WOM adds before the package knows it: off the 4.0.x types, and nothing else."""
    recorded, verdict = checked.recorded[case], checked.verdict(case)
    without = checked.verdict(f"{case}-without")
    assert without.valid, without.describe(recorded)
    mentions_it = NEW_METRIC in str(recorded.body)
    assert verdict.valid is not mentions_it, verdict.describe(recorded)
    allowed = {
        f"/N/data/data/bosses/{NEW_METRIC}",  # bulk-hiscores: a boss key the types lack
        f"/N/data/bosses/{NEW_METRIC}",  # snapshots
        "/N/data/N/metric",  # bulk-gained: a metric name outside the Metric enum
    }
    assert verdict.paths() <= allowed, verdict.describe(recorded)


def test_the_awkward_cases_hold_what_they_are_about(checked: Checked) -> None:
    """Each awkward case really carries its awkwardness, so its check means something."""
    body = {name: item.body for name, item in checked.recorded.items()}
    assert body["empty.group"]["memberships"] == [] and body["empty.bulk-hiscores"] == []
    assert body["empty.bulk-gained-week"] == [] and body["empty.activity"] == []
    hiscores = str(body["default.bulk-hiscores"])
    assert "'rank': -1" in hiscores and "'kills': -1" in hiscores  # unranked values
    assert body["renamed.name-changes"], "no name changes to check"
    assert any(p["player"]["lastChangedAt"] is None for p in body["renamed.group"]["memberships"])
    assert body["renamed.snapshots-reused-name"], "the reused name answered no snapshots"
    kinds = [event["type"] for event in body["rejoiners.activity"]]
    assert "left" in kinds and "joined" in kinds
    assert body["rejoiners.snapshots"], "the rejoiner has no snapshots"
    assert NEW_METRIC in str(body["new_metric.bulk-hiscores"])
    assert body["default.competitions"], "no competitions to check"
    for case in STANDINGS:
        participations = body[f"default.{case}"]["participations"]
        assert participations, f"{case}: nobody to check"
        gains = [p["progress"]["gained"] for p in participations]
        assert gains == sorted(gains, reverse=True), case
    running = str(body["default.competition-running"]["participations"])
    assert "'start': -1" in running  # participants with no value at the start
    assert body["default.achievements"], "no achievements to check"


# --------------------------------------------------------------------------- off contract


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_schema_fault_is_rejected_by_the_official_type(checked: Checked, fault: str) -> None:
    """The simulator's schema faults are off-contract on purpose: the definition says so."""
    recorded, verdict = checked.recorded[f"fault.{fault}"], checked.verdict(f"fault.{fault}")
    assert not verdict.valid, f"{fault} went unnoticed: {recorded.request}"
    expected = FAULTS[fault][1]
    assert expected <= verdict.paths(), verdict.describe(recorded)


def test_a_removed_required_field_is_reported(checked: Checked) -> None:
    """The check fails on a wrong shape: a player without displayName, named by its path."""
    verdict = checked.verdict("broken.required-field-removed")
    assert not verdict.valid
    assert verdict.errors == [
        {"path": "/memberships/0/player/displayName", "message": "required field missing"}
    ]


def test_a_wrong_type_is_reported(checked: Checked) -> None:
    verdict = checked.verdict("broken.wrong-type")
    assert not verdict.valid
    assert verdict.paths() == {"/memberships/N/createdAt"}


def test_the_pinned_package_is_the_one_checked(schemas: Schemas) -> None:
    """README names @wise-old-man/utils 4.0.x; the lock pins it and the schemas come from it."""
    pinned = pinned_versions()["@wise-old-man/utils"]
    assert pinned.startswith("4.0.")
    assert schemas.versions["@wise-old-man/utils"] == pinned
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`@wise-old-man/utils` {pinned}" in readme
