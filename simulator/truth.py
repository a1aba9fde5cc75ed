"""What every ClanStats output must say about a simulated clan, worked out independently.

Ground truth for tests. Nothing here imports the product's transform (or reads its tables): it
starts from the simulation itself (every member's snapshots, stays, names and messages) and from
a record of what the pipeline did (`Observed`: when harvests ran and whether WOM and Discord
answered, when backfills ran), and applies the definitions in the README's "What transform works
out" with its own formulas. Two inputs come from the database under test, each checked first
against the simulation's own truth by `check_links`: which Discord accounts and relay names
ClanStats managed to link (an unlinked member's messages can't be counted by anyone).

Days are clan-time dates. A window's gain is its end value minus its start value over known
values (never WOM's -1), split at the times a member was out of the clan; the daily gains are
worked out separately, and `Truth.daily_sums_match_windows` checks that the two agree.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from itertools import pairwise
from zoneinfo import ZoneInfo

from simulator.chat import SimulatedChat
from simulator.chat_truth import MessageFact
from simulator.clan import SimulatedClan, standardize_username
from simulator.truth_rules import Rules

WINDOWS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
GAME_MEASURES = ("xp", "ehp", "ehb", "boss_kills")
RECENT_DAYS = 30
HEATMAP_DAYS = 90
CHANNEL_PERIODS = {"7d": 7, "30d": 30, "90d": 90}
GOAL_WEEKS = 12
NEVER = 10**6

Values = dict[str, float]  # metric -> value as WOM serves it (-1: unknown)
Snap = tuple[datetime, Values]  # a snapshot: when, and its values


@dataclass(frozen=True)
class Harvest:
    """One harvest: when it ran and which sources answered."""

    at: datetime
    wom: bool = True
    discord: bool = True


@dataclass(frozen=True)
class Backfill:
    """One backfill run: when, and how many days back it asked for."""

    at: datetime
    days: int


@dataclass
class Observed:
    """What the pipeline did so far, in order: the truth can only know what it saw."""

    harvests: list[Harvest] = field(default_factory=list)
    backfills: list[Backfill] = field(default_factory=list)

    def wom_harvests(self, until: datetime) -> list[datetime]:
        """The moments WOM was harvested successfully, up to `until`."""
        return [h.at for h in self.harvests if h.wom and h.at <= until]

    def last_discord(self, until: datetime) -> datetime | None:
        """The last successful Discord harvest up to `until`."""
        return max((h.at for h in self.harvests if h.discord and h.at <= until), default=None)


@dataclass(frozen=True)
class Said:
    """A person's message as ClanStats counts it."""

    sent: datetime
    player: int | None  # the member it is credited to, None for nobody
    channel: int
    question: bool
    answer: bool  # a reply to someone else's question


@dataclass(frozen=True)
class Gain:
    """A member's truth for one window: where it comes from and what it is per measure."""

    source: str  # history, wom or partial
    totals: dict[str, float]  # xp, ehp, ehb, boss_kills
    metrics: dict[str, float]  # every metric that rose


@dataclass(frozen=True)
class MemberTruth:
    """One member's (or former member's) standing."""

    status: str
    joined_on: date | None
    left_on: date | None
    tenure_days: int | None
    tenure_source: str | None  # "clan_sync": WOM's clientSyncJoinedAt; "wom_listed": its listing
    away_until: date | None  # a leave of absence in the rules covering today
    last_xp_on: date | None
    last_message_on: date | None
    last_active_on: date | None
    removal_candidate: bool
    current_streak: int
    best_streak: int
    engagement_score: float | None
    chat_play: str | None
    main_player_id: int | None = None  # an alt's main (the people file)


@dataclass(frozen=True)
class Links:
    """Whose messages ClanStats can count: linked Discord accounts and known relay names."""

    users: Mapping[int, int]  # Discord user id -> WOM player id
    relay_names: Mapping[str, int]  # standardized in-game name -> WOM player id


