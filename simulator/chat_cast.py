"""Who is in the clan Discord and in-game clan chat, read from a SimulatedClan's public answers.

About 80% of current members have a Discord account, named so identity matching is interesting:
`exact` (global_name is the display name), `normalised` (lowercase with `_`/`-`), `username`
(no global_name, username is the normalised name), `nickname` (unrelated; half of them set
their server nick to the in-game name). One friend shares a member's normalised name, so the
pair is ambiguous. Ex-members, friends, a relay bot, a utility bot and an events webhook
complete the cast. `Speaker`s are the in-game voices the relay channel repeats.

A rejoiner (`SimConfig.rejoiners`) keeps one account: while away it chats a little, as an
ex-member does, and their in-game voice is silent. Players in a twist (rejoiners, and both
sides of a reused name) take their in-game names from the clan's name history, so relay lines
show the name WOM gives them at that moment, renames after `now` included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np

from simulator.clan import SimulatedClan, to_ms
from simulator.clock import DAY_MS, NEVER_MS, iso_ms
from simulator.roster import standardize_username
from simulator.shapes import Json
from simulator.snowflakes import snowflake

DISCORD_SHARE = 0.8  # of current members
EX_MEMBER_DISCORD_SHARE = 0.6
STAFF_ROLES = frozenset({"owner", "deputy_owner", "administrator", "captain"})
_STYLES = ("exact", "normalised", "username", "nickname")
_STYLE_WEIGHTS = (0.40, 0.25, 0.10, 0.25)
_CHATTINESS_SIGMA = 1.3  # heavy-tailed: a few people write most of the messages
_QUIET_AFTER_MS = 30 * DAY_MS  # no XP gained for this long: not playing, so not in clan chat
_EARLIEST_ACCOUNT_MS = 1_451_606_400_000  # 2016-01-01
_NICKNAMES = (
    "Dave", "Smithy", "Big Mac", "kat", "Jonno", "mr potato", "Tilly", "Gaz", "Rosie", "wolfie",
    "Bee", "Stu", "Moose", "pip", "Ozzy", "Dimi", "Frankie", "Lofty", "Nessa", "Yuki", "Ollie",
    "Brick", "Sasha", "Taz", "Mags", "Woody", "Digger", "Fen", "Kip", "Luca",
)  # fmt: skip


@dataclass(frozen=True)
class ChatUser:
    """One Discord account in the guild (or the events webhook)."""

    id: int
    username: str
    global_name: str | None
    nick: str | None
    bot: bool
    kind: str  # member, ex_member, friend, relay_bot, utility_bot, webhook, app
    player_id: int | None
    name_style: str | None
    joined_ms: int  # joined the guild; never posts before
    left_clan_ms: int = NEVER_MS  # ex-members chat much less afterwards
    staff: bool = False
    chattiness: float = 0.0  # relative; 0 is a lurker
    back_ms: int = NEVER_MS  # rejoined the clan: chats as a member again from then


@dataclass(frozen=True)
class Speaker:
    """One player's voice in in-game clan chat, as the relay repeats it."""

    player_id: int
    name: str
    old_name: str | None  # the name used before `renamed_ms`
    renamed_ms: int
    join_ms: int
    leave_ms: int
    rate: float  # relative; 0 never speaks
    user_index: int  # their Discord account, -1 without one
    back_ms: int = NEVER_MS  # rejoined the clan: speaks again from then

    def name_at(self, at_ms: int) -> str:
        """Return the display name the relay shows at a moment."""
        return self.old_name if self.old_name is not None and at_ms < self.renamed_ms else self.name


@dataclass
class Cast:
    """Everyone who can post, with the indexes of the special accounts."""

    users: list[ChatUser] = field(default_factory=list)
    speakers: list[Speaker] = field(default_factory=list)
    app: ChatUser | None = None
    relay_bot: int = -1
    utility_bot: int = -1
    webhook: int = -1
    member_count: int = 0

    def indexes(self, *kinds: str) -> list[int]:
        """Return the indexes of users of the given kinds."""
        return [i for i, user in enumerate(self.users) if user.kind in kinds]


def _ms(text: str) -> int:
    """Return epoch ms of a WOM ISO timestamp."""
    return round(datetime.fromisoformat(text).timestamp() * 1000)


