"""`python -m clanstats.bench`: see `clanstats.bench.cli`."""

import sys

from clanstats.bench.cli import main

sys.exit(main())
