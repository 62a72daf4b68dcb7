#!/usr/bin/env bash
# Image stage 1 ("build"): install from the lock file, which builds LightGBM from its PyPI sdist and our addon
# (the MLflow venv is skipped: the API does not need it), compile the API to dist/apps/api/main.js, then drop the dev
# dependencies.
# Run from the repository root. The Dockerfile runs exactly this; CI runs it too, in a scratch copy.
set -euo pipefail
cd "$(dirname "$0")/../.."
CREDIT_SCORING_SKIP_MLFLOW=1 npm ci --no-audit --no-fund
node tools/deploy/build-api.js
npm prune --omit=dev --no-audit --no-fund
