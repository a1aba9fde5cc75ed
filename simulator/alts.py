"""Alts in the simulated clan: which members the officers' people file says are one player's.

The simulated clan has no accounts that share a player, so the officers' file pairs members
whose histories make the cases the people rules exist for (ground truth for tests and the
demo; a harvester must not rely on it):

- a long-quiet account whose main plays: active as a player, off the removal list;
- two long-quiet accounts of one player: removal candidates together;
- two accounts that both play, the newest member's as the alt of the longest-standing one's
  (judged as one player, the alt has its main's tenure: a promotion its own would miss);
- a line naming no member (a typo): reported, and left out.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from simulator.chat import SimulatedChat
from simulator.clan import SimulatedClan

QUIET_DAYS = 35  # quiet in the game and silent on Discord this long before `at`, and after
PLAYING_DAYS = 3  # progressed in the game this recently before `at`
TYPO = "Not A Member"  # a valid in-game name no simulated member has


def alt_lines(
    clan: SimulatedClan,
    chat: SimulatedChat,
    *,
    at: datetime,
    until: datetime,
    exclude: Collection[int] = (),
) -> list[tuple[str, str]]:
    """The people file's (alt, main) lines, by the names members had at `at`.

    "Quiet" accounts neither progressed nor were heard on Discord from `QUIET_DAYS` before
    `at` up to `until`; "playing" ones progressed within `PLAYING_DAYS` before `at`.
    """
    heard = set()
    for fact in chat.message_facts(until=until):
        if fact.sent_at > at - timedelta(days=QUIET_DAYS):
            heard |= {fact.author_player_id, fact.relay_player_id}
    quiet, playing = [], []
    for pid in sorted(clan.members_at(at) - set(exclude)):
        moved = clan.last_progressed_at(pid, until)
        if pid not in heard and (moved is None or moved < at - timedelta(days=QUIET_DAYS)):
            quiet.append(pid)
        elif (moved := clan.last_progressed_at(pid, at)) is not None and moved > at - timedelta(
            days=PLAYING_DAYS
        ):
            playing.append(pid)
    if len(quiet) < 3 or len(playing) < 4:
        raise ValueError("the simulated clan is too small for every alt case")

    def name(pid: int) -> str:
        return clan.display_name_at(pid, at)

    def joined(pid: int) -> datetime:
        return clan.stays(pid)[-1][0]

    by_tenure = sorted(playing, key=lambda pid: (joined(pid), pid))
    oldest, newest = by_tenure[0], by_tenure[-1]
    others = [pid for pid in playing if pid not in (oldest, newest)]
    return [
        (name(quiet[0]), name(others[0])),
        (name(quiet[1]), name(quiet[2])),
        (name(newest), name(oldest)),
        (TYPO, name(others[1])),
    ]


def people_csv(lines: list[tuple[str, str]]) -> str:
    """The people file's text for the lines."""
    body = "".join(f"{alt},{main}\n" for alt, main in lines)
    header = "# Made by the simulator: one player's accounts (see people.example.csv)\nalt,main\n"
    return header + body
