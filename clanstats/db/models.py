"""SQLAlchemy models of the raw harvest tables and the run bookkeeping.

Snapshots are stored sparsely so a year of a 500-member clan stays small and a new WOM metric needs
no migration: `metrics` names every metric ever seen (a new boss becomes a new row), and
`snapshot_values` holds one row per metric only when its value differs from that player's previous
snapshot. A NULL value means "unknown" (WOM's -1); a metric with no row yet is also unknown.
`current_values` keeps each player's latest decoded state so a daily harvest diffs in one query.

Every table of clan data carries `group_id` (the WOM group id) so one database can hold many groups.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Sparse value tables are the bulk of the file: no hidden rowid keeps each row a few bytes smaller.
WITHOUT_ROWID = {"sqlite_with_rowid": False}
DAY_ZERO = date(2000, 1, 1)


class DayNumber(TypeDecorator[date]):
    """A date stored as days since 2000-01-01: 2-3 bytes instead of a 10-byte string.

    Python code sees `datetime.date` either way; it matters in the two tables with a row per
    member-day-metric, which are most of a year's database.
    """

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: date | None, dialect: Any) -> int | None:
        return None if value is None else (value - DAY_ZERO).days

    def process_result_value(self, value: int | None, dialect: Any) -> date | None:
        return None if value is None else DAY_ZERO + timedelta(days=value)


class Base(DeclarativeBase):
    """Declarative base with constraint names Alembic can rely on."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WomGroup(Base):
    """A Wise Old Man group (a clan) as last seen."""

    __tablename__ = "wom_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100))
    clan_chat: Mapped[str | None] = mapped_column(String(100))
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    wom_created_at: Mapped[datetime | None] = mapped_column(DateTime)
    wom_updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)


class Player(Base):
    """A player as WOM knows them; the WOM id is the identity that survives name changes."""

    __tablename__ = "players"

    group_id: Mapped[int] = mapped_column(ForeignKey("wom_groups.id"), primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(64))
    account_type: Mapped[str | None] = mapped_column(String(20))
    build: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(8))
    exp: Mapped[float | None] = mapped_column(Float)
    ehp: Mapped[float | None] = mapped_column(Float)
    ehb: Mapped[float | None] = mapped_column(Float)
    ttm: Mapped[float | None] = mapped_column(Float)
    registered_at: Mapped[datetime | None] = mapped_column(DateTime)
    wom_updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime)


class Membership(Base):
    """A player's membership of a group; `left_at` is set when they leave, history is kept."""

    __tablename__ = "memberships"
    __table_args__ = (
        ForeignKeyConstraint(["group_id", "player_id"], ["players.group_id", "players.player_id"]),
    )

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str | None] = mapped_column(String(40))
    joined_at: Mapped[datetime | None] = mapped_column(DateTime)
    left_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # WOM's clientSyncJoinedAt at the last roster read: when they joined the in-game clan (the
    # RuneLite plugin's clan sync); joined_at is only when WOM listed them.
    in_game_joined_at: Mapped[datetime | None] = mapped_column(DateTime)


