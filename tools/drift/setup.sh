#!/usr/bin/env bash
# Creates tools/drift/.venv with a pinned Evidently (see requirements.txt) for compare_evidently.py and the
# side-by-side drift benchmark. Dev only: CI uses the committed golden files in libs/drift/test-fixtures/.
set -euo pipefail
exec bash "$(dirname "$0")/../setup/venv.sh" "$(dirname "$0")"
