#!/usr/bin/env bash
# Set up (if needed), then run eprof's main job on the bundled demo corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/eprof demo "$@"