class MembershipEvent(Base):
    """A join, leave or role change, from WOM's group activity feed or a roster difference."""

    __tablename__ = "membership_events"
    __table_args__ = (
        UniqueConstraint("group_id", "player_id", "kind", "occurred_at"),
        ForeignKeyConstraint(["group_id", "player_id"], ["players.group_id", "players.player_id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer)
    player_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    role: Mapped[str | None] = mapped_column(String(40))
    previous_role: Mapped[str | None] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(20))


class Metric(Base):
    """Every metric name ever seen; a new WOM boss or skill simply becomes a new row."""

    __tablename__ = "metrics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))


class Snapshot(Base):
    """One WOM snapshot of one player: when it was taken and where it came from."""

    __tablename__ = "snapshots"
    __table_args__ = (
        UniqueConstraint("group_id", "player_id", "taken_at"),
        ForeignKeyConstraint(["group_id", "player_id"], ["players.group_id", "players.player_id"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer)
    player_id: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(DateTime)


class SnapshotValue(Base):
    """A metric's value in a snapshot, stored only where it changed since the previous one."""

    __tablename__ = "snapshot_values"
    __table_args__ = WITHOUT_ROWID

    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True
    )
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer)
    # NULL: the value became unknown (WOM's -1). Float holds XP exactly; SQLite stores whole
    # numbers in REAL columns as integers, so this costs no more than an integer column.
    value: Mapped[float | None] = mapped_column(Float)


class CurrentValue(Base):
    """Each player's latest known value per metric: the decoded state of their newest snapshot."""

    __tablename__ = "current_values"
    __table_args__ = WITHOUT_ROWID

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float)


class GainWindow(Base):
    """A member's span in one of transform's windows (7d, 30d, 90d, 365d, custom) per WOM.

    Fetched from bulk-gained for the exact window (`start_date` is the window's first clan-time
    midnight) on runs where local history doesn't cover some member; replaced on every fetch.
    A member with no row here had no snapshots in that window: "no data", not 0.
    """

    __tablename__ = "gain_windows"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(20), primary_key=True)
    start_date: Mapped[datetime] = mapped_column(DateTime)
    end_date: Mapped[datetime] = mapped_column(DateTime)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)


class WindowGain(Base):
    """A member's non-zero gain in one metric over a `gain_windows` span."""

    __tablename__ = "window_gains"
    __table_args__ = WITHOUT_ROWID

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(20), primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"), primary_key=True)
    # NULL: WOM reported -1 at one end of the window, so the gain is unknown (never 0).
    gained: Mapped[float | None] = mapped_column(Float)


class Achievement(Base):
    """A WOM achievement (e.g. 99 Slayer, 500 Vorkath kills)."""

    __tablename__ = "achievements"
    __table_args__ = (
        ForeignKeyConstraint(["group_id", "player_id"], ["players.group_id", "players.player_id"]),
    )

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    threshold: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    measure: Mapped[str | None] = mapped_column(String(20))
    achieved_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class NameChange(Base):
    """An approved WOM name change; the player keeps their id, so history stays theirs."""

    __tablename__ = "name_changes"

    group_id: Mapped[int] = mapped_column(ForeignKey("wom_groups.id"), primary_key=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    player_id: Mapped[int] = mapped_column(Integer, index=True)
    old_name: Mapped[str] = mapped_column(String(64))
    new_name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)


class Competition(Base):
    """A WOM competition the group hosts."""

    __tablename__ = "competitions"

    group_id: Mapped[int] = mapped_column(ForeignKey("wom_groups.id"), primary_key=True)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(200))
    competition_type: Mapped[str | None] = mapped_column(String(20))
    metric: Mapped[str | None] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    participant_count: Mapped[int | None] = mapped_column(Integer)
    # When its standings were last read (GET /competitions/:id); one read after the end is final.
    details_fetched_at: Mapped[datetime | None] = mapped_column(DateTime)


class CompetitionParticipation(Base):
    """A player's standing in a group competition, as WOM last served it.

    `rank` is the place in WOM's list (most gained first, 1 at the top). A NULL value is
    unknown: WOM had no value (-1) at that end of the competition, and a gain needs both ends.
    """

    __tablename__ = "competition_participations"
    __table_args__ = (
        ForeignKeyConstraint(
            ["group_id", "competition_id"], ["competitions.group_id", "competitions.id"]
        ),
        ForeignKeyConstraint(["group_id", "player_id"], ["players.group_id", "players.player_id"]),
    )

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    competition_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_name: Mapped[str | None] = mapped_column(String(60))
    gained: Mapped[float | None] = mapped_column(Float)
    start_value: Mapped[float | None] = mapped_column(Float)
    end_value: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)


class HarvestCursor(Base):
    """How far a paged source has been read: advanced in the same transaction as its rows."""

    __tablename__ = "harvest_cursors"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class BackfillProgress(Base):
    """Which players' history the backfill has fetched, so it resumes where it stopped."""

    __tablename__ = "backfill_progress"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    since: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))
    snapshots: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime] = mapped_column(DateTime)


