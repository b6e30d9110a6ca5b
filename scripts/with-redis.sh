#!/usr/bin/env bash
# Run a command with a private Redis server (Debian's redis-server) and REDIS_URL pointing
# at it. Without redis-server the command runs anyway and the Redis queue tests skip with a
# loud message. The server keeps nothing on disk and stops afterwards.
set -uo pipefail

if [ -n "${REDIS_URL:-}" ]; then exec "$@"; fi

if ! command -v redis-server >/dev/null; then
  echo "with-redis: redis-server is not installed; the Redis queue tests will be skipped" >&2
  exec "$@"
fi

port=${REDIS_PORT_TEST:-56379}
data=$(mktemp -d /tmp/torchcanvas-redis.XXXXXX)
redis-server --port "$port" --bind 127.0.0.1 --dir "$data" --save '' --appendonly no \
  --databases 256 --daemonize no --logfile "$data/redis.log" &
pid=$!

cleanup() {
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 1 50); do
  if redis-cli -p "$port" ping >/dev/null 2>&1; then break; fi
  sleep 0.1
done
if redis-cli -p "$port" ping >/dev/null 2>&1; then
  export REDIS_URL="redis://127.0.0.1:$port/0"
  echo "with-redis: Redis $(redis-server --version | awk '{print $3}') on port $port" >&2
else
  echo "with-redis: could not start redis-server (see below); its tests will be skipped" >&2
  tail -n 5 "$data/redis.log" >&2
fi
"$@"
