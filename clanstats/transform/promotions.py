"""Promotions: who the rank ladder in the rules file says is due a rank, and what others miss.

The ladder is `rules.ranks`, lowest first; a member stands on the rank named like their WOM role
(case-insensitive). Every requirement of a rank must be met: `tenure_days` (days since joining),
`messages_30d` (messages over the last 30 days, today included), `competitions_joined` (WOM
competitions of the group they took part in that have started), `total_level` (the skills'
levels from their current XP, `overall` left out, an unknown skill counted as level 1) or a WOM
metric's name (the member's current value at least the number). A requirement on a metric the
database has never seen, or on a value unknown for the member, is not met.

- eligible rank: the highest rank whose requirements are all met; due when above their rank,
  unless they are `inactive` or a removal candidate (see `status`): then they are held back and
  `held_back` says why (rules.yaml `promotions: {hold_inactive: false}` turns this off).
- people (the people file's alts): by default (`promotions: {judge: person}`) a player's
  accounts are judged as one player, each on its own rank: tenure is their longest-standing
  account's, messages and competitions (each counted once) all their accounts' together, and
  every game measure (a metric, total level) their best account's. `judge: account` judges each
  account on its own.
- next rank: the rank above the higher of their rank and the eligible one (None at the top).
  `missing` lists what they lack for it ("12 more days, 40 EHB, 3 more messages") and
  `readiness` is the mean over its requirements of min(1, have / need), from 0 to 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clanstats.db.models import CurrentValue, DailyActivity, MemberStatus, Metric, Promotion
from clanstats.db.replace import replace_rows
from clanstats.people import people_with_alts
from clanstats.rules import Rank, Rules
from clanstats.transform.attendance import joined_competitions
from clanstats.transform.levels import OVERALL, total_level
from clanstats.transform.status import UTC_ZONE, Member, load_members

TENURE = "tenure_days"
MESSAGES = "messages_30d"
COMPETITIONS = "competitions_joined"
TOTAL_LEVEL = "total_level"
MESSAGE_DAYS = 30
TEXT_LIMIT = 300  # the width of the rule_met and missing columns
HOLD_LIMIT = 200  # the width of the held_back column
OFF_LADDER = "role not on the rank ladder"


@dataclass(frozen=True)
class MemberFacts:
    """What a member has, per requirement name; None where it is unknown."""

    tenure_days: int | None
    messages_30d: int
    competitions: frozenset[int]  # the ids of the started competitions they took part in
    skill_xp: Mapping[str, float | None]
    values: Mapping[str, float | None]

    @property
    def competitions_joined(self) -> int:
        """How many started competitions they took part in."""
        return len(self.competitions)

    def have(self, name: str) -> float | None:
        """The member's amount for a requirement."""
        if name == TENURE:
            return self.tenure_days
        if name == MESSAGES:
            return self.messages_30d
        if name == COMPETITIONS:
            return self.competitions_joined
        if name == TOTAL_LEVEL:
            return total_level(self.skill_xp)
        return self.values.get(name)


@dataclass(frozen=True)
class Check:
    """One requirement of a rank, measured for one member."""

    name: str
    kind: str | None  # the metric's kind; None for a metric the database has never seen
    need: float
    have: float | None

    @property
    def met(self) -> bool:
        """Whether the member has what the requirement asks."""
        return self.kind is not None and self.have is not None and self.have >= self.need

    @property
    def progress(self) -> float:
        """min(1, have / need); 0 when the amount is unknown."""
        if self.kind is None or self.have is None:
            return 0.0
        return 1.0 if self.have >= self.need else max(0.0, self.have / self.need)


