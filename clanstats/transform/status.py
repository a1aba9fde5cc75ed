"""Member status: active, quiet, inactive, new or left; removal candidates, streaks, engagement.

Days are dates in the clan's timezone; "the last N days" are today and the N - 1 days before it.
A game day has a gain > 0 in XP, EHP, EHB or boss kills; a chat day has messages > 0; an active
day is either. A day without a `daily_activity` row is a day without activity.

- last game activity (`last_xp_on`): the later of their last game day and the day of WOM's
  `lastChangedAt` (when WOM last saw any of their hiscores change), which a first run already
  has. Last active: the later of that and their last chat day.
- idle: days since last active. Evidence: when neither `lastChangedAt` nor a game day is known,
  ClanStats has watched their game only since their first stored snapshot, so the *observed*
  idle is at most that many days; otherwise it is the idle. A game gain in WOM's own gains for
  an N-day window (source `wom` in `period_gains`) means idle < N, whatever else is known.
- status: `left` once they have left; `new` while they joined fewer than `new_member_days` ago;
  `active` while idle < `quiet_after_days`; else by observed idle: `inactive` from
  `inactive_after_days`, `quiet` from `quiet_after_days`, else `unknown` ("not enough history
  yet": never called inactive without evidence). `quiet_after_days: 7` means no XP and no
  messages for 7 days makes a member quiet.
- removal candidate: a current member in the clan at least `min_tenure_days` days whose observed
  idle is at least `no_activity_days`, unless a leave of absence in the rules file covers today
  (`away_until`, `away_reason`: see `away`).
- people (the people file's alts, see `people`): an alt's row names its main
  (`main_player_id`). A person is active when any of their accounts is: an account of theirs
  that is quiet, inactive or unknown is `active` while another is (new and left stay). Removal
  needs every account quiet: their accounts are candidates together or not at all.
- streaks: runs of consecutive active days. The current one ends today, or yesterday while today
  has no activity yet (0 for leavers); the best is the longest, and a tie keeps the earlier one.
- engagement score, 0 to 100, over the last 30 days (None for members who left):

      engagement = 100 * (0.6 * game_days / 30 + 0.4 * chat_days / 30), rounded to 1 decimal

- chat/play, over the last 30 days (None for members who left): "chats, doesn't play" (3+ chat
  days, no game day), "plays, doesn't chat" (3+ game days, no chat day; "not on Discord" when no
  Discord account or relay name is linked to them), "both" (1+ of each), else "neither".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from clanstats.db.models import (
    DailyActivity,
    IdentityLink,
    Membership,
    MemberStatus,
    PeriodGain,
    Player,
    RelayName,
    Snapshot,
)
from clanstats.db.replace import replace_rows
from clanstats.people import people_with_alts
from clanstats.rules import Absence, ActivityRules, RemovalRules, Rules
from clanstats.transform.away import away_today
from clanstats.transform.identity import load_clan
from clanstats.transform.people import People, match_people
from clanstats.transform.people_file import AltLink
from clanstats.transform.stays import NO_STAYS, load_stays
from clanstats.windows import WINDOW_DAYS, local_day

RECENT_DAYS = 30  # the window of the engagement score and chat/play
CHAT_PLAY_DAYS = 3  # days of one kind, and none of the other, that make a one-sided member
ONE_DAY = timedelta(days=1)
NEVER = 10**6  # idle days of a member never seen active
UTC_ZONE = ZoneInfo("UTC")
GAME_MEASURES = ("xp", "ehp", "ehb", "boss_kills")
STATUSES = ("active", "quiet", "inactive", "unknown", "new", "left")
# The statuses an account leaves for "active" while another account of the player's is active.
PERSON_ACTIVE_LIFTS = ("quiet", "inactive", "unknown")
# Where a tenure counts from: the in-game join (WOM's clientSyncJoinedAt), or WOM's listing.
CLAN_SYNC, WOM_LISTED = "clan_sync", "wom_listed"


@dataclass(frozen=True)
class Member:
    """A player's membership as the derivations need it, its times as clan days."""

    player_id: int
    display_name: str
    role: str | None
    joined_on: date | None  # the tenure start: the in-game join when known
    left_on: date | None
    tenure_source: str | None = None  # CLAN_SYNC or WOM_LISTED; None when the join is unknown

    @property
    def has_left(self) -> bool:
        """Whether they have left the clan."""
        return self.left_on is not None

    def tenure_days(self, today: date) -> int | None:
        """Days in the clan: until today, or until they left; None when the join is unknown."""
        if self.joined_on is None:
            return None
        return max(0, ((self.left_on or today) - self.joined_on).days)


