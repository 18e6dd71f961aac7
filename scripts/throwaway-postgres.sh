#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster: made by initdb in a temporary folder,
# started on a free loopback port, named to the command by TEST_POSTGRES_URL, and stopped and
# removed when the command ends, however it ends. PostgreSQL refuses to run as root, so under
# root the cluster belongs to the `postgres` user that Debian's package creates.
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "error: PostgreSQL's server is not installed (Debian package postgresql); run scripts/setup.sh" >&2
  exit 1
fi

dir=$(mktemp -d /tmp/throwaway-postgres.XXXXXX)
as_owner=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$dir"
  as_owner=(runuser -u postgres --)
fi
stop() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

if ! "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log" 2>&1; then
  cat "$dir/initdb.log" >&2
  exit 1
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Durability settings off: the cluster lives for one test run.
options="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=400"
options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
if ! "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "$options" start >/dev/null; then
  cat "$dir/server.log" >&2
  exit 1
fi

export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
"$@"