def derive_promotions(
    session: Session,
    *,
    group_id: int,
    today: date,
    rules: Rules,
    timezone: ZoneInfo = UTC_ZONE,
) -> dict[str, object]:
    """Replace the group's `promotions` rows with each current member's place on the ladder."""
    ladder = rules.ranks
    if not ladder:
        replace_rows(session, Promotion, [], scope=Promotion.group_id == group_id)
        return {"promotions due": 0, "ranks configured": 0}
    members = [
        m for m in load_members(session, group_id=group_id, timezone=timezone) if not m.has_left
    ]
    kinds = _metric_kinds(session)
    facts = _member_facts(
        session,
        group_id=group_id,
        today=today,
        ladder=ladder,
        members=members,
        kinds=kinds,
        timezone=timezone,
    )
    if rules.promotions.judge == "person":
        facts = person_facts(facts, _main_of(session, group_id=group_id))
    rows = [promotion_row(m, facts[m.player_id], ladder=ladder, kinds=kinds) for m in members]
    holds = (
        _holds(session, group_id=group_id, today=today) if rules.promotions.hold_inactive else {}
    )
    for row in rows:
        row["group_id"] = group_id
        why = holds.get(row["player_id"])
        if row["is_due"] and why is not None:
            row["is_due"], row["held_back"] = False, _fit(why, HOLD_LIMIT)
    replace_rows(session, Promotion, rows, scope=Promotion.group_id == group_id)
    return {
        "promotions due": sum(row["is_due"] for row in rows),
        "promotions held back": sum(row.get("held_back") is not None for row in rows),
        "ranks configured": len(ladder),
        "roles not on the rank ladder": sum(row["missing"] == OFF_LADDER for row in rows),
    }


def person_facts(
    facts: Mapping[int, MemberFacts], main_of: Mapping[int, int]
) -> dict[int, MemberFacts]:
    """Each account's facts as its player's (see the module docstring): the same for every
    account of a player with alts, the account's own for everyone else."""
    judged = dict(facts)
    for person in people_with_alts(main_of):
        pids = [pid for pid in person.accounts if pid in facts]
        if len(pids) < 2:
            continue  # an account without facts (not on the ladder's list) stands alone
        theirs = [facts[pid] for pid in pids]
        tenures = [f.tenure_days for f in theirs if f.tenure_days is not None]
        best_levels = max(theirs, key=lambda f: total_level(f.skill_xp) or 0)
        names = {name for f in theirs for name in f.values}
        player = MemberFacts(
            tenure_days=max(tenures, default=None),
            messages_30d=sum(f.messages_30d for f in theirs),
            competitions=frozenset().union(*(f.competitions for f in theirs)),
            skill_xp=best_levels.skill_xp,
            values={name: _best(f.values.get(name) for f in theirs) for name in names},
        )
        judged.update(dict.fromkeys(pids, player))
    return judged


def _best(values: Iterable[float | None]) -> float | None:
    return max((value for value in values if value is not None), default=None)


def promotion_row(
    member: Member, facts: MemberFacts, *, ladder: Sequence[Rank], kinds: Mapping[str, str]
) -> dict[str, Any]:
    """One member's `promotions` values (without the group id)."""
    row: dict[str, Any] = {
        "player_id": member.player_id,
        "current_role": member.role,
        "eligible_rank": None,
        "next_rank": None,
        "is_due": False,
        "rule_met": None,
        "missing": None,
        "readiness": None,
        "held_back": None,
    }
    position = rank_position(member.role, ladder)
    if position is None:
        return row | {"missing": OFF_LADDER}
    checks = [check_rank(rank, facts, kinds) for rank in ladder]
    eligible = max((i for i, found in enumerate(checks) if all(c.met for c in found)), default=None)
    if eligible is not None:
        row["eligible_rank"] = ladder[eligible].name
        if eligible > position:
            row["is_due"] = True
            row["rule_met"] = _fit(met_text(ladder[eligible].name, checks[eligible]))
    above = max(position, -1 if eligible is None else eligible) + 1
    if above < len(ladder):
        row["next_rank"] = ladder[above].name
        row["missing"] = _fit(missing_text(checks[above])) or None
        row["readiness"] = readiness(checks[above])
    return row


