"""The public summary: what may go on the open web, chosen field by field.

It is built from its own whitelist, never by filtering richer data: per member only the in-game
name, role, status, days in the clan, 7- and 30-day game gains and season standing. No Discord
ids or names, no message counts per person, no officers' notes (removal reasons, promotions,
who takes part in competitions how often), and nobody on the rules file's `opt_out` list, under
any of their names. Clan-wide figures (the week's totals, the clan's statistics) are sums over
every member, as the game's own clan hiscores would show them. The group's recent WOM
competitions go out with their top three, as WOM itself shows them to anyone.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.chat.features import name_key
from clanstats.competitions import group_competitions
from clanstats.db.models import (
    ClanDaily,
    ClanStatistics,
    GoalWeek,
    MemberStatus,
    NameChange,
    PeriodGain,
    Player,
    SeasonScore,
    WomGroup,
)
from clanstats.percent import goal_percent
from clanstats.rules import Rules

PUBLIC_VERSION = 1
PUBLIC_GAINS = ("xp", "ehp", "ehb", "boss_kills")
PUBLIC_PERIODS = ("7d", "30d")
HOURS = frozenset({"ehp", "ehb"})  # two decimals; every other figure is a count: a whole number
PUBLIC_COMPETITIONS = 10  # the newest, by start


def build_public_summary(
    session: Session,
    *,
    group_id: int,
    today: date,
    timezone: ZoneInfo,
    rules: Rules,
    generated_at: datetime,
) -> dict[str, Any]:
    """The sanitized summary for the clan's website and signed uploads.

    `timezone` is the clan's: competitions start and end on its days.
    """
    hidden = _opted_out(session, group_id, rules)
    members = [
        m
        for m in session.scalars(
            select(MemberStatus)
            .where(MemberStatus.group_id == group_id, MemberStatus.status != "left")
            .order_by(MemberStatus.display_name)
        )
        if m.player_id not in hidden
    ]
    gains = _gains(session, group_id)
    group = session.get(WomGroup, group_id)
    return {
        "version": PUBLIC_VERSION,
        "generated_at": generated_at.isoformat(timespec="seconds"),
        "date": today.isoformat(),
        "clan": {"name": group.name if group else f"Group {group_id}", "members": len(members)},
        "totals": _clan_totals(session, group_id, today),
        "statistics": _statistics(session, group_id, today),
        "members": [
            {
                "name": m.display_name,
                "role": m.role,
                "status": m.status,
                "days_in_clan": m.tenure_days,
                "gains": gains.get(m.player_id, {}),
            }
            for m in members
        ],
        "goals": _goals(session, group_id),
        "season": _season(session, group_id, hidden),
        "competitions": _competitions(session, group_id, hidden, generated_at, timezone),
    }


def _opted_out(session: Session, group_id: int, rules: Rules) -> set[int]:
    """Players whose current or any earlier name is on the opt-out list."""
    wanted = {name_key(name) for name in rules.opt_out}
    if not wanted:
        return set()
    hidden = {
        m.player_id
        for m in session.scalars(select(MemberStatus).where(MemberStatus.group_id == group_id))
        if name_key(m.display_name) in wanted
    }
    # WOM's name too: a competition may place a player member_status doesn't hold.
    for player_id, name in session.execute(
        select(Player.player_id, Player.display_name).where(Player.group_id == group_id)
    ):
        if name_key(name) in wanted:
            hidden.add(player_id)
    for player_id, old, new in session.execute(
        select(NameChange.player_id, NameChange.old_name, NameChange.new_name).where(
            NameChange.group_id == group_id
        )
    ):
        if name_key(old) in wanted or name_key(new) in wanted:
            hidden.add(player_id)
    return hidden


def _number(metric: str, value: float) -> float | int:
    """Hours keep two decimals; counts (XP, kills, messages) are written as whole numbers."""
    return round(value, 2) if metric in HOURS else round(value)


def _gains(session: Session, group_id: int) -> dict[int, dict[str, dict[str, float | int]]]:
    gains: dict[int, dict[str, dict[str, float | int]]] = defaultdict(dict)
    for player_id, period, metric, gained in session.execute(
        select(PeriodGain.player_id, PeriodGain.period, PeriodGain.metric, PeriodGain.gained).where(
            PeriodGain.group_id == group_id,
            PeriodGain.period.in_(PUBLIC_PERIODS),
            PeriodGain.metric.in_(PUBLIC_GAINS),
        )
    ):
        gains[player_id].setdefault(period, {})[metric] = _number(metric, gained)
    return gains


def _clan_totals(session: Session, group_id: int, today: date) -> dict[str, int]:
    days = session.scalars(
        select(ClanDaily)
        .where(ClanDaily.group_id == group_id, ClanDaily.day <= today)
        .order_by(ClanDaily.day.desc())
        .limit(7)
    ).all()
    return {
        "xp_7d": round(sum(d.xp for d in days)),
        "boss_kills_7d": round(sum(d.boss_kills for d in days)),
        "messages_7d": round(sum(d.messages for d in days)),
    }


def _statistics(session: Session, group_id: int, today: date) -> dict[str, Any] | None:
    """The clan's newest statistics: members, maxed accounts, average total level, total XP."""
    row = session.scalars(
        select(ClanStatistics)
        .where(ClanStatistics.group_id == group_id, ClanStatistics.day <= today)
        .order_by(ClanStatistics.day.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    measured = row.measured > 0  # with nobody's snapshot the figures are unknown, not 0
    level = row.total_level_average
    return {
        "day": row.day.isoformat(),
        "members": row.members,
        "maxed": row.maxed_total if measured else None,
        "total_level_average": round(level, 1) if level is not None else None,
        "xp": round(row.xp) if measured else None,
    }


def _goals(session: Session, group_id: int) -> list[dict[str, Any]]:
    return [
        {
            "name": g.goal,
            "target": _number(g.metric, g.target),
            "progress": _number(g.metric, g.progress),
            "achieved": g.achieved,
            "percent": goal_percent(g.progress, g.target),
        }
        for g in session.scalars(
            select(GoalWeek)
            .where(GoalWeek.group_id == group_id, GoalWeek.is_current.is_(True))
            .order_by(GoalWeek.goal)
        )
    ]


def _season(session: Session, group_id: int, hidden: set[int]) -> dict[str, Any] | None:
    scores = session.execute(
        select(SeasonScore, MemberStatus.display_name)
        .join(
            MemberStatus,
            (MemberStatus.group_id == SeasonScore.group_id)
            & (MemberStatus.player_id == SeasonScore.player_id),
        )
        .where(SeasonScore.group_id == group_id, SeasonScore.is_current.is_(True))
        .order_by(SeasonScore.place, MemberStatus.display_name)
    ).all()
    shown = [(score, name) for score, name in scores if score.player_id not in hidden]
    if not shown:
        return None
    return {
        "name": shown[0][0].season,
        "standings": [
            {"place": score.place, "name": name, "points": round(score.points, 1)}
            for score, name in shown[:25]
        ],
    }


def _competitions(
    session: Session, group_id: int, hidden: set[int], now: datetime, timezone: ZoneInfo
) -> list[dict[str, Any]]:
    """The newest competitions with their top three; an opted-out player's place is left out.

    Participants: the standings read, or WOM's own count until they are.
    """
    # Named as the members list names them; WOM's name for anyone member_status doesn't hold.
    names: dict[int, str] = {}
    for model in (Player, MemberStatus):
        for pid, name in session.execute(
            select(model.player_id, model.display_name).where(model.group_id == group_id)
        ):
            names[pid] = name
    shown = group_competitions(session, group_id, now=now, timezone=timezone)
    return [
        {
            "title": c.title,
            "metric": c.metric,
            "starts_on": c.starts_on.isoformat(),
            "ends_on": c.ends_on.isoformat(),
            "status": c.status,
            "participants": c.participants_or_wom,
            "top": [
                {
                    "rank": p.rank,
                    "name": names.get(p.player_id, str(p.player_id)),
                    "gained": _number(c.metric or "", p.gained) if p.gained is not None else None,
                }
                for p in c.top
                if p.player_id not in hidden
            ],
        }
        for c in shown[:PUBLIC_COMPETITIONS]
    ]
