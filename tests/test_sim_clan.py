"""The simulated clan: deterministic, WOM-shaped, and realistic where later stages rely on it."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from simulator.clan import ROLE_LADDER, SimConfig, SimulatedClan
from simulator.metrics import (
    ACTIVITIES,
    BOSSES,
    COMPUTED,
    SKILLS,
    experience_for_level,
    level_for_experience,
)
from tests.conftest import SIM_NOW

PLAYER_KEYS = {
    "id", "username", "displayName", "type", "build", "status", "country", "patron", "exp",
    "ehp", "ehb", "ttm", "tt200m", "registeredAt", "updatedAt", "lastChangedAt", "lastImportedAt",
}  # fmt: skip
SNAPSHOT_KEYS = {"playerId", "createdAt", "importedAt", "data"}
GROUP_KEYS = {"id", "name", "memberships", "roleOrders", "socialLinks", "memberCount"}
MEMBERSHIP_KEYS = {
    "playerId", "groupId", "role", "clientSyncJoinedAt", "createdAt", "updatedAt", "player",
}  # fmt: skip
ACHIEVEMENT_KEYS = {
    "playerId", "name", "metric", "threshold", "accuracy", "createdAt", "measure", "legacy",
}  # fmt: skip
NAME_CHANGE_KEYS = {
    "id", "playerId", "oldName", "newName", "status", "reviewContext", "resolvedAt",
    "createdAt", "updatedAt",
}  # fmt: skip
WOM_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def parse(date: str) -> datetime:
    """Return a WOM date as an aware datetime."""
    return datetime.fromisoformat(date)


def oldest_first(clan: SimulatedClan, username: str) -> list[dict[str, Any]]:
    """Return a player's snapshots, oldest first."""
    snapshots = clan.player_snapshots(username)
    assert snapshots is not None
    return snapshots[::-1]


def everything(clan: SimulatedClan) -> str:
    """Return every endpoint's answer as one JSON string."""
    members = [m["player"]["username"] for m in clan.group_details()["memberships"]]
    return json.dumps(
        [
            clan.group_details(),
            clan.bulk_hiscores(),
            clan.bulk_gained(SIM_NOW - timedelta(days=7), SIM_NOW),
            clan.achievements(),
            clan.name_changes(),
            clan.activity(),
            clan.competitions(),
            [clan.competition_details(c["id"]) for c in clan.competitions()],
            clan.group_statistics(),
            [clan.player_snapshots(name) for name in members],
        ]
    )


def test_same_config_gives_identical_json() -> None:
    config = SimConfig(seed=11, members=15, days=20, now=SIM_NOW)
    assert everything(SimulatedClan(config)) == everything(SimulatedClan(config))
    other_seed = SimConfig(seed=12, members=15, days=20, now=SIM_NOW)
    assert everything(SimulatedClan(config)) != everything(SimulatedClan(other_seed))


def test_group_details_have_the_wom_shape(sim_clan: SimulatedClan) -> None:
    group = sim_clan.group_details()
    assert group.keys() >= GROUP_KEYS
    assert group["memberCount"] == len(group["memberships"]) == 12
    assert [r["role"] for r in group["roleOrders"]] == list(ROLE_LADDER)
    for membership in group["memberships"]:
        assert membership.keys() >= MEMBERSHIP_KEYS
        assert membership["role"] in ROLE_LADDER
        assert membership["player"].keys() == PLAYER_KEYS
        assert WOM_DATE.fullmatch(membership["createdAt"])


def test_roles_come_from_the_ladder_weighted_to_low_ranks() -> None:
    clan = SimulatedClan(SimConfig(members=200, days=10, now=SIM_NOW))
    roles = [m["role"] for m in clan.group_details()["memberships"]]
    assert roles.count("owner") == 1
    assert roles.count("recruit") + roles.count("corporal") > len(roles) / 2


