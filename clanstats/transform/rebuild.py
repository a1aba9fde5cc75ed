"""A full rebuild: forget what transform derived for a group, so the run reads all raw data again.

A daily transform works from watermarks and keeps every derived row that did not change. A
rebuild (`main.py transform --rebuild`) deletes the derived tables and the watermarks in the
run's own transaction, so the same pass derives everything from the raw tables; if it fails,
the rollback leaves the previous tables in place. Both must give the same tables. A change of
TIMEZONE does the same by itself: every derived day is a clan day.
"""

from __future__ import annotations

import os
from typing import cast

from sqlalchemy import Table, delete
from sqlalchemy.orm import Session

from clanstats.db.models import (
    Base,
    ChannelCount,
    ChatHeatmap,
    ClanDaily,
    ClanStatistics,
    CompetitionAttendance,
    DailyActivity,
    DailyGain,
    GainBaseline,
    GoalWeek,
    IdentityIssue,
    IdentityLink,
    MemberStatus,
    MilestoneEvent,
    MonthlyGain,
    PeriodGain,
    PersonalRecord,
    Promotion,
    Recruit,
    RecruitCohort,
    RelayName,
    SeasonScore,
    TransformState,
)
from clanstats.db.state import read_state, write_state
from clanstats.fingerprint import state_key
from clanstats.transform.clan_daily import SUMMED_KEY as CLAN_DAYS_KEY
from clanstats.transform.clan_statistics import MEMBERS_KEY as CLAN_STATISTICS_MEMBERS
from clanstats.transform.clan_statistics import STATE_KEY as CLAN_STATISTICS_KEY
from clanstats.transform.daily_activity import IDENTITY_FINGERPRINT, MESSAGE_WATERMARK
from clanstats.transform.daily_gains import WATERMARK
from clanstats.transform.milestones import MESSAGES_KEY
from clanstats.transform.monthly_gains import IN_STEP_KEY
from clanstats.transform.records import THROUGH_KEY as RECORDS_KEY
from clanstats.transform.stays import ABSENCES_KEY

REBUILD_ENV = "CLANSTATS_REBUILD"  # set by `main.py transform --rebuild`
TIMEZONE_KEY = "transform:timezone"  # the TIMEZONE the derived tables' clan days are in

# Every table transform writes (each has a group_id column).
DERIVED_TABLES: tuple[type[Base], ...] = (
    IdentityLink,
    RelayName,
    IdentityIssue,
    GainBaseline,
    DailyGain,
    DailyActivity,
    MonthlyGain,
    PeriodGain,
    MemberStatus,
    Promotion,
    PersonalRecord,
    MilestoneEvent,
    GoalWeek,
    SeasonScore,
    ChatHeatmap,
    ChannelCount,
    ClanDaily,
    ClanStatistics,
    Recruit,
    RecruitCohort,
    CompetitionAttendance,
)
# transform's own keys in transform_state (report's and export's stay).
STATE_KEYS = (
    WATERMARK,
    MESSAGE_WATERMARK,
    IDENTITY_FINGERPRINT,
    IN_STEP_KEY,
    RECORDS_KEY,
    MESSAGES_KEY,
    CLAN_DAYS_KEY,
    CLAN_STATISTICS_KEY,
    TIMEZONE_KEY,
    state_key("transform"),
)


def rebuild_requested() -> bool:
    """Whether this transform process was asked for a full rebuild."""
    return os.environ.get(REBUILD_ENV) == "1"


def forget_if_timezone_changed(session: Session, group_id: int, timezone: str) -> str | None:
    """Forget the derived tables when they were worked out in another TIMEZONE; say which.

    Every derived day is a clan day, and the watermarks say the raw rows were read: after a
    change of TIMEZONE only a full pass puts each gain and message in its new day. Returns the
    previous timezone when it changed, else None; either way `timezone` is remembered.
    """
    previous = read_state(session, group_id, TIMEZONE_KEY)
    changed = bool(previous) and previous != timezone
    if changed:
        forget_derived(session, group_id)
    write_state(session, group_id, TIMEZONE_KEY, timezone)
    return previous if changed else None


def forget_derived(session: Session, group_id: int) -> None:
    """Delete the group's derived tables and transform's watermarks, in the caller's transaction."""
    for model in DERIVED_TABLES:
        table = cast(Table, model.__table__)
        session.execute(delete(table).where(table.c.group_id == group_id))
    session.execute(
        delete(TransformState).where(
            TransformState.group_id == group_id,
            TransformState.key.in_(STATE_KEYS)
            | TransformState.key.startswith(ABSENCES_KEY)
            | TransformState.key.startswith(CLAN_STATISTICS_MEMBERS, autoescape=True),
        )
    )
