#!/usr/bin/env bash
# Creates tools/mlflow/.venv (git-ignored) with the pinned MLflow server and its Python interop stack.
# Idempotent: a stamp holding the checksum of requirements.txt (and the Python version) skips the work
# when nothing changed; a changed pin reinstalls into the same venv. Called by `npm ci` via postinstall.js.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
stamp="$venv/.requirements.sha256"

if [ "${CREDIT_SCORING_SKIP_SETUP:-}" = "1" ]; then
  echo "[mlflow] setup skipped (CREDIT_SCORING_SKIP_SETUP=1)"
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "[mlflow] python3 (>= 3.10, with the venv module) is required to install the MLflow tracking server; install it and re-run tools/mlflow/setup.sh" >&2
  exit 1
fi

want="$( { sha256sum "$here/requirements.txt" | cut -d' ' -f1; python3 --version; } | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/mlflow" ]; then
  echo "[mlflow] virtualenv up to date ($venv)"
  exit 0
fi

echo "[mlflow] creating $venv (this takes a few minutes the first time)"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || {
    echo "[mlflow] 'python3 -m venv' failed: install the venv module (e.g. apt-get install python3-venv)" >&2
    rm -rf "$venv"; exit 1; }
fi
rm -f "$stamp"   # no stamp while installing: an interrupted install is retried next time
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
"$venv/bin/mlflow" --version
echo "$want" > "$stamp"
