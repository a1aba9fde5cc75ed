"""The transform stage: every derived table, from the raw tables, in one transaction.

Order matters: identity decides whose messages are whose; daily gains, daily activity and
monthly gains are updated incrementally; everything after them reads those tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from clanstats import clock
from clanstats.crashpoints import crash_point
from clanstats.fingerprint import remember, transform_inputs, unchanged
from clanstats.groups import for_each_group, require_group_id
from clanstats.rules import Rules, load_rules
from clanstats.stage import StageContext, StageResult
from clanstats.transform.activity_changes import ActivityChanges
from clanstats.transform.attendance import derive_attendance
from clanstats.transform.chat_rhythm import derive_chat_rhythm
from clanstats.transform.clan_daily import derive_clan_daily
from clanstats.transform.clan_statistics import derive_clan_statistics
from clanstats.transform.daily_activity import update_daily_activity
from clanstats.transform.daily_gains import update_daily_gains
from clanstats.transform.goals import derive_goal_weeks
from clanstats.transform.identity import link_identities
from clanstats.transform.identity_file import ManualLink, read_identity_file
from clanstats.transform.milestones import derive_milestones
from clanstats.transform.monthly_gains import update_monthly_gains
from clanstats.transform.people_file import AltLink, read_people_file
from clanstats.transform.periods import derive_period_gains
from clanstats.transform.promotions import derive_promotions
from clanstats.transform.rebuild import (
    forget_derived,
    forget_if_timezone_changed,
    rebuild_requested,
)
from clanstats.transform.records import derive_personal_records
from clanstats.transform.recruits import derive_recruits
from clanstats.transform.seasons import derive_season_scores
from clanstats.transform.status import derive_member_status
from clanstats.transform.stays import changed_absences, load_stays, remember_absences

Derivation = Callable[..., dict[str, object]]
NOTHING_NEW = {"snapshots read": 0, "days recomputed": 0, "derived": "nothing new: tables kept"}


def derivations(changes: ActivityChanges, alts: Sequence[AltLink] = ()) -> list[Derivation]:
    """The derivations after daily activity, in the order they run (each replaces its own
    tables); those that read only daily_activity are told what this run changed in it."""
    return [
        derive_period_gains,
        partial(derive_member_status, alts=alts),
        derive_promotions,
        partial(derive_personal_records, changes=changes),
        partial(derive_milestones, changes=changes),
        derive_goal_weeks,
        derive_season_scores,
        derive_chat_rhythm,
        derive_clan_statistics,
        derive_recruits,
        derive_attendance,
    ]


def run_transform(
    session: Session,
    *,
    group_id: int,
    rules: Rules,
    manual: Sequence[ManualLink],
    timezone: ZoneInfo,
    today: date,
    alts: Sequence[AltLink] = (),
) -> dict[str, object]:
    """Bring every derived table up to date; return counts for the run summary."""
    started = time.perf_counter()
    moved_from = forget_if_timezone_changed(session, group_id, timezone.key)
    counts: dict[str, object] = {}
    if moved_from is not None:
        counts["rebuilt"] = f"every derived table: TIMEZONE changed from {moved_from}"
    counts.update(link_identities(session, group_id, manual).counts())
    stays = load_stays(session, group_id)
    changed = changed_absences(session, group_id, stays)
    gains = update_daily_gains(session, group_id, timezone, stays, changed)
    days, changes = update_daily_activity(
        session, group_id, timezone, gains.touched, stays, changed
    )
    remember_absences(session, group_id, stays)
    counts["player-months summed"] = update_monthly_gains(session, group_id, gains.touched)
    counts["snapshots read"] = gains.snapshots_read
    counts["days recomputed"] = days
    crash_point("transform.after-daily-gains")
    for derive in derivations(changes, alts):
        counts.update(
            derive(session, group_id=group_id, today=today, rules=rules, timezone=timezone)
        )
        crash_point("transform.mid-derivations")
    counts.update(
        derive_clan_daily(
            session, group_id=group_id, today=today, timezone=timezone, changes=changes
        )
    )
    counts["transform seconds"] = round(time.perf_counter() - started, 2)
    return counts


def transform_stage(context: StageContext) -> StageResult:
    """Derive every table for each configured group, each group in its own transaction."""
    return for_each_group(context, transform_group)


def transform_group(context: StageContext) -> StageResult:
    """Derive every table for the context's group in one transaction."""
    settings = context.settings
    group_id = require_group_id(settings)
    # Read (and validate) the officers' files before touching anything: a mistake there stops
    # the stage with the previous derived tables intact.
    rules = load_rules(settings.rules_file)
    manual = read_identity_file(settings.identity_file)
    alts = read_people_file(settings.people_file)
    today = clock.today(settings.timezone)
    with Session(context.engine) as session, session.begin():
        inputs = transform_inputs(
            session,
            group_id=group_id,
            today=today,
            timezone=settings.timezone.key,
            files=(settings.rules_file, settings.identity_file, settings.people_file),
        )
        rebuild = rebuild_requested()
        if rebuild:
            forget_derived(session, group_id)
        elif unchanged(session, group_id, "transform", inputs):
            return StageResult(counts=dict(NOTHING_NEW))
        counts = run_transform(
            session,
            group_id=group_id,
            rules=rules,
            manual=manual,
            timezone=settings.timezone,
            today=today,
            alts=alts,
        )
        remember(session, group_id, "transform", inputs)
    if rebuild:
        counts = {"rebuilt": "every derived table, from the raw tables", **counts}
    return StageResult(counts=counts)
