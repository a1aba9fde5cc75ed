"""ClanStats: run the pipeline (harvest -> ...) or one stage. `python main.py --help` for more."""

from __future__ import annotations

from clanstats.cli import main
from clanstats.quick_exit import exit_process

if __name__ == "__main__":
    exit_process(main())
