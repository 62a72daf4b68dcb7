#!/usr/bin/env bash
# Creates tools/pyref/.venv with the pinned Python reference stack (pandas, lightgbm, scikit-learn, scipy).
# Used by the scripts that produce golden files and by the benchmarks that run Python side by side with ours.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
command -v python3 >/dev/null || { echo "tools/pyref: python3 is required" >&2; exit 1; }
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
echo "$want" > "$stamp"
