"""clan_data.json: everything the dashboard shows, read from the derived tables.

The shape is published in `assets/clan_data.schema.json` (bump `VERSION` on a breaking change).
"No data" stays None (JSON null), never 0: a member without a `period_gains` row for a window
has no number for it, a trend day without any member's snapshot has no game totals, and a clan
whose Discord was never read has no message counts. Nothing here carries a Discord id or any
message text: Discord sources are summed into one freshness family, channels aren't exported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.competitions import group_competitions
from clanstats.db.models import (
    ChatHeatmap,
    ClanDaily,
    ClanStatistics,
    CompetitionAttendance,
    DailyActivity,
    FetchLog,
    GoalWeek,
    MemberStatus,
    Metric,
    MilestoneEvent,
    PeriodGain,
    PersonalRecord,
    Player,
    Promotion,
    Recruit,
    RecruitCohort,
    SeasonScore,
    WomGroup,
)
from clanstats.freshness import DAILY_STALE_HOURS, family_state, fetches_by_family
from clanstats.people import most_active, order_key, people_with_alts, total
from clanstats.percent import goal_percent
from clanstats.rules import Rules, Season
from clanstats.windows import HEATMAP_DAYS

# 2: statuses gained `unknown`; goals `percent`, trend days `partial`, promotions `held_back`.
VERSION = 2
MEMBER_PERIODS = ("7d", "30d", "90d", "365d")
GAINER_PERIODS = ("7d", "30d", "90d")
GAME_MEASURES = ("xp", "ehp", "ehb", "boss_kills")
MEMBER_MEASURES = (*GAME_MEASURES, "messages")
PEOPLE_PERIODS = ("7d", "30d")  # a player with alts: their accounts' gains added up
GAINER_MEASURES = ("xp", "ehp", "ehb")
# `unknown`: not watched long enough to tell ("not enough history yet"), never inactive.
STATUSES = ("active", "quiet", "inactive", "unknown", "new", "left")
SOURCE_FAMILIES = {"wom": "Wise Old Man", "discord": "Discord"}
TOP_GAINERS = 10
TOP_KILLERS = 3
TOP_RECORDS = 5
TOP_STREAKS = 10
TREND_DAYS = 90
MILESTONE_DAYS = 90
BOSS_PERIOD = "30d"
# Hours (EHP, EHB) keep two decimals; counts (XP, kills, messages) are whole numbers anyway.
HOURS = frozenset({"ehp", "ehb"})
# clan_statistics columns read only from members with a snapshot: no data (None) when nobody had.
MEASURED_COUNTS = ("xp", "ehp", "ehb", "maxed_total", "maxed_combat", "skills_99", "skills_200m")
LEVELS = (
    "total_level_average",
    "total_level_median",
    "combat_level_average",
    "combat_level_median",
)
# A competition attendance rate (joined of held) keeps four decimals: 2 of 3 is 0.6667.
RATE_DIGITS = 4
# Days after joining at which recruits are measured (the recruits tables' columns).
RECRUIT_MARKS = (30, 90, 180)
ACCOUNT_TYPES = {
    "regular": "regular",
    "ironman": "ironman",
    "hardcore": "hardcore",
    "ultimate": "ultimate",
    "other": "other_type",
}

Json = dict[str, Any]


def build_clan_data(
    session: Session,
    *,
    group_id: int,
    today: date,
    timezone: ZoneInfo,
    generated_at: datetime,
    rules: Rules,
    stale_after_hours: float = DAILY_STALE_HOURS,
) -> dict[str, Any]:
    """Return the JSON-ready clan_data dict for the group as of `today` (clan time).

    `rules` are the clan's rules (rules.yaml): the page says what is configured (ranks, seasons
    and their dates) even before any member data exists.
    """
    names = _names(session, group_id)
    statuses = _statuses(session, group_id)
    gains = _period_gains(session, group_id)
    chat_known = _discord_was_read(session, group_id)
    attendance = _attendance(session, group_id)
    members = sorted(
        (
            _member(row, names, gains.get(row.player_id, {}), attendance.get(row.player_id))
            for row in statuses
        ),
        key=lambda m: (m["name"].lower(), m["player_id"]),
    )
    promotions = _promotions(session, group_id, names)
    return {
        "version": VERSION,
        "generated_at": _utc(generated_at).isoformat(),
        "today": today.isoformat(),
        "timezone": timezone.key,
        "group": _group(session, group_id),
        "freshness": _freshness(session, group_id, _utc(generated_at), stale_after_hours),
        "kpis": _kpis(session, group_id, today, statuses, promotions, chat_known),
        "members": members,
        "people": _people(members),
        "gainers": _gainers(members),
        "boss_highlights": _boss_highlights(session, group_id, names),
        "heatmap": _heatmap(session, group_id) if chat_known else None,
        "trends": _trends(session, group_id, today, chat_known),
        "clan_statistics": _clan_statistics(session, group_id, today),
        "removal_candidates": _removal_candidates(statuses, names),
        "recruits": _recruits(session, group_id, today, names),
        "promotions": promotions,
        "records": _records(session, group_id, names),
        "streaks": _streaks(statuses, names),
        "milestones": _milestones(session, group_id, today, names),
        "goals": _goals(session, group_id, today),
        "season": _season(session, group_id, names, today, rules.seasons),
        "competitions": _competitions(session, group_id, names, _utc(generated_at), timezone),
        "rules": _rules(rules),
    }


# --- clan, freshness, KPIs --------------------------------------------------------------------


def _group(session: Session, group_id: int) -> Json:
    group = session.get(WomGroup, group_id)
    return {
        "id": group_id,
        "name": group.name if group else None,
        "clan_chat": group.clan_chat if group else None,
        # Null until a harvest has read the group from WOM (a first run with WOM down).
        "fetched_at": _iso_utc(group.fetched_at) if group else None,
    }


def _rules(rules: Rules) -> Json:
    """What rules.yaml sets up that the page explains: ranks, seasons, the removal rules."""
    return {
        "ranks": [rank.name for rank in rules.ranks],
        "seasons": [
            {"name": s.name, "start": s.start.isoformat(), "end": s.end.isoformat()}
            for s in rules.seasons
        ],
        "removal": {
            "min_tenure_days": rules.removal.min_tenure_days,
            "no_activity_days": rules.removal.no_activity_days,
        },
    }


def _freshness(session: Session, group_id: int, now: datetime, stale_after: float) -> Json:
    """Last attempt and last success per source family; stale after `stale_after` hours."""
    fetched = fetches_by_family(session, group_id)
    families = []
    for family, label in SOURCE_FAMILIES.items():
        seen = fetched.get(family)
        success = seen.last_success if seen else None
        attempt = seen.last_attempt if seen else None
        age = (now - _utc(success)).total_seconds() / 3600 if success else None
        naive_now = _utc(now).replace(tzinfo=None)  # as the fetch log stores times
        state = family_state(seen, now_utc=naive_now, stale_after_hours=stale_after)
        families.append(
            {
                "family": family,
                "label": label,
                "last_success": _iso_utc(success),
                "last_attempt": _iso_utc(attempt),
                "age_hours": round(age, 1) if age is not None else None,
                "state": state,
                "failing_sources": seen.failing_sources if seen else 0,
            }
        )
    return {"stale_after_hours": stale_after, "sources": families}


def _kpis(
    session: Session,
    group_id: int,
    today: date,
    statuses: list[MemberStatus],
    promotions: list[Json],
    chat_known: bool,
) -> Json:
    current = [row for row in statuses if row.status != "left"]
    scores = [row.engagement_score for row in current if row.engagement_score is not None]
    days = _clan_days(session, group_id, today - timedelta(days=29), today, chat_known)
    week_ago = (today - timedelta(days=6)).isoformat()  # ISO dates order as strings do
    return {
        "members": len(current),
        "status_counts": {s: sum(row.status == s for row in statuses) for s in STATUSES},
        "joins_30d": sum(day["joins"] for day in days) if days else None,
        "leaves_30d": sum(day["leaves"] for day in days) if days else None,
        "clan_gains": {
            "7d": _clan_totals([d for d in days if d["day"] >= week_ago]),
            "30d": _clan_totals(days),
        },
        "engagement_average": round(sum(scores) / len(scores), 1) if scores else None,
        "removal_candidates": sum(row.removal_candidate for row in current),
        "promotions_due": sum(p["is_due"] for p in promotions),
    }


def _clan_totals(days: list[Json]) -> Json:
    """Sum each measure over the days that have it; None when no day does."""
    totals: Json = {}
    for measure in MEMBER_MEASURES:
        values = [day[measure] for day in days if day[measure] is not None]
        totals[measure] = _number(measure, sum(values)) if values else None
    return totals


# --- members ----------------------------------------------------------------------------------


def _names(session: Session, group_id: int) -> dict[int, str]:
    """Each player's latest display name (WOM's, which follows name changes)."""
    rows = session.execute(
        select(Player.player_id, Player.display_name).where(Player.group_id == group_id)
    )
    return {player_id: name for player_id, name in rows}


def _statuses(session: Session, group_id: int) -> list[MemberStatus]:
    return list(
        session.scalars(
            select(MemberStatus)
            .where(MemberStatus.group_id == group_id)
            .order_by(MemberStatus.player_id)
        )
    )


def _period_gains(session: Session, group_id: int) -> dict[int, dict[str, dict[str, Any]]]:
    """player -> period -> {measure: gained, "source": where the game numbers came from}."""
    found: dict[int, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    rows = session.execute(
        select(PeriodGain.player_id, PeriodGain.period, PeriodGain.metric, PeriodGain.gained)
        .add_columns(PeriodGain.source)
        .where(
            PeriodGain.group_id == group_id,
            PeriodGain.period.in_(MEMBER_PERIODS),
            PeriodGain.metric.in_(MEMBER_MEASURES),
        )
    )
    for player_id, period, metric, gained, source in rows:
        found[player_id][period][metric] = _number(metric, gained)
        if metric in GAME_MEASURES:
            found[player_id][period]["source"] = source
    return found


def _attendance(session: Session, group_id: int) -> dict[int, Json]:
    """player -> their part in the group's competitions (rows only for those with any)."""
    rows = session.scalars(
        select(CompetitionAttendance).where(CompetitionAttendance.group_id == group_id)
    )
    return {
        row.player_id: {
            "joined": row.joined,
            "best_rank": row.best_rank,
            "last_joined_on": _day(row.last_joined_on),
            "held_90": row.held_90,
            "joined_90": row.joined_90,
            "rate_90": round(row.rate_90, RATE_DIGITS) if row.rate_90 is not None else None,
        }
        for row in rows
    }


