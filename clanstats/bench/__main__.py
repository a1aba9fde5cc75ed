"""`python -m clanstats.bench`: see `clanstats.bench.cli`."""

import sys

from clanstats.demo import simulator_required
from clanstats.errors import ConfigError

try:
    with simulator_required("the benchmark"):
        from clanstats.bench.cli import main
except ConfigError as exc:
    print(f"bench: {exc}", file=sys.stderr)
    sys.exit(exc.exit_code)
sys.exit(main())
