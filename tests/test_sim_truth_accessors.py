"""Ground-truth accessors of the simulated clan and chat agree with what they serve."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from simulator.chat import ChatConfig, MessageFact, SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from simulator.shapes import Json
from tests.conftest import SIM_NOW

RELAY_LINE = re.compile(r"\*\*(.+?)\*\*:")
TWISTED = SimConfig(
    seed=5,
    members=40,
    days=40,
    now=SIM_NOW,
    leavers=0.2,
    name_changers=0.2,
    rejoiners=4,
    name_reuse=4,
    unknown_last_changed=0.2,
    extra_metrics=("brand_new_boss",),
)


@pytest.fixture(scope="module")
def twisted() -> SimulatedClan:
    """Return a clan with every awkward case on (tests must not move its `now`)."""
    return SimulatedClan(TWISTED)


@pytest.fixture(scope="module")
def twisted_chat(twisted: SimulatedClan) -> SimulatedChat:
    """Return the Discord of the twisted clan."""
    return SimulatedChat(twisted, ChatConfig(seed=11))


def parse(date: str) -> datetime:
    """Return a WOM or Discord date as an aware datetime."""
    return datetime.fromisoformat(date)


def served_values(snapshot: Json) -> dict[str, Any]:
    """Return {metric: value} of a served Snapshot, as `snapshot_history` gives it."""
    values: dict[str, Any] = {}
    for group, field in (
        ("skills", "experience"),
        ("bosses", "kills"),
        ("activities", "score"),
        ("computed", "value"),
    ):
        values |= {m: item[field] for m, item in snapshot["data"][group].items()}
    return values


def tracked_names(clan: SimulatedClan) -> list[str]:
    """Return the current name of every player WOM tracks at the clan's now."""
    return [
        clan.display_name_at(player_id, clan.now)
        for player_id in clan.player_ids()
        if clan.snapshot_history(player_id, clan.now)
    ]


# --------------------------------------------------------------------------- the clan


def test_player_ids_cover_everyone_served(twisted: SimulatedClan) -> None:
    ids = twisted.player_ids()
    assert ids == sorted(set(ids))
    served = {m["playerId"] for m in twisted.group_details()["memberships"]}
    served |= {event["playerId"] for event in twisted.activity()}
    served |= {reuse.owner_id for reuse in twisted.name_reuses()}
    assert served <= set(ids)
    assert any(not twisted.stays(player_id) for player_id in ids)  # outsiders
    with pytest.raises(KeyError):
        twisted.stays(max(ids) + 1)


def test_snapshot_history_is_what_player_snapshots_serve(twisted: SimulatedClan) -> None:
    assert "brand_new_boss" in twisted.metrics
    for name in tracked_names(twisted):
        details = twisted.player_details(name)
        assert details is not None
        served = twisted.player_snapshots(name)
        assert served is not None
        history = twisted.snapshot_history(details["id"], twisted.now)
        assert [moment for moment, _ in history] == [parse(s["createdAt"]) for s in served[::-1]]
        assert [values for _, values in history] == [served_values(s) for s in served[::-1]]
        assert all(set(values) == set(twisted.metrics) for _, values in history)


def test_snapshot_history_stops_at_until_and_sees_ahead() -> None:
    clan = SimulatedClan(SimConfig(seed=2, members=8, days=20, now=SIM_NOW))
    player_id = clan.group_details()["memberships"][0]["playerId"]
    name = clan.display_name_at(player_id, SIM_NOW)
    week_ago = SIM_NOW - timedelta(days=7)
    past = clan.snapshot_history(player_id, week_ago)
    assert past and all(moment <= week_ago for moment, _ in past)
    ahead = clan.snapshot_history(player_id, SIM_NOW + timedelta(days=5))
    clan.advance(5)
    served = clan.player_snapshots(name)
    assert served is not None
    assert [moment for moment, _ in ahead] == [parse(s["createdAt"]) for s in served[::-1]]
    assert [values for _, values in ahead] == [served_values(s) for s in served[::-1]]