def _member(
    row: MemberStatus,
    names: dict[int, str],
    gains: dict[str, dict[str, Any]],
    attendance: Json | None,
) -> Json:
    return {
        "player_id": row.player_id,
        "name": names.get(row.player_id, row.display_name),
        "role": row.role,
        "status": row.status,
        "alt_of": row.main_player_id if row.status != "left" else None,
        "joined_on": _day(row.joined_on),
        "left_on": _day(row.left_on),
        "tenure_days": row.tenure_days,
        "tenure_source": row.tenure_source,
        "away": (
            {"until": _day(row.away_until), "reason": row.away_reason}
            if row.away_until is not None
            else None
        ),
        "last_active_on": _day(row.last_active_on),
        "last_xp_on": _day(row.last_xp_on),
        "last_message_on": _day(row.last_message_on),
        "gains": {
            period: {
                **{m: gains.get(period, {}).get(m) for m in MEMBER_MEASURES},
                "source": gains.get(period, {}).get("source"),
            }
            for period in MEMBER_PERIODS
        },
        "streak": {
            "current": row.current_streak,
            "best": row.best_streak,
            "best_end": _day(row.best_streak_end),
        },
        "engagement": row.engagement_score,
        "chat_play": row.chat_play,
        "competitions": attendance,
    }


