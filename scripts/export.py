"""Stage export: clan_data.json, the dashboard, the public summary and the Eleventy bundle."""

from __future__ import annotations

from clanstats.export.stage import export_stage
from clanstats.quick_exit import exit_process
from clanstats.stage import run_stage


def main() -> int:
    """Run the export stage and return its exit code."""
    return run_stage("export", export_stage)


if __name__ == "__main__":
    exit_process(main())
