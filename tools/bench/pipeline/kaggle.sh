#!/usr/bin/env bash
# The main job at Kaggle scale: generated applicants with all seven tables (tens of millions of side rows), end to
# end through the trainer (search + CV on a stratified sample, final fits on the whole training part, threshold,
# plots, registry). Records wall time, time, peak RSS and CPU per stage (RSS and CPU ticks of the trainer sampled every second) and the
# trainer's report under tmp/bench-pipeline/<rows>-<label>/; tools/bench/pipeline/section.js writes the runs into
# docs/benchmarks.md, section "pipeline".
# Usage (from the repository root, under `flock /tmp/heavy.lock`):
#   tools/bench/pipeline/kaggle.sh LABEL [extra trainer flags]      ROWS=1000000 for another size (default 307511)
set -euo pipefail
cd "$(dirname "$0")/../../.."
label=${1:?usage: kaggle.sh LABEL [trainer flags]}
shift
rows=${ROWS:-307511}
seed=42
data="data/generated/${rows}-seed${seed}"
[ -f "$data/application_train.csv" ] || npx tsx apps/trainer/src/main.ts generate --rows "$rows" --seed $seed --out "$data"
out="tmp/bench-pipeline/${rows}-${label}"
rm -rf "$out" && mkdir -p "$out"
flags=(--data-dir "$data" --experiment credit-scoring-kaggle-bench --model-name credit-scoring-kaggle-bench "$@")
{
  echo "{\"label\": \"$label\", \"rows\": $rows, \"commit\": \"$(git rev-parse --short HEAD)\","
  echo " \"started\": \"$(date -u +%FT%TZ)\", \"loadBefore\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
  echo " \"command\": \"tools/bench/pipeline/kaggle.sh $label $*\"}"
} > "$out/run.json"
# The tables read once before the clock starts: this machine's memory reclaim evicts them from the page cache between
# runs, and a run that read them from disk stalled on I/O for up to a minute (session 13: /proc/pressure/io "full"
# 30 %), which is the disk's figure, not the code's.
cat "$data"/*.csv > /dev/null
start=$(date +%s)
# stderr lines stamped with seconds since the start, so the RSS samples can be assigned to the stage running then
/usr/bin/time -v npx tsx apps/trainer/src/main.ts run "${flags[@]}" --report "$out/report.md" \
  2> >(while IFS= read -r line; do echo "$(($(date +%s) - start)) $line"; done > "$out/stderr") > "$out/stdout" &
pid=$!
while kill -0 $pid 2>/dev/null; do
  rss=0
  for p in $(pgrep -f 'apps/trainer/src/main.ts run --data-dir '"$data"); do
    r=$(awk '/VmRSS/{print $2}' "/proc/$p/status" 2>/dev/null || true)
    [ -n "$r" ] && [ "$r" -gt "$rss" ] && rss=$r
  done
  echo "$(($(date +%s) - start)) $rss" >> "$out/rss"
  # CPU (user + system, clock ticks) of the trainer's processes so far: per-stage use of the 2 cores
  ticks=$(for p in $(pgrep -f 'apps/trainer/src/main.ts run --data-dir '"$data"); do
    awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || true
  done | awk '{s += $1} END {print s + 0}')
  echo "$(($(date +%s) - start)) $ticks" >> "$out/cpu"
  sleep 1
done
wait $pid || { echo "trainer failed, see $out/stderr" >&2; exit 1; }
echo "$(cut -d' ' -f1-3 /proc/loadavg)" > "$out/load-after"
echo "recorded in $out; write the section with: node tools/bench/pipeline/section.js"
