"""Calibration of the player model: kinds of player, and how each metric starts and grows."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Play time is split over these components; every raw metric grows with one of them.
COMBAT, SKILLING, BOSSING, MINIGAMES = range(4)
COMPONENTS = 4


@dataclass(frozen=True)
class Profile:
    """How one kind of player plays: how often, how long, on what, from what starting point."""

    name: str
    play_chance: float  # chance of playing on a given day
    hours: float  # median hours on a day played
    shares: tuple[float, float, float, float]  # of play time: combat, skilling, bossing, minigames
    log_xp: float  # log10 of a typical skill's experience when the history starts
    boss_chance: float  # chance of having done a given (averagely popular) boss
    log_kills: float  # log10 of typical kills at a boss done


PROFILES = (
    Profile("grinder", 0.85, 5.0, (0.35, 0.35, 0.2, 0.1), 6.75, 0.35, 2.0),
    Profile("casual", 0.35, 1.5, (0.3, 0.45, 0.1, 0.15), 5.7, 0.12, 1.2),
    Profile("bosser", 0.65, 3.5, (0.2, 0.1, 0.6, 0.1), 6.5, 0.45, 2.3),
    Profile("skiller", 0.7, 4.0, (0.0, 0.9, 0.02, 0.08), 6.3, 0.03, 0.8),
    Profile("quiet", 0.3, 1.5, (0.3, 0.45, 0.15, 0.1), 5.8, 0.12, 1.2),
    Profile("new", 0.6, 3.0, (0.45, 0.4, 0.05, 0.1), 5.0, 0.05, 0.7),
)
REGULAR_PROFILES = (0, 1, 2, 3)
REGULAR_PROFILE_WEIGHTS = (0.15, 0.4, 0.25, 0.2)
QUIET_PROFILE, NEW_PROFILE = 4, 5

COMBAT_SKILLS = frozenset(
    {"attack", "defence", "strength", "hitpoints", "ranged", "prayer", "magic", "slayer"}
)
MEMBERS_SKILLS = frozenset(
    {
        "agility",
        "herblore",
        "thieving",
        "fletching",
        "slayer",
        "farming",
        "construction",
        "hunter",
        "sailing",
    }
)
SKILL_LOG_OFFSET = {
    "hitpoints": 0.25,
    "attack": 0.1,
    "strength": 0.12,
    "defence": 0.05,
    "ranged": 0.1,
    "magic": 0.1,
    "prayer": -0.2,
    "slayer": -0.1,
    "agility": -0.2,
    "runecrafting": -0.3,
    "herblore": -0.2,
    "thieving": -0.1,
    "construction": -0.1,
    "hunter": -0.1,
    "sailing": -1.3,  # released November 2025: everyone is behind
}
HITPOINTS_START_XP = 1_154  # hitpoints starts at level 10
ZERKER_DEFENCE_XP = 61_512  # level 45
# Rough efficient rates of a main account (xp per hour); hitpoints comes free with combat.
EHP_RATES = {
    "attack": 150_000,
    "defence": 150_000,
    "strength": 150_000,
    "hitpoints": 0,
    "ranged": 250_000,
    "prayer": 900_000,
    "magic": 250_000,
    "cooking": 450_000,
    "woodcutting": 130_000,
    "fletching": 350_000,
    "fishing": 90_000,
    "firemaking": 380_000,
    "crafting": 330_000,
    "smithing": 350_000,
    "mining": 90_000,
    "herblore": 420_000,
    "agility": 65_000,
    "thieving": 250_000,
    "slayer": 60_000,
    "farming": 300_000,
    "runecrafting": 75_000,
    "hunter": 150_000,
    "construction": 850_000,
    "sailing": 100_000,
}
XP_PER_HOUR = {COMBAT: 110_000.0, SKILLING: 90_000.0}
IRON_SPEED = 0.6

BOSS_MIN_KILLS = 5  # the hiscores list a boss from 5 kills; fewer shows as -1
DEFAULT_KILLS_PER_HOUR = 20.0
EXTRA_KILLS_PER_HOUR = 10.0
KILLS_PER_HOUR = {
    "chambers_of_xeric": 3,
    "chambers_of_xeric_challenge_mode": 2,
    "theatre_of_blood": 3,
    "theatre_of_blood_hard_mode": 2,
    "tombs_of_amascut": 3,
    "tombs_of_amascut_expert": 2.5,
    "nightmare": 5,
    "phosanis_nightmare": 4,
    "nex": 6,
    "corporeal_beast": 6,
    "the_gauntlet": 6,
    "the_corrupted_gauntlet": 5,
    "tzkal_zuk": 1,
    "tztok_jad": 2,
    "sol_heredit": 1.5,
    "doom_of_mokhaiotl": 3,
    "yama": 6,
    "wintertodt": 6,
    "tempoross": 5,
    "zalcano": 12,
    "barrows_chests": 15,
    "lunar_chests": 12,
    "mimic": 1,
    "hespori": 8,
    "bryophyta": 10,
    "obor": 12,
}
# Skilling and minor bosses don't count towards efficient hours bossed.
NO_EHB_BOSSES = frozenset(
    {"wintertodt", "tempoross", "zalcano", "mimic", "hespori", "bryophyta", "obor", "lunar_chests"}
)
BOSS_POPULARITY = {
    "barrows_chests": 3.0,
    "wintertodt": 3.5,
    "tempoross": 2.5,
    "zulrah": 2.5,
    "vorkath": 2.5,
    "chambers_of_xeric": 2.5,
    "tombs_of_amascut": 2.5,
    "the_gauntlet": 2.0,
    "giant_mole": 2.0,
    "tztok_jad": 2.0,
    "scurrius": 2.0,
    "the_corrupted_gauntlet": 1.5,
    "theatre_of_blood": 1.5,
    "kalphite_queen": 1.5,
    "general_graardor": 1.5,
    "obor": 1.5,
    "bryophyta": 1.5,
    "nex": 0.5,
    "tombs_of_amascut_expert": 0.6,
    "mimic": 0.4,
    "chambers_of_xeric_challenge_mode": 0.3,
    "phosanis_nightmare": 0.3,
    "theatre_of_blood_hard_mode": 0.2,
    "tzkal_zuk": 0.2,
    "sol_heredit": 0.2,
}
F2P_BOSSES = frozenset({"obor", "bryophyta", "scurrius"})


@dataclass(frozen=True)
class ActivityParams:
    """Who does an activity, from what score, how fast, and the hiscores' minimum score."""

    chance: float
    offset: float
    log_score: float
    per_hour: float
    min_score: int
    component: int = MINIGAMES
    cap: float = math.inf


