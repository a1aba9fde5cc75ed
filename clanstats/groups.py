"""The configured WOM groups every stage works on, and running a stage once per group.

Without `groups:` in rules.yaml there is one group, WOM_GROUP_ID, with the DISCORD_* settings
and its outputs at the top of OUTPUT_DIR: exactly the single-clan behaviour. With `groups:`
each listed group gets its own view of the settings (its group id, its Discord, its output
folder `OUTPUT_DIR/<slug>`), and `for_each_group` runs a stage's work for each: a group that
fails is reported for that group while the others complete (exit code 3).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace

from clanstats.errors import (
    EXIT_WRITE,
    ClanStatsError,
    ConfigError,
    DatabaseError,
    RunLockedError,
    StageTimeoutError,
)
from clanstats.group_rules import GroupRule
from clanstats.rules import Rules, load_rules
from clanstats.settings import Settings
from clanstats.stage import StageContext, StageResult, StageWork

log = logging.getLogger(__name__)

GROUP_ENV = "CLANSTATS_GROUP"  # `main.py <stage> --group SLUG|ID`
ALLIANCE_GROUP_ID = 0  # the group id of the alliance overview's manifest and sync rows
# Errors that concern the whole run, not one group: they stop the stage.
_RUN_WIDE = (DatabaseError, RunLockedError, StageTimeoutError)


@dataclass(frozen=True)
class Group:
    """One WOM group as a stage sees it: its id, name, folder slug and settings view."""

    id: int
    name: str
    slug: str | None  # None: the single WOM_GROUP_ID group, outputs at the top of OUTPUT_DIR
    settings: Settings

    @property
    def label(self) -> str:
        """Return how messages name the group: its slug, or its id."""
        return self.slug or str(self.id)


class GroupsFailedError(ClanStatsError):
    """Every selected group failed; the exit code is the first group's."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def configured_groups(settings: Settings, rules: Rules, only: str | None = None) -> list[Group]:
    """Return the groups to work on (only the one `only` names: slug or id); ConfigError if
    the settings and the rules disagree."""
    if not rules.groups:
        _check_single_discord(settings)
        group_id = require_group_id(settings)
        if only is not None and only != str(group_id):
            raise ConfigError(
                f"--group {only}: rules.yaml lists no `groups:`, so the only group is "
                f"WOM_GROUP_ID={group_id}; drop --group or add the group to `groups:`"
            )
        return [Group(group_id, f"group {group_id}", None, settings)]
    _check_alliance_settings(settings, rules.groups)
    groups = [_group_view(settings, rule) for rule in rules.groups]
    if only is None:
        return groups
    chosen = [g for g in groups if only in (g.slug, str(g.id))]
    if not chosen:
        known = ", ".join(f"{g.slug} ({g.id})" for g in groups)
        raise ConfigError(f"--group {only}: no such group in rules.yaml; the groups are {known}")
    return chosen


def groups_for_stage(settings: Settings) -> tuple[Rules, list[Group]]:
    """Return the rules and the groups a stage process works on (`--group` honoured)."""
    rules = load_rules(settings.rules_file)
    return rules, configured_groups(settings, rules, os.environ.get(GROUP_ENV) or None)


def for_each_group(context: StageContext, work: StageWork) -> StageResult:
    """Run `work` once per group with the group's settings; collect counts and failures.

    Single-group setups run `work` once, unchanged. With several groups, counts and failures
    are prefixed with the group's slug; a group whose work raises a ClanStatsError (a WOM 404,
    a refused key) is one failure and the others still run. When every group fails, the first
    group's exit code stands; a disk or folder that refused a write (exit 7) always shows.
    """
    rules, groups = groups_for_stage(context.settings)
    if not rules.groups:
        return work(context)
    result = StageResult()
    errors: list[ClanStatsError] = []
    for group in groups:
        try:
            part = work(replace(context, settings=group.settings))
        except _RUN_WIDE:
            raise
        except ClanStatsError as exc:
            log.warning("group %s: %s", group.label, exc)
            errors.append(exc)
            result.failures.append(f"{group.label}: {exc}")
            if exc.exit_code == EXIT_WRITE:
                result.failure_exit_code = EXIT_WRITE
            continue
        result.counts.update({f"{group.label}: {key}": v for key, v in part.counts.items()})
        result.failures.extend(f"{group.label}: {failure}" for failure in part.failures)
        if part.failures and part.failure_exit_code == EXIT_WRITE:
            result.failure_exit_code = EXIT_WRITE
    if errors and len(errors) == len(groups):
        raise GroupsFailedError("; ".join(result.failures), errors[0].exit_code)
    return result


