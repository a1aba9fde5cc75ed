#!/usr/bin/env bash
# Set up ClanStats (.venv with pinned packages, .env, rules.yaml). Hands over to Python at once.
# Usage: ./setup.sh [--dev]
cd "$(dirname "$0")" || exit 2
PYTHON="${PYTHON:-$(command -v python3 || command -v python)}"
if [ -z "$PYTHON" ]; then
  echo "setup: Python 3.11 or newer is needed: install it (e.g. apt install python3 python3-venv)" >&2
  exit 2
fi
exec "$PYTHON" scripts/bootstrap.py "$@"
