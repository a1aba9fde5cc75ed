"""The Wise Old Man harvest: the whole clan's state in two requests, then only what is new.

Each source (roster, hiscores, each event feed, competitions and their standings, first-run
gains) is one unit of work: its rows, its cursor and its fetch-log row commit together or not at
all, and a source that fails is reported while the others carry on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, exists, func, select, update
from sqlalchemy.orm import Session

from clanstats.clock import utcnow
from clanstats.crashpoints import crash_point
from clanstats.db.models import (
    Achievement,
    BackfillProgress,
    Competition,
    CompetitionParticipation,
    GainWindow,
    HarvestCursor,
    Membership,
    MembershipEvent,
    NameChange,
    Player,
    Snapshot,
    WindowGain,
    WomGroup,
)
from clanstats.db.upsert import insert_rows, upsert
from clanstats.errors import ConfigError, SourceError
from clanstats.freshness import fetched_within, skipped_label
from clanstats.harvest.competitions import (
    Standings,
    due_competitions,
    read_standings,
    write_standings,
)
from clanstats.harvest.fetchlog import record_failed_fetch, record_fetch
from clanstats.harvest.snapshots import MetricRegistry, SnapshotWriter
from clanstats.rules import CustomPeriod, RefreshRules
from clanstats.settings import Settings
from clanstats.stage import StageResult
from clanstats.util import chunked
from clanstats.windows import Window, gain_windows, local_day
from clanstats.wom.client import EventKind, WomClient
from clanstats.wom.shapes import (
    DecodedSnapshot,
    decoded_snapshot,
    parse_time,
    player_id_of,
    player_row,
)

log = logging.getLogger(__name__)

Writer = Callable[[Session], int]
# A window gain before it is written: (player id, window, metric name, gained or None: unknown)
GainRow = tuple[int, str, str, float | None]
ROWS_PER_INSERT = 5_000
# Sources refreshed together (rules.yaml `refresh`); window gains follow the state's interval.
STATE_SOURCES = ("wom:roster", "wom:hiscores")
EVENT_SOURCES = (
    "wom:activity",
    "wom:achievements",
    "wom:name-changes",
    "wom:competitions",
    "wom:competition-details",
)
NO_INTERVALS = RefreshRules(wom_state_hours=0, wom_events_hours=0, discord_hours=0)
PLAYER_UPDATE_COLUMNS = (
    "username",
    "display_name",
    "account_type",
    "build",
    "status",
    "country",
    "exp",
    "ehp",
    "ehb",
    "ttm",
    "registered_at",
    "wom_updated_at",
    "last_changed_at",
)


@dataclass
class WomHarvest:
    """One harvest of one WOM group."""

    engine: Engine
    client: WomClient
    group_id: int
    stage_run_id: int | None
    lookback_days: int
    now: datetime = field(default_factory=utcnow)
    refresh: RefreshRules = field(default_factory=lambda: NO_INTERVALS)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    custom_period: CustomPeriod | None = None
    # The competitions WOM listed in this run; None until that list is stored.
    _listed_competitions: list[int] | None = field(default=None, init=False, repr=False)

    @property
    def windows(self) -> list[Window]:
        """Transform's gain windows as of this harvest's clan day."""
        return gain_windows(local_day(self.now, self.timezone), self.custom_period)

    def run(self) -> StageResult:
        """Fetch and store every WOM source; a failing source is reported, the rest kept."""
        result = StageResult()
        self._listed_competitions = None
        # (source, what its count means to an officer, the step)
        steps: list[tuple[str, str, Callable[[], Writer | None]]] = [
            ("wom:roster", "members", self._roster),
            ("wom:hiscores", "new snapshots", self._hiscores),
            (
                "wom:activity",
                "joins/leaves",
                lambda: self._events("activity", self._write_activity),
            ),
            (
                "wom:achievements",
                "new achievements",
                lambda: self._events("achievements", self._write_achievements),
            ),
            (
                "wom:name-changes",
                "name changes",
                lambda: self._events("name-changes", self._write_name_changes),
            ),
            ("wom:competitions", "competitions", self._competitions),
            ("wom:competition-details", "competition participants", self._competition_details),
            ("wom:gains", "window gains", self._gains),
        ]
        fresh = {
            family: fetched_within(self.engine, self.group_id, family, hours, self.now)
            for family, hours in (
                (STATE_SOURCES, self.refresh.wom_state_hours),
                (EVENT_SOURCES, self.refresh.wom_events_hours),
            )
        }
        for source, label, step in steps:
            family = next((f for f in fresh if source in f), None)
            since = fresh.get(family) if family else None
            if since is not None:  # fetched recently enough: no request at all
                result.counts[label] = skipped_label(since, self.now)
                continue
            result.counts[label] = self._run_source(source, step, result)
        result.counts["WOM requests"] = self.client.stats.requests
        result.counts["rate-limit wait (s)"] = round(self.client.stats.rate_wait_seconds, 1)
        return result

    def _run_source(
        self, source: str, step: Callable[[], Writer | None], result: StageResult
    ) -> int:
        """Fetch one source, then write it with its fetch-log row in one transaction."""
        started, requests_before = utcnow(), self.client.stats.requests
        try:
            writer = step()
            with Session(self.engine) as session, session.begin():
                rows = writer(session) if writer else 0
                crash_point("harvest.mid-wom-source")
                record_fetch(
                    session,
                    group_id=self.group_id,
                    stage_run_id=self.stage_run_id,
                    source=source,
                    started_at=started,
                    requests=self.client.stats.requests - requests_before,
                    rows=rows,
                    outcome="ok" if writer else "skipped",
                )
            log.info("%s: %s rows", source, rows)
            return rows
        except ConfigError:
            raise
        except SourceError as exc:
            result.failures.append(f"{source}: {exc}")
            record_failed_fetch(
                self.engine,
                group_id=self.group_id,
                stage_run_id=self.stage_run_id,
                source=source,
                started_at=started,
                requests=self.client.stats.requests - requests_before,
                error=str(exc),
            )
            return 0

    # --- roster -------------------------------------------------------------------------------

    def _roster(self) -> Writer:
        details = self.client.group(self.group_id)
        memberships = details.get("memberships")
        if not isinstance(memberships, list):
            raise SourceError(f"WOM group {self.group_id} came back without a member list")
        stored = self._current_member_count()
        if not memberships and stored:
            # Recording a whole clan leaving on one odd answer would reset everyone's tenure.
            raise SourceError(
                f"WOM listed no members for group {self.group_id} although {stored} are stored; "
                "treated as a WOM glitch, nothing was changed"
            )
        return lambda session: self._write_roster(session, details)

    def _current_member_count(self) -> int:
        with Session(self.engine) as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(Membership)
                    .where(Membership.group_id == self.group_id, Membership.left_at.is_(None))
                )
                or 0
            )

    def _write_roster(self, session: Session, details: Mapping[str, Any]) -> int:
        upsert(
            session,
            WomGroup,
            [
                {
                    "id": self.group_id,
                    "name": str(details.get("name") or f"Group {self.group_id}")[:100],
                    "clan_chat": (details.get("clanChat") or None),
                    "member_count": len(details["memberships"]),
                    "wom_created_at": parse_time(details.get("createdAt")),
                    "wom_updated_at": parse_time(details.get("updatedAt")),
                    "fetched_at": self.now,
                }
            ],
            keys=("id",),
        )
        members: dict[int, Mapping[str, Any]] = {}
        for membership in details["memberships"]:
            player_id = (
                player_id_of(membership.get("player")) if isinstance(membership, Mapping) else None
            )
            if player_id is not None:
                members[player_id] = membership
        self._upsert_players(session, (m["player"] for m in members.values()))
        stored = {
            m.player_id: m
            for m in session.scalars(select(Membership).where(Membership.group_id == self.group_id))
        }
        for player_id, membership in members.items():
            joined = parse_time(membership.get("createdAt")) or self.now
            in_game = self._in_game_join(membership)
            role = membership.get("role") if isinstance(membership.get("role"), str) else None
            row = stored.get(player_id)
            if row is None:
                session.add(
                    Membership(
                        group_id=self.group_id,
                        player_id=player_id,
                        role=role,
                        joined_at=joined,
                        left_at=None,
                        updated_at=self.now,
                        in_game_joined_at=in_game,
                    )
                )
            elif row.left_at is not None or row.role != role or row.in_game_joined_at != in_game:
                if row.left_at is not None:  # came back: a new stay starts
                    row.joined_at, row.left_at = joined, None
                row.role, row.in_game_joined_at, row.updated_at = role, in_game, self.now
        for player_id, row in stored.items():
            if player_id not in members and row.left_at is None:
                row.left_at, row.updated_at = self.now, self.now  # left: history stays theirs
        return len(members)

    def _in_game_join(self, membership: Mapping[str, Any]) -> datetime | None:
        """When the member joined the in-game clan (clientSyncJoinedAt), if WOM knows.

        A date after this harvest can't be a join that happened: it is left out (tenure then
        counts from when WOM listed them).
        """
        synced = parse_time(membership.get("clientSyncJoinedAt"))
        return synced if synced is not None and synced <= self.now else None

    def _upsert_players(self, session: Session, players: Iterable[Any]) -> None:
        rows = {}
        for player in players:
            row = (
                player_row(self.group_id, player, self.now) if isinstance(player, Mapping) else None
            )
            if row:
                rows[row["player_id"]] = row
        upsert(
            session,
            Player,
            list(rows.values()),
            keys=("group_id", "player_id"),
            update=PLAYER_UPDATE_COLUMNS,
        )

    # --- hiscores -----------------------------------------------------------------------------

    def _hiscores(self) -> Writer:
        entries = self.client.bulk_hiscores(self.group_id)
        latest: dict[int, DecodedSnapshot] = {}
        players = []
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            player_id = player_id_of(entry.get("player"))
            snapshot = decoded_snapshot(entry.get("data"))
            if player_id is None or snapshot is None:
                log.warning("skipped a bulk-hiscores entry without a player id or snapshot")
                continue
            latest[player_id] = snapshot
            players.append(entry["player"])

        def write(session: Session) -> int:
            self._upsert_players(session, players)
            snapshots, values = SnapshotWriter(session, self.group_id).add_latest(latest)
            log.info("stored %s new snapshots with %s changed values", snapshots, values)
            return snapshots

        return write

    # --- paged event feeds --------------------------------------------------------------------

    def _events(
        self, kind: EventKind, write_items: Callable[[Session, list[Mapping[str, Any]]], int]
    ) -> Writer:
        """Page a feed newest first until what is stored (or the look-back) is reached.

        The cursor is the newest stored event's time. Events at exactly that time are told
        apart by their identity (`_event_key`): one already stored means the feed has reached
        what is stored, so a page of events sharing the cursor's second isn't read again and
        again, and a new event stamped the same second is still taken. WOM dates achievements
        it can't date at 1970-01-01; they fall outside any look-back.
        """
        source = f"wom:{kind}"
        cursor = self._cursor(source)
        stored_at_cursor = self._stored_event_keys(kind, cursor) if cursor is not None else set()
        floor = self.now - timedelta(days=self.lookback_days)
        items: list[Mapping[str, Any]] = []
        for page in self.client.iter_group_events(self.group_id, kind):
            reached_stored = False
            for item in page:
                created = parse_time(item.get("createdAt")) if isinstance(item, Mapping) else None
                if created is None:
                    continue
                older = created < floor or (cursor is not None and created < cursor)
                if older or (created == cursor and _event_key(kind, item) in stored_at_cursor):
                    reached_stored = True
                    continue
                items.append(item)
            if reached_stored:
                break

        def write(session: Session) -> int:
            self._upsert_players(
                session, (i.get("player") for i in items if isinstance(i.get("player"), Mapping))
            )
            stored = write_items(session, items)
            times = [t for t in (parse_time(i["createdAt"]) for i in items) if t is not None]
            newest = max(times, default=None)
            if newest is not None and (cursor is None or newest > cursor):
                upsert(
                    session,
                    HarvestCursor,
                    [
                        {
                            "group_id": self.group_id,
                            "source": source,
                            "position": newest.isoformat(),
                            "updated_at": self.now,
                        }
                    ],
                    keys=("group_id", "source"),
                )
            return stored

        return write

    def _cursor(self, source: str) -> datetime | None:
        with Session(self.engine) as session:
            position = session.scalar(
                select(HarvestCursor.position).where(
                    HarvestCursor.group_id == self.group_id, HarvestCursor.source == source
                )
            )
        return datetime.fromisoformat(position) if position else None

    def _stored_event_keys(self, kind: EventKind, at: datetime) -> set[tuple[Any, ...]]:
        """The identities of the stored events of a feed stamped exactly `at`."""
        with Session(self.engine) as session:
            if kind == "achievements":
                rows = session.execute(
                    select(Achievement.player_id, Achievement.metric, Achievement.threshold).where(
                        Achievement.group_id == self.group_id, Achievement.achieved_at == at
                    )
                )
            elif kind == "activity":
                rows = session.execute(
                    select(MembershipEvent.player_id, MembershipEvent.kind).where(
                        MembershipEvent.group_id == self.group_id,
                        MembershipEvent.occurred_at == at,
                        MembershipEvent.source == "wom",
                    )
                )
            else:
                rows = session.execute(
                    select(NameChange.id).where(
                        NameChange.group_id == self.group_id, NameChange.created_at == at
                    )
                )
            return {tuple(row) for row in rows}

    def _known_players(self, session: Session) -> set[int]:
        return set(
            session.scalars(select(Player.player_id).where(Player.group_id == self.group_id))
        )

    def _write_activity(self, session: Session, items: list[Mapping[str, Any]]) -> int:
        known = self._known_players(session)
        rows = []
        for item in items:
            player_id = player_id_of(item.get("player")) or player_id_of(item)
            kind = item.get("type")
            if player_id not in known or kind not in ("joined", "left", "changed_role"):
                continue
            rows.append(
                {
                    "group_id": self.group_id,
                    "player_id": player_id,
                    "kind": kind,
                    "role": _str_or_none(item.get("role")),
                    "previous_role": _str_or_none(item.get("previousRole")),
                    "occurred_at": parse_time(item["createdAt"]),
                    "source": "wom",
                }
            )
        new = upsert(
            session,
            MembershipEvent,
            rows,
            keys=("group_id", "player_id", "kind", "occurred_at"),
            update=(),
        )
        for row in rows:
            if row["kind"] == "left":
                # The feed knows the exact time; the roster only knows "gone by this run".
                session.execute(
                    update(Membership)
                    .where(
                        Membership.group_id == self.group_id,
                        Membership.player_id == row["player_id"],
                        Membership.left_at.is_not(None),
                        Membership.joined_at <= row["occurred_at"],
                    )
                    .values(left_at=row["occurred_at"])
                )
        self._remember_former_members(session, rows)
        return new

    def _remember_former_members(self, session: Session, events: list[dict[str, Any]]) -> None:
        """Give players who left before we ever saw them a membership from the feed's events."""
        stored = set(
            session.scalars(
                select(Membership.player_id).where(Membership.group_id == self.group_id)
            )
        )
        by_player: dict[int, list[dict[str, Any]]] = {}
        for event in events:
            if event["player_id"] not in stored:
                by_player.setdefault(event["player_id"], []).append(event)
        for player_id, history in by_player.items():
            history.sort(key=lambda e: e["occurred_at"])
            last = history[-1]
            if last["kind"] != "left":
                continue  # still a member by the feed: the roster will bring them in
            joins = [e["occurred_at"] for e in history if e["kind"] == "joined"]
            session.add(
                Membership(
                    group_id=self.group_id,
                    player_id=player_id,
                    role=last["role"] or last["previous_role"],
                    joined_at=joins[-1] if joins else None,
                    left_at=last["occurred_at"],
                    updated_at=self.now,
                )
            )

    def _write_achievements(self, session: Session, items: list[Mapping[str, Any]]) -> int:
        known = self._known_players(session)
        rows = []
        for item in items:
            player_id = player_id_of(item.get("player")) or player_id_of(item)
            metric, threshold = item.get("metric"), item.get("threshold")
            if (
                player_id not in known
                or not isinstance(metric, str)
                or not isinstance(threshold, int)
            ):
                continue
            rows.append(
                {
                    "group_id": self.group_id,
                    "player_id": player_id,
                    "metric": metric[:64],
                    "threshold": threshold,
                    "name": str(item.get("name") or f"{threshold} {metric}")[:120],
                    "measure": _str_or_none(item.get("measure")),
                    "achieved_at": parse_time(item["createdAt"]),
                }
            )
        return upsert(
            session,
            Achievement,
            rows,
            keys=("group_id", "player_id", "metric", "threshold"),
            update=(),
        )

    def _write_name_changes(self, session: Session, items: list[Mapping[str, Any]]) -> int:
        rows = []
        for item in items:
            change_id, player_id = item.get("id"), item.get("playerId")
            if not isinstance(change_id, int) or not isinstance(player_id, int):
                continue
            rows.append(
                {
                    "group_id": self.group_id,
                    "id": change_id,
                    "player_id": player_id,
                    "old_name": str(item.get("oldName") or "")[:64],
                    "new_name": str(item.get("newName") or "")[:64],
                    "status": str(item.get("status") or "approved")[:20],
                    "created_at": parse_time(item["createdAt"]),
                    "resolved_at": parse_time(item.get("resolvedAt")),
                }
            )
        return upsert(session, NameChange, rows, keys=("group_id", "id"), update=())

    # --- competitions and first-run gains -----------------------------------------------------

    def _competitions(self) -> Writer:
        competitions = self.client.group_competitions(self.group_id)
        rows = []
        for item in competitions:
            starts, ends = parse_time(item.get("startsAt")), parse_time(item.get("endsAt"))
            if not isinstance(item.get("id"), int) or starts is None or ends is None:
                continue
            rows.append(
                {
                    "group_id": self.group_id,
                    "id": item["id"],
                    "title": str(item.get("title") or f"Competition {item['id']}")[:200],
                    "competition_type": _str_or_none(item.get("type")),
                    "metric": _str_or_none(item.get("metric")),
                    "starts_at": starts,
                    "ends_at": ends,
                    "participant_count": item.get("participantCount")
                    if isinstance(item.get("participantCount"), int)
                    else None,
                }
            )

        # Every id WOM lists, even in an item left out above: only a competition WOM no longer
        # lists at all (deleted there) is forgotten, with its standings.
        listed = {item["id"] for item in competitions if isinstance(item.get("id"), int)}

        unlisted = (Competition.group_id == self.group_id) & Competition.id.not_in(listed)

        def write(session: Session) -> int:
            upsert(session, Competition, rows, keys=("group_id", "id"))
            session.execute(
                delete(CompetitionParticipation).where(
                    CompetitionParticipation.group_id == self.group_id,
                    CompetitionParticipation.competition_id.in_(
                        select(Competition.id).where(unlisted)
                    ),
                )
            )
            session.execute(delete(Competition).where(unlisted))
            self._listed_competitions = [row["id"] for row in rows]
            return len(rows)

        return write

    def _competition_details(self) -> Writer | None:
        """The standings of each listed competition that is due: one request per competition.

        Due: started, and still running or not read since it ended (`due_competitions`). What
        is due is judged from the list this run read, so when that failed nothing is asked.
        One competition failing fails the source: every competition keeps its stored rows,
        and the next run asks for them all again.
        """
        due = self._due_competitions()
        if due is None:
            return None
        read: list[Standings] = []
        for competition_id in due:
            try:
                details = self.client.competition_details(competition_id)
            except SourceError as exc:
                raise SourceError(f"competition {competition_id}: {exc}") from exc
            read.append(
                read_standings(
                    details,
                    group_id=self.group_id,
                    competition_id=competition_id,
                    fetched_at=self.now,
                )
            )

        def write(session: Session) -> int:
            # A participant who left before ClanStats saw them gets their players row from
            # the Player WOM sends with them, as the event feeds do for former members.
            self._upsert_players(session, (player for s in read for player in s.players))
            known = self._known_players(session)
            return sum(
                write_standings(
                    session, group_id=self.group_id, standings=s, known=known, now=self.now
                )
                for s in read
            )

        return write

    def _due_competitions(self) -> list[int] | None:
        """The competitions to read standings of; None when this run stored no list."""
        if self._listed_competitions is None:
            return None
        with Session(self.engine) as session:
            return due_competitions(
                session,
                group_id=self.group_id,
                listed=self._listed_competitions,
                now=self.now,
                lookback_days=self.lookback_days,
            )

    def _gains(self) -> Writer | None:
        """WOM's gains for each window that local history doesn't cover for some member.

        One bulk-gained call per such window, asked for the window's exact span (WOM's own
        `month` is 31 days and it has no 90-day period), fetched again on every run that needs
        it so the numbers never freeze; a window every member's history covers needs no call.
        """
        needed = self._uncovered_windows()
        stored = self._stored_window_starts()
        state_fresh = fetched_within(
            self.engine, self.group_id, STATE_SOURCES, self.refresh.wom_state_hours, self.now
        )
        if state_fresh is not None and all(
            stored.get(w.name) == w.start_instant(self.timezone) for w in needed
        ):
            return None  # nothing new since these were fetched for today's windows
        end = self.now
        with Session(self.engine) as session:
            known = self._known_players(session)
        spans: list[dict[str, Any]] = []
        gains: list[GainRow] = []
        for window in needed:
            start = window.start_instant(self.timezone)
            entries = self.client.bulk_gained(
                self.group_id,
                start=start.replace(tzinfo=UTC),
                end=min(window.end_instant(self.timezone), end).replace(tzinfo=UTC),
            )
            # Each answer becomes its rows at once, as tuples: three windows of every member's
            # every metric, held together as dicts, were most of a first harvest's memory.
            for entry in entries:
                span = self._gain_span(window.name, start, entry, known)
                if span is not None:
                    spans.append(span)
                    gains += _gain_rows(span, entry["data"])
            del entries

        def write(session: Session) -> int:
            # Rows of windows not fetched now belong to another day's windows: drop them.
            for table in (WindowGain, GainWindow):
                session.execute(delete(table).where(table.group_id == self.group_id))
            ids = MetricRegistry(session).ids({metric: "unknown" for _, _, metric, _ in gains})
            insert_rows(session, GainWindow, spans)
            for chunk in chunked(gains, ROWS_PER_INSERT):
                rows = [
                    {
                        "group_id": self.group_id,
                        "player_id": player_id,
                        "period": period,
                        "metric_id": ids[metric],
                        "gained": gained,
                    }
                    for player_id, period, metric, gained in chunk
                ]
                insert_rows(session, WindowGain, rows)
            return len(gains)

        return write

    def _uncovered_windows(self) -> list[Window]:
        """The windows some current member's stored history doesn't reach back past."""
        uncovered = []
        with Session(self.engine) as session:
            for window in self.windows:
                start = window.start_instant(self.timezone)
                if start >= self.now:
                    continue  # a custom period that hasn't begun: nothing to ask for
                earlier = exists().where(
                    Snapshot.group_id == Membership.group_id,
                    Snapshot.player_id == Membership.player_id,
                    Snapshot.taken_at < start,
                )
                backfilled = exists().where(
                    BackfillProgress.group_id == Membership.group_id,
                    BackfillProgress.player_id == Membership.player_id,
                    BackfillProgress.status == "done",
                    BackfillProgress.since <= start,
                )
                missing = session.scalar(
                    select(func.count())
                    .select_from(Membership)
                    .where(
                        Membership.group_id == self.group_id,
                        Membership.left_at.is_(None),
                        ~earlier,
                        ~backfilled,
                    )
                )
                if missing:
                    uncovered.append(window)
        return uncovered

    def _stored_window_starts(self) -> dict[str, datetime]:
        """Each stored WOM window's start, by window name."""
        with Session(self.engine) as session:
            return dict(
                session.execute(
                    select(GainWindow.period, func.min(GainWindow.start_date))
                    .where(GainWindow.group_id == self.group_id)
                    .group_by(GainWindow.period)
                ).all()
            )

    def _gain_span(
        self, period: str, start: datetime, entry: Any, known: set[int]
    ) -> dict[str, Any] | None:
        """A member's row of a fetched window; `start_date` is the window's own start."""
        if not isinstance(entry, Mapping):
            return None
        player_id = player_id_of(entry.get("player"))
        first, last = parse_time(entry.get("startDate")), parse_time(entry.get("endDate"))
        if player_id not in known or first is None or last is None:
            return None
        return {
            "group_id": self.group_id,
            "player_id": player_id,
            "period": period,
            # The window asked for, so transform can tell today's windows from older fetches.
            "start_date": start,
            "end_date": last,
            "fetched_at": self.now,
        }


