"""Stage sync: deliver the newest outputs to folders, a signed HTTP receiver and Discord."""

from __future__ import annotations

from clanstats.quick_exit import exit_process
from clanstats.stage import run_stage
from clanstats.sync.stage import sync_stage


def main() -> int:
    """Run the sync stage and return its exit code."""
    return run_stage("sync", sync_stage)


if __name__ == "__main__":
    exit_process(main())
