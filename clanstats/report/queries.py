"""Read the derived tables into plain rows for the sheets: data access apart from layout.

A missing `period_gains` row means "no data" and stays None here, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from clanstats.db.models import (
    ClanDaily,
    ClanStatistics,
    GoalWeek,
    MemberStatus,
    Metric,
    MilestoneEvent,
    PeriodGain,
    PersonalRecord,
    Player,
    Promotion,
    SeasonScore,
    WomGroup,
)
from clanstats.db.models import IdentityIssue as IdentityIssueRow

PERIODS = ("7d", "30d", "90d", "365d")
AGGREGATES = ("xp", "ehp", "ehb", "boss_kills", "messages", "questions", "answers")


@dataclass(frozen=True)
class Member:
    """A member's (or former member's) `member_status` row."""

    player_id: int
    display_name: str
    role: str | None
    status: str
    joined_on: date | None
    left_on: date | None
    tenure_days: int | None
    tenure_source: str | None
    away_until: date | None
    away_reason: str | None
    last_active_on: date | None
    last_xp_on: date | None
    last_message_on: date | None
    removal_candidate: bool
    removal_reason: str | None
    current_streak: int
    best_streak: int
    best_streak_end: date | None
    engagement_score: float | None
    chat_play: str | None
    main_player_id: int | None = None  # an alt's main (people.csv)

    @property
    def is_current(self) -> bool:
        """Whether they are in the clan now."""
        return self.status != "left"


class Gains:
    """Period gains by (player, metric, period); None where there is no row (no data)."""

    def __init__(self, values: dict[tuple[int, str, str], float]) -> None:
        self._values = values

    def get(self, player_id: int, metric: str, period: str) -> float | None:
        """The gain, or None for "no data"."""
        return self._values.get((player_id, metric, period))

    def has(self, player_id: int, metric: str) -> bool:
        """Whether the player has any row for this metric."""
        return any(self.get(player_id, metric, period) is not None for period in PERIODS)


@dataclass(frozen=True)
class ClanDay:
    """A `clan_daily` row."""

    day: date
    members: int
    joins: int
    leaves: int
    active_members: int
    xp: float
    ehp: float
    ehb: float
    boss_kills: float
    messages: int


@dataclass(frozen=True)
class StatisticsDay:
    """A `clan_statistics` row: what the members were on a day.

    The totals, maxed accounts and skills count the measured members only (those with a
    snapshot by the day's end); the levels are None when nobody was measured, the account
    types on every day but today.
    """

    day: date
    members: int
    measured: int
    xp: float
    ehp: float
    ehb: float
    maxed_total: int
    maxed_combat: int
    skills_99: int
    skills_200m: int
    total_level_average: float | None
    total_level_median: float | None
    combat_level_average: float | None
    combat_level_median: float | None
    regular: int | None
    ironman: int | None
    hardcore: int | None
    ultimate: int | None
    other_type: int | None

    def measured_value(self, field: str) -> float | None:
        """A figure read from the measured members: None ("no data") when nobody was."""
        value: float | None = getattr(self, field)
        return value if self.measured else None


@dataclass(frozen=True)
class PromotionRow:
    """A member's standing on the rank ladder."""

    player_id: int
    current_role: str | None
    eligible_rank: str | None
    next_rank: str | None
    is_due: bool
    rule_met: str | None
    missing: str | None
    readiness: float | None
    held_back: str | None  # why a member whose rules are met is not due; None otherwise


@dataclass(frozen=True)
class Record:
    """A member's best day or week in one measure."""

    player_id: int
    span: str
    measure: str
    value: float
    start_on: date
    end_on: date


@dataclass(frozen=True)
class Milestone:
    """An achievement, anniversary or message milestone."""

    player_id: int
    kind: str
    title: str
    occurred_on: date


@dataclass(frozen=True)
class GoalProgress:
    """A weekly goal's progress this week."""

    goal: str
    week_start: date
    metric: str
    target: float
    progress: float
    achieved: bool


@dataclass(frozen=True)
class SeasonRow:
    """A member's place in a season."""

    season: str
    player_id: int
    points: float
    place: int
    is_current: bool


@dataclass(frozen=True)
class IdentityIssue:
    """Someone the officers still have to link."""

    kind: str
    subject: str
    name: str
    detail: str


def clan_name(session: Session, group_id: int) -> str | None:
    """The group's name as WOM last gave it."""
    return session.scalar(select(WomGroup.name).where(WomGroup.id == group_id))


def members(session: Session, group_id: int) -> list[Member]:
    """Every `member_status` row of the group."""
    columns = [getattr(MemberStatus, name) for name in Member.__dataclass_fields__]
    rows = session.execute(select(*columns).where(MemberStatus.group_id == group_id))
    return [Member(*row) for row in rows]


def player_names(session: Session, group_id: int) -> dict[int, str]:
    """Every known player's latest display name."""
    rows = session.execute(
        select(Player.player_id, Player.display_name).where(Player.group_id == group_id)
    )
    return {player_id: name for player_id, name in rows}


def aggregate_gains(session: Session, group_id: int) -> Gains:
    """The xp/ehp/ehb/boss_kills/messages/questions/answers gains over the standard periods."""
    rows = session.execute(
        select(PeriodGain.player_id, PeriodGain.metric, PeriodGain.period, PeriodGain.gained).where(
            PeriodGain.group_id == group_id,
            PeriodGain.metric.in_(AGGREGATES),
            PeriodGain.period.in_(PERIODS),
        )
    )
    return Gains({(player, metric, period): gained for player, metric, period, gained in rows})


def boss_gains(session: Session, group_id: int, period: str = "30d") -> dict[int, dict[str, float]]:
    """Kills gained per player per boss over a period, bosses with a gain only."""
    rows = session.execute(
        select(PeriodGain.player_id, PeriodGain.metric, PeriodGain.gained)
        .join(Metric, Metric.name == PeriodGain.metric)
        .where(
            PeriodGain.group_id == group_id,
            PeriodGain.period == period,
            PeriodGain.gained > 0,
            Metric.kind == "boss",
        )
    )
    kills: dict[int, dict[str, float]] = {}
    for player, boss, gained in rows:
        kills.setdefault(player, {})[boss] = gained
    return kills


def clan_days(session: Session, group_id: int, *, since: date, until: date) -> list[ClanDay]:
    """The clan's days from `since` to `until` inclusive, oldest first."""
    columns = [getattr(ClanDaily, name) for name in ClanDay.__dataclass_fields__]
    rows = session.execute(
        select(*columns)
        .where(ClanDaily.group_id == group_id, ClanDaily.day.between(since, until))
        .order_by(ClanDaily.day)
    )
    return [ClanDay(*row) for row in rows]


def clan_statistics(session: Session, group_id: int, *, until: date) -> list[StatisticsDay]:
    """The clan's statistics days up to `until` inclusive, newest first."""
    columns = [getattr(ClanStatistics, name) for name in StatisticsDay.__dataclass_fields__]
    rows = session.execute(
        select(*columns)
        .where(ClanStatistics.group_id == group_id, ClanStatistics.day <= until)
        .order_by(ClanStatistics.day.desc())
    )
    return [StatisticsDay(*row) for row in rows]


def promotions(session: Session, group_id: int) -> list[PromotionRow]:
    """Every member's promotion standing."""
    columns = [getattr(Promotion, name) for name in PromotionRow.__dataclass_fields__]
    rows = session.execute(select(*columns).where(Promotion.group_id == group_id))
    return [PromotionRow(*row) for row in rows]


def personal_records(session: Session, group_id: int) -> list[Record]:
    """Every member's best days and weeks."""
    columns = [getattr(PersonalRecord, name) for name in Record.__dataclass_fields__]
    rows = session.execute(select(*columns).where(PersonalRecord.group_id == group_id))
    return [Record(*row) for row in rows]


def milestones(session: Session, group_id: int, *, since: date) -> list[Milestone]:
    """Milestones on or after `since`, newest first."""
    columns = [getattr(MilestoneEvent, name) for name in Milestone.__dataclass_fields__]
    rows = session.execute(
        select(*columns)
        .where(MilestoneEvent.group_id == group_id, MilestoneEvent.occurred_on >= since)
        .order_by(MilestoneEvent.occurred_on.desc(), MilestoneEvent.id)
    )
    return [Milestone(*row) for row in rows]


def current_goals(session: Session, group_id: int) -> list[GoalProgress]:
    """This week's goals, by name."""
    columns = [getattr(GoalWeek, name) for name in GoalProgress.__dataclass_fields__]
    rows = session.execute(
        select(*columns)
        .where(GoalWeek.group_id == group_id, GoalWeek.is_current.is_(True))
        .order_by(GoalWeek.goal)
    )
    return [GoalProgress(*row) for row in rows]


def season_scores(session: Session, group_id: int) -> list[SeasonRow]:
    """Every season's standings: current seasons first, then by name and place."""
    columns = [getattr(SeasonScore, name) for name in SeasonRow.__dataclass_fields__]
    rows = session.execute(
        select(*columns)
        .where(SeasonScore.group_id == group_id)
        .order_by(SeasonScore.is_current.desc(), SeasonScore.season, SeasonScore.place)
    )
    return [SeasonRow(*row) for row in rows]


def identity_issues(session: Session, group_id: int) -> list[IdentityIssue]:
    """Everyone still to link, by kind then name."""
    columns = [getattr(IdentityIssueRow, name) for name in IdentityIssue.__dataclass_fields__]
    rows = session.execute(
        select(*columns)
        .where(IdentityIssueRow.group_id == group_id)
        .order_by(IdentityIssueRow.kind, IdentityIssueRow.name)
    )
    return [IdentityIssue(*row) for row in rows]