@dataclass(frozen=True)
class Evidence:
    """What WOM and the stored history say about how long a member's game has been watched."""

    last_changed_on: date | None = None  # the clan day of WOM's lastChangedAt
    watched_since: date | None = None  # the clan day of their first stored snapshot
    # The shortest of WOM's exact windows (days) in which WOM saw them gain: idle < that.
    wom_gain_within: int | None = None


@dataclass
class Activity:
    """What status needs of a member's days: the last of each kind, how many game and chat
    days fell in the last 30, and their streaks (see the module docstring).

    Built from their days oldest first (`add`), never holding a year of dates per member.
    """

    today: date
    last_game_day: date | None = None
    last_chat_day: date | None = None
    last_snapshot_day: date | None = None
    recent_game_days: int = 0
    recent_chat_days: int = 0
    best_streak: int = 0
    best_streak_end: date | None = None
    # The run of active days ending on the last active day so far.
    _run: int = 0
    _last_active: date | None = None

    def add(self, day: date, *, snapshot: bool, game: bool, chat: bool) -> None:
        """Take in the next day (days come oldest first, none after today)."""
        recent = (self.today - day).days < RECENT_DAYS
        if snapshot:
            self.last_snapshot_day = day
        if game:
            self.last_game_day = day
            self.recent_game_days += recent
        if chat:
            self.last_chat_day = day
            self.recent_chat_days += recent
        if game or chat:
            follows = self._last_active is not None and day - self._last_active == ONE_DAY
            self._run = self._run + 1 if follows else 1
            self._last_active = day
            if self._run > self.best_streak:  # a tie keeps the earlier run
                self.best_streak, self.best_streak_end = self._run, day

    @property
    def current_streak(self) -> int:
        """The run ending today, or yesterday while today has no activity yet."""
        if self._last_active is not None and (self.today - self._last_active).days <= 1:
            return self._run
        return 0

    def snapshot_within(self, days: int) -> bool:
        """Whether WOM took a snapshot of them in the last `days` days."""
        return (
            self.last_snapshot_day is not None and (self.today - self.last_snapshot_day).days < days
        )


def load_members(session: Session, *, group_id: int, timezone: ZoneInfo) -> list[Member]:
    """Every player with a membership of the group, current or former, by player id.

    Tenure counts from the in-game join WOM's clan sync reported (`clan_sync`) and, where
    there is none, from when WOM listed this stay (`wom_listed`): for a clan that registered on
    WOM last month that listing is last month for every member. The in-game join is a date
    (the game shows no time), which WOM sends as that day's midnight UTC: its UTC date is the
    day, in any clan timezone.
    """
    rows = session.execute(
        select(
            Membership.player_id,
            Player.display_name,
            Membership.role,
            Membership.in_game_joined_at,
            Membership.joined_at,
            Membership.left_at,
        )
        .join(
            Player,
            (Player.group_id == Membership.group_id) & (Player.player_id == Membership.player_id),
        )
        .where(Membership.group_id == group_id)
        .order_by(Membership.player_id)
    ).all()
    return [
        Member(
            pid,
            name,
            role,
            in_game.date() if in_game is not None else _day(listed, timezone),
            _day(left, timezone),
            tenure_source(in_game, listed),
        )
        for pid, name, role, in_game, listed, left in rows
    ]


def _day(moment: datetime | None, timezone: ZoneInfo) -> date | None:
    return local_day(moment, timezone) if moment is not None else None


