"""The rules file (`rules.yaml`): the clan's policy, validated with line-numbered errors.

`.env` holds secrets and machine basics; the rules file holds what officers decide: activity
thresholds, removal rules, the rank ladder, seasons, weekly goals and sync targets. Every key is
documented in `rules.example.yaml`. A missing file means the defaults below.
"""

from __future__ import annotations

import difflib
import itertools
import re
import sys
import types
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from clanstats.chat.features import name_key
from clanstats.errors import ConfigError
from clanstats.group_rules import GroupRule, group_problems

PositiveInt = Annotated[int, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActivityRules(_Strict):
    """How many quiet days make a member quiet or inactive."""

    quiet_after_days: PositiveInt = 7
    inactive_after_days: PositiveInt = 30
    new_member_days: PositiveInt = 14

    @model_validator(mode="after")
    def _ordered(self) -> ActivityRules:
        if self.quiet_after_days > self.inactive_after_days:
            raise ValueError("quiet_after_days must not be larger than inactive_after_days")
        return self


class RemovalRules(_Strict):
    """Who is a removal candidate: long enough in the clan and quiet for long enough."""

    min_tenure_days: PositiveInt = 30
    no_activity_days: PositiveInt = 30


class PromotionRules(_Strict):
    """Whether a member the rank rules would promote is held back while inactive, and whether
    a player with alts (people.csv) is judged as one player or account by account."""

    # Inactive members and removal candidates are not due a promotion, even if they qualify.
    hold_inactive: bool = True
    judge: Literal["person", "account"] = "person"


class Rank(_Strict):
    """A rank and what a member needs for it (any WOM metric, plus tenure and messages)."""

    name: Annotated[str, Field(min_length=1, max_length=40)]
    requirements: dict[
        Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")], Annotated[float, Field(ge=0)]
    ] = {}


class Season(_Strict):
    """A named date range whose points come from weighted gains and messages."""

    name: Annotated[str, Field(min_length=1, max_length=80)]
    start: date
    end: date
    points: dict[Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")], float] = {}

    @model_validator(mode="after")
    def _ordered(self) -> Season:
        if self.end < self.start:
            raise ValueError(
                f"season {self.name!r} ends ({self.end}) before it starts ({self.start})"
            )
        return self


class Goal(_Strict):
    """A weekly clan goal: the clan's total gain in one metric (or messages) reaching a target."""

    name: Annotated[str, Field(min_length=1, max_length=80)]
    metric: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,64}$")]
    target: Annotated[float, Field(gt=0)]


class CustomPeriod(_Strict):
    """An extra window for period gains, e.g. an event's dates (inclusive)."""

    name: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9 _-]+$")]
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> CustomPeriod:
        if self.end < self.start:
            raise ValueError(f"custom period ends ({self.end}) before it starts ({self.start})")
        return self


class Absence(_Strict):
    """A leave of absence: a member kept off the removal list from `from` to `until` (inclusive)."""

    name: Annotated[str, Field(min_length=1, max_length=64)]
    start: date = Field(alias="from")
    until: date
    reason: Annotated[str, Field(max_length=200)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Absence:
        if self.until < self.start:
            raise ValueError(
                f"the absence of {self.name!r} ends ({self.until}) before it starts "
                f"({self.start}); swap `from` and `until`"
            )
        return self

    def covers(self, day: date) -> bool:
        """Whether the member is away on this day."""
        return self.start <= day <= self.until


class MilestoneRules(_Strict):
    """Which message counts and tenure anniversaries count as milestones."""

    message_counts: list[Annotated[int, Field(gt=0)]] = [100, 500, 1000, 2500, 5000, 10000]
    anniversary_years: list[Annotated[int, Field(gt=0)]] = [1, 2, 3, 5, 10]


TargetName = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9 _.-]+$")]
EnvKey = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")]
FileType = Annotated[str, Field(pattern=r"^\.[a-z0-9]{1,10}$")]
MAX_PROBLEMS_SHOWN = 20


def _inside_the_output_folder(pattern: str) -> str:
    # Patterns pick files of the output manifest; one reaching out of the folder is a mistake.
    parts = pattern.replace("\\", "/").split("/")
    if pattern.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        raise ValueError("must be a pattern inside the output folder, like `*.json` or `site/*`")
    return pattern


FilePattern = Annotated[str, Field(min_length=1), AfterValidator(_inside_the_output_folder)]


class RefreshRules(_Strict):
    """How long a source's data stays fresh: a run skips a source fetched more recently.

    0 means fetch on every run. `main.py --force` ignores these.
    """

    wom_state_hours: Annotated[float, Field(ge=0)] = 6  # roster and hiscores
    wom_events_hours: Annotated[float, Field(ge=0)] = 6  # activity, achievements, names, comps
    discord_hours: Annotated[float, Field(ge=0)] = 6  # each channel and thread