class FetchLog(Base):
    """One fetch of one source: when, how many requests and rows, and how it ended."""

    __tablename__ = "fetch_log"
    __table_args__ = (
        Index("ix_fetch_log_group_source_started", "group_id", "source", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int | None] = mapped_column(Integer)
    stage_run_id: Mapped[int | None] = mapped_column(ForeignKey("stage_runs.id"))
    source: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime] = mapped_column(DateTime)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)


class PipelineRun(Base):
    """One `main.py` run: which stages, when, and how it ended."""

    __tablename__ = "pipeline_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))
    stages: Mapped[str] = mapped_column(String(200))
    exit_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class StageRun(Base):
    """One stage run, inside a pipeline run or alone: times, outcome, counts (JSON), error."""

    __tablename__ = "stage_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pipeline_run_id: Mapped[int | None] = mapped_column(ForeignKey("pipeline_runs.id"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))
    exit_code: Mapped[int | None] = mapped_column(Integer)
    counts: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class DiscordChannel(Base):
    """A Discord channel or thread the harvest reads, and how the last read went."""

    __tablename__ = "discord_channels"

    group_id: Mapped[int] = mapped_column(ForeignKey("wom_groups.id"), primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    parent_id: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    is_relay: Mapped[bool] = mapped_column(Boolean, default=False)
    last_outcome: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class DiscordUser(Base):
    """A Discord account (a message author or a server member): ids and names only."""

    __tablename__ = "discord_users"

    group_id: Mapped[int] = mapped_column(ForeignKey("wom_groups.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(64))
    global_name: Mapped[str | None] = mapped_column(String(64))
    nick: Mapped[str | None] = mapped_column(String(64))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)


class DiscordMessage(Base):
    """A message's metadata; its text is read for features and then dropped, never stored.

    The send time is in the id (a Discord snowflake): see `clanstats.discord.snowflakes`.
    A relay line has no `author_id` but the in-game `relay_name` it was spoken under.
    `is_question` is NULL when Discord sent no text (Message Content intent off).
    """

    __tablename__ = "discord_messages"
    __table_args__ = (
        Index("ix_discord_messages_author", "group_id", "author_id"),
        Index("ix_discord_messages_channel", "group_id", "channel_id", "message_id"),
        # The names heard in relay chat, read every transform: only relay lines are indexed.
        Index(
            "ix_discord_messages_relay_name",
            "group_id",
            "relay_name",
            sqlite_where=text("relay_name IS NOT NULL"),
            postgresql_where=text("relay_name IS NOT NULL"),
        ),
        WITHOUT_ROWID,
    )

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    author_id: Mapped[int | None] = mapped_column(BigInteger)
    relay_name: Mapped[str | None] = mapped_column(String(64))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    is_webhook: Mapped[bool] = mapped_column(Boolean, default=False)
    reply_to_message_id: Mapped[int | None] = mapped_column(BigInteger)
    reply_to_author_id: Mapped[int | None] = mapped_column(BigInteger)
    is_question: Mapped[bool | None] = mapped_column(Boolean)
    length_bucket: Mapped[int | None] = mapped_column(SmallInteger)


class IdentityLink(Base):
    """A Discord user linked to a WOM player, and which source made the link."""

    __tablename__ = "identity_links"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discord_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    player_id: Mapped[int] = mapped_column(Integer, index=True)
    source: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(String(200))


class RelayName(Base):
    """An in-game name heard in relay chat and the WOM player it belongs to (NULL: unknown)."""

    __tablename__ = "relay_names"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    player_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))


class IdentityIssue(Base):
    """Something for the officers: an unlinked Discord user or member, an ambiguous match."""

    __tablename__ = "identity_issues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(String(300))


# --- Derived tables (transform) ---------------------------------------------------------------
# Days are dates in the clan's TIMEZONE. A missing row means "no data", never 0.


class TransformState(Base):
    """How far transform has read the raw tables (watermarks), per group."""

    __tablename__ = "transform_state"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(100))