def tenure_source(in_game: datetime | None, listed: datetime | None) -> str | None:
    """Which date a tenure counts from: the in-game join, WOM's listing, or none known."""
    if in_game is not None:
        return CLAN_SYNC
    return WOM_LISTED if listed is not None else None


def derive_member_status(
    session: Session,
    *,
    group_id: int,
    today: date,
    rules: Rules,
    timezone: ZoneInfo = UTC_ZONE,
    alts: Sequence[AltLink] = (),
) -> dict[str, object]:
    """Replace the group's `member_status` rows with each member's standing as of today."""
    members = load_members(session, group_id=group_id, timezone=timezone)
    activity = _load_activity(session, group_id=group_id, today=today)
    evidence = _load_evidence(session, group_id=group_id, timezone=timezone)
    on_discord = _on_discord(session, group_id=group_id)
    clan = load_clan(session, group_id)  # whom the rules' absences and people.csv name
    away = away_today(clan, rules.absences, today)
    rows = [
        status_row(
            member,
            activity.get(member.player_id) or Activity(today),
            today=today,
            rules=rules,
            on_discord=member.player_id in on_discord,
            evidence=evidence.get(member.player_id, Evidence()),
            away=away.members.get(member.player_id),
        )
        for member in members
    ]
    people = match_people(clan, alts) if alts else People()
    judge_people(rows, people)
    for row in rows:
        row["group_id"] = group_id
    replace_rows(session, MemberStatus, rows, scope=MemberStatus.group_id == group_id)
    counts = _counts(rows)
    if alts:
        counts["alts"] = len(people.main_of)
    if people.unmatched:
        # A typo, a rename or someone gone: said in the run summary so officers fix people.csv.
        counts["people file naming no current member"] = ", ".join(people.unmatched)
    if people.repeated:
        # Renames made a line name an account an earlier line has: the earlier one counts.
        counts["people file lines left out"] = "; ".join(people.repeated)
    if rules.absences:
        counts["away"] = len(away.members)
    if away.unknown_names:
        # A typo or a renamed member: said in the run summary so officers fix rules.yaml.
        counts["absences naming no current member"] = ", ".join(away.unknown_names)
    return counts


def judge_people(rows: Sequence[dict[str, Any]], people: People) -> None:
    """Judge each person's accounts together (see the module docstring), in place."""
    by_player = {row["player_id"]: row for row in rows}
    for row in rows:
        row["main_player_id"] = people.main_of.get(row["player_id"])
    for person in people_with_alts(people.main_of):
        theirs = [by_player[pid] for pid in person.accounts if pid in by_player]
        if any(row["status"] == "active" for row in theirs):
            for row in theirs:
                if row["status"] in PERSON_ACTIVE_LIFTS:
                    row["status"] = "active"
        if all(row["removal_candidate"] for row in theirs):
            name = by_player[person.main]["display_name"]
            for row in theirs:
                row["removal_reason"] += f"; {name}'s other accounts are quiet too"
        else:
            for row in theirs:
                row["removal_candidate"], row["removal_reason"] = False, None