def test_membership_truth_follows_the_served_clan_through_time() -> None:
    clan = SimulatedClan(
        SimConfig(seed=5, members=20, days=30, now=SIM_NOW, leavers=0.2, rejoiners=3)
    )
    for days in (-29, -20, -10, -1, 0, 3, 7):
        clan.now = SIM_NOW + timedelta(days=days)
        memberships = clan.group_details()["memberships"]
        assert {m["playerId"] for m in memberships} == clan.members_at(clan.now)
        for membership in memberships:
            player_id, now = membership["playerId"], clan.now
            assert clan.role_at(player_id, now) == membership["role"]
            assert clan.display_name_at(player_id, now) == membership["player"]["displayName"]
            current = [
                join for join, leave in clan.stays(player_id) if leave is None or leave > now
            ]
            assert parse(membership["createdAt"]) == current[0]


def test_stays_match_the_activity_feed(twisted: SimulatedClan) -> None:
    events: dict[int, list[tuple[str, datetime]]] = {}
    for event in reversed(twisted.activity()):
        if event["type"] in ("joined", "left"):
            events.setdefault(event["playerId"], []).append(
                (event["type"], parse(event["createdAt"]))
            )
    for player_id in twisted.player_ids():
        expected = [
            (kind, moment)
            for join, leave in twisted.stays(player_id)
            for kind, moment in (("joined", join), ("left", leave))
            if moment is not None and moment <= twisted.now
        ]
        assert events.get(player_id, []) == expected


def test_names_and_their_owners_match_player_lookups(twisted: SimulatedClan) -> None:
    now = twisted.now
    for name in tracked_names(twisted):
        details = twisted.player_details(name)
        assert details is not None
        assert twisted.username_owner_at(name, now) == details["id"]
        assert twisted.username_owner_at(name.upper().replace(" ", "_"), now) == details["id"]
        assert twisted.display_name_at(details["id"], now) == details["displayName"]
    assert twisted.username_owner_at("no such player", now) is None


def test_last_changed_at_is_what_wom_serves(twisted: SimulatedClan) -> None:
    unknown = 0
    for name in tracked_names(twisted):
        details = twisted.player_details(name)
        assert details is not None
        served = details["lastChangedAt"]
        truth = twisted.last_changed_at(details["id"], twisted.now)
        assert truth == (parse(served) if served is not None else None)
        progressed = twisted.last_progressed_at(details["id"], twisted.now)
        assert progressed is not None
        unknown += served is None
    assert unknown > 0


def test_last_changed_at_in_the_past_matches_that_moment() -> None:
    clan = SimulatedClan(SimConfig(seed=4, members=10, days=30, now=SIM_NOW))
    earlier = SIM_NOW - timedelta(days=12)
    truth = {
        player_id: clan.last_changed_at(player_id, earlier)
        for player_id in clan.members_at(earlier)
    }
    clan.now = earlier
    for membership in clan.group_details()["memberships"]:
        served = membership["player"]["lastChangedAt"]
        assert truth[membership["playerId"]] == (parse(served) if served else None)


# --------------------------------------------------------------------------- the chat


def all_readable(chat: SimulatedChat) -> dict[int, Json]:
    """Return every readable message by id."""
    return {int(m["id"]): m for i in chat.readable_channel_ids() for m in chat.messages(i)}


def test_message_facts_describe_every_readable_message(twisted_chat: SimulatedChat) -> None:
    facts = twisted_chat.message_facts()
    messages = all_readable(twisted_chat)
    assert [fact.message_id for fact in facts] == sorted(messages)
    users = {u["id"]: u for u in twisted_chat.users()}
    for fact in facts:
        message = messages[fact.message_id]
        author = users[fact.author_id]
        assert int(message["author"]["id"]) == fact.author_id
        assert int(message["channel_id"]) == fact.channel_id
        assert parse(message["timestamp"]) == fact.sent_at
        assert fact.author_player_id == author["player_id"]
        assert fact.is_bot == author["bot"] == message["author"].get("bot", False)
        assert fact.is_webhook == ("webhook_id" in message)
        assert fact.is_question == message["content"].endswith("?")
        reference = message.get("message_reference")
        assert fact.reply_to_message_id == (int(reference["message_id"]) if reference else None)
        relayed = RELAY_LINE.match(message["content"])
        assert fact.relay_name == (relayed.group(1) if relayed else None)
        assert (fact.relay_player_id is None) == (fact.relay_name is None)