def _twist_renames(clan: SimulatedClan) -> dict[int, Json]:
    """Return the renames of players in a twist, from the clan's name history.

    Shaped like WOM name changes (oldName, newName, resolvedAt). Without twists it is empty,
    so a default clan's cast is unchanged.
    """
    twisted = {reuse.owner_id for reuse in clan.name_reuses()}
    twisted |= {reuse.previous_owner_id for reuse in clan.name_reuses()}
    if clan.config.rejoiners:
        twisted |= {p for p in clan.player_ids() if len(clan.stays(p)) > 1}
    renames: dict[int, Json] = {}
    for player_id in sorted(twisted):
        history = clan.name_history(player_id)
        if len(history) > 1:
            (_, old), (resolved, new) = history[0], history[1]
            assert resolved is not None  # every name but the first has a moment
            at = iso_ms(to_ms(resolved))
            renames[player_id] = {"oldName": old, "newName": new, "resolvedAt": at}
    return renames


def build_cast(clan: SimulatedClan, rng: np.random.Generator, *, origin_ms: int) -> Cast:
    """Draw the Discord accounts and in-game voices of a clan as of its `now`."""
    builder = _CastBuilder(clan, rng, origin_ms)
    builder.add_members()
    builder.add_ex_members()
    builder.add_friends()
    builder.add_namesake()
    builder.add_bots()
    return builder.cast