def _people(members: list[Json]) -> list[Json]:
    """Each player with alts (people.csv): their accounts, the most active status of theirs,
    and their accounts' gains and messages added up (None: no account has data), the most
    active first."""
    by_id = {m["player_id"]: m for m in members}
    main_of = {m["player_id"]: m["alt_of"] for m in members if m["alt_of"] is not None}
    found = []
    for person in people_with_alts(main_of):
        accounts = [by_id[pid] for pid in person.accounts if pid in by_id]
        found.append(
            {
                "player_id": person.main,
                "name": by_id[person.main]["name"],
                "alts": list(person.alts),
                "status": most_active(m["status"] for m in accounts),
                "last_active_on": max(
                    (m["last_active_on"] for m in accounts if m["last_active_on"]), default=None
                ),
                "gains": {
                    period: {
                        measure: _total(measure, (m["gains"][period][measure] for m in accounts))
                        for measure in MEMBER_MEASURES
                    }
                    for period in PEOPLE_PERIODS
                },
            }
        )
    found.sort(key=lambda p: order_key(p["status"], p["gains"]["30d"]["xp"], p["name"]))
    return found


def _total(measure: str, values: Iterable[float | None]) -> float | int | None:
    summed = total(values)
    return None if summed is None else _number(measure, summed)