def test_message_facts_agree_with_the_other_ground_truth(twisted_chat: SimulatedChat) -> None:
    facts = twisted_chat.message_facts()
    counts = Counter(f.relay_name if f.relay_name else f.author_id for f in facts)
    assert counts == twisted_chat.expected_counts()
    by_id = {fact.message_id: fact for fact in facts}
    questions = twisted_chat.questions()
    assert {q["message_id"] for q in questions} == {f.message_id for f in facts if f.is_question}
    for question in questions:
        fact = by_id[question["message_id"]]
        assert (fact.author_id, fact.relay_name) == (question["author_id"], question["relay_name"])
    for reply in twisted_chat.question_replies():
        fact = by_id[reply["message_id"]]
        assert fact.reply_to_message_id == reply["question_id"]
        assert by_id[reply["question_id"]].author_id == reply["question_author_id"]


def test_message_facts_match_history_pages(twisted_chat: SimulatedChat) -> None:
    facts = twisted_chat.message_facts()
    for channel_id in twisted_chat.readable_channel_ids():
        paged: list[int] = []
        before = None
        while page := twisted_chat.history(channel_id, limit=100, before=before, content=False):
            paged += [int(m["id"]) for m in page]
            before = paged[-1]
        assert paged[::-1] == [f.message_id for f in facts if f.channel_id == channel_id]


def test_message_facts_until_a_moment(twisted_chat: SimulatedChat) -> None:
    facts = twisted_chat.message_facts()
    week_ago = twisted_chat.clan.now - timedelta(days=7)
    earlier = twisted_chat.message_facts(week_ago)
    assert earlier and all(fact.sent_at <= week_ago for fact in earlier)
    # Threads created since hold nothing older, so a prefix in time is all it is.
    assert {fact for fact in facts if fact.sent_at <= week_ago} == set(earlier)
    assert isinstance(facts[0], MessageFact)


# Three competitions (ended, running, upcoming as a team one), leavers and rejoiners.
COMPETING = SimConfig(seed=2, members=40, days=40, now=SIM_NOW, leavers=0.2, rejoiners=2)


@pytest.fixture(scope="module")
def competing() -> SimulatedClan:
    """Return a clan whose group hosts three competitions (tests must not move its `now`)."""
    return SimulatedClan(COMPETING)


def test_competition_placings_are_the_served_standings(competing: SimulatedClan) -> None:
    competitions = competing.competitions()
    assert len(competitions) == 3
    for competition in competitions:
        served = competing.competition_details(competition["id"])
        assert served is not None
        placings = competing.competition_placings(competition["id"], competing.now)
        assert [(p.player_id, p.rank, p.team, p.start, p.end, p.gained) for p in placings] == [
            (
                s["playerId"],
                rank,
                s["teamName"],
                s["progress"]["start"],
                s["progress"]["end"],
                s["progress"]["gained"],
            )
            for rank, s in enumerate(served["participations"], start=1)
        ]
        teams = {p.team for p in placings}
        assert teams == ({None} if competition["type"] == "classic" else teams - {None})
    with pytest.raises(KeyError):
        competing.competition_placings(1, competing.now)


def test_competition_progress_follows_the_snapshots_in_its_window(competing: SimulatedClan) -> None:
    """From the first to the last snapshot between the start and min(now, end), as WOM reads
    values (-1 unless positive): worked out here from `snapshot_history` alone."""
    now = competing.now
    checked = unknown = 0
    for competition in competing.competitions():
        metric = competition["metric"]
        start, end = parse(competition["startsAt"]), parse(competition["endsAt"])
        members = competing.members_at(start)
        for placing in competing.competition_placings(competition["id"], now):
            assert placing.player_id in members
            history = [
                values[metric]
                for taken, values in competing.snapshot_history(placing.player_id, min(now, end))
                if taken >= start
            ]
            first, last = (history[0], history[-1]) if history else (-1, -1)
            first, last = (v if v > 0 else -1 for v in (first, last))
            gained = max(0, last - max(first, 0)) if history else 0
            assert (placing.start, placing.end, placing.gained) == (first, last, gained)
            assert placing.gain == (None if -1 in (first, last) else gained)
            checked += 1
            unknown += placing.gain is None
    assert checked > unknown > 0


def test_some_members_take_part_in_every_competition_and_some_in_none(
    competing: SimulatedClan,
) -> None:
    competitions = competing.competitions()
    later = competing.now + timedelta(days=10)  # the upcoming one has started and ended
    entered = [
        {p.player_id for p in competing.competition_placings(c["id"], later)} for c in competitions
    ]
    always_members = set.intersection(
        *(competing.members_at(parse(c["startsAt"])) for c in competitions)
    )
    assert always_members & set.intersection(*entered)
    assert always_members - set.union(*entered)
    assert all(0 < len(players) < len(always_members) for players in entered)