def test_snapshots_have_every_metric_in_the_wom_shape(sim_clan: SimulatedClan) -> None:
    entry = sim_clan.bulk_hiscores()[0]
    snapshot = entry["data"]
    assert snapshot.keys() == SNAPSHOT_KEYS
    assert snapshot["playerId"] == entry["player"]["id"]
    data = snapshot["data"]
    assert tuple(data["skills"]) == SKILLS
    assert tuple(data["bosses"]) == BOSSES
    assert tuple(data["activities"]) == ACTIVITIES
    assert tuple(data["computed"]) == COMPUTED
    assert data["skills"]["attack"].keys() == {"metric", "rank", "level", "experience", "ehp"}
    assert data["bosses"]["zulrah"].keys() == {"metric", "rank", "kills", "ehb"}
    assert data["activities"]["clue_scrolls_all"].keys() == {"metric", "rank", "score"}
    assert data["computed"]["ehp"].keys() == {"metric", "rank", "value"}


def test_names_look_like_osrs_names(sim_clan: SimulatedClan) -> None:
    for entry in sim_clan.bulk_hiscores():
        player = entry["player"]
        assert re.fullmatch(r"[A-Za-z0-9 _-]{1,12}", player["displayName"])
        assert player["username"] == player["displayName"].lower()
        assert player["type"] in {"regular", "ironman", "hardcore", "ultimate"}


def test_values_are_consistent_with_the_xp_table(sim_clan: SimulatedClan) -> None:
    for entry in sim_clan.bulk_hiscores():
        skills = entry["data"]["data"]["skills"]
        real = [skills[s] for s in SKILLS[1:]]
        assert skills["overall"]["experience"] == sum(s["experience"] for s in real)
        assert skills["overall"]["level"] == sum(s["level"] for s in real)
        for skill in real:
            assert skill["level"] == level_for_experience(skill["experience"])
        computed = entry["data"]["data"]["computed"]
        assert entry["player"]["exp"] == skills["overall"]["experience"]
        assert entry["player"]["ehp"] == computed["ehp"]["value"]
        assert entry["player"]["ehb"] == computed["ehb"]["value"]
        assert entry["player"]["updatedAt"] == entry["data"]["createdAt"]


def test_experience_and_kills_never_decrease(sim_clan: SimulatedClan) -> None:
    for membership in sim_clan.group_details()["memberships"]:
        snapshots = oldest_first(sim_clan, membership["player"]["username"])
        dates = [s["createdAt"] for s in snapshots]
        assert dates == sorted(dates)
        for earlier, later in itertools.pairwise(snapshots):
            for kind, field in (("skills", "experience"), ("bosses", "kills")):
                for metric, value in earlier["data"][kind].items():
                    assert value[field] <= later["data"][kind][metric][field], metric


def test_low_kills_and_scores_are_unranked() -> None:
    clan = SimulatedClan(SimConfig(members=40, days=10, now=SIM_NOW))
    kills = [
        boss for entry in clan.bulk_hiscores() for boss in entry["data"]["data"]["bosses"].values()
    ]
    assert all(b["kills"] == -1 or b["kills"] >= 5 for b in kills)
    assert all((b["kills"] == -1) == (b["rank"] == -1) for b in kills)
    assert sum(b["kills"] == -1 for b in kills) > len(kills) / 2
    scores = [
        activity["score"]
        for entry in clan.bulk_hiscores()
        for activity in entry["data"]["data"]["activities"].values()
    ]
    assert -1 in scores
    assert 0 not in scores


def test_leavers_leave_memberships_but_keep_their_history(sim_clan: SimulatedClan) -> None:
    left = [event for event in sim_clan.activity() if event["type"] == "left"]
    assert left
    member_ids = {m["playerId"] for m in sim_clan.group_details()["memberships"]}
    for event in left:
        assert event["playerId"] not in member_ids
        username = event["player"]["username"]
        details = sim_clan.player_details(username)
        assert details is not None
        assert details["id"] == event["playerId"]
        snapshots = sim_clan.player_snapshots(username)
        assert snapshots
        assert all(s["createdAt"] < event["createdAt"] for s in snapshots)


