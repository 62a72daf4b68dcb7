#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster for the tests and benchmarks (Debian's postgresql 15 binaries).
#
#   tools/postgres/start.sh [--port N|--port 0]      # prints DATABASE_URL as the LAST stdout line
#   DATABASE_URL=$(tools/postgres/start.sh --port 0 | tail -n 1)
#
# Cluster: $PG_CLUSTER_DIR (default <repo>/tmp/postgres), created by initdb on first use, owned by the non-root user
#   $PG_USER (default postgres: the server refuses to run as root). Loopback only, trust authentication: it holds
#   test data only and must never be exposed. A running cluster for the same folder is reused and its URL printed.
# Stop it with tools/postgres/stop.sh (same PG_CLUSTER_DIR).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# Debian/Ubuntu put each major version under /usr/lib/postgresql/N/bin: take the newest unless PG_BIN says.
newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
bin="${PG_BIN:-${newest:-/usr/lib/postgresql/15/bin}}"
user="${PG_USER:-postgres}"
port=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    --port=*) port="${1#--port=}"; shift ;;
    *) echo "start.sh: unknown argument '$1' (expected --port N)" >&2; exit 2 ;;
  esac
done
case "$port" in ''|*[!0-9]*) echo "start.sh: --port must be a number, got '$port'" >&2; exit 2 ;; esac
[ -x "$bin/initdb" ] || { echo "start.sh: $bin/initdb is missing; install Debian's postgresql" >&2; exit 1; }
id "$user" >/dev/null 2>&1 || { echo "start.sh: user '$user' does not exist (set PG_USER)" >&2; exit 1; }

cluster="${PG_CLUSTER_DIR:-$root/tmp/postgres}"
mkdir -p "$cluster"
cluster="$(cd "$cluster" && pwd)"
data="$cluster/data"
as_user() {
  if [ "$(id -un)" = "$user" ]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

url_file="$cluster/url"
if [ -f "$data/postmaster.pid" ] && [ -f "$url_file" ] && as_user "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  tail -n 1 "$url_file"
  exit 0
fi

if [ ! -f "$data/PG_VERSION" ]; then
  rm -rf "$data"
  install -d -o "$user" -m 700 "$data"
  as_user "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$cluster/initdb.log" 2>&1 ||
    { echo "start.sh: initdb failed (see $cluster/initdb.log)" >&2; exit 1; }
fi
chown "$user" "$cluster"

if [ "$port" = 0 ]; then
  # stdout.write, not console.log: under nx (FORCE_COLOR) console.log colours a number with ANSI codes.
  port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})")"
fi
# The socket goes in the cluster folder (no write access to /var/run/postgresql needed); fsync stays on, so the
# durability the tests measure is the real one.
as_user "$bin/pg_ctl" -D "$data" -l "$cluster/server.log" -w -t 60 start \
  -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$cluster -c max_connections=100" >/dev/null ||
  { echo "start.sh: the server did not start (see $cluster/server.log)" >&2; exit 1; }
as_user "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc \
  "SELECT 1 FROM pg_database WHERE datname = 'monitoring'" | grep -q 1 ||
  as_user "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres monitoring
url="postgres://postgres@127.0.0.1:$port/monitoring"
echo "$url" >"$url_file"
echo "$url"
