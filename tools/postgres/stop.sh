#!/usr/bin/env bash
# Stops the throw-away PostgreSQL cluster tools/postgres/start.sh started (same PG_CLUSTER_DIR); --purge also deletes it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
bin="${PG_BIN:-${newest:-/usr/lib/postgresql/15/bin}}"
user="${PG_USER:-postgres}"
cluster="${PG_CLUSTER_DIR:-$root/tmp/postgres}"
data="$cluster/data"
[ -d "$data" ] || exit 0
if [ "$(id -un)" = "$user" ]; then
  "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
else
  runuser -u "$user" -- "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
fi
rm -f "$cluster/url"
[ "${1:-}" = "--purge" ] && rm -rf "$cluster"
exit 0