def test_activity_matches_memberships(sim_clan: SimulatedClan) -> None:
    events = sim_clan.activity()
    assert [e["createdAt"] for e in events] == sorted(
        (e["createdAt"] for e in events), reverse=True
    )
    joined = {e["playerId"] for e in events if e["type"] == "joined"}
    left = {e["playerId"] for e in events if e["type"] == "left"}
    member_ids = {m["playerId"] for m in sim_clan.group_details()["memberships"]}
    assert member_ids == joined - left
    window_start = SIM_NOW - timedelta(days=30)
    assert any(parse(e["createdAt"]) > window_start for e in events if e["type"] == "joined")
    for event in events:
        if event["type"] == "changed_role":
            assert event["previousRole"] in ROLE_LADDER
            assert event["role"] != event["previousRole"]


def test_name_changes_rename_players_everywhere(sim_clan: SimulatedClan) -> None:
    changes = sim_clan.name_changes()
    assert changes
    names = {
        m["playerId"]: m["player"]["displayName"] for m in sim_clan.group_details()["memberships"]
    }
    for change in changes:
        assert change.keys() >= NAME_CHANGE_KEYS
        assert change["status"] == "approved"
        assert names[change["playerId"]] == change["newName"] == change["player"]["displayName"]
        assert sim_clan.player_details(change["oldName"]) is None
        details = sim_clan.player_details(change["newName"])
        assert details is not None
        assert details["id"] == change["playerId"]


def test_usernames_ignore_case_and_separators(sim_clan: SimulatedClan) -> None:
    player = sim_clan.bulk_hiscores()[0]["player"]
    spelled = player["displayName"].upper().replace(" ", "_")
    details = sim_clan.player_details(f" {spelled} ")
    assert details is not None
    assert details["id"] == player["id"]
    assert sim_clan.player_details("no such player") is None


def test_quiet_members_made_no_progress_for_a_month(sim_clan: SimulatedClan) -> None:
    month_ago = SIM_NOW - timedelta(days=30)
    players = [m["player"] for m in sim_clan.group_details()["memberships"]]
    quiet = [p for p in players if parse(p["lastChangedAt"]) < month_ago + timedelta(days=1)]
    assert quiet
    gains = {entry["player"]["id"]: entry for entry in sim_clan.bulk_gained(month_ago, SIM_NOW)}
    for player in quiet:
        if player["id"] in gains:
            assert all(d["gained"] == 0 for d in gains[player["id"]]["data"])
    active = [p for p in players if p not in quiet]
    assert any(
        any(d["gained"] > 0 for d in gains[p["id"]]["data"]) for p in active if p["id"] in gains
    )


def test_bulk_gained_has_every_metric_and_skips_unknowns(sim_clan: SimulatedClan) -> None:
    entries = sim_clan.bulk_gained(SIM_NOW - timedelta(days=7), SIM_NOW)
    assert entries
    for entry in entries:
        assert entry["startDate"] <= entry["endDate"]
        assert [d["metric"] for d in entry["data"]] == list(SKILLS + BOSSES + ACTIVITIES + COMPUTED)
        for gain in entry["data"]:
            if gain["start"] == -1 or gain["end"] == -1:
                assert gain["gained"] == 0
            else:
                assert gain["gained"] == pytest.approx(gain["end"] - gain["start"])
    future = sim_clan.bulk_gained(SIM_NOW + timedelta(days=1), SIM_NOW + timedelta(days=2))
    assert future == []


def test_group_gained_and_hiscores_are_sorted(sim_clan: SimulatedClan) -> None:
    gained = sim_clan.group_gained("overall", SIM_NOW - timedelta(days=30), SIM_NOW)
    values = [g["data"]["gained"] for g in gained]
    assert values == sorted(values, reverse=True)
    hiscores = sim_clan.group_hiscores("attack")
    assert [h["data"]["experience"] for h in hiscores] == sorted(
        (h["data"]["experience"] for h in hiscores), reverse=True
    )
    assert hiscores[0]["data"]["type"] == "skill"
    assert all(h["data"]["kills"] >= 5 for h in sim_clan.group_hiscores("zulrah"))
    with pytest.raises(ValueError):
        sim_clan.group_hiscores("not_a_metric")


