"""Link Discord users and relay-chat names to clan members (WOM player ids).

Sources, strongest first:
1. the officers' identity file (`identity.csv`): Discord user id -> in-game name;
2. relay names: a relayed in-game line names its speaker, matched to a player by name;
3. automatic matches: a Discord username or display name equal to a player's name once case,
   spaces, `_` and `-` are ignored; a name that fits several people links none of them.
Names are a player's current names and every name they had before (WOM name changes), so a
rename keeps the link. What can't be linked is listed for the officers in `identity_issues`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from clanstats.chat.features import name_key
from clanstats.db.models import (
    DiscordMessage,
    DiscordUser,
    IdentityIssue,
    IdentityLink,
    Membership,
    NameChange,
    Player,
    RelayName,
)
from clanstats.db.replace import replace_rows
from clanstats.db.upsert import insert_rows
from clanstats.transform.identity_file import ManualLink


@dataclass
class Clan:
    """The players and every name each has gone by."""

    display: dict[int, str]
    current: set[int]
    by_name: dict[str, set[int]]

    def players_named(self, name: str | None) -> set[int]:
        """Players who have (or had) this name."""
        return set(self.by_name.get(name_key(name), ())) if name else set()

    @cached_property
    def _current_names(self) -> dict[str, int]:
        return {name_key(self.display[player_id]): player_id for player_id in self.current}

    def current_member_named(self, name: str) -> int | None:
        """The current member an officer means by a name: the one called that now, else the
        one current member who was called that before (a rename after the officer wrote it).
        A current name wins over someone else's old one; an old name two current members
        have had means neither."""
        player_id = self._current_names.get(name_key(name))
        if player_id is not None:
            return player_id
        had_it = self.players_named(name) & self.current
        return had_it.pop() if len(had_it) == 1 else None


@dataclass
class IdentityResult:
    """The links and issues found, ready to be written."""

    links: list[dict[str, Any]] = field(default_factory=list)
    relay_names: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, object]:
        """How many of each, for the run summary."""
        kinds: dict[str, int] = defaultdict(int)
        for issue in self.issues:
            kinds[issue["kind"]] += 1
        return {
            "linked by identity file": sum(link["source"] == "manual" for link in self.links),
            "linked by name": sum(link["source"] == "name" for link in self.links),
            "relay names known": sum(r["player_id"] is not None for r in self.relay_names),
            "unlinked Discord users": kinds["unlinked_discord"],
            "unlinked members": kinds["unlinked_member"],
            "ambiguous": kinds["ambiguous"],
        }


def link_identities(
    session: Session, group_id: int, manual: Iterable[ManualLink]
) -> IdentityResult:
    """Work out every link and issue for a group and replace the stored ones with them."""
    clan = load_clan(session, group_id)
    users = _discord_users(session, group_id)
    result = IdentityResult()
    linked_users: set[int] = set()
    linked_players: set[int] = set()

    def link(user_id: int, player_id: int, source: str, detail: str) -> None:
        result.links.append(
            {
                "group_id": group_id,
                "discord_user_id": user_id,
                "player_id": player_id,
                "source": source,
                "detail": detail,
            }
        )
        linked_users.add(user_id)
        linked_players.add(player_id)

    def issue(kind: str, subject: object, name: str, detail: str) -> None:
        result.issues.append(
            {
                "group_id": group_id,
                "kind": kind,
                "subject": str(subject),
                "name": name[:100],
                "detail": detail[:300],
            }
        )

    for entry in manual:
        players = clan.players_named(entry.rsn)
        if len(players) == 1:
            link(entry.discord_user_id, players.pop(), "manual", f"identity file line {entry.line}")
        elif not players:
            issue(
                "manual_unknown_rsn",
                entry.discord_user_id,
                entry.rsn,
                f"identity file line {entry.line}: no clan member is or was called {entry.rsn!r}",
            )
        else:
            issue(
                "ambiguous",
                entry.discord_user_id,
                entry.rsn,
                f"identity file line {entry.line}: {entry.rsn!r} fits "
                + ", ".join(sorted(clan.display[p] for p in players)),
            )

    _match_by_name(clan, users, linked_users, linked_players, link, issue)
    relay_speakers = _relay_names(session, group_id, clan, result, issue)

    listed = {issue["subject"] for issue in result.issues}
    for user_id, (names, keys) in sorted(users.items()):
        if user_id in linked_users or str(user_id) in listed:
            continue
        taken = set().union(*(clan.by_name.get(k, set()) for k in keys))
        detail = (
            f"their name fits {', '.join(sorted(clan.display[p] for p in taken))}, who is "
            "linked to another Discord user"
            if taken
            else "no clan member has this name; add a line to identity.csv if they are one"
        )
        issue("unlinked_discord", user_id, names[0], detail)
    for player_id in sorted(clan.current - linked_players):
        detail = (
            "speaks only in relay chat"
            if player_id in relay_speakers
            else "no Discord user found; add a line to identity.csv if they have one"
        )
        issue("unlinked_member", player_id, clan.display[player_id], detail)

    replace_rows(session, IdentityLink, result.links, scope=IdentityLink.group_id == group_id)
    replace_rows(session, RelayName, result.relay_names, scope=RelayName.group_id == group_id)
    # Issues have no natural key (an id each): the few there are are written afresh.
    session.execute(delete(IdentityIssue).where(IdentityIssue.group_id == group_id))
    insert_rows(session, IdentityIssue, result.issues)
    return result


def _match_by_name(
    clan: Clan,
    users: dict[int, tuple[list[str], set[str]]],
    linked_users: set[int],
    linked_players: set[int],
    link: Any,
    issue: Any,
) -> None:
    """Link users whose name fits exactly one unlinked player that no other user also fits."""
    fits: dict[int, set[int]] = {}
    for user_id, (_, keys) in users.items():
        if user_id in linked_users:
            continue
        players = set().union(*(clan.by_name.get(k, set()) for k in keys)) - linked_players
        if players:
            fits[user_id] = players
    claimants: dict[int, set[int]] = defaultdict(set)
    for user_id, players in fits.items():
        for player_id in players:
            claimants[player_id].add(user_id)
    for user_id, players in sorted(fits.items()):
        names = users[user_id][0]
        if len(players) > 1:
            issue(
                "ambiguous",
                user_id,
                names[0],
                f"{names[0]!r} fits several members: "
                + ", ".join(sorted(clan.display[p] for p in players)),
            )
            continue
        player_id = next(iter(players))
        rivals = claimants[player_id] - {user_id}
        if rivals:
            others = ", ".join(users[r][0][0] for r in sorted(rivals))
            issue(
                "ambiguous",
                user_id,
                names[0],
                f"{names[0]!r} and {others} all fit "
                f"{clan.display[player_id]}; add the right one to identity.csv",
            )
        else:
            link(user_id, player_id, "name", f"Discord name {names[0]!r}")


def _relay_names(
    session: Session, group_id: int, clan: Clan, result: IdentityResult, issue: Any
) -> set[int]:
    """Map every name heard in relay chat to a player; return the players heard there."""
    heard = session.scalars(
        select(DiscordMessage.relay_name)
        .where(DiscordMessage.group_id == group_id, DiscordMessage.relay_name.is_not(None))
        .distinct()
    ).all()
    by_key: dict[str, str] = {}
    for name in heard:
        if name:
            by_key.setdefault(name_key(name), name)
    speakers: set[int] = set()
    for key, name in sorted(by_key.items()):
        players = clan.players_named(name)
        player_id = players.pop() if len(players) == 1 else None
        result.relay_names.append(
            {"group_id": group_id, "name_key": key[:64], "player_id": player_id, "source": "name"}
        )
        if player_id is not None:
            speakers.add(player_id)
        elif not players:
            issue(
                "unknown_relay_name",
                key,
                name,
                "heard in relay chat, but no clan member is or was called this",
            )
        else:
            issue("ambiguous", key, name, f"relay name {name!r} fits several members")
    return speakers


def load_clan(session: Session, group_id: int) -> Clan:
    """The group's players, who of them are current members, and every name each had."""
    display: dict[int, str] = {}
    by_name: dict[str, set[int]] = defaultdict(set)
    for player_id, display_name, username in session.execute(
        select(Player.player_id, Player.display_name, Player.username).where(
            Player.group_id == group_id
        )
    ):
        display[player_id] = display_name
        by_name[name_key(display_name)].add(player_id)
        by_name[name_key(username)].add(player_id)
    for player_id, old, new in session.execute(
        select(NameChange.player_id, NameChange.old_name, NameChange.new_name).where(
            NameChange.group_id == group_id
        )
    ):
        if player_id in display:
            by_name[name_key(old)].add(player_id)
            by_name[name_key(new)].add(player_id)
    current = set(
        session.scalars(
            select(Membership.player_id).where(
                Membership.group_id == group_id, Membership.left_at.is_(None)
            )
        )
    )
    return Clan(display=display, current=current & set(display), by_name=dict(by_name))


def _discord_users(session: Session, group_id: int) -> dict[int, tuple[list[str], set[str]]]:
    """People (not bots) on the Discord: id -> (their names, the name keys to match)."""
    users: dict[int, tuple[list[str], set[str]]] = {}
    for user_id, username, global_name, nick in session.execute(
        select(
            DiscordUser.user_id, DiscordUser.username, DiscordUser.global_name, DiscordUser.nick
        ).where(DiscordUser.group_id == group_id, DiscordUser.is_bot.is_(False))
    ):
        names = list(dict.fromkeys(n for n in (nick, global_name, username) if n))
        users[user_id] = (names, {name_key(n) for n in names})
    return users
