#!/usr/bin/env bash
# Creates (or updates) DIR/.venv from DIR/requirements.txt, skipping the work when a stamp holding the checksum of
# the requirements and the Python version says it is current. Used by the dev-only Python stacks (tools/pyref,
# tools/drift). Usage: tools/setup/venv.sh DIR
set -euo pipefail
dir="$(cd "${1:?usage: venv.sh DIR}" && pwd)"
venv="$dir/.venv"
stamp="$venv/.requirements.sha256"
command -v python3 >/dev/null || { echo "$dir: python3 (with the venv module) is required" >&2; exit 1; }
want="$( { sha256sum "$dir/requirements.txt" | cut -d' ' -f1; python3 --version; } | sha256sum | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
rm -f "$stamp" # no stamp while installing: an interrupted install is retried next time
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$dir/requirements.txt"
echo "$want" > "$stamp"