def test_achievements_mark_thresholds(sim_clan: SimulatedClan) -> None:
    achievements = sim_clan.achievements()
    assert achievements
    dates = [a["createdAt"] for a in achievements]
    assert dates == sorted(dates, reverse=True)
    for achievement in achievements:
        assert achievement.keys() >= ACHIEVEMENT_KEYS
        assert WOM_DATE.fullmatch(achievement["createdAt"])
    nineties = [a for a in achievements if a["name"].startswith("99 ")]
    assert all(a["threshold"] == experience_for_level(99) == 13_034_431 for a in nineties)
    dated = [a for a in achievements if not a["createdAt"].startswith("1970")]
    assert dated
    assert all(a["accuracy"] is not None and a["accuracy"] > 0 for a in dated)


def test_advance_adds_snapshots_and_achievements(sim_clan: SimulatedClan) -> None:
    name = sim_clan.bulk_hiscores()[0]["player"]["username"]
    before_snapshots = oldest_first(sim_clan, name)
    before_updates = {e["player"]["id"]: e["player"]["updatedAt"] for e in sim_clan.bulk_hiscores()}
    before_achievements = len(sim_clan.achievements())
    sim_clan.advance(5)
    assert sim_clan.now == SIM_NOW + timedelta(days=5)
    after_updates = {e["player"]["id"]: e["player"]["updatedAt"] for e in sim_clan.bulk_hiscores()}
    assert any(after_updates[i] > before_updates[i] for i in before_updates if i in after_updates)
    after_snapshots = oldest_first(sim_clan, name)
    assert after_snapshots[: len(before_snapshots)] == before_snapshots
    assert len(sim_clan.achievements()) >= before_achievements
    gains = sim_clan.bulk_gained(SIM_NOW, sim_clan.now)
    assert any(d["gained"] > 0 for entry in gains for d in entry["data"])


def test_advance_in_steps_equals_one_jump() -> None:
    config = SimConfig(members=10, days=15, now=SIM_NOW)
    stepped, jumped = SimulatedClan(config), SimulatedClan(config)
    for _ in range(3):
        stepped.advance(40)
    jumped.advance(120)
    assert everything(stepped) == everything(jumped)


def test_extra_metrics_are_served_as_bosses() -> None:
    clan = SimulatedClan(
        SimConfig(members=30, days=60, now=SIM_NOW, extra_metrics=("new_boss_2027",))
    )
    kills = [e["data"]["data"]["bosses"]["new_boss_2027"]["kills"] for e in clan.bulk_hiscores()]
    assert -1 in kills
    assert any(k >= 5 for k in kills)
    assert clan.metric_kind("new_boss_2027") == "boss"


def test_competitions_exist(sim_clan: SimulatedClan) -> None:
    competitions = sim_clan.competitions()
    assert 1 <= len(competitions) <= 3
    for competition in competitions:
        assert competition["groupId"] == 4242
        assert competition["metric"] in [entry["metric"] for entry in competition["metrics"]]
        assert competition["startsAt"] < competition["endsAt"]


def test_statistics_csv_and_records(sim_clan: SimulatedClan) -> None:
    statistics = sim_clan.group_statistics()
    assert statistics is not None
    assert statistics["metricLeaders"]["skills"]["overall"]["player"] is not None
    assert set(statistics["averageStats"]["data"]) == {"skills", "bosses", "activities", "computed"}
    lines = sim_clan.members_csv().splitlines()
    assert lines[0] == "Player,Role,Experience,Last progressed,Last updated,Joined at (Client Sync)"
    assert len(lines) == 13
    records = sim_clan.group_records("overall", "week")
    assert records
    assert [r["value"] for r in records] == sorted((r["value"] for r in records), reverse=True)


