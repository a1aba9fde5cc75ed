"""The harvest stage: Wise Old Man first, then Discord, for each configured group."""

from __future__ import annotations

import logging

from clanstats.crashpoints import crash_point
from clanstats.groups import for_each_group, require_group_id
from clanstats.harvest.wom import WomHarvest, make_wom_client
from clanstats.logs import FILE_ONLY
from clanstats.rules import load_rules
from clanstats.stage import StageContext, StageResult
from clanstats.wom.client import WomClient

log = logging.getLogger(__name__)


def harvest_stage(context: StageContext) -> StageResult:
    """Harvest each configured group; one group failing leaves the others harvested."""
    return for_each_group(context, harvest_group)


def harvest_group(context: StageContext) -> StageResult:
    """Harvest every WOM source, then every configured Discord channel, minus fresh ones."""
    settings = context.settings
    group_id = require_group_id(settings)
    rules = load_rules(settings.rules_file)
    refresh = rules.refresh
    client = make_wom_client(settings)
    result = WomHarvest(
        engine=context.engine,
        client=client,
        group_id=group_id,
        stage_run_id=context.stage_run_id,
        lookback_days=settings.backfill_days,
        refresh=refresh,
        timezone=settings.timezone,
        custom_period=rules.custom_period,
    ).run()
    report_unreachable_once(result, client)
    for failure in result.failures:
        # The stage prints failures on the console; app.log gets the same line.
        log.warning("%s", failure, extra=FILE_ONLY)
    crash_point("harvest.after-wom")
    if not settings.discord_enabled:
        result.counts["Discord"] = "not configured"
        return result
    # discord.py and aiohttp take about 0.2 s to import: only a run that reads Discord pays it.
    from clanstats.harvest.discord_chat import harvest_discord

    harvest_discord(
        context.engine, settings, group_id, context.stage_run_id, result, refresh.discord_hours
    )
    return result


def report_unreachable_once(result: StageResult, client: WomClient) -> None:
    """Fold the failures an unreachable WOM caused (one per source) into one `wom:` line.

    The client fails every call after WOM proved unreachable with the same message and no
    request, so each source reports the same line; the officer needs it once.
    """
    if client.unreachable is None:
        return
    message = str(client.unreachable)
    caused = [failure for failure in result.failures if failure.endswith(f": {message}")]
    if not caused:
        return
    first = result.failures.index(caused[0])
    kept = [failure for failure in result.failures if failure not in caused]
    result.failures[:] = [*kept[:first], f"wom: {message}", *kept[first:]]
