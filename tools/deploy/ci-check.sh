#!/usr/bin/env bash
# Runs the image's build steps natively (no Docker engine here): a scratch clone goes through tools/deploy/build.sh,
# a small model is trained and exported as the bundle, assemble.sh lays out the runtime folder and smoke.sh serves
# and scores from it. Needs MLFLOW_TRACKING_URI. Records its outcome for tools/jest/summarize.js as one check.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$root/tmp/deploy-check"
result="$root/tmp/test-results/deploy-check.json"
mkdir -p "$(dirname "$result")"
record() { echo "{\"project\":\"deploy-check\",\"passed\":$1,\"failed\":$2,\"skipped\":0,\"failedSuites\":0}" > "$result"; }
record 0 1
set -e
rm -rf "$work" && mkdir -p "$work"
git -C "$root" clone -q "$root" "$work/src"
# Reuse the LightGBM build of this checkout: same pinned sdist, so build.sh finds it cached instead of recompiling.
[ -d "$root/libs/lightgbm/vendor" ] && cp -a "$root/libs/lightgbm/vendor" "$work/src/libs/lightgbm/"
(cd "$work/src" && bash tools/deploy/build.sh) > "$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
name="deploy-check-$$"
(cd "$root" && npx tsx apps/trainer/src/main.ts run --rows 3000 --models lightgbm --budget 1 --folds 2 \
  --experiment deploy-check --model-name "$name" --alias champion --no-bundle) > "$work/train.log" 2>&1 || { tail -30 "$work/train.log"; exit 1; }
(cd "$root" && npx tsx apps/trainer/src/main.ts export --name "$name" --alias champion --out "$work/bundle")
bash "$work/src/tools/deploy/assemble.sh" "$work/app" "$work/bundle"
bash "$root/tools/deploy/smoke.sh" "$work/app"
record 1 0