# --- checks and views ------------------------------------------------------------------------


def _check_single_discord(settings: Settings) -> None:
    if settings.discord_enabled and not _env_discord(settings):
        raise ConfigError(
            "DISCORD_BOT_TOKEN is set but there is nothing to read: set DISCORD_GUILD_ID "
            "(every text channel the bot can see) or DISCORD_CHANNEL_IDS"
        )


def _env_discord(settings: Settings) -> bool:
    return settings.discord_guild_id is not None or bool(settings.discord_channel_ids)


def _check_alliance_settings(settings: Settings, rules: list[GroupRule]) -> None:
    ids = [rule.id for rule in rules]
    main = next((rule for rule in rules if rule.id == settings.wom_group_id), None)
    if settings.wom_group_id is not None and main is None:
        raise ConfigError(
            f"WOM_GROUP_ID={settings.wom_group_id} is not one of the groups in rules.yaml "
            f"({', '.join(map(str, ids))}); add it to `groups:` or remove WOM_GROUP_ID from .env"
        )
    if _env_discord(settings):
        if main is None:
            raise ConfigError(
                "DISCORD_GUILD_ID / DISCORD_CHANNEL_IDS in .env need WOM_GROUP_ID to say whose "
                "Discord they are; set WOM_GROUP_ID, or move them into the group's `discord:` "
                "in rules.yaml"
            )
        if main.discord is not None:
            raise ConfigError(
                f"group {main.folder} has a `discord:` in rules.yaml and DISCORD_GUILD_ID / "
                "DISCORD_CHANNEL_IDS in .env; keep one of them"
            )
    reads_discord = _env_discord(settings) or any(rule.discord for rule in rules)
    if reads_discord and not settings.discord_enabled:
        raise ConfigError(
            "a group in rules.yaml has a `discord:` but DISCORD_BOT_TOKEN is not set; put the "
            "bot's token in .env (one bot, invited to every group's server)"
        )
    if settings.discord_enabled and not reads_discord:
        raise ConfigError(
            "DISCORD_BOT_TOKEN is set but no group has a `discord:` in rules.yaml; add one "
            "or remove the token"
        )


def _group_view(settings: Settings, rule: GroupRule) -> Group:
    """Return the group with the settings its stages see."""
    root = settings.output_dir
    view = settings.model_copy(
        update={"wom_group_id": rule.id, "output_dir": root / rule.folder, "output_root": root}
    )
    if rule.discord is not None:
        relays = tuple(rule.discord.relay_channel_ids)
        channels = tuple(rule.discord.channel_ids)
        view = view.model_copy(
            update={
                "discord_guild_id": rule.discord.guild_id,
                # Relay channels are read like any other, even when not listed among the channels.
                "discord_channel_ids": tuple(dict.fromkeys(channels + relays)) if channels else (),
                "discord_relay_channel_ids": relays,
            }
        )
    elif rule.id != settings.wom_group_id or not _env_discord(settings):
        view = view.model_copy(
            update={
                "discord_bot_token": None,
                "discord_guild_id": None,
                "discord_channel_ids": (),
                "discord_relay_channel_ids": (),
            }
        )
    return Group(rule.id, rule.name, rule.folder, view)


def require_group_id(settings: Settings) -> int:
    """The configured WOM group id, or a ConfigError saying how to set it."""
    if settings.wom_group_id is None:
        raise ConfigError(
            "WOM_GROUP_ID is not set: put your group's number (from wiseoldman.net/groups/<id>) "
            "in .env, or try `python main.py --demo`"
        )
    return settings.wom_group_id
