#!/usr/bin/env bash
# Run ClanStats (set up first if needed); any arguments go to main.py; its exit code is ours.
cd "$(dirname "$0")" || exit 2
if [ ! -x .venv/bin/python ]; then
  ./setup.sh --from-run-auto || exit $?
fi
exec .venv/bin/python main.py "$@"
