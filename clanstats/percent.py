"""A weekly goal's percent done: the one rule the workbook, clan_data.json, the dashboard and the
public summary all follow (spec: "Goals and percentages").
"""

from __future__ import annotations

import math
from decimal import Decimal

DONE = 100


def goal_percent(progress: float, target: float) -> int:
    """floor(100 * progress / target) from 0 to 100; 100 only when progress >= target."""
    if progress >= target:
        return DONE
    if target <= 0:
        return 0  # progress is below a target of 0 or less: nothing to measure it against
    # The numbers as people read them ("0.57"), not their binary floats: 100 * 0.57 in floating
    # point is 56.99999999999999, which would floor to 56.
    share = Decimal(repr(progress)) * DONE / Decimal(repr(target))
    # Not met is never 100, however close it gets.
    return max(0, min(DONE - 1, math.floor(share)))
