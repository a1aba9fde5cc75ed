"""Stage harvest: the clan's state and new events from Wise Old Man, then Discord activity."""

from __future__ import annotations

from clanstats.harvest.stage import harvest_stage
from clanstats.quick_exit import exit_process
from clanstats.stage import run_stage


def main() -> int:
    """Run the harvest stage and return its exit code."""
    return run_stage("harvest", harvest_stage)


if __name__ == "__main__":
    exit_process(main())