class FolderTarget(_Strict):
    """Copy changed outputs into a folder (a Google Drive folder, a website repo)."""

    name: TargetName
    kind: Literal["folder"]
    path: Annotated[str, Field(min_length=1)]
    files: list[FilePattern] = ["*"]
    public_only: bool = False
    max_bytes: Annotated[int, Field(gt=0)] = 10 * 1024 * 1024
    allowed_types: list[FileType] = [".json", ".html", ".xlsx", ".md"]
    backup_keep: PositiveInt = 10
    backup_days: PositiveInt = 30


class HttpTarget(_Strict):
    """POST outputs to a URL, signed with HMAC-SHA256 (the secret is named, never written here)."""

    name: TargetName
    kind: Literal["http"]
    url: Annotated[str, Field(pattern=r"^https?://[^\s/]+")]
    secret_env: EnvKey
    files: list[FilePattern] = ["public_summary.json"]
    timeout: Annotated[float, Field(gt=0, le=600)] = 20
    max_retries: Annotated[int, Field(ge=0, le=10)] = 4


class DiscordTarget(_Strict):
    """Post a weekly summary to a Discord channel through a webhook (its URL named, not written)."""

    name: TargetName
    kind: Literal["discord"]
    webhook_env: EnvKey
    every_days: Annotated[int, Field(ge=1, le=365)] = 7
    attach_workbook: bool = True


SyncTarget = Annotated[FolderTarget | HttpTarget | DiscordTarget, Field(discriminator="kind")]


class Rules(_Strict):
    """The whole rules file."""

    activity: ActivityRules = ActivityRules()
    removal: RemovalRules = RemovalRules()
    ranks: list[Rank] = []
    promotions: PromotionRules = PromotionRules()
    seasons: list[Season] = []
    goals: list[Goal] = []
    custom_period: CustomPeriod | None = None
    milestones: MilestoneRules = MilestoneRules()
    refresh: RefreshRules = RefreshRules()
    sync_targets: list[SyncTarget] = []
    opt_out: list[str] = []
    absences: list[Absence] = []
    groups: list[GroupRule] = []

    @field_validator("absences")
    @classmethod
    def _no_overlaps(cls, absences: list[Absence]) -> list[Absence]:
        # Two overlapping absences of one member leave it unclear when they are back.
        by_member: dict[str, list[Absence]] = {}
        for absence in absences:
            by_member.setdefault(name_key(absence.name), []).append(absence)
        for spans in by_member.values():
            spans.sort(key=lambda absence: absence.start)
            for before, after in itertools.pairwise(spans):
                if after.start <= before.until:
                    raise ValueError(
                        f"{after.name!r} has two absences that overlap ({before.start} to "
                        f"{before.until} and {after.start} to {after.until}); make them one"
                    )
        return absences

    @field_validator("ranks", "seasons", "goals", "sync_targets")
    @classmethod
    def _unique_names(cls, items: list[Any]) -> list[Any]:
        # Names are keys in the derived tables and in officers' talk: two alike is a mistake.
        seen: set[str] = set()
        for item in items:
            if item.name.lower() in seen:
                raise ValueError(f"two are called {item.name!r}; give each its own name")
            seen.add(item.name.lower())
        return items


class _RulesLoader(yaml.SafeLoader):
    """YAML's safe loader, leaving dates as text for validation to read with its line number."""


# PyYAML turns `2026-13-01` into a traceback (ValueError, no line); as text it gets a proper error.
def _date_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    assert isinstance(node, yaml.ScalarNode)
    return loader.construct_scalar(node)


_RulesLoader.add_constructor("tag:yaml.org,2002:timestamp", _date_as_text)


def load_rules(path: Path) -> Rules:
    """Read and validate the rules file; raise ConfigError with the line of the first mistakes."""
    if not path.exists():
        return Rules()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: can't be read ({exc}); fix its permissions or encoding"
        ) from None
    try:
        node = yaml.compose(text, Loader=_RulesLoader)
        data = yaml.load(text, Loader=_RulesLoader)  # safe: SafeLoader, dates as text
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_problem(path, text, exc)) from None
    if data is None:
        return Rules()
    if not isinstance(data, dict):
        raise ConfigError(
            _problems(path, ["line 1: expected sections like `activity:` and `ranks:`"])
        )
    try:
        rules = Rules.model_validate(data)
    except ValidationError as exc:
        lines = _line_index(node)
        errors = exc.errors()
        problems = [_describe(error, lines) for error in errors[:MAX_PROBLEMS_SHOWN]]
        if len(errors) > MAX_PROBLEMS_SHOWN:
            problems.append(f"and {len(errors) - MAX_PROBLEMS_SHOWN} more")
        raise ConfigError(_problems(path, problems)) from None
    clashes = group_problems(rules.groups)
    if clashes:
        lines = _line_index(node)
        problems = [
            _describe({"loc": loc, "type": "value_error", "input": value, "msg": message}, lines)
            for loc, value, message in clashes[:5]
        ]
        raise ConfigError(_problems(path, problems)) from None
    return rules


