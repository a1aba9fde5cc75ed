"""SimulatedChat: a deterministic clan Discord with rhythm, questions, relay lines and bots."""

from __future__ import annotations

import re
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from simulator.chat import TEXT_MARKER, ChatConfig, SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from simulator.roster import standardize_username
from simulator.shapes import Json
from tests.conftest import SIM_NOW

RELAY_LINE = re.compile(r"\*\*(.+?)\*\*:")


@pytest.fixture(scope="module")
def busy_chat() -> SimulatedChat:
    """Return a 60-member clan's Discord over 90 days: enough messages for statistics."""
    return SimulatedChat(SimulatedClan(SimConfig(seed=3, members=60, days=90, now=SIM_NOW)))


def all_messages(chat: SimulatedChat) -> list[Json]:
    """Return every message of every channel and thread, readable or not."""
    ids = [*chat.channel_ids.values(), *chat.thread_ids.values()]
    return [m for channel_id in ids for m in chat.messages(channel_id)]


def member_names(chat: SimulatedChat) -> dict[int, str]:
    """Return current members' display names by WOM player id."""
    memberships = chat.clan.group_details()["memberships"]
    return {m["playerId"]: m["player"]["displayName"] for m in memberships}


# --------------------------------------------------------------------------- the guild


def test_channels_are_snowflakes_with_a_relay_and_a_forbidden_one(sim_chat: SimulatedChat) -> None:
    names = set(sim_chat.channel_ids)
    assert names == {"general", "pvm", "skilling", "staff-only", "clan-chat-relay"}
    assert sim_chat.relay_channel_id == sim_chat.channel_ids["clan-chat-relay"]
    assert sim_chat.forbidden_channel_id == sim_chat.channel_ids["staff-only"]
    guild_ms = (sim_chat.guild_id >> 22) + 1_420_070_400_000
    for channel_id in sim_chat.channel_ids.values():
        assert (channel_id >> 22) + 1_420_070_400_000 > guild_ms
    assert sim_chat.forbidden_channel_id not in sim_chat.readable_channel_ids()
    assert sim_chat.bot_token.count(".") == 2


def test_the_chat_is_deterministic(sim_clan: SimulatedClan) -> None:
    twin = SimulatedClan(sim_clan.config)
    first, second = SimulatedChat(sim_clan), SimulatedChat(twin)
    assert first.users() == second.users()
    assert first.bot_token == second.bot_token
    general = first.channel_ids["general"]
    assert first.messages(general) == second.messages(general)
    other = SimulatedChat(twin, ChatConfig(seed=12))
    assert other.messages(general) != first.messages(general)


def test_volume_of_a_small_clan(sim_chat: SimulatedChat) -> None:
    per_day = sim_chat.count_messages() / sim_chat.clan.config.days
    assert 5 <= per_day <= 40
    quieter = SimulatedChat(sim_chat.clan, ChatConfig(message_scale=0.25))
    assert quieter.count_messages() < sim_chat.count_messages() / 2


def test_threads_have_their_own_messages(sim_chat: SimulatedChat) -> None:
    general = sim_chat.messages(sim_chat.channel_ids["general"])
    general_ids = {m["id"] for m in general}
    for name, thread_id in sim_chat.thread_ids.items():
        thread = sim_chat.channel(thread_id)
        assert thread is not None and thread["type"] == 11, name
        messages = sim_chat.messages(thread_id)
        assert thread["message_count"] == len(messages)
        assert all(m["channel_id"] == str(thread_id) for m in messages)
        assert not general_ids & {m["id"] for m in messages}
    assert sim_chat.active_threads() and any(
        sim_chat.archived_threads(sim_chat.channel_ids[name]) for name in ("general", "pvm")
    )


# --------------------------------------------------------------------------- people


def test_discord_names_relate_to_in_game_names_in_every_style(sim_chat: SimulatedChat) -> None:
    names = member_names(sim_chat)
    keys = {standardize_username(name) for name in names.values()}
    members = [u for u in sim_chat.users() if u["kind"] == "member"]
    assert len(members) == round(0.8 * len(names))
    styles = Counter(u["name_style"] for u in members)
    assert set(styles) == {"exact", "normalised", "username", "nickname"}
    for user in members:
        name = names[user["player_id"]]
        if user["name_style"] == "exact":
            assert user["global_name"] == name
        elif user["name_style"] == "normalised":
            assert user["global_name"] != name
            assert standardize_username(user["global_name"]) == standardize_username(name)
        elif user["name_style"] == "username":
            assert user["global_name"] is None
            assert standardize_username(user["username"]) == standardize_username(name)
        else:
            assert standardize_username(user["global_name"]) not in keys
            assert user["nick"] in (None, name)


