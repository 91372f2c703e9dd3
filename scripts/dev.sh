#!/usr/bin/env bash
# Runs the whole VeloZ system locally: Redis, simulated exchange, engine, API and PWA dev server.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/dev.sh [--demo] [--help]

Starts the VeloZ development system and stops all of it on Ctrl-C or SIGTERM:
  1. npm ci when node_modules is missing or older than package-lock.json
  2. uses REDIS_URL (default redis://127.0.0.1:6379) when a Redis answers there, otherwise starts
     redis-server (installed with apt-get when absent) with AOF persistence under .veloz/redis
  3. turbo run dev: simulated exchange, engine, API (development mode) and the PWA dev server
  4. once /api/health is ok, prints the API base, GraphQL and PWA URLs and an operator token

  --demo   also place a steady trickle of orders (through the GraphQL API) so the dashboard shows life
  --help   this text

Environment (defaults): VELOZ_API_PORT (8080), VELOZ_SIM_PORT (7070), VELOZ_PWA_PORT (5173),
REDIS_URL (redis://127.0.0.1:6379), VELOZ_ACCOUNT (dev), VELOZ_DEV_DIR (.veloz: local Redis data),
VELOZ_DEV_WAIT_S (180: how long to wait for a healthy API), VELOZ_DEMO_INTERVAL_MS (1500, --demo).
Every variable of the components works too. See docs/guides/build_and_run.md.
USAGE
}

demo=0
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --demo) demo=1 ;;
    *) printf '[veloz] error: unknown argument %s\n' "$arg" >&2; usage >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
root="$PWD"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 TURBO_NO_UPDATE_NOTIFIER=1

read_run_settings
export VELOZ_PWA_PORT="${VELOZ_PWA_PORT:-5173}"

redis_pid=""
turbo_pid=""
waiter_pid=""
demo_pid=""
stopping=0
cleanup() {
  local code=$?
  [ "$stopping" = 1 ] && return
  stopping=1
  trap '' INT TERM
  if [ -n "$turbo_pid$demo_pid$redis_pid" ]; then log "stopping"; fi
  [ -n "$waiter_pid" ] && { kill -TERM "$waiter_pid" 2>/dev/null || true; wait "$waiter_pid" 2>/dev/null || true; }
  [ -n "$demo_pid" ] && stop_tree "$demo_pid" 5
  [ -n "$turbo_pid" ] && stop_tree "$turbo_pid" 15
  [ -n "$redis_pid" ] && stop_tree "$redis_pid" 10
  if [ -n "$turbo_pid$redis_pid" ]; then log "stopped"; fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_node_modules
for v in VELOZ_API_PORT VELOZ_SIM_PORT VELOZ_PWA_PORT; do check_port_var "$v"; done

# The operator token printed at the end: dev.sh's own, added to any VELOZ_API_TOKENS given.
dev_token="$(gen_token)"
export VELOZ_API_TOKENS="${VELOZ_API_TOKENS:+$VELOZ_API_TOKENS,}dev-sh:operator:$dev_token"

# Validate every component's configuration before starting anything (the error names the variable).
log "checking the configuration"
scripts/run_gateway.sh dev --dry-run >/dev/null || die "invalid API configuration (see above)"
scripts/run_engine.sh dev --dry-run >/dev/null || die "invalid engine configuration (see above)"

use_or_start_redis "$state_dir/redis"

api_host="${VELOZ_API_HOST:-127.0.0.1}"
case "$api_host" in 0.0.0.0 | :: | '[::]') api_host=127.0.0.1 ;; esac
api_base="http://$api_host:$VELOZ_API_PORT"
log "account $VELOZ_ACCOUNT; simulated exchange on port $VELOZ_SIM_PORT; API on $api_base; PWA on port $VELOZ_PWA_PORT"

# Own process group, so that stopping reaches every process turbo started.
set -m
"$root/node_modules/.bin/turbo" run dev --concurrency=10 --output-logs=full &
turbo_pid=$!
set +m

wait_healthy "$api_base/api/health" "$wait_s" "$turbo_pid" &
waiter_pid=$!
rc=0
wait "$waiter_pid" || rc=$?
waiter_pid=""
case "$rc" in
  0) ;;
  3) log "warning: the API answers but /api/health is not ok after ${wait_s}s: $(http_body "$api_base/api/health")" ;;
  4) die "turbo exited during start-up (see the output above)" ;;
  *) die "the API did not answer at $api_base/api/health within ${wait_s}s" ;;
esac

cat <<BANNER

VeloZ is running (Ctrl-C stops everything)
API Base: $api_base
GraphQL: $api_base/graphql
PWA: http://127.0.0.1:$VELOZ_PWA_PORT
Operator token: $dev_token

BANNER

if [ "$demo" = 1 ]; then
  log "--demo: placing a trickle of orders"
  set -m
  VELOZ_DEMO_API_URL="$api_base" VELOZ_DEMO_TOKEN="$dev_token" \
    node --import tsx "$root/packages/ops-tests/src/demo-orders.ts" &
  demo_pid=$!
  set +m
fi

rc=0
wait "$turbo_pid" || rc=$?
turbo_pid_done="$turbo_pid"
log "turbo exited with status $rc (pid $turbo_pid_done)"
exit "$rc"