class GainBaseline(Base):
    """Each player's metric values as of the last snapshot transform turned into gains."""

    __tablename__ = "gain_baselines"
    __table_args__ = WITHOUT_ROWID

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float)
    taken_at: Mapped[datetime] = mapped_column(DateTime)


class DailyGain(Base):
    """What a player gained in one metric on one day (non-zero gains only).

    Keyed by day first: windows (7, 30, 90 days) and incremental days are what every query asks.
    """

    __tablename__ = "daily_gains"
    __table_args__ = WITHOUT_ROWID

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(DayNumber, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"), primary_key=True)
    gained: Mapped[float] = mapped_column(Float)


class MonthlyGain(Base):
    """What a player gained in one metric over one calendar month: the sum of its daily gains.

    Keyed by player first, so a year's totals per player and metric are read in key order
    (no sort over every day of the year); `month` is the month's first day.
    """

    __tablename__ = "monthly_gains"
    __table_args__ = WITHOUT_ROWID

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metrics.id"), primary_key=True)
    month: Mapped[date] = mapped_column(DayNumber, primary_key=True)
    gained: Mapped[float] = mapped_column(Float)


class DailyActivity(Base):
    """A member's day: game gains (NULL: no snapshot that day) and Discord activity."""

    __tablename__ = "daily_activity"
    __table_args__ = WITHOUT_ROWID

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(DayNumber, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    xp: Mapped[float | None] = mapped_column(Float)
    ehp: Mapped[float | None] = mapped_column(Float)
    ehb: Mapped[float | None] = mapped_column(Float)
    boss_kills: Mapped[float | None] = mapped_column(Float)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    questions: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[int] = mapped_column(Integer, default=0)


class PeriodGain(Base):
    """A member's gain over a window (7d, 30d, 90d, 365d, custom) in a metric or aggregate.

    `metric` is a WOM metric name or one of xp, ehp, ehb, boss_kills, messages, questions,
    answers. `source` says where the number came from: local history or WOM's window gains.
    """

    __tablename__ = "period_gains"
    __table_args__ = WITHOUT_ROWID

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(20), primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    gained: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(10))


class ClanDaily(Base):
    """The clan's day: members, joins and leaves, who was active, and what it gained."""

    __tablename__ = "clan_daily"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    members: Mapped[int] = mapped_column(Integer)
    joins: Mapped[int] = mapped_column(Integer)
    leaves: Mapped[int] = mapped_column(Integer)
    active_members: Mapped[int] = mapped_column(Integer)
    xp: Mapped[float] = mapped_column(Float)
    ehp: Mapped[float] = mapped_column(Float)
    ehb: Mapped[float] = mapped_column(Float)
    boss_kills: Mapped[float] = mapped_column(Float)
    messages: Mapped[int] = mapped_column(Integer)


class ClanStatistics(Base):
    """What the clan's members were on a day: totals, levels, maxed accounts, account types.

    One row for today and one for the last day of each of the weeks before it (up to a year).
    Account types are known only for today (WOM says what an account is, not what it was).
    """

    __tablename__ = "clan_statistics"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    members: Mapped[int] = mapped_column(Integer)
    measured: Mapped[int] = mapped_column(Integer)  # members with a snapshot by the day's end
    xp: Mapped[float] = mapped_column(Float)
    ehp: Mapped[float] = mapped_column(Float)
    ehb: Mapped[float] = mapped_column(Float)
    maxed_total: Mapped[int] = mapped_column(Integer)
    maxed_combat: Mapped[int] = mapped_column(Integer)
    skills_99: Mapped[int] = mapped_column(Integer)
    skills_200m: Mapped[int] = mapped_column(Integer)
    total_level_average: Mapped[float | None] = mapped_column(Float)
    total_level_median: Mapped[float | None] = mapped_column(Float)
    combat_level_average: Mapped[float | None] = mapped_column(Float)
    combat_level_median: Mapped[float | None] = mapped_column(Float)
    regular: Mapped[int | None] = mapped_column(Integer)
    ironman: Mapped[int | None] = mapped_column(Integer)
    hardcore: Mapped[int | None] = mapped_column(Integer)
    ultimate: Mapped[int | None] = mapped_column(Integer)
    other_type: Mapped[int | None] = mapped_column(Integer)


class Recruit(Base):
    """A member who joined after the clan was on WOM: how their first months went.

    The founding roster (WOM listed them the day the clan registered, with no in-game join date)
    is not here: when they joined is unknown.
    """

    __tablename__ = "recruits"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    joined_on: Mapped[date] = mapped_column(Date)  # the tenure start (member_status.joined_on)
    cohort: Mapped[date] = mapped_column(Date)  # the first day of the month they joined
    left_on: Mapped[date | None] = mapped_column(Date)
    first_game_on: Mapped[date | None] = mapped_column(Date)  # first gain since joining
    first_message_on: Mapped[date | None] = mapped_column(Date)  # first message since joining
    # None until that many days have passed since joining; active_N also None when the 30 days
    # before lie before ClanStats could see their game and held no activity.
    stayed_30: Mapped[bool | None] = mapped_column(Boolean)
    stayed_90: Mapped[bool | None] = mapped_column(Boolean)
    stayed_180: Mapped[bool | None] = mapped_column(Boolean)
    active_30: Mapped[bool | None] = mapped_column(Boolean)
    active_90: Mapped[bool | None] = mapped_column(Boolean)
    active_180: Mapped[bool | None] = mapped_column(Boolean)
    welcome: Mapped[str | None] = mapped_column(String(60))  # why to welcome them; None: no need


class RecruitCohort(Base):
    """The recruits of one month: how many stayed, and stayed active, 30, 90 and 180 days on."""

    __tablename__ = "recruit_cohorts"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    recruits: Mapped[int] = mapped_column(Integer)
    still_in: Mapped[int] = mapped_column(Integer)
    # reached_N: recruits who joined at least N days ago; stayed_N / active_N count among them,
    # unknown_N those who stayed but whose activity then is before ClanStats' history.
    reached_30: Mapped[int] = mapped_column(Integer)
    stayed_30: Mapped[int] = mapped_column(Integer)
    active_30: Mapped[int] = mapped_column(Integer)
    unknown_30: Mapped[int] = mapped_column(Integer)
    reached_90: Mapped[int] = mapped_column(Integer)
    stayed_90: Mapped[int] = mapped_column(Integer)
    active_90: Mapped[int] = mapped_column(Integer)
    unknown_90: Mapped[int] = mapped_column(Integer)
    reached_180: Mapped[int] = mapped_column(Integer)
    stayed_180: Mapped[int] = mapped_column(Integer)
    active_180: Mapped[int] = mapped_column(Integer)
    unknown_180: Mapped[int] = mapped_column(Integer)


class CompetitionAttendance(Base):
    """A player's part in the group's WOM competitions: in all, and over the last 90 days."""

    __tablename__ = "competition_attendance"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    joined: Mapped[int] = mapped_column(Integer)  # started competitions they took part in
    best_rank: Mapped[int | None] = mapped_column(Integer)
    last_joined_on: Mapped[date | None] = mapped_column(Date)  # that competition's start day
    held_90: Mapped[int] = mapped_column(Integer)  # started while they were in the clan
    joined_90: Mapped[int] = mapped_column(Integer)
    rate_90: Mapped[float | None] = mapped_column(Float)  # joined_90 / held_90


class MemberStatus(Base):
    """Where each member (and former member) stands: status, tenure, streaks, engagement."""

    __tablename__ = "member_status"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    joined_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    tenure_days: Mapped[int | None] = mapped_column(Integer)
    # Where joined_on comes from: "clan_sync" (the in-game join) or "wom_listed".
    tenure_source: Mapped[str | None] = mapped_column(String(12))
    # A leave of absence from rules.yaml covering today: kept off the removal list until then.
    away_until: Mapped[date | None] = mapped_column(Date)
    away_reason: Mapped[str | None] = mapped_column(String(200))
    # An alt's main account, from the people file (people.csv); None for everyone else.
    main_player_id: Mapped[int | None] = mapped_column(Integer)
    last_active_on: Mapped[date | None] = mapped_column(Date)
    last_xp_on: Mapped[date | None] = mapped_column(Date)
    last_message_on: Mapped[date | None] = mapped_column(Date)
    removal_candidate: Mapped[bool] = mapped_column(Boolean, default=False)
    removal_reason: Mapped[str | None] = mapped_column(String(200))
    current_streak: Mapped[int] = mapped_column(Integer, default=0)
    best_streak: Mapped[int] = mapped_column(Integer, default=0)
    best_streak_end: Mapped[date | None] = mapped_column(Date)
    engagement_score: Mapped[float | None] = mapped_column(Float)
    chat_play: Mapped[str | None] = mapped_column(String(20))


class Promotion(Base):
    """A member's standing on the rank ladder: due now, or what they still miss."""

    __tablename__ = "promotions"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    current_role: Mapped[str | None] = mapped_column(String(40))
    eligible_rank: Mapped[str | None] = mapped_column(String(40))
    next_rank: Mapped[str | None] = mapped_column(String(40))
    is_due: Mapped[bool] = mapped_column(Boolean, default=False)
    rule_met: Mapped[str | None] = mapped_column(String(300))
    missing: Mapped[str | None] = mapped_column(String(300))
    readiness: Mapped[float | None] = mapped_column(Float)
    # Why a member whose rank rules are met is not due (inactive, a removal candidate).
    held_back: Mapped[str | None] = mapped_column(String(200))


class PersonalRecord(Base):
    """A member's best day or best week in xp, ehp, ehb or boss kills."""

    __tablename__ = "personal_records"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    span: Mapped[str] = mapped_column(String(10), primary_key=True)
    measure: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)


