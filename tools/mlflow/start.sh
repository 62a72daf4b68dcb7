#!/usr/bin/env bash
# Starts the project's MLflow tracking server (sqlite backend + proxied artifacts) on loopback.
#
#   tools/mlflow/start.sh [--port N|--port 0] [--foreground]
#
# Store:  $MLFLOW_STORE_DIR (default <repo>/mlruns/) holds mlflow.db (runs, registry) and artifacts/.
# Port:   default 5000; 0 picks a free one.
# Background (default): waits until /health answers, writes tmp/mlflow/<store-key>.{pid,uri,log} and prints the
#   tracking URI as the LAST stdout line (`uri=$(tools/mlflow/start.sh --port 0 | tail -n 1)`). If a server for
#   the same store is already running it is reused and its URI printed. Stop it with tools/mlflow/stop.sh.
# --foreground: runs the server in this terminal (the `tracking:mlflow-ui` target / `npm run mlflow:ui`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mlflow="$here/.venv/bin/mlflow"
port=5000
foreground=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    --foreground) foreground=1; shift ;;
    *) echo "start.sh: unknown argument '$1' (expected --port N, --foreground)" >&2; exit 2 ;;
  esac
done
case "$port" in ''|*[!0-9]*) echo "start.sh: --port must be a number, got '$port'" >&2; exit 2 ;; esac
[ -x "$mlflow" ] || { echo "start.sh: $mlflow is missing; run tools/mlflow/setup.sh (npm ci does)" >&2; exit 1; }

store="${MLFLOW_STORE_DIR:-$root/mlruns}"
mkdir -p "$store/artifacts"
store="$(cd "$store" && pwd)"
# shellcheck source=/dev/null
source "$here/lib.sh"
state="$(state_prefix "$root" "$store")"

if [ "$port" = 0 ]; then
  port="$("$here/.venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
fi
args=(server
  --backend-store-uri "sqlite:///$store/mlflow.db"
  --artifacts-destination "$store/artifacts"
  --serve-artifacts
  --host 127.0.0.1 --port "$port"
  --workers 1)
# MLflow's background job runner (GenAI scorers, trace roll-ups) starts seven extra Python processes we never
# use; off by default here, which halves startup on 2 cores. Set the variable to true to get it back.
export MLFLOW_SERVER_ENABLE_JOB_EXECUTION="${MLFLOW_SERVER_ENABLE_JOB_EXECUTION:-false}"

if [ "$foreground" = 1 ]; then
  echo "MLflow UI: http://127.0.0.1:$port  (store: $store; Ctrl-C stops it)" >&2
  exec "$mlflow" "${args[@]}"
fi

if running_pid "$state" >/dev/null; then
  echo "start.sh: reusing the running server for $store" >&2
  cat "$state.uri"
  exit 0
fi
uri="http://127.0.0.1:$port"
# setsid: the server gets its own process group so stop.sh can end it and its uvicorn workers together.
setsid "$mlflow" "${args[@]}" >"$state.log" 2>&1 < /dev/null &
pid=$!
echo "$pid" > "$state.pid"
echo "$uri" > "$state.uri"

for _ in $(seq 1 240); do
  if curl -fsS -o /dev/null --max-time 2 "$uri/health" 2>/dev/null; then
    echo "MLflow server pid $pid, store $store, log $state.log" >&2
    echo "$uri"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start.sh: the MLflow server exited during startup; last lines of $state.log:" >&2
    tail -n 20 "$state.log" >&2
    rm -f "$state.pid" "$state.uri"
    exit 1
  fi
  sleep 0.5
done
echo "start.sh: MLflow did not answer $uri/health within 120 s; see $state.log" >&2
kill -- "-$pid" 2>/dev/null || true
rm -f "$state.pid" "$state.uri"
exit 1