def test_empty_clan_is_valid() -> None:
    clan = SimulatedClan(SimConfig(members=0, days=10, now=SIM_NOW))
    assert clan.group_details()["memberships"] == []
    assert clan.group_details()["memberCount"] == 0
    assert clan.bulk_hiscores() == []
    assert clan.bulk_gained(SIM_NOW - timedelta(days=7), SIM_NOW) == []
    assert clan.achievements() == clan.activity() == clan.name_changes() == []
    assert clan.group_statistics() is None


def test_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        SimConfig(members=-1)
    with pytest.raises(ValueError):
        SimConfig(leavers=1.5)
    with pytest.raises(ValueError):
        SimConfig(rejoiners=-1)
    with pytest.raises(ValueError):
        SimConfig(name_reuse=-2)
    with pytest.raises(ValueError):
        SimConfig(unknown_last_changed=1.01)
    with pytest.raises(ValueError):
        SimConfig(now=datetime(2026, 1, 1))  # naive
    with pytest.raises(ValueError, match="registered_days_ago"):
        SimConfig(days=30, registered_days_ago=29)  # after leaves the window makes


def test_a_clan_new_to_wom_lists_its_veterans_from_registration_with_their_in_game_join() -> None:
    clan = SimulatedClan(
        SimConfig(seed=5, members=30, days=30, now=SIM_NOW, registered_days_ago=45)
    )
    registered = SIM_NOW - timedelta(days=45)
    details = clan.group_details()
    assert parse(details["createdAt"]) == registered
    memberships = details["memberships"]
    created = [parse(m["createdAt"]) for m in memberships]
    assert min(created) == registered and all(moment >= registered for moment in created)
    # Veterans: WOM lists them from the registration, the clan sync knows they came earlier.
    veterans = [m for m in memberships if parse(m["createdAt"]) == registered]
    synced = [parse(m["clientSyncJoinedAt"]) for m in veterans if m["clientSyncJoinedAt"]]
    assert synced and all(moment < registered for moment in synced)
    # The feed's first join of a veteran is the registration too (WOM never listed earlier).
    joins = {}
    for event in clan.activity():
        if event["type"] == "joined":
            joins[event["playerId"]] = parse(event["createdAt"])  # newest first: ends oldest
    assert all(joins[m["playerId"]] >= registered for m in veterans if m["playerId"] in joins)
    with pytest.raises(ValueError):
        SimConfig(extra_metrics=("zulrah",))


# --------------------------------------------------------------------------- awkward cases

TWISTABLE = SimConfig(seed=5, members=40, days=40, now=SIM_NOW, leavers=0.2, name_changers=0.2)
MS = timedelta(milliseconds=1)


def test_awkward_cases_are_off_by_default(sim_clan: SimulatedClan) -> None:
    config = SimConfig()
    assert (config.rejoiners, config.name_reuse, config.unknown_last_changed) == (0, 0, 0.0)
    assert all(len(sim_clan.stays(p)) <= 1 for p in sim_clan.player_ids())
    assert all(sim_clan.stays(p) for p in sim_clan.player_ids())  # no outsiders
    assert sim_clan.name_reuses() == []
    players = [m["player"] for m in sim_clan.group_details()["memberships"]]
    assert all(player["lastChangedAt"] for player in players)


def without_last_changed(clan: SimulatedClan) -> Any:
    """Return the clan's answers as JSON values, lastChangedAt blanked."""
    text = everything(clan) + clan.members_csv()
    text = re.sub(r'"lastChangedAt": (null|"[^"]*")', '"lastChangedAt": null', text)
    return re.sub(r",[^,\n]*,([^,\n]*,[^,\n]*)$", r",?,\1", text, flags=re.MULTILINE)


