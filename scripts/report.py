"""Stage report: write the officers' Excel workbook from the derived tables."""

from __future__ import annotations

from clanstats.quick_exit import exit_process
from clanstats.report.stage import report_stage
from clanstats.stage import run_stage


def main() -> int:
    """Run the report stage and return its exit code."""
    return run_stage("report", report_stage)


if __name__ == "__main__":
    exit_process(main())