def _gainers(members: list[Json]) -> Json:
    """The top gainers per window and measure, from the member rows (gains above 0 only)."""
    board: Json = {}
    for period in GAINER_PERIODS:
        board[period] = {}
        for measure in GAINER_MEASURES:
            ranked = sorted(
                (
                    (m["gains"][period][measure], m)
                    for m in members
                    if (m["gains"][period][measure] or 0) > 0
                ),
                key=lambda pair: (-pair[0], pair[1]["name"].lower()),
            )
            board[period][measure] = [
                {"player_id": m["player_id"], "name": m["name"], "gained": value}
                for value, m in ranked[:TOP_GAINERS]
            ]
    return board


def _removal_candidates(statuses: list[MemberStatus], names: dict[int, str]) -> list[Json]:
    """Current members the removal rules flag, longest quiet first (never active first of all)."""
    flagged = [row for row in statuses if row.removal_candidate and row.status != "left"]
    flagged.sort(key=lambda row: (row.last_active_on or date.min, -(row.tenure_days or 0)))
    return [
        {
            "player_id": row.player_id,
            "name": names.get(row.player_id, row.display_name),
            "role": row.role,
            "tenure_days": row.tenure_days,
            "tenure_source": row.tenure_source,
            "last_active_on": _day(row.last_active_on),
            "reason": row.removal_reason,
        }
        for row in flagged
    ]


def _recruits(session: Session, group_id: int, today: date, names: dict[int, str]) -> Json:
    """Monthly cohorts (oldest first) and the new recruits to welcome (longest waiting first)."""
    cohorts = session.scalars(
        select(RecruitCohort)
        .where(RecruitCohort.group_id == group_id)
        .order_by(RecruitCohort.month)
    )
    rows = session.execute(
        select(Recruit, MemberStatus.display_name)
        .join(
            MemberStatus,
            (MemberStatus.group_id == Recruit.group_id)
            & (MemberStatus.player_id == Recruit.player_id),
        )
        .where(Recruit.group_id == group_id, Recruit.welcome.is_not(None))
    ).all()
    # Named as the members list names them: WOM's latest name, else member_status's.
    waiting = sorted(
        ((recruit, names.get(recruit.player_id, display_name)) for recruit, display_name in rows),
        key=lambda pair: (pair[0].joined_on, pair[1].lower(), pair[0].player_id),
    )
    to_welcome = [
        {
            "player_id": recruit.player_id,
            "name": name,
            "joined_on": recruit.joined_on.isoformat(),
            "days_in_clan": max(0, (today - recruit.joined_on).days),
            "reason": recruit.welcome,
            "first_message_on": _day(recruit.first_message_on),
            "first_game_on": _day(recruit.first_game_on),
        }
        for recruit, name in waiting
    ]
    return {"cohorts": [_cohort(row) for row in cohorts], "to_welcome": to_welcome}


