"""Stage backfill: fetch each member's past WOM snapshots (explicit, resumable, paced)."""

from __future__ import annotations

from clanstats.harvest.backfill import backfill_stage
from clanstats.quick_exit import exit_process
from clanstats.stage import run_stage


def main() -> int:
    """Run the backfill stage and return its exit code."""
    return run_stage("backfill", backfill_stage)


if __name__ == "__main__":
    exit_process(main())