class MilestoneEvent(Base):
    """A milestone: a WOM achievement, a tenure anniversary or a message-count milestone."""

    __tablename__ = "milestones"
    __table_args__ = (Index("ix_milestones_group_day", "group_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer)
    player_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    occurred_on: Mapped[date] = mapped_column(Date)


class GoalWeek(Base):
    """A weekly clan goal's progress in one week (weeks start on Monday, clan time)."""

    __tablename__ = "goal_weeks"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    goal: Mapped[str] = mapped_column(String(80), primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(64))
    target: Mapped[float] = mapped_column(Float)
    progress: Mapped[float] = mapped_column(Float)
    achieved: Mapped[bool] = mapped_column(Boolean)
    is_current: Mapped[bool] = mapped_column(Boolean)


class SeasonScore(Base):
    """A member's points and place in a season."""

    __tablename__ = "season_scores"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    season: Mapped[str] = mapped_column(String(80), primary_key=True)
    player_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    points: Mapped[float] = mapped_column(Float)
    place: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean)


class ChatHeatmap(Base):
    """People's messages per weekday (0 = Monday) and hour, clan time, over the last 90 days."""

    __tablename__ = "chat_heatmap"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    messages: Mapped[int] = mapped_column(Integer)


class ChannelCount(Base):
    """People's messages per Discord channel or thread over 7, 30 and 90 days."""

    __tablename__ = "channel_counts"

    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    messages: Mapped[int] = mapped_column(Integer)


class OutputFile(Base):
    """A file a stage wrote: where, its hash and size, and whether it may go public."""

    __tablename__ = "output_manifest"
    __table_args__ = (Index("ix_output_manifest_group_path", "group_id", "path", "written_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer)
    stage_run_id: Mapped[int | None] = mapped_column(ForeignKey("stage_runs.id"))
    path: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    public: Mapped[bool] = mapped_column(Boolean)
    sha256: Mapped[str] = mapped_column(String(64))
    bytes: Mapped[int] = mapped_column(Integer)
    written_at: Mapped[datetime] = mapped_column(DateTime)


class SyncHistory(Base):
    """One delivery attempt of the sync stage to one target: when, what changed, how it ended."""

    __tablename__ = "sync_history"
    __table_args__ = (Index("ix_sync_history_group_target", "group_id", "target", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(10))  # ok | partial | failed | skipped
    files_changed: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
