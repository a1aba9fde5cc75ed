"""Message text built from an OSRS chat vocabulary, each carrying a findable marker.

Every text holds one marker token matching `TEXT_MARKER` (e.g. `zq3k0f9akx`, see `marker`),
so a test can scan a database file or log for it and prove no message text was stored.
Questions end with "?" and nothing else does; relay lines read `**Name**: text`; relay system
lines never match the `**Name**:` pattern.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

TEXT_MARKER = re.compile(r"zq[0-9a-z]{6}kx")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_GOLDEN = 0x9E3779B97F4A7C15

_PLAIN = {
    "general": (
        "morning all", "gn everyone", "lol that's brutal", "just hit 99 agility finally",
        "brb dinner", "rng hates me today", "finally got my quest cape", "back from holiday",
        "clan event was fun last night", "that update looks good", "ty for the help earlier",
        "gl on the grind everyone", "gz on the pet", "can't believe they nerfed it",
        "wifi is being awful tonight", "new member here hello all", "off to bed soon",
    ),
    "pvm": (
        "dry on zulrah again", "finally greenlogged barrows", "3 kc tbow lets go",
        "learning cox tonight", "that was a clean raid", "sorry for the wipe lads",
        "vorkath is so boring", "got the pet at 400 kc", "inferno attempt 12 died at zuk",
        "toa 300 invo is rough", "nex mass at 8 tonight", "purple on my first tob",
    ),
    "skilling": (
        "wc is so relaxing", "200m fishing soon", "birdhouse run done",
        "herb run gave 12 ranarr", "wintertodt crate gave nothing", "gotr is the best minigame",
        "rooftops until 99", "3t fishing is pain", "blast furnace all day",
        "maxed my farming finally", "sailing grind begins",
    ),
}  # fmt: skip
_PLAIN["staff"] = (
    "rank review is due sunday", "promoted two recruits today", "bingo teams are set",
    "need to update the clan rules", "event budget looks fine", "kicked an inactive alt",
)  # fmt: skip
_PLAIN["thread"] = _PLAIN["general"] + _PLAIN["pvm"]

_QUESTIONS = {
    "general": (
        "anyone up for a clan event this weekend?", "what time is the bingo?",
        "who's online tonight?", "is the game down for anyone else?",
        "did anyone see the new update?", "how do I rank up in the clan?",
        "which world is the clan hub?",
    ),
    "pvm": (
        "anyone for cox later?", "what gear for vorkath?", "is bowfa worth it?",
        "need a 5th for tob?", "how many kc for the pet on average?",
        "best spec weapon for toa?", "who wants to duo nex?",
    ),
    "skilling": (
        "fastest way to 99 rc?", "is gotr better than zmi?", "what's the best herb to plant?",
        "anyone know good wc spots?", "how much gp for 99 construction?",
    ),
    "staff": ("should we run a sotw next week?", "who is free to host saturday?"),
}  # fmt: skip
_QUESTIONS["thread"] = _QUESTIONS["general"] + _QUESTIONS["pvm"]

_ANSWERS = (
    "yeah I'm in", "try the wiki it has a guide", "should be around 8pm uk time",
    "works fine for me", "depends on your stats tbh", "I can help after dinner",
    "nah not tonight sorry", "go with the cheaper option", "ask in the pvm channel",
    "about 5m for that", "world 330 as always", "count me in",
)  # fmt: skip
_FOLLOW_UPS = (
    "nvm found it",
    "nvm worked it out",
    "ignore me got it sorted",
    "edit found the guide",
)
_REACTIONS = ("haha same", "gz!", "true that", "big if true", "rip", "so jealous", "nice one")
_BOSSES = ("Zulrah", "Vorkath", "Nex", "Chambers of Xeric", "Theatre of Blood", "Tempoross")
_COMMANDS = ("!kc {boss}", "!pb {boss}", "!ehp", "!events", "!rank")
_EVENTS = ("Clan bingo", "Skill of the week", "Boss of the week", "Mass Nex", "Drop party")
_WEEKDAYS = ("monday", "wednesday", "friday", "saturday", "sunday")
_IN_GAME = (
    "gz", "ty all", "gl", "wb", "lol", "gz on 99", "hi all", "brb", "just died at vork lol",
    "selling lobbies pm me", "lf cox team", "hop to 330 for the event", "that's a big drop gz",
    "afk for a bit", "back", "finally done with quests",
)  # fmt: skip
_IN_GAME_QUESTIONS = ("what world is the event on?", "anyone at wintertodt?", "who's raiding?")
_DROPS = ("Tanzanite fang", "Dragon warhammer", "Abyssal whip", "Twisted bow", "Bandos tassets")
_SKILLS = ("Fishing", "Woodcutting", "Slayer", "Agility", "Herblore", "Runecraft")
_QUESTS = ("Dragon Slayer II", "Song of the Elves", "Monkey Madness II", "Desert Treasure II")


def marker(message_id: int) -> str:
    """Return the marker token of a message: `zq`, six base-36 digits from its id, `kx`."""
    mixed = ((message_id * _GOLDEN) & (2**64 - 1)) >> 20
    digits = []
    for _ in range(6):
        mixed, digit = divmod(mixed, 36)
        digits.append(_DIGITS[digit])
    return f"zq{''.join(digits)}kx"


def _pick(options: Sequence[str], seed: int, slot: int) -> str:
    """Return one option chosen by 7 bits of `seed` (a different slot, a different choice)."""
    return options[(seed >> (7 * slot)) % len(options)]


def _with_marker(text: str, token: str) -> str:
    """Put the marker after the first word, so it never changes how the text ends."""
    first, _, rest = text.partition(" ")
    return f"{first} {token} {rest}" if rest else f"{first} {token}"


def plain(topic: str, seed: int, token: str) -> str:
    """Return an ordinary chat line about a channel's topic."""
    return _with_marker(_pick(_PLAIN[topic], seed, 0), token)