def test_one_name_is_ambiguous_between_a_member_and_a_namesake(sim_chat: SimulatedChat) -> None:
    (ambiguous,) = sim_chat.ambiguous_names()
    sharing = [
        u
        for u in sim_chat.users()
        if u["global_name"] and standardize_username(u["global_name"]) == ambiguous
    ]
    assert len(sharing) == 2
    assert sorted(u["player_id"] is None for u in sharing) == [False, True]
    assert ambiguous in {standardize_username(n) for n in member_names(sim_chat).values()}


def test_bots_and_non_members(sim_chat: SimulatedChat) -> None:
    kinds = Counter(u["kind"] for u in sim_chat.users())
    assert kinds["relay_bot"] == kinds["utility_bot"] == kinds["webhook"] == 1
    assert kinds["friend"] >= 2
    bots = {u["id"] for u in sim_chat.users() if u["bot"]}
    assert len(bots) == 3 and sim_chat.app.id not in {u["id"] for u in sim_chat.users()}


def test_chattiness_varies_and_some_members_lurk(busy_chat: SimulatedChat) -> None:
    counts = busy_chat.expected_counts()
    members = [u["id"] for u in busy_chat.users() if u["kind"] == "member"]
    per_member = np.array([counts.get(m, 0) for m in members])
    speaking = per_member[per_member > 0]
    assert (per_member == 0).sum() >= 3  # lurkers
    assert speaking.max() >= 5 * np.median(speaking)  # a few very chatty ones


# --------------------------------------------------------------------------- rhythm


def local_heatmap(chat: SimulatedChat, timezone: str) -> np.ndarray:
    """Return message counts by local weekday x hour."""
    zone = ZoneInfo(timezone)
    heatmap = np.zeros((7, 24))
    for message in all_messages(chat):
        moment = datetime.fromisoformat(message["timestamp"]).astimezone(zone)
        heatmap[moment.weekday(), moment.hour] += 1
    return heatmap


def test_evenings_and_weekends_are_busier(busy_chat: SimulatedChat) -> None:
    heatmap = local_heatmap(busy_chat, busy_chat.config.timezone)
    by_hour, by_day = heatmap.sum(axis=0), heatmap.sum(axis=1)
    assert 18 <= int(np.argmax(by_hour)) <= 22
    assert by_hour[19:22].mean() > 5 * by_hour[2:5].mean()
    assert by_day[5:].mean() > 1.15 * by_day[:4].mean()  # Saturday, Sunday vs Monday-Thursday


def test_the_rhythm_follows_the_configured_timezone(busy_chat: SimulatedChat) -> None:
    sydney = SimulatedChat(busy_chat.clan, ChatConfig(timezone="Australia/Sydney"))
    local = local_heatmap(sydney, "Australia/Sydney").sum(axis=0)
    utc = local_heatmap(sydney, "UTC").sum(axis=0)
    assert 18 <= int(np.argmax(local)) <= 22
    assert not 17 <= int(np.argmax(utc)) <= 23  # Sydney evenings are UTC mornings


# --------------------------------------------------------------------------- content


def test_questions_end_with_a_question_mark_and_draw_replies(sim_chat: SimulatedChat) -> None:
    questions = {q["message_id"] for q in sim_chat.questions()}
    messages = [m for i in sim_chat.readable_channel_ids() for m in sim_chat.messages(i)]
    by_id = {int(m["id"]): m for m in messages}
    assert questions and questions <= set(by_id)
    for message_id, message in by_id.items():
        assert message["content"].endswith("?") == (message_id in questions)
    answers = sim_chat.question_replies()
    assert answers
    for answer in answers:
        reply = by_id[answer["message_id"]]
        assert reply["type"] == 19
        assert reply["message_reference"]["message_id"] == str(answer["question_id"])
        assert reply["referenced_message"]["id"] == str(answer["question_id"])
        assert answer["author_id"] != answer["question_author_id"]
        assert answer["message_id"] > answer["question_id"]
    own = [
        m
        for m in messages
        if m.get("referenced_message")
        and int(m["referenced_message"]["id"]) in questions
        and m["author"]["id"] == m["referenced_message"]["author"]["id"]
    ]
    assert own  # askers following up on their own question don't count as answers
    assert not {int(m["id"]) for m in own} & {a["message_id"] for a in answers}


def test_relay_lines_name_in_game_speakers_including_relay_only_members(
    sim_chat: SimulatedChat,
) -> None:
    relay = sim_chat.messages(sim_chat.relay_channel_id)
    relay_bot = next(u["id"] for u in sim_chat.users() if u["kind"] == "relay_bot")
    assert {int(m["author"]["id"]) for m in relay} == {relay_bot}
    speakers = sim_chat.relay_speakers()
    known = {s["name"] for s in speakers} | {s["old_name"] for s in speakers if s["old_name"]}
    named = [RELAY_LINE.match(m["content"]) for m in relay]
    said = Counter(match.group(1) for match in named if match)
    assert set(said) <= known
    system = [m for m, match in zip(relay, named, strict=True) if match is None]
    assert system and not any(RELAY_LINE.search(m["content"]) for m in system)
    relay_only = {s["name"] for s in speakers if s["discord_user_id"] is None and s["speaks"]}
    assert relay_only and relay_only & set(said)
    counts = sim_chat.expected_counts([sim_chat.relay_channel_id])
    assert {k: v for k, v in counts.items() if isinstance(k, str)} == dict(said)
    assert counts[relay_bot] == len(system)