# The minimum scores approximate the OSRS hiscores'; below them the API shows -1.
ACTIVITY_PARAMS = {
    "bounty_hunter_hunter": ActivityParams(0.03, 0, 1.0, 2, 2),
    "bounty_hunter_rogue": ActivityParams(0.03, 0, 0.8, 1, 2),
    "clue_scrolls_beginner": ActivityParams(0.5, 0, 1.0, 1.0, 1),
    "clue_scrolls_easy": ActivityParams(0.7, 0, 1.5, 2.0, 1),
    "clue_scrolls_medium": ActivityParams(0.7, 0, 1.5, 1.5, 1),
    "clue_scrolls_hard": ActivityParams(0.6, 0, 1.4, 1.0, 1),
    "clue_scrolls_elite": ActivityParams(0.4, 0, 1.0, 0.4, 1),
    "clue_scrolls_master": ActivityParams(0.25, 0, 0.6, 0.15, 1),
    "last_man_standing": ActivityParams(0.2, 500, 2.0, 20, 500),
    "pvp_arena": ActivityParams(0.05, 2500, 1.5, 20, 2525),
    "soul_wars_zeal": ActivityParams(0.15, 0, 2.5, 40, 200),
    "guardians_of_the_rift": ActivityParams(0.35, 0, 1.8, 4, 2),
    "colosseum_glory": ActivityParams(0.1, 0, 3.3, 400, 300),
    # The collection log has about 1,700 slots.
    "collections_logged": ActivityParams(0.9, 0, 2.3, 0.4, 1, BOSSING, cap=1_699),
}

# Rank = n0 / (1 + (value / scale) ** 1.5): a made-up but monotonic hiscores curve.
RANK_CURVES = {"overall": (2_300_000, 3e7), "skill": (2_000_000, 1.5e6)}
RANK_CURVES |= {"boss": (400_000, 150.0), "activity": (600_000, 200.0)}
RANK_CURVES |= {"computed": (2_000_000, 300.0)}