def _cohort(row: RecruitCohort) -> Json:
    """A month's recruits; per mark null until one of them has been in the clan that long."""
    cohort: Json = {
        "month": row.month.strftime("%Y-%m"),
        "recruits": row.recruits,
        "still_in": row.still_in,
    }
    for days in RECRUIT_MARKS:
        reached = getattr(row, f"reached_{days}")
        cohort[f"day_{days}"] = (
            {
                "reached": reached,
                "stayed": getattr(row, f"stayed_{days}"),
                "active": getattr(row, f"active_{days}"),
                "unknown": getattr(row, f"unknown_{days}"),
            }
            if reached
            else None
        )
    return cohort


def _streaks(statuses: list[MemberStatus], names: dict[int, str]) -> Json:
    current = [row for row in statuses if row.status != "left" and row.current_streak > 0]
    best = [row for row in statuses if row.best_streak > 0]
    current.sort(key=lambda row: (-row.current_streak, row.display_name.lower()))
    best.sort(key=lambda row: (-row.best_streak, row.best_streak_end or date.min))
    return {
        "current": [
            {
                "player_id": r.player_id,
                "name": names.get(r.player_id, r.display_name),
                "days": r.current_streak,
                "ended_on": None,
            }
            for r in current[:TOP_STREAKS]
        ],
        "best": [
            {
                "player_id": r.player_id,
                "name": names.get(r.player_id, r.display_name),
                "days": r.best_streak,
                "ended_on": _day(r.best_streak_end),
            }
            for r in best[:TOP_STREAKS]
        ],
    }


def _promotions(session: Session, group_id: int, names: dict[int, str]) -> list[Json]:
    """Everyone on the ladder: due first, then held back, then the closest to their next rank."""
    rows = session.scalars(select(Promotion).where(Promotion.group_id == group_id)).all()
    ordered = sorted(
        rows,
        key=lambda p: (
            not p.is_due,
            not p.held_back,
            -(p.readiness if p.readiness is not None else -1),
            names.get(p.player_id, "").lower(),
        ),
    )
    return [
        {
            "player_id": p.player_id,
            "name": names.get(p.player_id, str(p.player_id)),
            "current_role": p.current_role,
            "eligible_rank": p.eligible_rank,
            "next_rank": p.next_rank,
            "is_due": p.is_due,
            "rule_met": p.rule_met,
            "missing": p.missing,
            "readiness": p.readiness,
            "held_back": p.held_back,
        }
        for p in ordered
    ]


# --- game and chat panels ---------------------------------------------------------------------


def _boss_highlights(session: Session, group_id: int, names: dict[int, str]) -> list[Json]:
    """Per boss killed in the last 30 days: the clan's kills and its top killers, busiest first."""
    rows = session.execute(
        select(PeriodGain.metric, PeriodGain.player_id, PeriodGain.gained)
        .join(Metric, Metric.name == PeriodGain.metric)
        .where(
            PeriodGain.group_id == group_id,
            PeriodGain.period == BOSS_PERIOD,
            Metric.kind == "boss",
            PeriodGain.gained > 0,
        )
    )
    kills: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for boss, player_id, gained in rows:
        kills[boss].append((round(gained), player_id))
    bosses: list[Json] = []
    for boss, found in kills.items():
        found.sort(key=lambda pair: (-pair[0], names.get(pair[1], "").lower()))
        bosses.append(
            {
                "boss": boss,
                "kills": sum(k for k, _ in found),
                "killers": len(found),
                "top": [
                    {"player_id": pid, "name": names.get(pid, str(pid)), "kills": k}
                    for k, pid in found[:TOP_KILLERS]
                ],
            }
        )
    bosses.sort(key=lambda b: (-int(b["kills"]), str(b["boss"])))
    return bosses


def _heatmap(session: Session, group_id: int) -> Json:
    """Messages per weekday (0 = Monday) and hour, clan time, over the heatmap's window."""
    grid = [[0] * 24 for _ in range(7)]
    rows = session.execute(
        select(ChatHeatmap.weekday, ChatHeatmap.hour, ChatHeatmap.messages).where(
            ChatHeatmap.group_id == group_id
        )
    )
    for weekday, hour, messages in rows:
        grid[weekday][hour] = messages
    return {"days": HEATMAP_DAYS, "messages": grid}


