#!/usr/bin/env bash
# Set up (if needed), lint, and run the whole offline test suite. The web-page tests drive Debian's
# Chromium (no browser download) and the memo test renders PDF pages with pdftoppm (poppler-utils); both are installed here when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then
  echo "eprof: installing Debian's chromium and poppler-utils (pdftoppm) for the browser and memo tests..."
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y -q chromium poppler-utils >/dev/null || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q chromium poppler-utils >/dev/null; }
fi
.venv/bin/ruff check .  # lint first: pyflakes and bugbear rules, see pyproject.toml
exec .venv/bin/python -m pytest "$@"
