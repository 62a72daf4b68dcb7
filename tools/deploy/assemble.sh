#!/usr/bin/env bash
# Image stage 2 ("runtime") contents: copies what the API needs to run into OUT — the installed runtime
# node_modules, the compiled API (dist/apps/api, built by tools/deploy/build-api.js; the libs are bundled in it), the
# built LightGBM library and addon, and a model bundle. No TypeScript source goes into the image.
# Usage: tools/deploy/assemble.sh OUT BUNDLE_DIR   (run from an installed repository)
set -euo pipefail
out=${1:?usage: assemble.sh OUT BUNDLE_DIR}
bundle=${2:?usage: assemble.sh OUT BUNDLE_DIR}
root="$(cd "$(dirname "$0")/../.." && pwd)"
for f in MLmodel model.lgb feature_pipeline.json threshold.json metrics.json; do
  [ -f "$bundle/$f" ] || { echo "assemble: $bundle/$f is missing (export a model with: npm run trainer -- export --out $bundle)" >&2; exit 1; }
done
[ -n "$(ls "$root"/libs/lightgbm/build/Release/*.node 2>/dev/null)" ] || { echo "assemble: the LightGBM addon is not built (run npm ci)" >&2; exit 1; }
[ -f "$root/dist/apps/api/main.js" ] || { echo "assemble: the API is not compiled (run npm run build:api)" >&2; exit 1; }
rm -rf "$out" && mkdir -p "$out/libs/lightgbm" "$out/dist/apps"
# nx.json marks the workspace root (workspaceRoot() looks for it); main.js finds the addon at ../../../libs/lightgbm.
cp "$root"/package.json "$root"/nx.json "$out/"
cp -a "$root/node_modules" "$out/"
cp -a "$root/dist/apps/api" "$out/dist/apps/"
# The decision desk's page (GET /app): static files the API reads from <workspace root>/apps/api/desk.
mkdir -p "$out/apps/api" && cp -a "$root/apps/api/desk" "$out/apps/api/"
cp -a "$root/libs/lightgbm/build" "$out/libs/lightgbm/"
[ -d "$root/libs/lightgbm/vendor" ] && mkdir -p "$out/libs/lightgbm/vendor" && cp -a "$root/libs/lightgbm/vendor/lib" "$out/libs/lightgbm/vendor/" 2>/dev/null || true
cp -a "$bundle" "$out/dist/model-bundle"
echo "assembled $(du -sh "$out" | cut -f1) in $out"
