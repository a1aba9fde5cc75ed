"""The harvest stage: Wise Old Man first, then Discord, for each configured group."""

from __future__ import annotations

from clanstats.crashpoints import crash_point
from clanstats.groups import for_each_group
from clanstats.harvest.discord_chat import harvest_discord
from clanstats.harvest.wom import WomHarvest, make_wom_client, require_group_id
from clanstats.rules import load_rules
from clanstats.stage import StageContext, StageResult


def harvest_stage(context: StageContext) -> StageResult:
    """Harvest each configured group; one group failing leaves the others harvested."""
    return for_each_group(context, harvest_group)


def harvest_group(context: StageContext) -> StageResult:
    """Harvest every WOM source, then every configured Discord channel, minus fresh ones."""
    settings = context.settings
    group_id = require_group_id(settings)
    rules = load_rules(settings.rules_file)
    refresh = rules.refresh
    result = WomHarvest(
        engine=context.engine,
        client=make_wom_client(settings),
        group_id=group_id,
        stage_run_id=context.stage_run_id,
        lookback_days=settings.backfill_days,
        refresh=refresh,
        timezone=settings.timezone,
        custom_period=rules.custom_period,
    ).run()
    crash_point("harvest.after-wom")
    harvest_discord(
        context.engine, settings, group_id, context.stage_run_id, result, refresh.discord_hours
    )
    return result