def test_a_new_case_leaves_every_other_draw_alone() -> None:
    base = SimConfig(seed=11, members=15, days=20, now=SIM_NOW)
    plain, unknown = SimulatedClan(base), SimulatedClan(replace(base, unknown_last_changed=0.4))
    assert everything(plain) != everything(unknown)
    assert without_last_changed(plain) == without_last_changed(unknown)
    rejoining = SimulatedClan(replace(base, rejoiners=2))
    rejoiners = {p for p in rejoining.player_ids() if len(rejoining.stays(p)) > 1}
    assert len(rejoiners) == 2
    for player_id in set(plain.player_ids()) - rejoiners:
        assert plain.snapshot_history(player_id, SIM_NOW) == rejoining.snapshot_history(
            player_id, SIM_NOW
        )
        assert plain.stays(player_id) == rejoining.stays(player_id)


def test_rejoiners_leave_and_join_again_at_the_lowest_rank() -> None:
    clan = SimulatedClan(replace(TWISTABLE, rejoiners=4))
    window = SIM_NOW - timedelta(days=40)
    rejoiners = {p: clan.stays(p) for p in clan.player_ids() if len(clan.stays(p)) > 1}
    assert len(rejoiners) == 4
    assert len(clan.group_details()["memberships"]) == 40
    later = []
    for player_id, [(joined, left), (back, gone)] in rejoiners.items():
        assert left is not None and gone is None
        assert joined < window < left < back and left < SIM_NOW
        assert clan.role_at(player_id, back) == "recruit"
        assert player_id in clan.members_at(left - MS)
        assert player_id not in clan.members_at(left) | clan.members_at(back - MS)
        assert player_id in clan.members_at(back)
        if back > SIM_NOW:
            later.append(player_id)
            assert timedelta(days=2) <= back - SIM_NOW <= timedelta(days=6)
        # WOM tracks players, not memberships: snapshots go on while they are away.
        away = [m for m, _ in clan.snapshot_history(player_id, SIM_NOW) if left < m < back]
        assert away
    assert len(later) == 1
    events = [e for e in reversed(clan.activity()) if e["playerId"] in rejoiners]
    for player_id in rejoiners:
        kinds = [(e["type"], e["role"]) for e in events if e["playerId"] == player_id]
        kinds = [(kind, role) for kind, role in kinds if kind != "changed_role"]
        assert [kind for kind, _ in kinds] == (
            ["joined", "left"] if player_id in later else ["joined", "left", "joined"]
        )
        assert player_id in later or kinds[-1] == ("joined", "recruit")


def test_a_rejoiner_is_served_as_a_new_membership() -> None:
    clan = SimulatedClan(replace(TWISTABLE, rejoiners=2))
    [(early, early_stays), (late, late_stays)] = sorted(
        ((p, clan.stays(p)) for p in clan.player_ids() if len(clan.stays(p)) > 1),
        key=lambda item: item[1][1][0],
    )
    memberships = {m["playerId"]: m for m in clan.group_details()["memberships"]}
    assert late not in memberships
    assert late not in {entry["player"]["id"] for entry in clan.bulk_hiscores()}
    late_name = clan.display_name_at(late, SIM_NOW)
    late_details = clan.player_details(late_name)
    assert late_details is not None
    assert parse(late_details["updatedAt"]) > late_stays[0][1]  # tracked while away
    membership = memberships[early]
    assert parse(membership["createdAt"]) == early_stays[1][0]
    assert membership["role"] == "recruit"
    synced = membership["clientSyncJoinedAt"]
    assert synced is None or parse(synced).date() == early_stays[1][0].date()
    row = next(
        line for line in clan.members_csv().splitlines()
        if line.startswith(membership["player"]["displayName"] + ",")
    )  # fmt: skip
    assert row.split(",")[1] == "recruit"
    assert row.split(",")[5] == (synced or "")
    clan.advance(7)
    memberships = {m["playerId"]: m for m in clan.group_details()["memberships"]}
    assert parse(memberships[late]["createdAt"]) == late_stays[1][0]
    assert memberships[late]["role"] == "recruit"


