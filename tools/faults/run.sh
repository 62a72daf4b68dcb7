#!/usr/bin/env bash
# The fault suite (issue 18): every fault case, end to end, with real processes, sockets and files.
#
#   bash tools/faults/run.sh
#
# Each case is a Jest spec that drives the real thing (child processes for the CLI and the API, real sockets, a
# real LightGBM, /dev/full for a full disk); this script runs them together and says which case failed.
#   corrupt model       libs/lightgbm  model-text.spec.ts   every 1 % truncation and 1000 byte corruptions, in a child
#   native arguments    libs/lightgbm  arguments.spec.ts    wrong types; a getter that frees the booster mid-call
#   truncated model.lgb apps/api       deadlines.spec.ts    the API answers /ready 503 with a reason, keeps running
#   stalled upload      apps/api       deadlines.spec.ts    7 of 100 body bytes: 408 and closed at REQUEST_TIMEOUT_MS
#   SIGTERM             apps/api       deadlines.spec.ts    exit 0 within SHUTDOWN_TIMEOUT_MS with a request held open
#   wrong API keys      apps/api       api-key.spec.ts      401, then 429 per client IP
#   prediction log      apps/api       prediction-log.spec.ts full SQLite / dropped PostgreSQL: scoring 200, errors counted
#                       libs/monitoring writer.spec.ts       the SQLite file is 0600
#   exit statuses       apps/trainer   exit-status.spec.ts  bad CSVs → 2, drift 0/1, drift I/O (full disk, not a dir,
#                                                            read-only) → 2
#   drift input         libs/drift     load.spec.ts         short rows, blank lines, truncation rejected
#   interrupted generate libs/data     atomic-write.spec.ts a failed or SIGKILLed run leaves no partial table
# Exit status: 0 all cases pass, 1 a case failed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export OMP_WAIT_POLICY=PASSIVE

cases=(
  "corrupt model text|libs/lightgbm/jest.config.js|src/model-text.spec.ts"
  "native argument checks|libs/lightgbm/jest.config.js|src/arguments.spec.ts"
  "API deadlines and truncated model.lgb|apps/api/jest.config.js|src/deadlines.spec.ts"
  "API key failures and prediction log failures|apps/api/jest.config.js|src/plugins/api-key.spec.ts src/prediction-log.spec.ts"
  "prediction log writer and file mode|libs/monitoring/jest.config.js|src/writer.spec.ts"
  "trainer exit statuses|apps/trainer/jest.config.js|src/exit-status.spec.ts"
  "drift input checks|libs/drift/jest.config.js|src/load.spec.ts"
  "atomic generate|libs/data/jest.config.js|src/synthetic/atomic-write.spec.ts"
)
failed=()
for entry in "${cases[@]}"; do
  IFS='|' read -r name config files <<< "$entry"
  echo "== $name"
  log="$(mktemp)"
  # shellcheck disable=SC2086
  npx jest -c "$config" $files > "$log" 2>&1 || failed+=("$name")
  grep -E '✓|✕|○|Tests:' "$log" | sed 's/^/  /'
  rm -f "$log"
done
echo
if [ "${#failed[@]}" -eq 0 ]; then
  echo "fault suite: all ${#cases[@]} groups pass"
else
  printf 'fault suite: FAILED: %s\n' "${failed[@]}"
  exit 1
fi