def _gain_rows(span: Mapping[str, Any], data: Any) -> list[GainRow]:
    """Non-zero (or unknown) gains of one member's window; WOM sends a list or a mapping."""
    items = data.values() if isinstance(data, Mapping) else data if isinstance(data, list) else []
    rows: list[GainRow] = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        metric, gained = item.get("metric"), item.get("gained")
        if not isinstance(metric, str) or not isinstance(gained, int | float):
            continue
        unknown = _negative(item.get("start")) or _negative(item.get("end"))
        if gained or unknown:
            gain = None if unknown else float(gained)
            rows.append((span["player_id"], span["period"], metric[:64], gain))
    return rows


def _event_key(kind: EventKind, item: Mapping[str, Any]) -> tuple[Any, ...]:
    """What tells one event of a feed from another stamped the same second (as stored)."""
    if kind == "achievements":
        player = player_id_of(item.get("player")) or player_id_of(item)
        return (player, str(item.get("metric"))[:64], item.get("threshold"))
    if kind == "activity":
        return (player_id_of(item.get("player")) or player_id_of(item), item.get("type"))
    return (item.get("id"),)


def _str_or_none(value: Any) -> str | None:
    return value[:40] if isinstance(value, str) and value else None


def _negative(value: Any) -> bool:
    return isinstance(value, int | float) and value < 0


def make_wom_client(settings: Settings) -> WomClient:
    """A WOM client configured from the settings, shared by every group a process harvests."""
    return _shared_wom_client(
        settings.wom_base_url,
        settings.wom_api_key.get_secret_value() if settings.wom_api_key else None,
        settings.wom_user_agent,
        settings.wom_requests_per_minute,
        settings.http_timeout_seconds,
        settings.http_retry_seconds,
    )


@functools.cache
def _shared_wom_client(
    base_url: str,
    api_key: str | None,
    user_agent: str,
    requests_per_minute: int | None,
    timeout: float,
    retry_seconds: float,
) -> WomClient:
    # One client per process: WOM's limit is per key, so the groups of an alliance must draw
    # on one token bucket rather than each starting with a full one.
    return WomClient(
        base_url=base_url,
        api_key=api_key,
        user_agent=user_agent,
        requests_per_minute=requests_per_minute,
        timeout=timeout,
        backoff_base=retry_seconds,
    )
