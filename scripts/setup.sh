#!/usr/bin/env bash
# Create ./.venv with eprof and its pinned dependencies. Idempotent: reinstalls only when
# pyproject.toml or constraints.txt changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."
py=""
for candidate in python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    py=$candidate; break
  fi
done
[ -n "$py" ] || { echo "eprof needs Python 3.11 or newer on PATH" >&2; exit 1; }
stamp=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
[ -x .venv/bin/python ] || "$py" -m venv .venv
if [ "$(cat .venv/.eprof-stamp 2>/dev/null)" != "$stamp" ]; then
  echo "eprof: installing dependencies into .venv (first run takes a few minutes)..."
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[dev]"
  echo "$stamp" > .venv/.eprof-stamp
fi