def rank_position(role: str | None, ladder: Sequence[Rank]) -> int | None:
    """The ladder position of a WOM role (case-insensitive), None when it is not a rank."""
    names = [rank.name.casefold() for rank in ladder]
    return names.index(role.casefold()) if role and role.casefold() in names else None


def check_rank(rank: Rank, facts: MemberFacts, kinds: Mapping[str, str]) -> list[Check]:
    """Each requirement of a rank, measured for a member."""
    return [
        Check(name, _requirement_kind(name, kinds), need, facts.have(name))
        for name, need in rank.requirements.items()
    ]


def readiness(checks: Sequence[Check]) -> float:
    """The mean of min(1, have / need) over the requirements, rounded to 3 decimals."""
    if not checks:
        return 1.0
    return round(sum(c.progress for c in checks) / len(checks), 3)


def met_text(rank: str, checks: Sequence[Check]) -> str:
    """'sergeant: tenure 75/60 days, EHP 300/250, messages 24/20'."""
    if not checks:
        return f"{rank}: no requirements"
    parts = []
    for check in checks:
        have, need = compact_number(check.have or 0), compact_number(check.need)
        if check.name == TENURE:
            parts.append(f"tenure {have}/{need} days")
        else:
            parts.append(f"{_label(check)} {have}/{need}")
    return f"{rank}: " + ", ".join(parts)


def missing_text(checks: Sequence[Check]) -> str:
    """'12 more days, 40 EHB, 3 more messages': what the member still lacks."""
    return ", ".join(_lack(check) for check in checks if not check.met)


def compact_number(value: float) -> str:
    """A number as officers read it: 40, 12.5, 2,500, 48K, 1.2M, 3.5B."""
    # Thresholds sit where rounding to one decimal would reach 1000 of the smaller unit.
    size = abs(value)
    if size >= 999_950_000:
        return _scaled(value / 1e9) + "B"
    if size >= 999_950:
        return _scaled(value / 1e6) + "M"
    if size >= 10_000:
        return _scaled(value / 1e3) + "K"
    return _scaled(value)


def _scaled(value: float) -> str:
    """One decimal at most, thousands separated: 1,234.5, 12, 3.4."""
    return f"{value:,.1f}".removesuffix(".0")


def _lack(check: Check) -> str:
    """What one unmet requirement still needs, e.g. '12 more days', '1.2M XP'."""
    if check.kind is None:
        return f"unknown metric {check.name}"
    if check.have is None:
        return "join date unknown" if check.name == TENURE else f"{_label(check)} unknown"
    short = check.need - check.have
    if check.name == TENURE:
        return _more(short, "day")
    if check.name == MESSAGES:
        return _more(short, "message")
    if check.name == COMPETITIONS:
        return _more(short, "competition")
    if check.name == TOTAL_LEVEL:
        return _more(short, "total level")
    # A shortfall that would round to 0 still shows: 0.1 EHP, not "0 EHP".
    return f"{compact_number(max(short, 0.1))} {_label(check)}"


def _more(short: float, noun: str) -> str:
    """'1 more day', '12 more days' (whole units, rounded up)."""
    count = math.ceil(short)
    return f"{count:,} more {noun}{'' if count == 1 else 's'}"


def _label(check: Check) -> str:
    """How officers name a requirement: 'messages', 'XP', 'EHP', 'Slayer XP', 'Vorkath kills'."""
    words = check.name.replace("_", " ")
    labels = {
        MESSAGES: "messages",
        COMPETITIONS: "competitions joined",
        TOTAL_LEVEL: "total level",
        OVERALL: "XP",
    }
    if check.name in labels:
        return labels[check.name]
    if check.kind == "computed":
        return words.upper()
    if check.kind == "skill":
        return f"{words.capitalize()} XP"
    if check.kind == "boss":
        return f"{words.capitalize()} kills"
    return words


def _requirement_kind(name: str, kinds: Mapping[str, str]) -> str | None:
    """'member' for tenure, messages and total level; else the metric's kind (None: unseen)."""
    return "member" if name in (TENURE, MESSAGES, COMPETITIONS, TOTAL_LEVEL) else kinds.get(name)


