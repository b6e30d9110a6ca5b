#!/usr/bin/env bash
# Run a command with a private PostgreSQL server (Debian's postgresql) and DATABASE_URL
# pointing at it. Without PostgreSQL the command runs anyway and the PostgreSQL tests
# skip with a loud message. The server and its data directory are removed afterwards.
set -uo pipefail

if [ -n "${DATABASE_URL:-}" ]; then exec "$@"; fi

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "with-postgres: PostgreSQL is not installed; its tests will be skipped" >&2
  exec "$@"
fi

port=${PGPORT_TEST:-55439}
data=$(mktemp -d /tmp/torchcanvas-pg.XXXXXX)
run_as=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$data"
  run_as=(runuser -u postgres --)
fi

cleanup() {
  "${run_as[@]}" "$bindir/pg_ctl" -D "$data/db" -m immediate stop >/dev/null 2>&1
  rm -rf "$data"
}
trap cleanup EXIT

if "${run_as[@]}" "$bindir/initdb" -D "$data/db" -U postgres -A trust >"$data/initdb.log" 2>&1 &&
  "${run_as[@]}" "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null &&
  "${run_as[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres torchcanvas_test; then
  export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/torchcanvas_test"
  echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on port $port" >&2
else
  echo "with-postgres: could not start PostgreSQL (see below); its tests will be skipped" >&2
  tail -n 5 "$data/initdb.log" "$data/server.log" 2>/dev/null >&2
fi
"$@"