class Truth:
    """The outputs' truth for a simulated clan as of the pipeline's last run (`now`)."""

    def __init__(
        self,
        clan: SimulatedClan,
        observed: Observed,
        *,
        now: datetime,
        rules: Rules,
        timezone: ZoneInfo,
        chat: SimulatedChat | None = None,
        links: Links | None = None,
        lookback_days: int = 365,
        alts: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.clan = clan
        self.chat = chat
        self.observed = observed
        self.now = now
        self.rules = rules
        self.tz = timezone
        self.today = now.astimezone(timezone).date()
        self.links = links or Links({}, {})
        self.lookback_days = lookback_days
        self.alts = list(alts)  # the people file's (alt, main) lines, as written
        harvests = observed.wom_harvests(now)
        if not harvests:
            raise ValueError("the truth needs at least one successful WOM harvest")
        self.first_harvest, self.last_harvest = harvests[0], harvests[-1]
        self._harvests = harvests
        self._measures: dict[int, dict[date, dict[str, float]]] = {}
        self._members: dict[int, MemberTruth] = {}
        self._own: dict[int, MemberTruth] = {}
        self._main_of: dict[int, int] | None = None
        self._roster_at: dict[datetime, set[int]] = {}
        self._days: dict[datetime, date] = {}

    # ------------------------------------------------------------------ what ClanStats saw

    def day(self, moment: datetime) -> date:
        """The clan-time date of an aware moment (remembered: the checks ask millions of times)."""
        found = self._days.get(moment)
        if found is None:
            found = self._days[moment] = moment.astimezone(self.tz).date()
        return found

    def midnight(self, day: date) -> datetime:
        """The aware UTC moment a clan day begins."""
        return datetime.combine(day, time(), self.tz).astimezone(UTC)

    @cached_property
    def stored(self) -> dict[int, list[Snap]]:
        """Each player's snapshots ClanStats stored: each harvest's latest, plus backfills."""
        return self.stored_until(self.now)

    def stored_until(self, until: datetime) -> dict[int, list[Snap]]:
        """The snapshots ClanStats had stored by a moment."""
        found: dict[int, dict[datetime, Values]] = defaultdict(dict)
        for at in self._harvests:
            if at > until:
                continue
            for pid in self.members_at(at):
                history = self.clan.snapshot_history(pid, at)
                if history:
                    taken, values = history[-1]
                    found[pid][taken] = values
        for pid, (at, snapshots, _) in self._backfills.items():
            if at <= until:
                for taken, values in snapshots:
                    found[pid][taken] = values
        return {pid: sorted(snaps.items()) for pid, snaps in found.items()}

    @cached_property
    def _backfills(self) -> dict[int, tuple[datetime, list[Snap], datetime]]:
        """Per member: when their backfill ran, what it stored, and how far back it reached.

        A backfill asks WOM by the name ClanStats last stored; when that name belongs to someone
        else by then, it stores nothing and leaves the member for the next backfill.
        """
        done: dict[int, tuple[datetime, list[Snap], datetime]] = {}
        for backfill in self.observed.backfills:
            if backfill.at > self.now:
                continue
            seen = [at for at in self._harvests if at <= backfill.at]
            if not seen:
                continue
            since = backfill.at - timedelta(days=backfill.days)
            for pid in sorted(self.members_at(seen[-1])):
                if pid in done:
                    continue
                name = self._stored_name(pid, backfill.at)
                if self.clan.username_owner_at(name, backfill.at) != pid:
                    continue  # the old name is someone else's now: nothing stored, retried later
                snapshots = [
                    (taken, values)
                    for taken, values in self.clan.snapshot_history(pid, backfill.at)
                    if taken >= since
                ]
                done[pid] = (backfill.at, snapshots, since)
        return done

    def backfill_reached(self, until: datetime) -> dict[int, datetime]:
        """How far back each member's backfill finished by a moment reached."""
        return {pid: since for pid, (at, _, since) in self._backfills.items() if at <= until}

    def _stored_name(self, pid: int, before: datetime) -> str:
        """The name ClanStats stored for a player at its last WOM harvest before a moment."""
        seen = [at for at in self._harvests if at <= before]
        return self.clan.display_name_at(pid, seen[-1])

    @cached_property
    def stays(self) -> dict[int, list[tuple[datetime | None, datetime | None]]]:
        """Each known player's stays as WOM had told ClanStats by its last harvest.

        ClanStats learns a stay from the roster (a member at a harvest: WOM's membership date
        is the stay's start) and from the activity feed, read back `lookback_days` before the
        first harvest: what happened before that it never hears of.
        """
        known: dict[int, list[tuple[datetime | None, datetime | None]]] = {}
        last = self.last_harvest
        floor = self.first_harvest - timedelta(days=self.lookback_days)
        for pid in self.clan.player_ids():
            periods: list[tuple[datetime | None, datetime | None]] = []
            for start, end in self.clan.stays(pid):
                if start is not None and start > last:
                    continue  # joined after the last harvest: not known yet
                if end is not None and end > last:
                    end = None  # left after the last harvest: still a member to ClanStats
                rostered = any(
                    (start is None or start <= at) and (end is None or at < end)
                    for at in self._harvests
                )
                if end is not None and end < floor and not rostered:
                    continue  # a stay that ended before the feed's look-back: never heard of
                # The feed doesn't reach back to a join before its look-back.
                heard = None if start is not None and start < floor and not rostered else start
                periods.append((heard, end))
            if periods:
                known[pid] = periods
        return known

    def absences(self, pid: int) -> list[tuple[datetime, datetime | None]]:
        """The spans a player was out of the clan (from a leave to the next join)."""
        periods = self.stays.get(pid, [])
        gaps = []
        for index, (_, end) in enumerate(periods):
            if end is not None:
                following = periods[index + 1][0] if index + 1 < len(periods) else None
                gaps.append((end, following))
        return gaps

    def away_at(self, pid: int, moment: datetime) -> bool:
        """Whether a player was out of the clan at a moment."""
        return any(s < moment and (e is None or moment < e) for s, e in self.absences(pid))

    def _separated(self, pid: int, before: datetime | None, after: datetime) -> bool:
        if before is None:
            return self.away_at(pid, after)
        return any(s < after and (e is None or e > before) for s, e in self.absences(pid))

    def members_at(self, moment: datetime) -> set[int]:
        """The clan's members at a moment (cached: the harvests ask it often)."""
        if moment not in self._roster_at:
            self._roster_at[moment] = self.clan.members_at(moment)
        return self._roster_at[moment]

    @cached_property
    def members(self) -> set[int]:
        """Current members as of the last harvest."""
        return set(self.members_at(self.last_harvest))

    # ------------------------------------------------------------------ game gains

    @cached_property
    def segments(self) -> dict[int, list[list[tuple[datetime, Values]]]]:
        """Each player's stored snapshots split wherever an absence lies between two."""
        found = {}
        for pid, snaps in self.stored.items():
            parts: list[list[tuple[datetime, Values]]] = []
            previous: datetime | None = None
            for taken, values in snaps:
                if not parts or self._separated(pid, previous, taken):
                    parts.append([])
                parts[-1].append((taken, values))
                previous = taken
            found[pid] = parts
        return found

    @cached_property
    def kinds(self) -> dict[str, str]:
        """Every metric's kind."""
        return {m: self.clan.metric_kind(m) for m in self.clan.metrics}

    def window_metric_gains(self, pid: int, start: date, end: date) -> dict[str, float]:
        """End minus start of every metric over the clan days [start, end], per stay segment."""
        gains: dict[str, float] = defaultdict(float)
        for part in self.segments.get(pid, []):
            if len(part) == 1 and self.away_at(pid, part[0][0]):
                continue
            days = [self.day(t) for t, _ in part]  # once per snapshot, not per metric
            for metric in self.clan.metrics:
                known = [
                    (d, v[metric]) for d, (_, v) in zip(days, part, strict=True) if v[metric] >= 0
                ]
                before = [v for d, v in known if d < start]
                inside = [v for d, v in known if start <= d <= end]
                if not inside:
                    continue
                first = before[-1] if before else inside[0]
                gains[metric] += max(0.0, inside[-1] - first)
        return {m: g for m, g in gains.items() if g}

    def totals(self, metrics: Mapping[str, float]) -> dict[str, float]:
        """xp, ehp, ehb and boss_kills of a member's metric gains."""
        kinds = self.kinds
        return {
            "xp": metrics.get("overall", 0.0),
            "ehp": metrics.get("ehp", 0.0),
            "ehb": metrics.get("ehb", 0.0),
            "boss_kills": sum(g for m, g in metrics.items() if kinds.get(m) == "boss"),
        }

    @cached_property
    def daily(self) -> dict[int, dict[date, dict[str, float]]]:
        """Each player's credited gains per clan day and metric (rises between snapshots)."""
        found: dict[int, dict[date, dict[str, float]]] = {}
        for pid, parts in self.segments.items():
            days: dict[date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
            for part in parts:
                last: dict[str, float] = {}
                for index, (taken, values) in enumerate(part):
                    if self.away_at(pid, taken):
                        continue
                    day = self.day(taken)
                    days[day]  # a snapshot that day: its gains are known (maybe 0)
                    for metric, value in values.items():
                        if value < 0:
                            continue
                        if metric in last and value > last[metric] and index > 0:
                            days[day][metric] += value - last[metric]
                        last[metric] = value
            found[pid] = {d: dict(v) for d, v in days.items()}
        return found

    def daily_measures(self, pid: int) -> dict[date, dict[str, float]]:
        """A player's xp/ehp/ehb/boss_kills per day with a snapshot."""
        if pid not in self._measures:
            daily = self.daily.get(pid, {})
            self._measures[pid] = {day: self.totals(gains) for day, gains in daily.items()}
        return self._measures[pid]

    def game_days(self, pid: int) -> set[date]:
        """Days with a credited rise in XP, EHP, EHB or boss kills, up to today."""
        return {
            day
            for day, measures in self.daily_measures(pid).items()
            if day <= self.today and any(v > 0 for v in measures.values())
        }

    # ------------------------------------------------------------------ period gains

    def window(self, name: str, today: date | None = None) -> tuple[date, date]:
        """The clan days of a window (ending today, or on another day)."""
        if name == "custom":
            custom = self.rules.custom_period
            assert custom is not None
            return custom.start, custom.end
        end = today or self.today
        return end - timedelta(days=WINDOWS[name] - 1), end

    def window_names(self) -> list[str]:
        """The windows transform works out."""
        return [*WINDOWS, *(["custom"] if self.rules.custom_period else [])]

    @cached_property
    def wom_windows(self) -> dict[str, dict[int, dict[str, float]]]:
        """WOM's answer per member for each of today's windows, as the last harvest fetched it.

        Every successful harvest asks, for each of its day's windows that some current
        member's history doesn't reach back past, WOM's gains over exactly that window (from
        its first midnight to the harvest), and keeps only those. A window of another day
        (the standard windows move daily) is another span: not today's.
        """
        at = self.last_harvest
        stored = self.stored_until(at)
        reached = self.backfill_reached(at)
        found: dict[str, dict[int, dict[str, float]]] = {}
        for name in self.window_names():
            start_day, end_day = self.window(name, today=self.day(at))
            if (start_day, end_day) != self.window(name):
                continue
            start = self.midnight(start_day)
            end = min(self.midnight(end_day + timedelta(days=1)), at)
            members = self.members_at(at)
            if start >= at or all(_covered(stored, reached, pid, start) for pid in members):
                continue
            listed = {}
            for pid in members:
                history = self.clan.snapshot_history(pid, at)
                inside = [(t, v) for t, v in history if start <= t <= end]
                if not inside:
                    continue
                first, last = inside[0][1], inside[-1][1]
                listed[pid] = {
                    m: last[m] - first[m]
                    for m in self.clan.metrics
                    if first[m] >= 0 and last[m] >= 0 and last[m] != first[m]
                }
            found[name] = listed
        return found

    def _covered(self, pid: int, start: datetime) -> bool:
        """Whether a player's stored history reaches back past a moment."""
        return _covered(self.stored, self.backfill_reached(self.now), pid, start)

    def period_gain(self, pid: int, name: str) -> Gain | None:
        """A member's gain over a window and where it comes from; None is "no data"."""
        start_day, end_day = self.window(name)
        start = self.midnight(start_day)
        end = self.midnight(end_day + timedelta(days=1))
        if self._covered(pid, start):
            source = "history"
            metrics = self.window_metric_gains(pid, start_day, end_day)
        elif pid in self.wom_windows.get(name, {}):
            source, metrics = "wom", self.wom_windows[name][pid]
        elif sum(start <= t < end for t, _ in self.stored.get(pid, [])) >= 2:
            source = "partial"
            metrics = self.window_metric_gains(pid, start_day, end_day)
        else:
            return None
        return Gain(source, self.totals(metrics), metrics)

    def daily_sums_match_windows(self, pid: int, name: str) -> bool:
        """The invariant: a window's daily gains add up to its end minus start (history only)."""
        start_day, end_day = self.window(name)
        summed: Counter[str] = Counter()
        for day, gains in self.daily.get(pid, {}).items():
            if start_day <= day <= end_day:
                summed.update(gains)
        direct = self.window_metric_gains(pid, start_day, end_day)
        return all(
            math.isclose(summed.get(m, 0.0), direct.get(m, 0.0), rel_tol=1e-9, abs_tol=1e-6)
            for m in set(summed) | set(direct)
        )

    # ------------------------------------------------------------------ messages

    @cached_property
    def messages(self) -> list[Said]:
        """People's messages ClanStats read, each with the member it counts for (or None)."""
        if self.chat is None:
            return []
        until = self.observed.last_discord(self.now)
        if until is None:
            return []
        facts = [
            fact
            for fact in self.chat.message_facts(until)
            if fact.relay_name is not None or not (fact.is_bot or fact.is_webhook)
        ]
        linked = {fact.message_id: self._linked(fact) for fact in facts}
        questions = {fact.message_id for fact in facts if fact.is_question}
        found = []
        for fact in facts:
            pid = linked[fact.message_id]
            if pid is not None and self.away_at(pid, fact.sent_at):
                pid = None  # said after leaving or while away: not the member's
            reply = fact.reply_to_message_id
            # An answer replies to someone else's question (an unlinked asker is someone else).
            answer = reply in questions and pid is not None and linked.get(reply) != pid
            found.append(Said(fact.sent_at, pid, fact.channel_id, fact.is_question, answer))
        return found

    def _linked(self, fact: MessageFact) -> int | None:
        """The member a message is linked to: by its relay name, or by its Discord account."""
        if fact.relay_name is not None:
            return self.links.relay_names.get(standardize_username(fact.relay_name))
        return self.links.users.get(fact.author_id)

    def chat_between(self, pid: int, start: date, end: date) -> dict[str, int]:
        """A player's credited messages, questions and answers over clan days [start, end]."""
        counts = {"messages": 0, "questions": 0, "answers": 0}
        for said in self.messages:
            if said.player == pid and start <= self.day(said.sent) <= end:
                counts["messages"] += 1
                counts["questions"] += said.question
                counts["answers"] += said.answer
        return counts

    @cached_property
    def chat_days(self) -> dict[int, Counter[date]]:
        """Each player's credited messages per clan day."""
        found: dict[int, Counter[date]] = defaultdict(Counter)
        for said in self.messages:
            if said.player is not None:
                found[said.player][self.day(said.sent)] += 1
        return found

    def said(self, pid: int, day: date) -> int:
        """A player's credited messages on one clan day."""
        counts = self.chat_days.get(pid)
        return counts[day] if counts is not None else 0

    def messages_between(self, pid: int, start: date, end: date) -> int:
        """A player's credited messages over clan days [start, end]."""
        return sum(n for day, n in self.chat_days.get(pid, {}).items() if start <= day <= end)

    def on_discord(self, pid: int) -> bool:
        """Whether any Discord account or relay name is linked to the player."""
        return pid in set(self.links.users.values()) | set(self.links.relay_names.values())

    # ------------------------------------------------------------------ status

    def last_changed_on(self, pid: int) -> date | None:
        """The clan day of WOM's lastChangedAt as ClanStats stored it (None while away)."""
        seen = self._last_served(pid)
        if seen is None:
            return None
        moment = self.clan.last_changed_at(pid, seen)
        if moment is None or self.away_at(pid, moment):
            return None
        return self.day(moment)

    def _last_served(self, pid: int) -> datetime | None:
        """The last harvest whose WOM answers carried the player's Player object.

        The roster and hiscores carry every member's; the activity feed carries the player of
        each join or leave it reads (all of the look-back on the first harvest, then the new).
        """
        served = [at for at in self._harvests if pid in self.members_at(at)]
        floor = self.first_harvest - timedelta(days=self.lookback_days)
        for start, end in self.clan.stays(pid):
            for moment in (start, end):
                if moment is None or moment < floor:
                    continue
                read = [at for at in self._harvests if at >= moment]
                if read:
                    served.append(read[0])
        return max(served, default=None)

    def _away_until(self, pid: int) -> date | None:
        """The end of a leave of absence covering today that names the member: by the name
        stored at the last harvest or, when no current member is called that, by a name they
        had before (a rename WOM's feed reported) that no other current member had."""
        for absence in self.rules.absences:
            if (
                absence.start <= self.today <= absence.until
                and self._current_named(absence.name) == pid
            ):
                return absence.until
        return None

    def _stored_key(self, pid: int) -> str:
        return standardize_username(self._stored_name(pid, self.last_harvest))

    def _former_keys(self, pid: int) -> set[str]:
        """The names a player had before a rename WOM's feed reported by the last harvest
        (read back `lookback_days` before the first harvest, as the activity feed is)."""
        floor = self.first_harvest - timedelta(days=self.lookback_days)
        history = self.clan.name_history(pid)
        return {
            standardize_username(old)
            for (_, old), (at, _) in pairwise(history)
            if at is not None and floor <= at <= self.last_harvest
        }

    def _in_game_join(self, pid: int) -> datetime | None:
        """The clientSyncJoinedAt WOM served at the last harvest that listed the player."""
        listed = [at for at in self._harvests if pid in self.members_at(at)]
        return self.clan.client_sync_joined_at(pid, listed[-1]) if listed else None

    def member(self, pid: int) -> MemberTruth:
        """A member's status, last active days, removal, streaks and engagement, their
        accounts judged together when they have alts: active while any account is active on
        its own (new and left stay), a removal candidate only when every account is."""
        if pid not in self._members:
            own = self.own_member(pid)
            accounts = self.accounts_of(pid)
            if len(accounts) > 1:
                theirs = [self.own_member(p) for p in accounts]
                status = own.status
                if status in ("quiet", "inactive", "unknown") and any(
                    m.status == "active" for m in theirs
                ):
                    status = "active"
                own = replace(
                    own,
                    status=status,
                    removal_candidate=all(m.removal_candidate for m in theirs),
                    main_player_id=self.main_of.get(pid),
                )
            self._members[pid] = own
        return self._members[pid]

    def own_member(self, pid: int) -> MemberTruth:
        """A member's standing from their own account alone."""
        if pid not in self._own:
            self._own[pid] = self._member(pid)
        return self._own[pid]

    @property
    def main_of(self) -> dict[int, int]:
        """Each alt's main: the people file's lines whose two names are current members at
        the last harvest (matched as absences are), neither already in another line's pair."""
        if self._main_of is None:
            found: dict[int, int] = {}
            for alt_name, main_name in self.alts:
                alt, main = self._current_named(alt_name), self._current_named(main_name)
                if alt is None or main is None or alt == main:
                    continue
                if alt in found or alt in found.values() or main in found:
                    continue
                found[alt] = main
            self._main_of = found
        return self._main_of

    def accounts_of(self, pid: int) -> list[int]:
        """Every account of a current member's player (just theirs without alts)."""
        main = self.main_of.get(pid, pid)
        return sorted({main} | {a for a, m in self.main_of.items() if m == main})

    def _current_named(self, written: str) -> int | None:
        """The current member a name means: stored now under it, else once called it."""
        current = self.members_at(self.last_harvest)
        name = standardize_username(written)
        owners = {p for p in current if self._stored_key(p) == name}
        if not owners:
            owners = {p for p in current if name in self._former_keys(p)}
        return owners.pop() if len(owners) == 1 else None

    def _member(self, pid: int) -> MemberTruth:
        periods = self.stays[pid]
        joined, left = periods[-1]
        joined_on = self.day(joined) if joined is not None else None
        left_on = self.day(left) if left is not None else None
        # Tenure counts from the in-game join the clan sync reported at the last harvest that
        # listed them; without one, from when WOM listed this stay.
        synced = self._in_game_join(pid)
        source = None if joined_on is None else "wom_listed"
        if synced is not None:  # a date, sent as its midnight UTC
            joined_on, source = synced.astimezone(UTC).date(), "clan_sync"
        game = self.game_days(pid)
        chat = {d for d, n in self.chat_days.get(pid, {}).items() if n and d <= self.today}
        last_xp = _latest(max(game, default=None), self.last_changed_on(pid))
        last_message = max(chat, default=None)
        last_active = _latest(last_xp, last_message)
        idle = None if last_active is None else (self.today - last_active).days
        observed = NEVER if idle is None else idle
        if last_xp is None:
            snaps = self.stored.get(pid, [])
            watched = (self.today - self.day(snaps[0][0])).days if snaps else 0
            observed = max(0, min(observed, watched))
        # WOM saw a game gain in its own N-day window: they were active within N days.
        wom_windows = [
            WINDOWS[name]
            for name in WINDOWS
            if (gain := self.period_gain(pid, name)) is not None
            and gain.source == "wom"
            and any(v > 0 for v in gain.totals.values())
        ]
        if wom_windows:
            idle = min(NEVER if idle is None else idle, min(wom_windows) - 1)
            observed = min(observed, idle)
        activity = self.rules.activity
        tenure = None if joined_on is None else max(0, ((left_on or self.today) - joined_on).days)
        if left_on is not None:
            status = "left"
        elif joined_on is not None and (self.today - joined_on).days < activity.new_member_days:
            status = "new"
        elif idle is not None and idle < activity.quiet_after_days:
            status = "active"
        elif observed >= activity.inactive_after_days:
            status = "inactive"
        elif observed >= activity.quiet_after_days:
            status = "quiet"
        else:
            status = "unknown"
        removal = self.rules.removal
        away = None if left_on is not None else self._away_until(pid)
        candidate = (
            left_on is None
            and away is None
            and tenure is not None
            and tenure >= removal.min_tenure_days
            and observed >= removal.no_activity_days
        )
        active = game | chat
        current, best = _streaks(active, self.today)
        recent = {self.today - timedelta(days=n) for n in range(RECENT_DAYS)}
        game_recent, chat_recent = len(game & recent), len(chat & recent)
        return MemberTruth(
            status=status,
            joined_on=joined_on,
            left_on=left_on,
            tenure_days=tenure,
            tenure_source=source,
            away_until=away,
            last_xp_on=last_xp,
            last_message_on=last_message,
            last_active_on=last_active,
            removal_candidate=candidate,
            current_streak=0 if left_on is not None else current,
            best_streak=best,
            engagement_score=None
            if left_on is not None
            else round(100 * (0.6 * game_recent + 0.4 * chat_recent) / RECENT_DAYS, 1),
            chat_play=None
            if left_on is not None
            else _chat_play(game_recent, chat_recent, self.on_discord(pid)),
        )

    # ------------------------------------------------------------------ promotions

    def current_values(self, pid: int) -> dict[str, float | None]:
        """A player's latest stored value of every metric (None: unknown)."""
        snaps = self.stored.get(pid)
        if not snaps:
            return {}
        return {m: (v if v >= 0 else None) for m, v in snaps[-1][1].items()}

    def promotion(self, pid: int) -> tuple[str | None, bool, bool]:
        """(eligible rank, due, held back) on the rules' rank ladder for a current member."""
        ladder = self.rules.ranks
        role = self.clan.role_at(pid, self.last_harvest)
        names = [rank.name.casefold() for rank in ladder]
        if role.casefold() not in names:
            return None, False, False
        position = names.index(role.casefold())
        member = self.member(pid)
        # Judged as one player (the default): every account of theirs counts.
        accounts = self.accounts_of(pid) if self.rules.promotions.judge == "person" else [pid]
        eligible = None
        for index, rank in enumerate(ladder):
            if all(self._has(need, name, accounts) for name, need in rank.requirements.items()):
                eligible = index
        if eligible is None:
            return None, False, False
        qualifies = eligible > position
        held = (
            qualifies
            and self.rules.promotions.hold_inactive
            and (member.status == "inactive" or member.removal_candidate)
        )
        return ladder[eligible].name, qualifies and not held, held

    def _has(self, need: float, name: str, accounts: Sequence[int]) -> bool:
        """Whether a player's accounts meet a requirement: the longest tenure, the messages
        and competitions (each once) of all together, the best account's game measure."""
        if name == "tenure_days":
            tenures = [self.own_member(a).tenure_days for a in accounts]
            return any(t is not None and t >= need for t in tenures)
        if name == "messages_30d":
            since = self.today - timedelta(days=29)
            return sum(self.messages_between(a, since, self.today) for a in accounts) >= need
        if name == "competitions_joined":
            taken = {cid for a in accounts for _, cid, _ in self.competitions_taken.get(a, [])}
            return len(taken) >= need
        if name == "total_level":
            skills = [m for m, k in self.kinds.items() if k == "skill" and m != "overall"]
            return any(
                sum(_level(self.current_values(a).get(m)) for m in skills) >= need for a in accounts
            )
        return any(
            (have := self.current_values(a).get(name)) is not None and have >= need
            for a in accounts
        )

    # ------------------------------------------------------------------ clan-wide numbers

    def first_data_day(self) -> date | None:
        """The first clan day with a snapshot or a credited message."""
        days = [d for pid in self.daily for d in self.daily[pid]]
        days += [d for counts in self.chat_days.values() for d in counts]
        return min(days, default=None)

    def in_clan_on(self, pid: int, day: date) -> bool:
        """Whether a day's gains count for the clan: from the first join, never while away."""
        periods = self.stays.get(pid)
        if not periods:
            return False
        first = periods[0][0]
        if first is not None and day < self.day(first):
            return False
        return not any(
            self.day(s) < day and (e is None or day < self.day(e)) for s, e in self.absences(pid)
        )

    def clan_gain(self, metric: str, day: date) -> float:
        """The clan's credited gain in a metric (or aggregate, or messages) on one day."""
        total = 0.0
        for pid in self.stays:
            if not self.in_clan_on(pid, day):
                continue
            if metric == "messages":
                total += self.said(pid, day)
            elif metric in GAME_MEASURES:
                total += self.daily_measures(pid).get(day, {}).get(metric, 0.0)
            else:
                total += self.daily.get(pid, {}).get(day, {}).get(metric, 0.0)
        return total

    def goal_weeks(self, metric: str) -> dict[date, float]:
        """The clan's progress on a goal metric per reported week (Monday -> total)."""
        monday = self.today - timedelta(days=self.today.weekday())
        first = self.first_data_day()
        weeks = [monday - timedelta(weeks=n) for n in range(GOAL_WEEKS, -1, -1)]
        weeks = [
            w
            for w in weeks
            if w == monday or (first is not None and w + timedelta(days=6) >= first)
        ]
        return {
            week: round(
                sum(
                    self.clan_gain(metric, week + timedelta(days=n))
                    for n in range(7)
                    if week + timedelta(days=n) <= self.today
                ),
                6,
            )
            for week in weeks
        }

    def season_points(self, season_name: str) -> dict[int, float]:
        """Each player's points above 0 in a season, counted up to today."""
        season = next(s for s in self.rules.seasons if s.name == season_name)
        points = {}
        last = min(season.end, self.today)
        for pid in self.stays:
            by_metric: dict[str, float] = defaultdict(float)
            day = season.start
            while day <= last:
                if self.in_clan_on(pid, day):
                    for metric in season.points:
                        if metric == "messages":
                            by_metric[metric] += self.said(pid, day)
                        elif metric in GAME_MEASURES:
                            by_metric[metric] += (
                                self.daily_measures(pid).get(day, {}).get(metric, 0.0)
                            )
                        else:
                            by_metric[metric] += (
                                self.daily.get(pid, {}).get(day, {}).get(metric, 0.0)
                            )
                day += timedelta(days=1)
            if "competitions" in season.points:
                # Per competition taken part in that started in the season while in the clan.
                by_metric["competitions"] = float(
                    sum(
                        1
                        for start, _, _ in self.competitions_taken.get(pid, [])
                        if season.start <= start <= last and self.member_on(pid, start)
                    )
                )
            total = round(sum(season.points[m] * by_metric[m] for m in sorted(by_metric)), 6)
            if total > 0:
                points[pid] = total
        return points

    # ------------------------------------------------------------------ competitions

    @cached_property
    def competition_starts(self) -> dict[int, date]:
        """Every competition a successful harvest has listed: id -> its clan start day."""
        starts = {}
        for item in self.clan.competitions():
            created = datetime.fromisoformat(str(item["createdAt"]))
            if any(at >= created for at in self._harvests):
                starts[int(item["id"])] = self.day(datetime.fromisoformat(str(item["startsAt"])))
        return starts

    @cached_property
    def competitions_taken(self) -> dict[int, list[tuple[date, int, int]]]:
        """Per player, the started competitions they took part in: (start day, id, place),
        oldest first, by the standings WOM served at the last harvest that read them (from the
        start on; once after the end; never once it ended past the look-back)."""
        taken: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
        for item in self.clan.competitions():
            cid = int(item["id"])
            if cid not in self.competition_starts or self.competition_starts[cid] > self.today:
                continue
            start = datetime.fromisoformat(str(item["startsAt"]))
            end = datetime.fromisoformat(str(item["endsAt"]))
            read = None
            for at in self._harvests:
                if at < start or end < at - timedelta(days=self.lookback_days):
                    continue
                read = at
                if at >= end:
                    break  # the read after its end is its last
            if read is not None:
                for placing in self.clan.competition_placings(cid, read):
                    taken[placing.player_id].append(
                        (self.competition_starts[cid], cid, placing.rank)
                    )
        return {pid: sorted(entries) for pid, entries in taken.items()}

    def member_on(self, pid: int, day: date) -> bool:
        """In the clan at the end of a clan day: a stay begun by then (or of unknown start) and
        not left by then."""
        return any(
            (start is None or self.day(start) <= day) and (end is None or self.day(end) > day)
            for start, end in self.stays.get(pid, [])
        )

    def clan_days(self) -> dict[date, tuple[int, int, int, int, dict[str, float]]]:
        """Per clan day from the first data: (members, joins, leaves, active members, totals)."""
        first = self.first_data_day()
        if first is None:
            return {}
        stays = [
            (self.day(s) if s is not None else first, self.day(e) if e is not None else None)
            for periods in self.stays.values()
            for s, e in periods
        ]
        joins = Counter(s for s, _ in stays)
        leaves = Counter(e for _, e in stays if e is not None)
        members = sum(1 for s, e in stays if s < first and (e is None or e >= first))
        found = {}
        day = first
        while day <= self.today:
            members += joins[day] - leaves[day]
            totals = dict.fromkeys((*GAME_MEASURES, "messages"), 0.0)
            active = 0
            for pid in set(self.daily) | set(self.chat_days):
                measures = self.daily_measures(pid).get(day, {})
                said = self.said(pid, day)
                for name in GAME_MEASURES:
                    totals[name] += measures.get(name, 0.0)
                totals["messages"] += said
                active += any(v > 0 for v in measures.values()) or said > 0
            found[day] = (members, joins[day], leaves[day], active, totals)
            day += timedelta(days=1)
        return found

    def records(self, pid: int) -> dict[tuple[str, str], float]:
        """A player's best day and best Monday-Sunday week per game measure (above 0 only)."""
        days = {d: m for d, m in self.daily_measures(pid).items() if d <= self.today}
        best: dict[tuple[str, str], float] = {}
        for measure in GAME_MEASURES:
            day_best = max((m[measure] for m in days.values()), default=0.0)
            weeks: dict[date, float] = defaultdict(float)
            for d, m in days.items():
                weeks[d - timedelta(days=d.weekday())] += m[measure]
            week_best = max(weeks.values(), default=0.0)
            if day_best > 0:
                best["day", measure] = day_best
            if week_best > 0:
                best["week", measure] = week_best
        return best

    def heatmap(self) -> Counter[tuple[int, int]]:
        """People's messages per (weekday, hour) in clan time over the last 90 days."""
        first = self.today - timedelta(days=HEATMAP_DAYS - 1)
        cells: Counter[tuple[int, int]] = Counter()
        for said in self.messages:
            local = said.sent.astimezone(self.tz)
            if first <= local.date() <= self.today:
                cells[local.weekday(), local.hour] += 1
        return cells

    def channel_counts(self) -> Counter[tuple[int, str]]:
        """People's messages per channel over the last 7, 30 and 90 days."""
        counts: Counter[tuple[int, str]] = Counter()
        for said in self.messages:
            age = (self.today - self.day(said.sent)).days
            for period, days in CHANNEL_PERIODS.items():
                if 0 <= age < days:
                    counts[said.channel, period] += 1
        return counts

    def anniversaries(self, years: Sequence[int]) -> set[tuple[int, int, date]]:
        """(member, years, the day) of current members' anniversaries that have come by today."""
        found = set()
        for pid in self.members:
            joined = self.member(pid).joined_on
            if joined is None:
                continue  # no join date known: nothing to count from
            for n in sorted(set(years)):
                try:
                    day = joined.replace(year=joined.year + n)
                except ValueError:  # 29 February, in a year without one
                    day = joined.replace(year=joined.year + n, day=28)
                if day <= self.today:
                    found.add((pid, n, day))
        return found

    def message_milestones(self, thresholds: Sequence[int]) -> set[tuple[int, int, date]]:
        """(player, threshold, the day their credited message count reached it)."""
        found = set()
        for pid, days in self.chat_days.items():
            total = 0
            pending = sorted(set(thresholds))
            for day in sorted(d for d in days if d <= self.today):
                total += days[day]
                while pending and pending[0] <= total:
                    found.add((pid, pending.pop(0), day))
        return found


def check_links(chat: SimulatedChat, links: Links) -> list[str]:
    """Every way ClanStats' links disagree with who really is who (an empty list: all right)."""
    problems = []
    owner = {user["id"]: user["player_id"] for user in chat.users()}
    for user_id, pid in links.users.items():
        if owner.get(user_id) != pid:
            problems.append(f"Discord user {user_id} linked to {pid}, is {owner.get(user_id)}")
    names: dict[str, set[int]] = defaultdict(set)
    for speaker in chat.relay_speakers():
        for name in (speaker["name"], speaker["old_name"]):
            if name:
                names[standardize_username(name)].add(speaker["player_id"])
    for key, pid in links.relay_names.items():
        if pid not in names.get(key, set()):
            problems.append(f"relay name {key!r} linked to {pid}, belongs to {names.get(key)}")
    return problems


def _covered(
    stored: Mapping[int, list[Snap]], reached: Mapping[int, datetime], pid: int, start: datetime
) -> bool:
    """Whether stored history (or a finished backfill) reaches back past a moment."""
    snaps = stored.get(pid, [])
    since = reached.get(pid)
    return bool(snaps and snaps[0][0] < start) or (since is not None and since <= start)


def _latest(*days: date | None) -> date | None:
    return max((d for d in days if d is not None), default=None)


def _streaks(days: Iterable[date], today: date) -> tuple[int, int]:
    """(current, best) runs of consecutive active days; the current one may end yesterday."""
    active = {d for d in days if d <= today}
    current = 0
    day = today if today in active else today - timedelta(days=1)
    while day in active:
        current += 1
        day -= timedelta(days=1)
    best = run = 0
    previous: date | None = None
    for day in sorted(active):
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        best = max(best, run)
        previous = day
    return current, best


def _chat_play(game_days: int, chat_days: int, on_discord: bool) -> str:
    if chat_days >= 3 and game_days == 0:
        return "chats, doesn't play"
    if game_days >= 3 and chat_days == 0:
        return "plays, doesn't chat" if on_discord else "not on Discord"
    if game_days and chat_days:
        return "both"
    return "neither"


def _level(experience: float | None) -> int:
    """A skill's level (1-99) from its experience, by the game's formula; unknown counts as 1."""
    if experience is None:
        return 1
    points, level = 0, 1
    for n in range(1, 99):
        points += math.floor(n + 300 * 2 ** (n / 7))
        if experience < points // 4:
            break
        level = n + 1
    return level
