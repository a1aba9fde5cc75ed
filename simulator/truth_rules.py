"""The rules as the truth reads them: the fields of a parsed rules.yaml, as structural types.

A test hands the truth the rules ClanStats read from the test's rules.yaml (the reading itself is
tested on its own: tests/test_rules.py). The simulator imports nothing from ClanStats, so these
name only what the truth and its test read; ClanStats' `Rules` has each of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol


class ActivityRules(Protocol):
    """When a member counts as new, quiet or inactive."""

    @property
    def new_member_days(self) -> int: ...

    @property
    def quiet_after_days(self) -> int: ...

    @property
    def inactive_after_days(self) -> int: ...


class RemovalRules(Protocol):
    """Who is a removal candidate."""

    @property
    def min_tenure_days(self) -> int: ...

    @property
    def no_activity_days(self) -> int: ...


class PromotionRules(Protocol):
    """Whether an inactive member is held back from a promotion, and whether a player with alts
    is judged as one player ("person") or account by account ("account")."""

    @property
    def hold_inactive(self) -> bool: ...

    @property
    def judge(self) -> str: ...


class Rank(Protocol):
    """A rank on the ladder and what it needs, by metric."""

    @property
    def name(self) -> str: ...

    @property
    def requirements(self) -> Mapping[str, float]: ...


class Season(Protocol):
    """A season: its days and its points per unit of each metric."""

    @property
    def name(self) -> str: ...

    @property
    def start(self) -> date: ...

    @property
    def end(self) -> date: ...

    @property
    def points(self) -> Mapping[str, float]: ...


class Goal(Protocol):
    """A weekly clan goal."""

    @property
    def name(self) -> str: ...

    @property
    def metric(self) -> str: ...

    @property
    def target(self) -> float: ...


class CustomPeriod(Protocol):
    """The rules' extra window for period gains."""

    @property
    def start(self) -> date: ...

    @property
    def end(self) -> date: ...


class Absence(Protocol):
    """A leave of absence: a member by name, away from `start` to `until` (inclusive)."""

    @property
    def name(self) -> str: ...

    @property
    def start(self) -> date: ...

    @property
    def until(self) -> date: ...


class Rules(Protocol):
    """The parts of rules.yaml the truth works from."""

    @property
    def activity(self) -> ActivityRules: ...

    @property
    def removal(self) -> RemovalRules: ...

    @property
    def promotions(self) -> PromotionRules: ...

    @property
    def ranks(self) -> Sequence[Rank]: ...

    @property
    def seasons(self) -> Sequence[Season]: ...

    @property
    def goals(self) -> Sequence[Goal]: ...

    @property
    def custom_period(self) -> CustomPeriod | None: ...

    @property
    def absences(self) -> Sequence[Absence]: ...