def _trends(session: Session, group_id: int, today: date, chat_known: bool) -> list[Json]:
    """The trend days, oldest first; today's row is `partial`: the day so far, not a full day."""
    days = _clan_days(session, group_id, today - timedelta(days=TREND_DAYS - 1), today, chat_known)
    return [{**day, "partial": day["day"] == today.isoformat()} for day in days]


def _clan_days(
    session: Session, group_id: int, first: date, last: date, chat_known: bool
) -> list[Json]:
    """clan_daily rows in a range; game totals None on days nobody had a snapshot."""
    measured = set(
        session.scalars(
            select(DailyActivity.day)
            .where(
                DailyActivity.group_id == group_id,
                DailyActivity.day.between(first, last),
                DailyActivity.xp.is_not(None),
            )
            .group_by(DailyActivity.day)
        )
    )
    rows = session.scalars(
        select(ClanDaily)
        .where(ClanDaily.group_id == group_id, ClanDaily.day.between(first, last))
        .order_by(ClanDaily.day)
    )
    days = []
    for row in rows:
        game = row.day in measured
        days.append(
            {
                "day": row.day.isoformat(),
                "members": row.members,
                "joins": row.joins,
                "leaves": row.leaves,
                "active_members": row.active_members,
                **{m: _number(m, getattr(row, m)) if game else None for m in GAME_MEASURES},
                "messages": row.messages if chat_known else None,
            }
        )
    return days


def _clan_statistics(session: Session, group_id: int, today: date) -> Json | None:
    """The newest clan statistics (with account types) and the weeks before, oldest first.

    None before any snapshot was stored: the transform has written no row yet.
    """
    rows = session.scalars(
        select(ClanStatistics)
        .where(ClanStatistics.group_id == group_id, ClanStatistics.day <= today)
        .order_by(ClanStatistics.day)
    ).all()
    if not rows:
        return None
    latest = rows[-1]
    known = latest.regular is not None  # account types are stored on today's row only
    return {
        "latest": _statistics_day(latest),
        "account_types": (
            {key: getattr(latest, column) or 0 for key, column in ACCOUNT_TYPES.items()}
            if known
            else None
        ),
        "weeks": [_statistics_day(row) for row in rows[:-1]],
    }


def _statistics_day(row: ClanStatistics) -> Json:
    measured = row.measured > 0
    figures: Json = {"day": row.day.isoformat(), "members": row.members, "measured": row.measured}
    for column in MEASURED_COUNTS:
        figures[column] = _number(column, getattr(row, column)) if measured else None
    for column in LEVELS:
        value = getattr(row, column)
        figures[column] = round(value, 2) if value is not None else None
    return figures


# --- records, milestones, goals, season -------------------------------------------------------


def _records(session: Session, group_id: int, names: dict[int, str]) -> list[Json]:
    """The best days and weeks per measure: the top few holders of each."""
    rows = session.scalars(
        select(PersonalRecord)
        .where(PersonalRecord.group_id == group_id)
        .order_by(PersonalRecord.value.desc(), PersonalRecord.start_on)
    )
    boards: dict[tuple[str, str], list[Json]] = {
        (span, m): [] for span in ("day", "week") for m in GAME_MEASURES
    }
    for row in rows:
        board = boards.setdefault((row.span, row.measure), [])
        if len(board) < TOP_RECORDS:
            board.append(
                {
                    "player_id": row.player_id,
                    "name": names.get(row.player_id, str(row.player_id)),
                    "value": _number(row.measure, row.value),
                    "start_on": row.start_on.isoformat(),
                    "end_on": row.end_on.isoformat(),
                }
            )
    return [
        {"span": span, "measure": measure, "leaders": leaders}
        for (span, measure), leaders in boards.items()
    ]


