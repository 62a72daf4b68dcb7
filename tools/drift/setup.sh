#!/usr/bin/env bash
# Creates tools/drift/.venv with a pinned Evidently (see requirements.txt) for compare_evidently.py and the
# side-by-side drift benchmark. Dev only: CI uses the committed golden files in libs/drift/test-fixtures/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
command -v python3 >/dev/null || { echo "tools/drift: python3 is required" >&2; exit 1; }
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
echo "$want" > "$stamp"
