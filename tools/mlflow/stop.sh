#!/usr/bin/env bash
# Stops the MLflow server that tools/mlflow/start.sh started for $MLFLOW_STORE_DIR (default <repo>/mlruns/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
store="${MLFLOW_STORE_DIR:-$root/mlruns}"
[ -d "$store" ] && store="$(cd "$store" && pwd)"
# shellcheck source=/dev/null
source "$here/lib.sh"
state="$(state_prefix "$root" "$store")"
if ! pid="$(running_pid "$state")"; then
  echo "stop.sh: no running MLflow server recorded for $store" >&2
  rm -f "$state.pid" "$state.uri"
  exit 0
fi
kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
for _ in $(seq 1 40); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.25
done
kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
rm -f "$state.pid" "$state.uri"
echo "stop.sh: stopped MLflow server $pid ($store)" >&2