def question(topic: str, seed: int, token: str) -> str:
    """Return a question (ends with "?")."""
    return _with_marker(_pick(_QUESTIONS[topic], seed, 0), token)


def answer(seed: int, token: str) -> str:
    """Return an answer to someone else's question."""
    return _with_marker(_pick(_ANSWERS, seed, 0), token)


def follow_up(seed: int, token: str) -> str:
    """Return the asker's own follow-up to their question."""
    return _with_marker(_pick(_FOLLOW_UPS, seed, 0), token)


def reaction(seed: int, token: str) -> str:
    """Return a short reply to an ordinary message."""
    return _with_marker(_pick(_REACTIONS, seed, 0), token)


def command(seed: int, token: str) -> str:
    """Return a bot command a member types."""
    text = _pick(_COMMANDS, seed, 0).format(boss=_pick(_BOSSES, seed, 1).lower())
    return f"{text} {token}"


def bot_answer(seed: int, token: str) -> str:
    """Return the utility bot's answer to a command."""
    count = (seed >> 20) % 3000
    return _with_marker(f"{_pick(_BOSSES, seed, 1)} kill count: {count:,}", token)


def webhook_post(seed: int, token: str) -> str:
    """Return an events webhook announcement."""
    event, day = _pick(_EVENTS, seed, 0), _pick(_WEEKDAYS, seed, 1)
    return _with_marker(f"New event: {event} starts {day} at 8pm", token)


def relay_line(name: str, seed: int, token: str, *, asks: bool) -> str:
    """Return an in-game clan chat line as the relay bot posts it: `**Name**: text`."""
    text = _pick(_IN_GAME_QUESTIONS if asks else _IN_GAME, seed, 0)
    return f"**{name}**: {_with_marker(text, token)}"


def relay_system_line(name: str, seed: int, token: str) -> str:
    """Return a relayed game broadcast, which has no `**Name**:` speaker."""
    style = seed % 4
    if style == 0:
        value = 1_000_000 + (seed >> 12) % 90_000_000
        return f"{name} received a drop: {_pick(_DROPS, seed, 1)} ({value:,} coins). {token}"
    if style == 1:
        level = 70 + (seed >> 12) % 30
        return f"{name} has reached {_pick(_SKILLS, seed, 1)} level {level}. {token}"
    if style == 2:
        return f"{name} has completed a quest: {_pick(_QUESTS, seed, 1)}. {token}"
    return f"[Relay] Reconnected to clan chat. {token}"
