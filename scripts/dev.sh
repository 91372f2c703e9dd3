#!/usr/bin/env bash
# Runs VeloZ locally: Redis (yours or a local one with AOF), then `turbo run dev` for every package.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/dev.sh [--help]

Starts the VeloZ development system and stops all of it on Ctrl-C or SIGTERM:
  1. npm ci when node_modules is missing or stale; redis-server via apt-get when absent
  2. uses REDIS_URL (default redis://127.0.0.1:6379) when a Redis answers there, otherwise starts
     redis-server with AOF persistence under .veloz/redis on a free port
  3. turbo run dev: the simulated exchange and the engine (with the sim venue and the Redis WAL)

Environment: REDIS_URL, VELOZ_ACCOUNT (default dev), VELOZ_SIM_PORT (default 7070).
See docs/guides/build_and_run.md.
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
export VELOZ_ACCOUNT="${VELOZ_ACCOUNT:-dev}" VELOZ_SIM_PORT="${VELOZ_SIM_PORT:-7070}"

ensure_node_modules
ensure_redis_server

redis_pid=""
turbo_pid=""
stopping=0
cleanup() {
  [ "$stopping" = 1 ] && return
  stopping=1
  log "stopping"
  if [ -n "$turbo_pid" ]; then
    kill -TERM -- "-$turbo_pid" 2>/dev/null || kill -TERM "$turbo_pid" 2>/dev/null || true
    wait "$turbo_pid" 2>/dev/null || true
  fi
  if [ -n "$redis_pid" ]; then
    kill -TERM "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
  log "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
if redis_ping "$REDIS_URL"; then
  log "using Redis at $REDIS_URL"
else
  mkdir -p .veloz/redis
  port=$(free_port)
  log "no Redis at $REDIS_URL; starting redis-server with AOF under .veloz/redis on port $port"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$PWD/.veloz/redis" --appendonly yes --appendfsync everysec \
    --save '' --logfile "$PWD/.veloz/redis/redis.log" &
  redis_pid=$!
  export REDIS_URL="redis://127.0.0.1:$port"
  for _ in $(seq 1 50); do redis_ping "$REDIS_URL" && break; sleep 0.1; done
  redis_ping "$REDIS_URL" || die "redis-server did not start; see .veloz/redis/redis.log"
fi

log "REDIS_URL=$REDIS_URL VELOZ_ACCOUNT=$VELOZ_ACCOUNT"
log "simulated exchange: http://127.0.0.1:$VELOZ_SIM_PORT"
# Own process group so that Ctrl-C and SIGTERM reach every child turbo started.
set -m
npx turbo run dev --concurrency=20 --output-logs=full &
turbo_pid=$!
set +m
wait "$turbo_pid"