def _problems(path: Path, problems: list[str]) -> str:
    """Every rules file mistake in one format: `rules.yaml: line N: ...; line M: ...`.

    The problems go in the order of their lines, whatever order validation found them in.
    """
    return f"{path.name}: " + "; ".join(sorted(problems, key=_line_of))


def _line_of(problem: str) -> int:
    numbered = re.match(r"line (\d+): ", problem)
    return int(numbered[1]) if numbered else sys.maxsize


def _yaml_problem(path: Path, text: str, exc: yaml.YAMLError) -> str:
    """A YAML syntax error as one line; a tab gets the plain words YAML's message lacks."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return f"{path.name}: not valid YAML ({problem})"
    where = f"line {mark.line + 1}"
    if "'\\t'" in problem or "tab character" in problem:
        lines = text.splitlines()
        before = lines[mark.line][: mark.column] if mark.line < len(lines) else ""
        if before.strip():
            column = f"a tab character at column {mark.column + 1}; use spaces, not tabs"
            return _problems(path, [f"{where}: {column}"])
        return _problems(path, [f"{where}: a tab character; use spaces, not tabs, to indent"])
    return _problems(path, [f"{where}: not valid YAML ({problem})"])


def _describe(error: Any, lines: dict[tuple[Any, ...], int]) -> str:
    location = tuple(error["loc"])
    line = None
    for depth in range(len(location), -1, -1):
        line = lines.get(location[:depth])
        if line is not None:
            break
    key = ".".join(str(part) for part in location) or "(top)"
    shown = error["type"] not in ("missing", "extra_forbidden")
    value = (
        f" = {error.get('input')!r}"
        if shown and not isinstance(error.get("input"), dict | list)
        else ""
    )
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = _unknown_key(location)
    return f"line {line or 1}: {key}{value}: {message}"


def _unknown_key(location: tuple[Any, ...]) -> str:
    """ "unknown key", with the known key it is closest to when one is close."""
    known = _keys_at(location[:-1])
    close = difflib.get_close_matches(str(location[-1]), known, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean `{close[0]}`?"
    return "unknown key (see rules.example.yaml for the keys there are)"


def _keys_at(location: tuple[Any, ...]) -> list[str]:
    """The keys the rules model takes at a location pydantic reports (for suggestions)."""
    kind: Any = Rules
    for part in location:
        kind = _inner(kind, part)
        if kind is None:
            return []
    kind = _unwrapped(kind)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return list(kind.model_fields)
    return []


def _inner(kind: Any, part: Any) -> Any:
    """The type one step into `kind`: a model's field, a list's item, a union's tagged member."""
    kind = _unwrapped(kind)
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        field = kind.model_fields.get(str(part))
        return None if field is None else field.annotation
    origin = get_origin(kind)
    if origin is list:
        return get_args(kind)[0] if isinstance(part, int) else None
    if origin is dict:
        return get_args(kind)[1]
    if origin in (Union, types.UnionType):  # a sync target: pydantic names its `kind`
        for member in map(_unwrapped, get_args(kind)):
            tag = getattr(member, "model_fields", {}).get("kind")
            if tag is not None and part in get_args(tag.annotation):
                return member
    return None


def _unwrapped(kind: Any) -> Any:
    """`kind` without Annotated[...] and without `| None`."""
    while True:
        origin = get_origin(kind)
        if origin is Annotated:
            kind = get_args(kind)[0]
        elif origin in (Union, types.UnionType) and type(None) in get_args(kind):
            members = [arg for arg in get_args(kind) if arg is not type(None)]
            if len(members) != 1:
                return kind
            kind = members[0]
        else:
            return kind


def _line_index(node: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Map each key path (as pydantic reports it) to its 1-based line in the file."""
    lines: dict[tuple[Any, ...], int] = {path: node.start_mark.line + 1} if node is not None else {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[(*path, key.value)] = key.start_mark.line + 1
            for sub, line in _line_index(value, (*path, key.value)).items():
                lines.setdefault(sub, line)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_line_index(item, (*path, index)))
    return lines
