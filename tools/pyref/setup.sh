#!/usr/bin/env bash
# Creates tools/pyref/.venv with the pinned Python reference stack (pandas, lightgbm, scikit-learn, scipy).
# Used by the scripts that produce golden files and by the benchmarks that run Python side by side with ours.
set -euo pipefail
exec bash "$(dirname "$0")/../setup/venv.sh" "$(dirname "$0")"
