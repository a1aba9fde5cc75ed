"""Stage transform: derive identity links and every derived table from the raw data."""

from __future__ import annotations

from clanstats.quick_exit import exit_process
from clanstats.stage import run_stage
from clanstats.transform.stage import transform_stage


def main() -> int:
    """Run the transform stage and return its exit code."""
    return run_stage("transform", transform_stage)


if __name__ == "__main__":
    exit_process(main())