def _fit(text: str, limit: int = TEXT_LIMIT) -> str:
    """Cut text to the column's width."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _holds(session: Session, *, group_id: int, today: date) -> dict[int, str]:
    """Why each inactive member or removal candidate is held back from a promotion."""
    holds = {}
    for pid, status, candidate, reason, last_active in session.execute(
        select(
            MemberStatus.player_id,
            MemberStatus.status,
            MemberStatus.removal_candidate,
            MemberStatus.removal_reason,
            MemberStatus.last_active_on,
        ).where(MemberStatus.group_id == group_id)
    ):
        if candidate:
            holds[pid] = f"removal candidate: {reason}"
        elif status == "inactive":
            holds[pid] = (
                f"inactive: no XP and no messages for {(today - last_active).days} days"
                if last_active is not None
                else "inactive: never active since tracking began"
            )
    return holds


def _main_of(session: Session, *, group_id: int) -> dict[int, int]:
    """Each alt's main, as member status matched the people file."""
    rows = session.execute(
        select(MemberStatus.player_id, MemberStatus.main_player_id).where(
            MemberStatus.group_id == group_id, MemberStatus.main_player_id.is_not(None)
        )
    )
    return {alt: main for alt, main in rows if main is not None}


def _metric_kinds(session: Session) -> dict[str, str]:
    """Every metric the database has seen, name -> kind."""
    return {name: kind for name, kind in session.execute(select(Metric.name, Metric.kind))}


def _member_facts(
    session: Session,
    *,
    group_id: int,
    today: date,
    ladder: Sequence[Rank],
    members: Sequence[Member],
    kinds: Mapping[str, str],
    timezone: ZoneInfo,
) -> dict[int, MemberFacts]:
    """Tenure, messages over the last 30 days, skill XP and the required metrics per member."""
    wanted = {name for rank in ladder for name in rank.requirements}
    skills = [name for name, kind in kinds.items() if kind == "skill" and name != OVERALL]
    if TOTAL_LEVEL in wanted:
        wanted |= set(skills)
    values: dict[int, dict[str, float | None]] = {m.player_id: {} for m in members}
    for pid, name, value in _current_values(session, group_id=group_id, names=wanted):
        if pid in values:
            values[pid][name] = value
    messages = _messages_30d(session, group_id=group_id, today=today)
    joined = (
        joined_competitions(session, group_id, today, timezone)
        if any(COMPETITIONS in rank.requirements for rank in ladder)
        else {}
    )
    return {
        m.player_id: MemberFacts(
            tenure_days=m.tenure_days(today),
            messages_30d=messages.get(m.player_id, 0),
            competitions=frozenset(j.competition_id for j in joined.get(m.player_id, [])),
            # Every skill the database knows, so one without a value still counts as level 1.
            skill_xp={name: values[m.player_id].get(name) for name in skills},
            values=values[m.player_id],
        )
        for m in members
    }


def _messages_30d(session: Session, *, group_id: int, today: date) -> dict[int, int]:
    """Each player's messages over the last 30 days, today included."""
    since = today - timedelta(days=MESSAGE_DAYS - 1)
    rows = session.execute(
        select(DailyActivity.player_id, func.sum(DailyActivity.messages))
        .where(
            DailyActivity.group_id == group_id,
            DailyActivity.day >= since,
            DailyActivity.day <= today,
        )
        .group_by(DailyActivity.player_id)
    )
    return {pid: int(total or 0) for pid, total in rows}


def _current_values(
    session: Session, *, group_id: int, names: set[str]
) -> list[tuple[int, str, float | None]]:
    """(player, metric, value) of the named metrics."""
    if not names:
        return []
    rows = session.execute(
        select(CurrentValue.player_id, Metric.name, CurrentValue.value)
        .join(Metric, Metric.id == CurrentValue.metric_id)
        .where(CurrentValue.group_id == group_id, Metric.name.in_(sorted(names)))
    )
    return [(pid, name, value) for pid, name, value in rows]