def status_row(
    member: Member,
    activity: Activity,
    *,
    today: date,
    rules: Rules,
    on_discord: bool,
    evidence: Evidence = Evidence(),
    away: Absence | None = None,
) -> dict[str, Any]:
    """One member's `member_status` values (without the group id)."""
    last_xp = _latest(activity.last_game_day, evidence.last_changed_on)
    last_message = activity.last_chat_day
    last_active = _latest(last_xp, last_message)
    idle = None if last_active is None else (today - last_active).days
    observed = observed_idle(idle, game_known=last_xp is not None, evidence=evidence, today=today)
    if evidence.wom_gain_within is not None:
        # WOM saw a gain within its window: they can't have been idle that long.
        idle = min(NEVER if idle is None else idle, evidence.wom_gain_within - 1)
        observed = min(observed, idle)
    tenure = member.tenure_days(today)
    game_days, chat_days = activity.recent_game_days, activity.recent_chat_days
    reason = removal_reason(
        member, activity, last_active, observed, today=today, rules=rules.removal, evidence=evidence
    )
    if away is not None:
        reason = None  # on a leave of absence: not a removal candidate until it ends
    return {
        "player_id": member.player_id,
        "display_name": member.display_name,
        "role": member.role,
        "status": member_status(member, idle, observed, today=today, rules=rules.activity),
        "joined_on": member.joined_on,
        "left_on": member.left_on,
        "tenure_days": tenure,
        "tenure_source": member.tenure_source,
        "away_until": away.until if away is not None else None,
        "away_reason": away.reason if away is not None else None,
        "last_active_on": last_active,
        "last_xp_on": last_xp,
        "last_message_on": last_message,
        "removal_candidate": reason is not None,
        "removal_reason": reason,
        "current_streak": 0 if member.has_left else activity.current_streak,
        "best_streak": activity.best_streak,
        "best_streak_end": activity.best_streak_end,
        "engagement_score": None if member.has_left else engagement_score(game_days, chat_days),
        "chat_play": None if member.has_left else chat_play(game_days, chat_days, on_discord),
    }


def observed_idle(idle: int | None, *, game_known: bool, evidence: Evidence, today: date) -> int:
    """How many idle days there is evidence for (see the module docstring)."""
    seen = NEVER if idle is None else idle
    if game_known:
        return seen
    # Neither WOM nor our history has seen them play: we know only the days we have watched.
    watched = 0 if evidence.watched_since is None else (today - evidence.watched_since).days
    return max(0, min(seen, watched))


def member_status(
    member: Member, idle: int | None, observed: int, *, today: date, rules: ActivityRules
) -> str:
    """left, new, active, quiet, inactive or unknown (see the module docstring)."""
    if member.has_left:
        return "left"
    if member.joined_on is not None and (today - member.joined_on).days < rules.new_member_days:
        return "new"
    if idle is not None and idle < rules.quiet_after_days:
        return "active"
    if observed >= rules.inactive_after_days:
        return "inactive"
    return "quiet" if observed >= rules.quiet_after_days else "unknown"


def removal_reason(
    member: Member,
    activity: Activity,
    last_active: date | None,
    observed: int,
    *,
    today: date,
    rules: RemovalRules,
    evidence: Evidence = Evidence(),
) -> str | None:
    """Why a current member is a removal candidate, or None when they are not one."""
    tenure = member.tenure_days(today)
    if member.has_left or tenure is None or tenure < rules.min_tenure_days:
        return None
    if observed < rules.no_activity_days:
        return None
    if last_active is None:
        since = evidence.watched_since
        reason = f"never active since tracking began {since}; in the clan {tenure} days"
    else:
        idle = (today - last_active).days
        reason = (
            f"no XP and no messages for {idle} days (last active {last_active}); "
            f"in the clan {tenure} days"
        )
    # Without a snapshot WOM never saw them play or not: officers should check before removing.
    if not activity.snapshot_within(rules.no_activity_days):
        reason += "; no WOM update in that time"
    return reason


def engagement_score(game_days: int, chat_days: int) -> float:
    """The engagement score (0..100) from the game and chat days of the last 30 days."""
    return round(100 * (0.6 * game_days / RECENT_DAYS + 0.4 * chat_days / RECENT_DAYS), 1)


def chat_play(game_days: int, chat_days: int, on_discord: bool) -> str:
    """How a member splits chatting and playing over the last 30 days."""
    if chat_days >= CHAT_PLAY_DAYS and game_days == 0:
        return "chats, doesn't play"
    if game_days >= CHAT_PLAY_DAYS and chat_days == 0:
        return "plays, doesn't chat" if on_discord else "not on Discord"
    if game_days and chat_days:
        return "both"
    return "neither"