def _milestones(session: Session, group_id: int, today: date, names: dict[int, str]) -> list[Json]:
    rows = session.scalars(
        select(MilestoneEvent)
        .where(
            MilestoneEvent.group_id == group_id,
            MilestoneEvent.occurred_on > today - timedelta(days=MILESTONE_DAYS),
            MilestoneEvent.occurred_on <= today,
        )
        .order_by(MilestoneEvent.occurred_on.desc(), MilestoneEvent.id.desc())
    )
    return [
        {
            "player_id": row.player_id,
            "name": names.get(row.player_id, str(row.player_id)),
            "kind": row.kind,
            "title": row.title,
            "occurred_on": row.occurred_on.isoformat(),
        }
        for row in rows
    ]


def _goals(session: Session, group_id: int, today: date) -> Json:
    monday = today - timedelta(days=today.weekday())
    rows = session.scalars(
        select(GoalWeek)
        .where(GoalWeek.group_id == group_id, GoalWeek.is_current.is_(True))
        .order_by(GoalWeek.goal)
    )
    return {
        "week_start": monday.isoformat(),
        "week_end": (monday + timedelta(days=6)).isoformat(),
        "items": [
            {
                "name": row.goal,
                "metric": row.metric,
                "target": _number(row.metric, row.target),
                "progress": _number(row.metric, row.progress),
                "achieved": row.achieved,
                "percent": goal_percent(row.progress, row.target),
            }
            for row in rows
        ],
    }


def _season(
    session: Session,
    group_id: int,
    names: dict[int, str],
    today: date,
    seasons: list[Season],
) -> Json | None:
    """The current season: its dates and standings (the first by name if seasons overlap).

    A season the rules say is running today is current even before anyone scored (a first
    run, or WOM down); None when no season is running.
    """
    rows = session.scalars(
        select(SeasonScore)
        .where(SeasonScore.group_id == group_id, SeasonScore.is_current.is_(True))
        .order_by(SeasonScore.season, SeasonScore.place, SeasonScore.player_id)
    ).all()
    running = sorted(s.name for s in seasons if s.start <= today <= s.end)
    if rows:
        season = rows[0].season
    elif running:
        season = running[0]
    else:
        return None
    dates = next((s for s in seasons if s.name == season), None)
    return {
        "name": season,
        "start": dates.start.isoformat() if dates else None,
        "end": dates.end.isoformat() if dates else None,
        # Days after today until it ends (0 on its last day); None without its dates.
        "days_left": max(0, (dates.end - today).days) if dates else None,
        "standings": [
            {
                "place": row.place,
                "player_id": row.player_id,
                "name": names.get(row.player_id, str(row.player_id)),
                "points": round(row.points, 2),
            }
            for row in rows
            if row.season == season
        ],
    }


# --- competitions -----------------------------------------------------------------------------


def _competitions(
    session: Session, group_id: int, names: dict[int, str], now: datetime, timezone: ZoneInfo
) -> list[Json]:
    """Every competition of the group, newest start first, with its top three."""
    return [
        {
            "id": c.id,
            "title": c.title,
            "metric": c.metric,
            "metric_kind": c.metric_kind,
            "type": c.competition_type,
            "starts_on": c.starts_on.isoformat(),
            "ends_on": c.ends_on.isoformat(),
            "status": c.status,
            "participants": c.participants,
            "wom_participants": c.wom_participants,
            "top": [
                {
                    "rank": p.rank,
                    "player_id": p.player_id,
                    "name": names.get(p.player_id, str(p.player_id)),
                    "gained": _number(c.metric or "", p.gained) if p.gained is not None else None,
                }
                for p in c.top
            ],
        }
        for c in group_competitions(session, group_id, now=now, timezone=timezone)
    ]


# --- small helpers ----------------------------------------------------------------------------


def _discord_was_read(session: Session, group_id: int) -> bool:
    """Whether Discord was ever read: without it message counts are unknown, not 0."""
    found = session.scalar(
        select(FetchLog.id)
        .where(FetchLog.group_id == group_id, FetchLog.source.like("discord:%"))
        .limit(1)
    )
    return found is not None


def _number(measure: str, value: float) -> float | int:
    return round(value, 2) if measure in HOURS else round(value)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken as UTC, as every database time is."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso_utc(moment: datetime | None) -> str | None:
    return _utc(moment).isoformat() if moment else None
