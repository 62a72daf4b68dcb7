# Helpers shared by start.sh and stop.sh (sourced, not run).

# state_prefix ROOT STORE -> ROOT/tmp/mlflow/<key>: pid/uri/log files of the server for that store dir.
# The key is derived from the absolute store path so several stores (dev, CI, tests) can run side by side.
state_prefix() {
  local key
  key="$(printf '%s' "$2" | sha256sum | cut -c1-12)"
  mkdir -p "$1/tmp/mlflow"
  printf '%s/tmp/mlflow/%s' "$1" "$key"
}

# running_pid PREFIX -> prints the pid if the recorded server is still alive.
running_pid() {
  local pid
  [ -f "$1.pid" ] || return 1
  pid="$(cat "$1.pid")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}