class _CastBuilder:
    """Draw the cast from the clan's memberships, activity feed and name changes."""

    def __init__(self, clan: SimulatedClan, rng: np.random.Generator, origin_ms: int) -> None:
        self.rng = rng
        self.clan = clan
        self.now_ms = to_ms(clan.now)
        self.origin_ms = origin_ms
        self.memberships = clan.group_details()["memberships"]
        self.activity = clan.activity()
        self.renames = {change["playerId"]: change for change in clan.name_changes()}
        self.renames.update(_twist_renames(clan))
        self.cast = Cast(member_count=len(self.memberships))
        self.usernames: set[str] = set()
        self.ids: set[int] = set()
        names = [m["player"]["displayName"] for m in self.memberships]
        names += [event["player"]["displayName"] for event in self.activity]
        names += [change["oldName"] for change in self.renames.values()]
        self.in_game_names = {standardize_username(name) for name in names}

    # ------------------------------------------------------------------ the cast

    def add_members(self) -> None:
        """Add every current member's voice, and a Discord account for about 80% of them."""
        count = len(self.memberships)
        with_discord = set(self.rng.permutation(count)[: round(count * DISCORD_SHARE)].tolist())
        styles = self.styles(len(with_discord))
        for index, membership in enumerate(self.memberships):
            player = membership["player"]
            changed_ms = self.progressed_ms(player)
            quiet = changed_ms is None or self.now_ms - changed_ms > _QUIET_AFTER_MS
            # A rejoiner's account dates from their first stay; they were away in between.
            join_ms, left_ms, back_ms = self.absence(player["id"], _ms(membership["createdAt"]))
            user_index = -1
            if index in with_discord:
                silent = self.rng.random() < (0.4 if quiet else 0.15)
                user = self.human(
                    name=player["displayName"],
                    style=styles.pop(),
                    kind="member",
                    player_id=int(membership["playerId"]),
                    joined_ms=join_ms,
                    left_clan_ms=left_ms,
                    back_ms=back_ms,
                    staff=membership["role"] in STAFF_ROLES,
                    chattiness=0.0 if silent else float(self.rng.lognormal(0.0, _CHATTINESS_SIGMA)),
                )
                user_index = self.add(user)
            # Members who stopped playing say nothing in game; a few players never chat.
            mute = quiet or self.rng.random() < 0.1
            rate = 0.0 if mute else float(self.rng.lognormal(0.0, 0.9))
            self.add_speaker(player, join_ms, left_ms, rate, user_index, back_ms)
        relay_only = [s for s in self.cast.speakers if s.user_index < 0]
        if relay_only and not any(s.rate > 0 for s in relay_only):
            # Someone must speak only through the relay, or a harvester can't be tested on it.
            index = self.cast.speakers.index(relay_only[0])
            self.cast.speakers[index] = replace(relay_only[0], rate=1.0)

    def add_ex_members(self) -> None:
        """Add players who left during the history: they chatted, and some stay on Discord."""
        joined = {
            e["playerId"]: _ms(e["createdAt"]) for e in self.activity if e["type"] == "joined"
        }
        # Rejoiners back in the clan already have their account and voice, from add_members.
        done = {int(m["playerId"]) for m in self.memberships}
        for event in self.activity:
            if event["type"] != "left" or event["playerId"] not in joined:
                continue
            if event["playerId"] in done:
                continue
            done.add(event["playerId"])
            player, left_ms = event["player"], _ms(event["createdAt"])
            join_ms, _, back_ms = self.absence(player["id"], joined[event["playerId"]])
            user_index = -1
            if self.rng.random() < EX_MEMBER_DISCORD_SHARE:
                user = self.human(
                    name=player["displayName"],
                    style=_STYLES[int(self.rng.integers(2))],
                    kind="ex_member",
                    player_id=int(event["playerId"]),
                    joined_ms=join_ms,
                    left_clan_ms=left_ms,
                    back_ms=back_ms,
                    chattiness=float(self.rng.lognormal(-0.3, _CHATTINESS_SIGMA)),
                )
                user_index = self.add(user)
            rate = float(self.rng.lognormal(0.0, 0.9))
            self.add_speaker(player, join_ms, left_ms, rate, user_index, back_ms)

    def add_friends(self) -> None:
        """Add a few Discord regulars who aren't in the clan."""
        for _ in range(max(2, round(0.06 * self.cast.member_count))):
            joined_ms = self.origin_ms - int(self.rng.uniform(1, 400) * DAY_MS)
            nickname = self.nickname()
            user = ChatUser(
                id=self.user_id(joined_ms),
                username=self.username(f"{nickname}{int(self.rng.integers(10, 99))}"),
                global_name=nickname,
                nick=None,
                bot=False,
                kind="friend",
                player_id=None,
                name_style=None,
                joined_ms=joined_ms,
                chattiness=float(0.5 * self.rng.lognormal(0.0, 1.0)),
            )
            self.add(user)

    def add_namesake(self) -> None:
        """Add a friend whose name normalises to a member's, making that name ambiguous."""
        candidates = [
            i
            for i, user in enumerate(self.cast.users)
            if user.kind == "member" and user.name_style in ("exact", "normalised")
        ]
        if not candidates:
            return
        member = self.cast.users[candidates[0]]
        name = member.global_name or member.username
        joiner = "-" if "_" in name else "_"
        alias = re.sub(r"[ _-]", joiner, name.lower())
        if alias == name:
            alias = name.upper()
        user = ChatUser(
            id=self.user_id(member.joined_ms),
            username=self.username(f"{alias}.alt"),
            global_name=alias,
            nick=None,
            bot=False,
            kind="friend",
            player_id=None,
            name_style="namesake",
            joined_ms=self.origin_ms - 30 * DAY_MS,
            chattiness=float(self.rng.uniform(0.5, 1.5)),
        )
        self.add(user)

    def add_bots(self) -> None:
        """Add the relay bot, the utility bot, the events webhook and the harvesting app."""
        since = self.origin_ms - 300 * DAY_MS
        bots = (
            ("relay_bot", "clanchat_relay", "ClanChat Relay"),
            ("utility_bot", "lootgoblin", "Loot Goblin"),
            ("webhook", "Clan Events", None),
        )
        for kind, username, global_name in bots:
            index = self.add(self.bot(kind, username, global_name, since))
            setattr(self.cast, kind, index)
        self.cast.app = self.bot("app", "clanstats", "ClanStats", since)

    # ------------------------------------------------------------------ helpers

    def absence(self, player_id: int, join_ms: int) -> tuple[int, int, int]:
        """Return (first join, first leave, rejoin) of a rejoiner; (join_ms, NEVER, NEVER) else.

        The cast models at most one absence, which is all `SimConfig.rejoiners` draws.
        """
        stays = self.clan.stays(player_id)
        if len(stays) < 2:
            return join_ms, NEVER_MS, NEVER_MS
        (first, left), (back, _) = stays[0], stays[1]
        assert left is not None  # a stay followed by another has ended
        return to_ms(first), to_ms(left), to_ms(back)

    def progressed_ms(self, player: Json) -> int | None:
        """Return when a player last made progress: lastChangedAt, or the truth WOM hides."""
        changed = player.get("lastChangedAt")
        if changed is not None:
            return _ms(changed)
        # Whether someone plays doesn't hinge on WOM knowing it (`unknown_last_changed`).
        progressed = self.clan.last_progressed_at(player["id"], self.clan.now)
        return to_ms(progressed) if progressed is not None else None

    def styles(self, count: int) -> list[str]:
        """Return naming styles for `count` accounts, every style present when there's room."""
        drawn = [str(s) for s in self.rng.choice(_STYLES, size=count, p=_STYLE_WEIGHTS)]
        if count >= len(_STYLES):
            drawn[: len(_STYLES)] = _STYLES
        return [drawn[i] for i in self.rng.permutation(count)]

    def human(self, *, name: str, style: str, **fields: Any) -> ChatUser:
        """Return a person's account whose names relate to in-game `name` in one style."""
        nick = None
        if style == "exact":
            global_name: str | None = name
            username = self.username(name.replace(" ", "."))
        elif style == "normalised":
            global_name = re.sub(r"[ _-]", "_" if self.rng.random() < 0.6 else "-", name.lower())
            if global_name == name:
                global_name = name.upper()
            username = self.username(global_name)
        elif style == "username":
            global_name = None
            username = self.username(re.sub(r"[ -]", "_", name))
        else:
            global_name = self.nickname()
            username = self.username(f"{global_name}{int(self.rng.integers(10, 99))}")
            nick = name if self.rng.random() < 0.5 else None  # clans often ask for RSN nicks
        joined_ms = int(fields["joined_ms"])
        return ChatUser(
            id=self.user_id(joined_ms),
            username=username,
            global_name=global_name,
            nick=nick,
            bot=False,
            name_style=style,
            **fields,
        )

    def bot(self, kind: str, username: str, global_name: str | None, since: int) -> ChatUser:
        """Return a bot account (or the webhook's author)."""
        return ChatUser(
            id=self.user_id(since),
            username=username if kind == "webhook" else self.username(username),
            global_name=global_name,
            nick=None,
            bot=True,
            kind=kind,
            player_id=None,
            name_style=None,
            joined_ms=since,
        )

    def add(self, user: ChatUser) -> int:
        """Append a user; return its index."""
        self.cast.users.append(user)
        return len(self.cast.users) - 1

    def add_speaker(
        self,
        player: Json,
        join_ms: int,
        leave_ms: int,
        rate: float,
        user_index: int,
        back_ms: int = NEVER_MS,
    ) -> None:
        """Append an in-game voice, remembering the name it used before a rename."""
        change = self.renames.get(player["id"])
        # A twist's rename may come after `now`; the feed's renames are the current names.
        name = change["newName"] if change else player["displayName"]
        self.cast.speakers.append(
            Speaker(
                player_id=int(player["id"]),
                name=name,
                old_name=change["oldName"] if change else None,
                renamed_ms=_ms(change["resolvedAt"]) if change else 0,
                join_ms=join_ms,
                leave_ms=leave_ms,
                rate=rate,
                user_index=user_index,
                back_ms=back_ms,
            )
        )

    def user_id(self, before_ms: int) -> int:
        """Return a unique snowflake for an account created some time before `before_ms`."""
        while True:
            high = max(_EARLIEST_ACCOUNT_MS + DAY_MS, before_ms - DAY_MS)
            created = int(self.rng.uniform(_EARLIEST_ACCOUNT_MS, high))
            user_id = snowflake(created, int(self.rng.integers(0, 1 << 22)))
            if user_id not in self.ids:
                self.ids.add(user_id)
                return user_id

    def username(self, base: str) -> str:
        """Return a unique Discord username (lowercase a-z, 0-9, `_`, `.`) close to `base`."""
        clean = re.sub(r"[^a-z0-9_.]+", "_", base.lower()).strip("_.")[:28] or "user"
        clean = clean if len(clean) >= 2 else f"{clean}_x"
        candidate = clean
        while candidate in self.usernames:
            candidate = f"{clean}{int(self.rng.integers(2, 1000))}"
        self.usernames.add(candidate)
        return candidate

    def nickname(self) -> str:
        """Return a nickname that matches no in-game name, even normalised."""
        base = _NICKNAMES[int(self.rng.integers(len(_NICKNAMES)))]
        nick = base
        while standardize_username(nick) in self.in_game_names:
            nick = f"{base}{int(self.rng.integers(2, 100))}"
        return nick
