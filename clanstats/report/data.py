"""Everything one workbook shows, read from the database in one go."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from clanstats.competitions import GroupCompetition, group_competitions
from clanstats.people import Person, people_with_alts
from clanstats.report import chat_queries, competition_queries, queries, recruit_queries
from clanstats.report.chat_queries import ChannelActivity
from clanstats.report.competition_queries import AttendanceRow
from clanstats.report.freshness import STALE_AFTER, Freshness, source_freshness
from clanstats.report.queries import (
    ClanDay,
    Gains,
    GoalProgress,
    IdentityIssue,
    Member,
    Milestone,
    PromotionRow,
    Record,
    SeasonRow,
    StatisticsDay,
)
from clanstats.report.recruit_queries import Cohort, RecruitRow
from clanstats.rules import Rules

HISTORY_DAYS = 365  # the Clan days sheet and the member-count chart
RECENT_DAYS = 90  # milestones shown, leavers still listed, the XP and messages chart
# Current members' order on the sheets; `unknown` (not watched long enough to tell) sits with
# the new members, before anyone the rules call quiet or inactive.
STATUS_ORDER = {"active": 0, "new": 1, "unknown": 2, "quiet": 3, "inactive": 4}


@dataclass(frozen=True)
class ReportData:
    """The group's derived tables as the sheets need them, as of `today` (clan time)."""

    group_id: int
    clan_name: str
    today: date
    now: datetime  # naive, clan time
    timezone: str
    members: list[Member]
    names: dict[int, str]
    gains: Gains
    bosses: dict[int, dict[str, float]]
    days: list[ClanDay]
    statistics: list[StatisticsDay]  # newest first: today, then each week's last day
    freshness: list[Freshness]
    promotions: list[PromotionRow]
    recruits: list[RecruitRow]  # newest join first
    cohorts: list[Cohort]  # newest month first
    records: list[Record]
    milestones: list[Milestone]
    goals: list[GoalProgress]
    seasons: list[SeasonRow]
    competitions: list[GroupCompetition]  # newest start first
    attendance: list[AttendanceRow]
    issues: list[IdentityIssue]
    heatmap: dict[tuple[int, int], int]
    channels: list[ChannelActivity]
    # Each season's first and last day, and the rank ladder, from the rules file (empty when
    # not given): what is set up, even before there is data for it.
    season_dates: dict[str, tuple[date, date]] = field(default_factory=dict)
    ranks: list[str] = field(default_factory=list)
    # When data counts as stale (from the refresh intervals): what `freshness` was judged by.
    stale_after: timedelta = STALE_AFTER

    def name(self, player_id: int) -> str:
        """A player's display name, whoever they are."""
        return self.names.get(player_id, f"player {player_id}")

    def label(self, player_id: int) -> str:
        """A player's name in a list: an alt's says whose ("Iron Bob (alt of Bob)")."""
        main = self.main_of.get(player_id)
        name = self.name(player_id)
        return name if main is None else f"{name} (alt of {self.name(main)})"

    @cached_property
    def main_of(self) -> dict[int, int]:
        """Each current alt's main, from the people file."""
        return {
            m.player_id: m.main_player_id
            for m in self.members
            if m.main_player_id is not None and m.is_current
        }

    @property
    def people(self) -> list[Person]:
        """The players with alts, by their main."""
        return people_with_alts(self.main_of)

    @property
    def running_seasons(self) -> list[str]:
        """The seasons the rules say run today, by name."""
        return sorted(
            n for n, (start, end) in self.season_dates.items() if start <= self.today <= end
        )

    def season_timing(self, season: str) -> str | None:
        """ "Sun 18 Oct 2026 to Sat 16 Jan 2027: 45 days left" (None without its dates)."""
        if season not in self.season_dates:
            return None
        start, end = self.season_dates[season]
        left = (end - self.today).days
        if left < 0:
            when = "ended"
        elif left == 0:
            when = "last day today"
        else:
            when = f"{left} day{'s' if left != 1 else ''} left"
        return f"{start:%a %d %b %Y} to {end:%a %d %b %Y}: {when}"

    @property
    def current_members(self) -> list[Member]:
        """Members in the clan now, by status then 30-day XP (most first), then name."""
        current = [m for m in self.members if m.is_current]
        return sorted(current, key=self._member_order)

    @property
    def recent_leavers(self) -> list[Member]:
        """Members who left in the last 90 days, most recent first."""
        since = self.today - timedelta(days=RECENT_DAYS - 1)
        left = [m for m in self.members if not m.is_current and (m.left_on or since) >= since]
        return sorted(left, key=lambda m: (-(m.left_on or since).toordinal(), m.display_name))

    def _member_order(self, member: Member) -> tuple[int, float, str]:
        xp = self.gains.get(member.player_id, "xp", "30d")
        return (
            STATUS_ORDER.get(member.status, len(STATUS_ORDER)),
            -(xp if xp is not None else -1.0),
            member.display_name.lower(),
        )


def load_report_data(
    session: Session,
    *,
    group_id: int,
    today: date,
    now: datetime,
    timezone: ZoneInfo,
    discord_expected: bool,
    stale_after: timedelta = STALE_AFTER,
    rules: Rules | None = None,
) -> ReportData:
    """Read every table the workbook shows for one group (`rules`: the rules file's)."""
    rules = rules or Rules()
    members = queries.members(session, group_id)
    names = queries.player_names(session, group_id)
    names.update({m.player_id: m.display_name for m in members})
    return ReportData(
        group_id=group_id,
        clan_name=queries.clan_name(session, group_id) or f"WOM group {group_id}",
        today=today,
        now=now.astimezone(timezone).replace(tzinfo=None),
        timezone=timezone.key,
        members=members,
        names=names,
        gains=queries.aggregate_gains(session, group_id),
        bosses=queries.boss_gains(session, group_id),
        days=queries.clan_days(
            session, group_id, since=today - timedelta(days=HISTORY_DAYS - 1), until=today
        ),
        statistics=queries.clan_statistics(session, group_id, until=today),
        freshness=source_freshness(
            session,
            group_id=group_id,
            now=now,
            timezone=timezone,
            discord_expected=discord_expected,
            stale_after=stale_after,
        ),
        promotions=queries.promotions(session, group_id),
        recruits=recruit_queries.recruits(session, group_id),
        cohorts=recruit_queries.recruit_cohorts(session, group_id),
        records=queries.personal_records(session, group_id),
        milestones=queries.milestones(
            session, group_id, since=today - timedelta(days=RECENT_DAYS - 1)
        ),
        goals=queries.current_goals(session, group_id),
        seasons=queries.season_scores(session, group_id),
        competitions=group_competitions(session, group_id, now=now, timezone=timezone),
        attendance=competition_queries.competition_attendance(session, group_id),
        issues=queries.identity_issues(session, group_id),
        heatmap=chat_queries.chat_heatmap(session, group_id),
        channels=chat_queries.channel_activity(session, group_id),
        season_dates={s.name: (s.start, s.end) for s in rules.seasons},
        ranks=[rank.name for rank in rules.ranks],
        stale_after=stale_after,
    )
