"""What the recruits and recruit_cohorts tables must say about a simulated clan.

Worked out from the truth's own members (their join day and where it comes from, their leave),
credited game days and messages, and the snapshots ClanStats stored, with the README's
definitions: a recruit is a member with a known join other than the founding roster (listed by
WOM on or before the day the clan registered, without an in-game join date); 30, 90 and 180 days
after joining, once that day has come, they *stayed* if they had not left by then, and were
*active* if they stayed and had a credited gain or a message in the 30 days up to it. Their game
is seen from the day after their first stored snapshot on or after the join day: quiet days
before it are not evidence (unknown), and a gain credited before it is no progress (it runs from
a snapshot taken before they joined). A current member who joined fewer than 30 days ago with
no message or no game progress since is to be welcomed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from simulator.truth import Truth

MARKS = (30, 90, 180)


@dataclass(frozen=True)
class RecruitTruth:
    """One recruit's row."""

    joined_on: date
    cohort: date
    left_on: date | None
    first_game_on: date | None
    first_message_on: date | None
    stayed: tuple[bool | None, ...]  # at 30, 90, 180 days
    active: tuple[bool | None, ...]
    welcome: str | None


def recruits(truth: Truth) -> dict[int, RecruitTruth]:
    """Every recruit's row by player id."""
    created = datetime.fromisoformat(str(truth.clan.group_details()["createdAt"]))
    founded = truth.day(created)
    found = {}
    for pid in sorted(truth.stays):
        member = truth.member(pid)
        joined = member.joined_on
        if joined is None or joined > truth.today:
            continue
        if member.tenure_source != "clan_sync" and joined <= founded:
            continue
        snaps = truth.stored.get(pid, [])
        seen = min((t for t, _ in snaps if truth.day(t) >= joined), default=None)
        watched = truth.day(seen) + timedelta(days=1) if seen is not None else None
        game = sorted(d for d in truth.game_days(pid) if watched is not None and d >= watched)
        chat = sorted(
            d for d, n in truth.chat_days.get(pid, {}).items() if n and joined <= d <= truth.today
        )
        stayed: list[bool | None] = []
        active: list[bool | None] = []
        for days in MARKS:
            mark = joined + timedelta(days=days)
            if mark > truth.today:
                stayed.append(None)
                active.append(None)
                continue
            kept = member.left_on is None or member.left_on > mark
            first = mark - timedelta(days=29)
            busy = any(first <= d <= mark for d in (*game, *chat))
            stayed.append(kept)
            if not kept:
                active.append(False)
            elif busy:
                active.append(True)
            else:
                active.append(False if watched is not None and first >= watched else None)
        welcome = None
        if member.left_on is None and (truth.today - joined).days < 30:
            missing = [
                w for w, days in (("no message", chat), ("no game progress", game)) if not days
            ]
            welcome = " and ".join(missing) + " yet" if missing else None
        found[pid] = RecruitTruth(
            joined_on=joined,
            cohort=joined.replace(day=1),
            left_on=member.left_on,
            first_game_on=game[0] if game else None,
            first_message_on=chat[0] if chat else None,
            stayed=tuple(stayed),
            active=tuple(active),
            welcome=welcome,
        )
    return found


def cohorts(found: dict[int, RecruitTruth]) -> dict[date, tuple[int, ...]]:
    """Per month: recruits, still in, then per mark reached, stayed, active, unknown."""
    by_month: dict[date, list[RecruitTruth]] = defaultdict(list)
    for recruit in found.values():
        by_month[recruit.cohort].append(recruit)
    table = {}
    for month, members in sorted(by_month.items()):
        counts = [len(members), sum(1 for r in members if r.left_on is None)]
        for index in range(len(MARKS)):
            counts += [
                sum(1 for r in members if r.stayed[index] is not None),
                sum(1 for r in members if r.stayed[index]),
                sum(1 for r in members if r.active[index]),
                sum(1 for r in members if r.stayed[index] and r.active[index] is None),
            ]
        table[month] = tuple(counts)
    return table
