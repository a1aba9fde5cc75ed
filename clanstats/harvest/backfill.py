"""The explicit history backfill: each member's past snapshots, one player per transaction.

It is the only part of ClanStats that makes per-player requests, so it is opt-in
(`main.py backfill`), paced by the same client, bounded by WOM_BACKFILL_DAYS, and resumable:
a player whose history is stored is recorded in `backfill_progress` and skipped next time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clanstats.clock import utcnow
from clanstats.crashpoints import crash_point
from clanstats.db.models import BackfillProgress, Membership, Player
from clanstats.db.upsert import upsert
from clanstats.errors import ConfigError, SourceError
from clanstats.groups import for_each_group, require_group_id
from clanstats.harvest.fetchlog import record_fetch
from clanstats.harvest.snapshots import SnapshotWriter
from clanstats.harvest.wom import make_wom_client
from clanstats.logs import progress_bar
from clanstats.stage import StageContext, StageResult
from clanstats.wom.client import WomClient, WomPlayerUnavailable
from clanstats.wom.shapes import decoded_snapshot

log = logging.getLogger(__name__)


def backfill_stage(context: StageContext) -> StageResult:
    """Backfill each configured group in turn (one group failing leaves the others done)."""
    return for_each_group(context, _backfill_configured_group)


def _backfill_configured_group(context: StageContext) -> StageResult:
    """Fetch past snapshots for every current member not yet backfilled over the look-back."""
    settings = context.settings
    return backfill_group(
        context.engine,
        make_wom_client(settings),
        group_id=require_group_id(settings),
        days=settings.backfill_days,
        stage_run_id=context.stage_run_id,
    )


def backfill_group(
    engine: Engine,
    client: WomClient,
    *,
    group_id: int,
    days: int,
    stage_run_id: int | None,
    now: datetime | None = None,
) -> StageResult:
    """Backfill each pending member; stop at the first source failure, keeping what is done."""
    now = now or utcnow()
    since = now - timedelta(days=days)
    pending = _pending_members(engine, group_id, since)
    if not pending:
        with Session(engine) as session, session.begin():
            members = session.scalar(
                select(Membership.player_id).where(Membership.group_id == group_id)
            )
        if members is None:
            raise ConfigError("backfill needs the member list first: run `python main.py harvest`")
    result = StageResult()
    players = snapshots = skipped = 0
    renamed: list[str] = []
    for player_id, username in progress_bar(pending, desc="backfill", unit="player"):
        started, before = utcnow(), client.stats.requests
        try:
            pages = client.player_snapshots(
                username, start=since.replace(tzinfo=UTC), end=now.replace(tzinfo=UTC)
            )
            items = [item for page in pages for item in page]
            other = _other_owner(items, player_id)
            if other is not None:
                # After a name change the old name can be someone else's: their history must
                # never be stored as this member's. Left pending: the next harvest renames.
                log.warning(
                    "backfill skipped %s: WOM's %r is now player %s, not %s",
                    username,
                    username,
                    other,
                    player_id,
                )
                renamed.append(username)
                continue
            fetched = [s for s in map(decoded_snapshot, items) if s is not None]
            status = "done"
        except WomPlayerUnavailable as exc:
            log.warning("backfill skipped %s: %s", username, exc)
            fetched, status = [], "unavailable"
            skipped += 1
        except SourceError as exc:
            result.failures.append(f"backfill stopped at {username}: {exc}; run it again to resume")
            break
        with Session(engine) as session, session.begin():
            added, _rows = SnapshotWriter(session, group_id).merge_history(player_id, fetched)
            crash_point("backfill.mid-player")
            upsert(
                session,
                BackfillProgress,
                [
                    {
                        "group_id": group_id,
                        "player_id": player_id,
                        "since": since,
                        "status": status,
                        "snapshots": added,
                        "finished_at": utcnow(),
                    }
                ],
                keys=("group_id", "player_id"),
            )
            record_fetch(
                session,
                group_id=group_id,
                stage_run_id=stage_run_id,
                source="wom:backfill",
                started_at=started,
                requests=client.stats.requests - before,
                rows=added,
                outcome="ok" if status == "done" else status,
            )
        players, snapshots = players + 1, snapshots + added
    result.counts = {
        "players done": players,
        "snapshots added": snapshots,
        "players left to do": len(_pending_members(engine, group_id, since)),
        "WOM requests": client.stats.requests,
    }
    if skipped:
        result.counts["players WOM won't show (opted out, banned)"] = skipped
    if renamed:
        result.counts["names now another player's (run harvest, then backfill again)"] = len(
            renamed
        )
    return result


def _other_owner(snapshots: list[Any], player_id: int) -> int | str | None:
    """The player a name answered for when it isn't this member (None: all theirs).

    A snapshot without a player id can't be vouched for, so it counts as someone else's.
    """
    for snapshot in snapshots:
        owner = snapshot.get("playerId") if isinstance(snapshot, Mapping) else None
        if owner != player_id:
            return owner if isinstance(owner, int) else "unknown"
    return None


def _pending_members(engine: Engine, group_id: int, since: datetime) -> list[tuple[int, str]]:
    """Current members without a backfill reaching back to `since`."""
    with Session(engine) as session:
        done = set(
            session.scalars(
                select(BackfillProgress.player_id).where(
                    BackfillProgress.group_id == group_id, BackfillProgress.since <= since
                )
            )
        )
        members = session.execute(
            select(Player.player_id, Player.username)
            .join(
                Membership,
                (Membership.group_id == Player.group_id)
                & (Membership.player_id == Player.player_id),
            )
            .where(Player.group_id == group_id, Membership.left_at.is_(None))
            .order_by(Player.player_id)
        ).all()
    return [(pid, name) for pid, name in members if pid not in done]
