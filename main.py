"""ClanStats: run the pipeline (harvest -> ...) or one stage. `python main.py --help` for more."""

from __future__ import annotations

import sys

from clanstats.cli import main

if __name__ == "__main__":
    sys.exit(main())