def test_name_reuse_hands_old_names_to_other_players() -> None:
    clan = SimulatedClan(replace(TWISTABLE, name_reuse=4))
    reuses = clan.name_reuses()
    assert len(reuses) == 4
    first = reuses[0]
    assert timedelta(hours=19) <= first.at - SIM_NOW <= timedelta(hours=42)
    assert all(reuse.released_at <= SIM_NOW for reuse in reuses[1:])
    for reuse in reuses:
        assert timedelta(hours=1) <= reuse.at - reuse.released_at <= timedelta(hours=12)
        assert reuse.owner_id != reuse.previous_owner_id
        assert reuse.owner_id not in clan.members_at(reuse.at)
        assert clan.username_owner_at(reuse.name, reuse.released_at - MS) == reuse.previous_owner_id
        assert clan.username_owner_at(reuse.name, reuse.at - MS) is None
        assert clan.username_owner_at(reuse.name, reuse.at) == reuse.owner_id
        assert clan.display_name_at(reuse.owner_id, reuse.at - MS) == reuse.owner_old_name
    # Odd reuses go to former members when one is free, the others to outsiders.
    assert [bool(clan.stays(reuse.owner_id)) for reuse in reuses] == [False, True, False, True]
    owners = {reuse.owner_id for reuse in reuses}
    assert not owners & {change["playerId"] for change in clan.name_changes()}
    for reuse in reuses[1:]:
        details = clan.player_details(reuse.name)
        assert details is not None and details["id"] == reuse.owner_id


def test_a_stale_name_answers_for_its_new_owner_after_the_reuse() -> None:
    clan = SimulatedClan(replace(TWISTABLE, name_reuse=1))
    [reuse] = clan.name_reuses()
    details = clan.player_details(reuse.name)
    assert details is not None and details["id"] == reuse.previous_owner_id
    clan.advance(2)
    details = clan.player_details(reuse.name)
    assert details is not None and details["id"] == reuse.owner_id
    assert details["displayName"] == reuse.name
    snapshots = clan.player_snapshots(reuse.name)
    assert snapshots and {s["playerId"] for s in snapshots} == {reuse.owner_id}
    # WOM updates a player when it approves their new name.
    assert reuse.at + timedelta(minutes=1) in [parse(s["createdAt"]) for s in snapshots]
    timeline = clan.player_timeline(reuse.name, "overall")
    assert timeline is not None and len(timeline) == len(snapshots)
    renamed = clan.display_name_at(reuse.previous_owner_id, clan.now)
    previous = clan.player_details(renamed)
    assert previous is not None and previous["id"] == reuse.previous_owner_id
    [change] = [c for c in clan.name_changes() if c["playerId"] == reuse.previous_owner_id]
    assert (change["oldName"], change["newName"]) == (reuse.name, renamed)


def test_unknown_last_changed_nulls_a_share_of_players() -> None:
    clan = SimulatedClan(replace(TWISTABLE, unknown_last_changed=0.25))
    unknown = [
        p
        for p in clan.player_ids()
        if clan.last_changed_at(p, SIM_NOW) is None and clan.last_progressed_at(p, SIM_NOW)
    ]
    assert 0 < len(unknown) <= round(0.25 * len(clan.player_ids()))
    memberships = clan.group_details()["memberships"]
    nulls = {m["playerId"] for m in memberships if m["player"]["lastChangedAt"] is None}
    assert nulls and nulls <= set(unknown)
    clan.advance(3)
    later = {m["playerId"] for m in clan.group_details()["memberships"]}
    assert nulls & later <= {
        m["playerId"] for m in clan.group_details()["memberships"]
        if m["player"]["lastChangedAt"] is None
    }  # fmt: skip


def test_default_now_is_today_noon_utc() -> None:
    now = SimulatedClan(SimConfig(members=1, days=1)).now
    assert (now.hour, now.minute, now.tzinfo) == (12, 0, UTC)
    assert now.date() == datetime.now(UTC).date()


def test_level_table() -> None:
    assert level_for_experience(0) == 1
    assert level_for_experience(82) == 1
    assert level_for_experience(83) == 2
    assert level_for_experience(13_034_430) == 98
    assert level_for_experience(13_034_431) == 99
    assert level_for_experience(200_000_000) == 99
    assert level_for_experience(-1) == 1
