"""The `groups:` section of the rules file: several WOM groups (a clan alliance) in one database.

Each group has its WOM id, a display name, a folder-safe slug (its output folder's name; derived
from the name when not given) and optionally its Discord guild and channels. The section's
cross-item checks (unique ids and slugs) come back with the item's position, so the rules loader
can name the line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
MAX_SLUG = 40
# Names Windows refuses for a file or folder, whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{p}{n}" for p in ("com", "lpt") for n in range(10)}
Snowflake = Annotated[int, Field(gt=1 << 22, lt=1 << 63)]


class GroupDiscord(BaseModel):
    """The Discord a group's members talk in: a guild (every readable channel) or channels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    guild_id: Snowflake | None = None
    channel_ids: list[Snowflake] = []
    relay_channel_ids: list[Snowflake] = []

    @model_validator(mode="after")
    def _something_to_read(self) -> GroupDiscord:
        if self.guild_id is None and not self.channel_ids:
            raise ValueError("give guild_id (every channel the bot can see) or channel_ids")
        return self


class GroupRule(BaseModel):
    """One WOM group of the alliance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[int, Field(gt=0)]
    name: Annotated[str, Field(min_length=1, max_length=80)]
    slug: str | None = None
    discord: GroupDiscord | None = None

    @field_validator("slug")
    @classmethod
    def _folder_safe(cls, slug: str | None) -> str | None:
        if slug is not None:
            check_slug(slug)
        return slug

    @property
    def folder(self) -> str:
        """Return the slug, or one derived from the name (`group-<id>` when nothing is left)."""
        return self.slug if self.slug is not None else derive_slug(self.name, self.id)


def check_slug(slug: str) -> None:
    """Raise ValueError unless `slug` is a safe folder name on every platform."""
    if not SLUG_PATTERN.fullmatch(slug):
        raise ValueError(
            "a slug is 1-40 lowercase letters, digits, - or _, starting with a letter or digit "
            "(it names the group's output folder)"
        )
    if slug in _RESERVED:
        raise ValueError(f"{slug!r} is a name Windows reserves; choose another slug")


def derive_slug(name: str, group_id: int) -> str:
    """Return a folder-safe slug from a display name: `Iron Sim #2` -> `iron-sim-2`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:MAX_SLUG].strip("-")
    if not slug or slug in _RESERVED:
        return f"group-{group_id}"
    return slug


Problem = tuple[tuple[str | int, ...], object, str]


def group_problems(groups: Sequence[GroupRule]) -> list[Problem]:
    """Return (location, value, message) for each repeated group id or slug."""
    problems: list[Problem] = []
    ids: dict[int, int] = {}
    slugs: dict[str, int] = {}
    for index, group in enumerate(groups):
        if group.id in ids:
            message = f"group id {group.id} is listed twice (also item {ids[group.id]})"
            problems.append((("groups", index, "id"), group.id, message))
        ids.setdefault(group.id, index)
        slug = group.folder
        if slug in slugs:
            field, value = ("slug", group.slug) if group.slug is not None else ("name", group.name)
            message = (
                f"slug {slug!r} is taken by item {slugs[slug]}; give this group its own `slug:`"
            )
            problems.append((("groups", index, field), value, message))
        slugs.setdefault(slug, index)
    return problems
