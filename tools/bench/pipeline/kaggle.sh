#!/usr/bin/env bash
# The main job at Kaggle scale: 307,511 generated applicants with all seven tables (tens of millions of side rows),
# end to end through the trainer (search + CV on a stratified sample, final fits on the whole training part,
# threshold, plots, registry). Writes the stage times to docs/benchmarks.md, section "pipeline".
# Usage: tools/bench/pipeline/kaggle.sh [extra trainer flags]     (run from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../../.."
rows=307511
seed=42
data="data/generated/${rows}-seed${seed}"
[ -f "$data/application_train.csv" ] || npx tsx apps/trainer/src/main.ts generate --rows $rows --seed $seed --out "$data"
report=tmp/bench-pipeline-kaggle.md
mkdir -p tmp
flags=(--data-dir "$data" --experiment credit-scoring-kaggle-bench --model-name credit-scoring-kaggle-bench "$@")
/usr/bin/time -v npx tsx apps/trainer/src/main.ts run "${flags[@]}" --report "$report" 2> >(tee tmp/bench-pipeline-kaggle.err >&2)
peak=$(grep 'Maximum resident set size' tmp/bench-pipeline-kaggle.err | awk '{print $NF}')
node -e '
const fs = require("fs");
const [report, peakKb, command] = process.argv.slice(1);
const body = fs.readFileSync(report, "utf8").replace(/^# Results\n/, "").replace(/Written by the trainer on/, "Trainer run on").replace(/^## /gm, "### ");
const md = `## pipeline\n\nThe main job on Kaggle-scale generated data (307,511 applicants, seed 42, all seven tables), 2 cores, ${new Date().toISOString().slice(0, 10)}.\nCommand: \`${command}\`. Peak RSS of the trainer process: ${(peakKb / 1024 / 1024).toFixed(1)} GB.\n${body}`;
require("./tools/bench/write-section.js").writeSection("pipeline", md);
' "$report" "${peak:-0}" "tools/bench/pipeline/kaggle.sh $*"
echo "written to docs/benchmarks.md (section pipeline)"