def test_bots_answer_commands_and_webhooks_post(sim_chat: SimulatedChat) -> None:
    messages = all_messages(sim_chat)
    users = {u["id"]: u for u in sim_chat.users()}
    answers = [m for m in messages if users[int(m["author"]["id"])]["kind"] == "utility_bot"]
    assert answers and all(m["referenced_message"]["content"].startswith("!") for m in answers)
    posts = [m for m in messages if "webhook_id" in m]
    assert posts and all(m["webhook_id"] == m["author"]["id"] for m in posts)


def test_every_text_carries_one_marker(sim_chat: SimulatedChat) -> None:
    messages = [m for i in sim_chat.readable_channel_ids() for m in sim_chat.messages(i)]
    found = [TEXT_MARKER.findall(m["content"]) for m in messages]
    assert all(len(markers) == 1 for markers in found)
    assert [markers[0] for markers in found] == list(sim_chat.text_markers())
    assert len(set(sim_chat.text_markers())) > 0.99 * len(messages)


def test_counts_match_the_messages(sim_chat: SimulatedChat) -> None:
    counts = sim_chat.expected_counts()
    readable = [m for i in sim_chat.readable_channel_ids() for m in sim_chat.messages(i)]
    assert (
        sum(counts.values())
        == len(readable)
        == sim_chat.count_messages(sim_chat.readable_channel_ids())
    )


# --------------------------------------------------------------------------- awkward cases


def test_rejoiners_keep_their_account_and_speak_in_game_only_as_members() -> None:
    clan = SimulatedClan(
        SimConfig(
            seed=5, members=40, days=40, now=SIM_NOW, leavers=0.2, name_changers=0.2,
            rejoiners=4, name_reuse=4,
        )
    )  # fmt: skip
    chat = SimulatedChat(clan)
    rejoiners = {p for p in clan.player_ids() if len(clan.stays(p)) > 1}
    accounts = Counter(u["player_id"] for u in chat.users() if u["player_id"] is not None)
    assert set(accounts.values()) == {1}  # one account per player, however many stays
    assert len(rejoiners & set(accounts)) >= 3
    facts = chat.message_facts(SIM_NOW + timedelta(days=8))  # the late rejoiner is back
    voices = [f for f in facts if f.relay_player_id in rejoiners]
    assert all(f.relay_player_id in clan.members_at(f.sent_at) for f in voices)
    [late] = [p for p in rejoiners if clan.stays(p)[1][0] > SIM_NOW]
    back = clan.stays(late)[1][0]
    assert any(f.sent_at >= back for f in voices if f.relay_player_id == late)
    away = [
        f
        for f in facts
        if f.author_player_id in rejoiners and f.author_player_id not in clan.members_at(f.sent_at)
    ]
    assert away  # on Discord they still chat a little while away
    # Players in a twist are named in the relay as WOM names them at that moment.
    twisted = rejoiners | {r.owner_id for r in clan.name_reuses()}
    twisted |= {r.previous_owner_id for r in clan.name_reuses()}
    named = [f for f in facts if f.relay_player_id in twisted]
    assert named
    assert all(f.relay_name == clan.display_name_at(f.relay_player_id, f.sent_at) for f in named)


# --------------------------------------------------------------------------- time


def test_advancing_the_clan_adds_messages(sim_clan: SimulatedClan) -> None:
    chat = SimulatedChat(sim_clan)
    general = chat.channel_ids["general"]
    before, total = chat.messages(general), chat.count_messages()
    newest = max(datetime.fromisoformat(m["timestamp"]) for m in before)
    assert newest <= sim_clan.now
    sim_clan.advance(3)
    after = chat.messages(general)
    assert after[: len(before)] == before
    assert len(after) > len(before) and chat.count_messages() > total
    assert all(datetime.fromisoformat(m["timestamp"]) <= sim_clan.now for m in after)


def test_a_big_clan_year_is_counted_lazily() -> None:
    clan = SimulatedClan(SimConfig(seed=7, members=500, days=365, now=SIM_NOW))
    chat = SimulatedChat(clan)
    total = chat.count_messages()
    assert 800_000 <= total <= 1_250_000
    tracemalloc.start()
    try:
        general = chat.count_messages([chat.channel_ids["general"]])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000  # the channel's messages are never all held at once
    assert 0 < general < total
    assert datetime.fromtimestamp(0, UTC) < clan.now