def _load_activity(session: Session, *, group_id: int, today: date) -> dict[int, Activity]:
    """Each player's game, chat and snapshot days up to today."""
    game = (
        DailyActivity.xp,
        DailyActivity.ehp,
        DailyActivity.ehb,
        DailyActivity.boss_kills,
    )
    # The database tells each day apart (a year of days per member): only flags reach Python.
    with_snapshot = or_(*(column.is_not(None) for column in game))
    gained = or_(*(func.coalesce(column, 0) > 0 for column in game))
    chatted = func.coalesce(DailyActivity.messages, 0) != 0
    rows = session.execute(
        select(DailyActivity.player_id, DailyActivity.day, with_snapshot, gained, chatted)
        .where(
            DailyActivity.group_id == group_id,
            DailyActivity.day <= today,
            or_(with_snapshot, chatted),
        )
        # The key's order: each member's days come oldest first, with no sort.
        .order_by(DailyActivity.day, DailyActivity.player_id)
    )
    activity: dict[int, Activity] = {}
    for pid, day, snapshot, game_day, chat_day in rows:
        member = activity.get(pid)
        if member is None:
            member = activity[pid] = Activity(today)
        member.add(day, snapshot=bool(snapshot), game=bool(game_day), chat=bool(chat_day))
    return activity


def _load_evidence(session: Session, *, group_id: int, timezone: ZoneInfo) -> dict[int, Evidence]:
    """Each player's WOM lastChangedAt day (unless inside an absence) and first snapshot day."""
    stays = load_stays(session, group_id)
    first = dict(
        session.execute(
            select(Snapshot.player_id, func.min(Snapshot.taken_at))
            .where(Snapshot.group_id == group_id)
            .group_by(Snapshot.player_id)
        ).all()
    )
    changed = dict(
        session.execute(
            select(Player.player_id, Player.last_changed_at).where(Player.group_id == group_id)
        ).all()
    )
    found = {}
    gained_within = _wom_gain_windows(session, group_id=group_id)
    for player_id in first.keys() | changed.keys():
        moment = changed.get(player_id)
        if moment is not None and stays.get(player_id, NO_STAYS).away_at(moment):
            moment = None  # a change WOM saw while they were out of the clan isn't theirs to us
        since = first.get(player_id)
        found[player_id] = Evidence(
            last_changed_on=local_day(moment, timezone) if moment is not None else None,
            watched_since=local_day(since, timezone) if since is not None else None,
            wom_gain_within=gained_within.get(player_id),
        )
    return found


def _wom_gain_windows(session: Session, *, group_id: int) -> dict[int, int]:
    """Per player, the shortest window WOM's own gains (period source `wom`) show a game gain in.

    Period gains are derived first; a first run has WOM's exact windows there, so a member WOM
    saw gain this week is active even when WOM doesn't say when they last changed.
    """
    found: dict[int, int] = {}
    for player_id, period in session.execute(
        select(PeriodGain.player_id, PeriodGain.period).where(
            PeriodGain.group_id == group_id,
            PeriodGain.source == "wom",
            PeriodGain.metric.in_(GAME_MEASURES),
            PeriodGain.period.in_(list(WINDOW_DAYS)),
            PeriodGain.gained > 0,
        )
    ):
        days = WINDOW_DAYS[period]
        found[player_id] = min(days, found.get(player_id, days))
    return found


def _latest(*days: date | None) -> date | None:
    """The latest of the known days."""
    return max((day for day in days if day is not None), default=None)


def _on_discord(session: Session, *, group_id: int) -> set[int]:
    """Players linked to a Discord account or heard in relay chat."""
    linked = session.scalars(
        select(IdentityLink.player_id).where(IdentityLink.group_id == group_id)
    )
    relayed = session.scalars(
        select(RelayName.player_id).where(
            RelayName.group_id == group_id, RelayName.player_id.is_not(None)
        )
    )
    return {pid for pid in (*linked, *relayed) if pid is not None}


def _counts(rows: list[dict[str, Any]]) -> dict[str, object]:
    """Members per status and the removal candidates, for the run summary."""
    by_status = Counter(row["status"] for row in rows)
    counts: dict[str, object] = {status: by_status[status] for status in STATUSES}
    counts["removal candidates"] = sum(row["removal_candidate"] for row in rows)
    return counts
