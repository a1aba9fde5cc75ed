"""Wise Old Man metric names (mid-2026) and the OSRS experience table."""

from __future__ import annotations

from bisect import bisect_right

__all__ = [
    "ACTIVITIES",
    "ALL_METRICS",
    "BOSSES",
    "COMPUTED",
    "EXPERIENCE_TABLE",
    "MAXED_EXPERIENCE",
    "MAX_LEVEL",
    "MAX_SKILL_EXPERIENCE",
    "MAX_VIRTUAL_LEVEL",
    "SKILLS",
    "experience_for_level",
    "level_for_experience",
]

MAX_LEVEL = 99
MAX_VIRTUAL_LEVEL = 126
MAX_SKILL_EXPERIENCE = 200_000_000


def _build_experience_table() -> tuple[int, ...]:
    """Return the experience needed for levels 1..126 with the game's formula."""
    table = [0]
    points = 0
    for level in range(1, MAX_VIRTUAL_LEVEL):
        points += int(level + 300 * 2 ** (level / 7))
        table.append(points // 4)
    return tuple(table)


# Worked out here, not taken from the transform: the simulator imports nothing from ClanStats,
# so a wrong table there shows up against the simulated clan instead of agreeing with it.
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


SKILLS: tuple[str, ...] = (
    "overall",
    "attack",
    "defence",
    "strength",
    "hitpoints",
    "ranged",
    "prayer",
    "magic",
    "cooking",
    "woodcutting",
    "fletching",
    "fishing",
    "firemaking",
    "crafting",
    "smithing",
    "mining",
    "herblore",
    "agility",
    "thieving",
    "slayer",
    "farming",
    "runecrafting",
    "hunter",
    "construction",
    "sailing",
)

BOSSES: tuple[str, ...] = (
    "abyssal_sire",
    "alchemical_hydra",
    "amoxliatl",
    "araxxor",
    "artio",
    "barrows_chests",
    "brutus",
    "bryophyta",
    "callisto",
    "calvarion",
    "cerberus",
    "chambers_of_xeric",
    "chambers_of_xeric_challenge_mode",
    "chaos_elemental",
    "chaos_fanatic",
    "commander_zilyana",
    "corporeal_beast",
    "crazy_archaeologist",
    "dagannoth_prime",
    "dagannoth_rex",
    "dagannoth_supreme",
    "deranged_archaeologist",
    "doom_of_mokhaiotl",
    "duke_sucellus",
    "general_graardor",
    "giant_mole",
    "grotesque_guardians",
    "hespori",
    "kalphite_queen",
    "king_black_dragon",
    "kraken",
    "kreearra",
    "kril_tsutsaroth",
    "lunar_chests",
    "mad_angel",
    "maggot_king",
    "mimic",
    "nex",
    "nightmare",
    "phosanis_nightmare",
    "obor",
    "phantom_muspah",
    "sarachnis",
    "scorpia",
    "scurrius",
    "shellbane_gryphon",
    "skotizo",
    "sol_heredit",
    "spindel",
    "tempoross",
    "the_gauntlet",
    "the_corrupted_gauntlet",
    "the_hueycoatl",
    "the_leviathan",
    "the_royal_titans",
    "the_whisperer",
    "theatre_of_blood",
    "theatre_of_blood_hard_mode",
    "thermonuclear_smoke_devil",
    "tombs_of_amascut",
    "tombs_of_amascut_expert",
    "tzkal_zuk",
    "tztok_jad",
    "vardorvis",
    "venenatis",
    "vetion",
    "vorkath",
    "wintertodt",
    "yama",
    "zalcano",
    "zulrah",
)

ACTIVITIES: tuple[str, ...] = (
    "bounty_hunter_hunter",
    "bounty_hunter_rogue",
    "clue_scrolls_all",
    "clue_scrolls_beginner",
    "clue_scrolls_easy",
    "clue_scrolls_medium",
    "clue_scrolls_hard",
    "clue_scrolls_elite",
    "clue_scrolls_master",
    "last_man_standing",
    "pvp_arena",
    "soul_wars_zeal",
    "guardians_of_the_rift",
    "colosseum_glory",
    "collections_logged",
)

COMPUTED: tuple[str, ...] = ("ehp", "ehb")

ALL_METRICS: tuple[str, ...] = SKILLS + BOSSES + ACTIVITIES + COMPUTED
