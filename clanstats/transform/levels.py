"""The OSRS experience table: a skill's level from its experience, and a total level.

Levels stop at 99 (the virtual levels up to 126 exist only in the table); 200M is the most
experience a skill can hold.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping

MAX_LEVEL = 99
MAX_VIRTUAL_LEVEL = 126
MAX_SKILL_EXPERIENCE = 200_000_000
OVERALL = "overall"


def _build_experience_table() -> tuple[int, ...]:
    """Return the experience needed for levels 1..126 with the game's formula."""
    table = [0]
    points = 0
    for level in range(1, MAX_VIRTUAL_LEVEL):
        points += int(level + 300 * 2 ** (level / 7))
        table.append(points // 4)
    return tuple(table)


# EXPERIENCE_TABLE[level - 1] is the experience at which `level` is reached.
EXPERIENCE_TABLE: tuple[int, ...] = _build_experience_table()
MAXED_EXPERIENCE = EXPERIENCE_TABLE[MAX_LEVEL - 1]  # 13,034,431


def experience_for_level(level: int) -> int:
    """Return the experience at which `level` (1..126) is reached."""
    if not 1 <= level <= MAX_VIRTUAL_LEVEL:
        raise ValueError(f"level must be within 1..{MAX_VIRTUAL_LEVEL}, got {level}")
    return EXPERIENCE_TABLE[level - 1]


def level_for_experience(xp: float) -> int:
    """Return the skill level (1..99) for an amount of experience; -1 (unranked) counts as 1."""
    return max(1, min(MAX_LEVEL, bisect_right(EXPERIENCE_TABLE, xp)))


def total_level(skill_xp: Mapping[str, float | None]) -> int | None:
    """Sum the levels of the skills' experience (`overall` ignored); None if none is known.

    An unknown skill (None: WOM's -1, the player is unranked in it) counts as level 1, so the
    total is a lower bound: a requirement it meets is surely met.
    """
    skills = {name: xp for name, xp in skill_xp.items() if name != OVERALL}
    if all(xp is None for xp in skills.values()):
        return None
    return sum(1 if xp is None else level_for_experience(xp) for xp in skills.values())


COMBAT_SKILLS = ("attack", "strength", "defence", "hitpoints", "prayer", "ranged", "magic")
MAX_COMBAT_LEVEL = 126


def combat_level(skill_xp: Mapping[str, float | None]) -> int:
    """The OSRS combat level from the combat skills' experience.

    An unknown or missing combat skill counts as level 1, like an unknown skill in the total.
    """
    level = {
        skill: 1 if skill_xp.get(skill) is None else level_for_experience(skill_xp[skill] or 0)
        for skill in COMBAT_SKILLS
    }
    # The game's formula, floor(1/4 (Def + HP + Pray/2) + 13/40 max(Att + Str, 3/2 Rng, 3/2 Mag)),
    # in whole numbers (x40) so no rounding can drop a level at an exact boundary.
    base = 10 * (level["defence"] + level["hitpoints"] + level["prayer"] // 2)
    style = max(
        level["attack"] + level["strength"], level["ranged"] * 3 // 2, level["magic"] * 3 // 2
    )
    return (base + 13 * style) // 40
