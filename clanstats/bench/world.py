"""The benchmark's world: simulated clans and their Discord, served on loopback, and the settings.

Everything a stage reads comes from here, the way a user's `.env` and `rules.yaml` would give it:
the stages run as separate processes and find the loopback servers through the environment.
Messages are generated lazily by the simulation (a day's block at a time, as a client pages
through them), so the benchmark process never holds a clan's history of messages.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from clanstats.bench.sizes import Size
from clanstats.demo import write_rules_file, write_sync_targets
from simulator.alliance import guild_id
from simulator.chat import ChatConfig, SimulatedChat
from simulator.clan import SimConfig, SimulatedClan
from simulator.discord_server import FakeDiscordServer
from simulator.upload_receiver import UploadReceiver
from simulator.wom_server import FakeWomServer

API_KEY = "bench-key"
UPLOAD_SECRET = "bench-upload-secret"  # shared with the loopback receiver, nothing real
# The simulated APIs answer at once and grant far more than any stage asks, so the figures are
# ClanStats' own; the WOM client still paces itself and reports any wait apart.
WOM_PER_MINUTE = 100_000
DISCORD_PER_SECOND = 100_000
FIRST_GROUP_ID = 4242
REFRESH_EVERY_RUN = "refresh: {wom_state_hours: 0, wom_events_hours: 0, discord_hours: 0}\n"


@dataclass
class SimulatedGroup:
    """One WOM group and, when the size has messages, its Discord server."""

    clan: SimulatedClan
    chat: SimulatedChat | None


class BenchWorld:
    """The simulated groups, their loopback servers and the environment the stages run in."""

    def __init__(self, size: Size, folder: Path, database_url: str) -> None:
        self.size = size
        self.folder = folder
        self.database_url = database_url
        # The first run sees the history up to yesterday; the daily run's new day ends now, so
        # transform's windows (relative to the real date) cover the simulated days.
        start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)
        self.groups = [_group(size, index, start) for index in range(size.groups)]
        self._stack = ExitStack()
        self.wom: FakeWomServer | None = None
        self.discord: FakeDiscordServer | None = None
        self.website: UploadReceiver | None = None
        self.env: dict[str, str] = {}

    def __enter__(self) -> BenchWorld:
        clans = [group.clan for group in self.groups]
        self.wom = self._stack.enter_context(
            FakeWomServer(clans, api_keys=(API_KEY,), limit_with_key=WOM_PER_MINUTE)
        )
        if self.chats:
            self.discord = self._stack.enter_context(
                FakeDiscordServer(self.chats, rate_limit_per_second=DISCORD_PER_SECOND)
            )
        self.website = self._stack.enter_context(UploadReceiver(secret=UPLOAD_SECRET))
        self.env = self._environment()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def advance_day(self) -> None:
        """Let one day pass in every group: new snapshots, events and messages."""
        for group in self.groups:
            group.clan.advance(days=1)

    @property
    def chats(self) -> list[SimulatedChat]:
        """Every group's Discord server (one bot, invited to each)."""
        return [group.chat for group in self.groups if group.chat is not None]

    def messages_served(self) -> int:
        """Messages that exist by now in every group's Discord (the simulation's own count)."""
        return sum(chat.count_messages() for chat in self.chats)

    def _environment(self) -> dict[str, str]:
        """Every setting a stage reads, pinned so nothing comes from a user's `.env` or shell."""
        assert self.wom is not None and self.website is not None
        folder = self.folder
        group = self.groups[0]
        rules = write_rules_file(folder / "rules.yaml", group.clan.now.date())
        with rules.open("a", encoding="utf-8") as file:
            file.write(REFRESH_EVERY_RUN)
            if len(self.groups) > 1:
                file.write(self._groups_section())
        webhook = self.discord.webhook_url if self.discord is not None else ""
        write_sync_targets(
            rules, folder / "drive", self.website.url, discord_post=self.discord is not None
        )
        identity = folder / "identity.csv"
        identity.write_text("discord_user_id,rsn\n", encoding="utf-8")
        people = folder / "people.csv"  # no alts: the project's own file stays out of it
        people.write_text("alt,main\n", encoding="utf-8")
        env = {
            "CLANSTATS_ENV_FILE": str(folder / "absent.env"),
            "CLANSTATS_DATA_DIR": str(folder),
            "DATABASE_URL": self.database_url,
            "OUTPUT_DIR": str(folder / "output"),
            "BACKUP_DIR": str(folder / "backups"),
            "BACKUP_KEEP": "1",
            "LOG_FILE": str(folder / "app.log"),
            "LOG_LEVEL": "INFO",
            "LOCAL_DRIVE_PATH": "",
            "TIMEZONE": "UTC",
            "WOM_GROUP_ID": str(group.clan.config.group_id),
            "WOM_BASE_URL": self.wom.base_url,
            "WOM_API_KEY": API_KEY,
            "WOM_REQUESTS_PER_MINUTE": str(WOM_PER_MINUTE),
            "WOM_BACKFILL_DAYS": str(self.size.days),
            "WOM_USER_AGENT": "ClanStats benchmark (loopback only)",
            "RULES_FILE": str(rules),
            "IDENTITY_FILE": str(identity),
            "PEOPLE_FILE": str(people),
            "CLANSTATS_UPLOAD_SECRET": UPLOAD_SECRET,
            "CLANSTATS_DISCORD_WEBHOOK": webhook,
            "DISCORD_BOT_TOKEN": "",
            "DISCORD_GUILD_ID": "",
            "DISCORD_CHANNEL_IDS": "",
            "DISCORD_RELAY_CHANNEL_IDS": "",
        }
        if self.chats and self.discord is not None:
            env.update(
                {
                    # One bot for every group: the first server's (see FakeDiscordServer).
                    "DISCORD_BOT_TOKEN": self.chats[0].bot_token,
                    "DISCORD_API_BASE": self.discord.api_base,
                    "DISCORD_LOOKBACK_DAYS": str(self.size.days + 2),
                }
            )
        if len(self.groups) > 1:
            env["WOM_GROUP_ID"] = ""  # the groups and their Discord are in rules.yaml
        elif group.chat is not None:
            env["DISCORD_GUILD_ID"] = str(group.chat.guild_id)
            env["DISCORD_RELAY_CHANNEL_IDS"] = str(group.chat.relay_channel_id)
        return env

    def _groups_section(self) -> str:
        """rules.yaml's `groups:`: every simulated group with its own Discord server."""
        lines = ["groups:\n"]
        for index, group in enumerate(self.groups):
            config = group.clan.config
            lines.append(
                f"  - {{id: {config.group_id}, name: {json.dumps(config.group_name)}, "
                f"slug: clan-{index + 1:02d}"
            )
            if group.chat is not None:
                lines.append(
                    f", discord: {{guild_id: {group.chat.guild_id}, "
                    f"relay_channel_ids: [{group.chat.relay_channel_id}]}}"
                )
            lines.append("}\n")
        return "".join(lines)


def _group(size: Size, index: int, start: datetime) -> SimulatedGroup:
    """Group `index` of a size: its own seed, ids and names, and its share of the messages."""
    clan = SimulatedClan(
        SimConfig(
            seed=42 + index,
            members=size.members_per_group,
            days=size.days,
            group_id=FIRST_GROUP_ID + index,
            group_name=f"Bench Sim {index + 1}",
            now=start,
        )
    )
    if size.messages_per_group == 0:
        return SimulatedGroup(clan, None)
    chat = SimulatedChat(clan, _chat_config(index, message_scale=1.0))
    natural = chat.count_messages()
    # The simulation's volume follows clan size; scale it to the size's message count.
    scale = size.messages_per_group / max(natural, 1)
    return SimulatedGroup(clan, SimulatedChat(clan, _chat_config(index, message_scale=scale)))


def _chat_config(index: int, *, message_scale: float) -> ChatConfig:
    # Guild ids a simulated day apart, so the servers' channel ids never collide.
    return ChatConfig(seed=11 + index, guild_id=guild_id(index), message_scale=message_scale)
