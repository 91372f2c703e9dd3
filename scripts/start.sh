#!/usr/bin/env bash
# Runs VeloZ in production mode (`npm start`): build, then the engine and the API serving the built PWA.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/start.sh [--dry-run] [--no-build] [--help]

Production mode; stops all of it on Ctrl-C or SIGTERM:
  1. npm ci when node_modules is missing or older than package-lock.json
  2. validates the API and engine configuration (a bad variable fails here, named)
  3. turbo run build (the PWA's production build in packages/pwa/dist)
  4. uses REDIS_URL (default redis://127.0.0.1:6379) when a Redis answers there, otherwise starts
     redis-server with AOF persistence under .veloz/redis
  5. the simulated exchange, unless VELOZ_VENUES configures real venues (a demo deployment trades on the
     simulator; a real one sets VELOZ_VENUES)
  6. the engine (scripts/run_engine.sh prod) and the API (scripts/run_gateway.sh prod)
  7. the built PWA, served by the API itself (static files, SPA fallback, cache headers, compression)
  8. once /api/health is ok, prints the URLs (and the operator token when start.sh generated it)

  --dry-run    print the resolved configuration of every component and exit 0; nothing is built or started
  --no-build   use the existing packages/pwa/dist
  --help       this text

Environment (defaults): VELOZ_API_TOKENS (name:role:token,...; when empty an operator token is generated
and printed), VELOZ_API_PORT (8080), VELOZ_API_HOST (127.0.0.1), VELOZ_SIM_PORT (7070), VELOZ_PWA_PORT
(5173), REDIS_URL, VELOZ_ACCOUNT (dev), VELOZ_VENUES, VELOZ_DEV_DIR (.veloz), VELOZ_DEV_WAIT_S (180), and
every component variable. See docs/guides/build_and_run.md.
USAGE
}

dry_run=0
build=1
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --dry-run) dry_run=1 ;;
    --no-build) build=0 ;;
    *) printf '[veloz] error: unknown argument %s\n' "$arg" >&2; usage >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
root="$PWD"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 TURBO_NO_UPDATE_NOTIFIER=1

read_run_settings
with_sim=1
[ -n "${VELOZ_VENUES:-}" ] && with_sim=0

ensure_node_modules

api_host="${VELOZ_API_HOST:-127.0.0.1}"
case "$api_host" in 0.0.0.0 | :: | '[::]') api_host=127.0.0.1 ;; esac
api_base="http://$api_host:$VELOZ_API_PORT"

if [ "$dry_run" = 1 ]; then
  echo "== API (scripts/run_gateway.sh prod)"
  scripts/run_gateway.sh prod --dry-run || die "invalid API configuration (see above)"
  echo "== engine (scripts/run_engine.sh prod)"
  scripts/run_engine.sh prod --dry-run || die "invalid engine configuration (see above)"
  echo "== PWA and the rest"
  echo "PWA: $api_base/ (the production build in packages/pwa/dist, served by the API)"
  if [ "$with_sim" = 1 ]; then
    echo "Simulated exchange: http://127.0.0.1:$VELOZ_SIM_PORT (VELOZ_VENUES is empty: a demo deployment)"
  else
    echo "Simulated exchange: not started (VELOZ_VENUES is set)"
  fi
  echo "Redis: ${REDIS_URL:-redis://127.0.0.1:6379} when it answers, else a local redis-server (AOF) under $state_dir/redis"
  [ -n "${VELOZ_API_TOKENS:-}" ] || echo "Operator token: generated at start (VELOZ_API_TOKENS is empty)"
  log "dry run: nothing built or started"
  exit 0
fi

redis_pid=""
sim_pid=""
engine_pid=""
api_pid=""
waiter_pid=""
stopping=0
cleanup() {
  local code=$? p
  [ "$stopping" = 1 ] && return
  stopping=1
  trap '' INT TERM
  log "stopping"
  [ -n "$waiter_pid" ] && { kill -TERM "$waiter_pid" 2>/dev/null || true; wait "$waiter_pid" 2>/dev/null || true; }
  # The components at once (each waited for, SIGKILL after 15 s), then Redis, which they write to.
  local stoppers=()
  for p in "$api_pid" "$engine_pid" "$sim_pid"; do
    [ -n "$p" ] || continue
    stop_tree "$p" 15 &
    stoppers+=($!)
  done
  [ ${#stoppers[@]} -gt 0 ] && wait "${stoppers[@]}" 2>/dev/null
  for p in "$api_pid" "$engine_pid" "$sim_pid"; do
    [ -n "$p" ] && { wait "$p" 2>/dev/null || true; }
  done
  [ -n "$redis_pid" ] && stop_tree "$redis_pid" 10
  log "stopped"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ports="VELOZ_API_PORT"
[ "$with_sim" = 1 ] && ports="$ports VELOZ_SIM_PORT"
for v in $ports; do check_port_var "$v"; done

generated_token=""
if [ -z "${VELOZ_API_TOKENS:-}" ]; then
  generated_token="$(gen_token)"
  export VELOZ_API_TOKENS="operator:operator:$generated_token"
  log "VELOZ_API_TOKENS is empty: generated an operator token for this run (a real deployment configures its tokens)"
fi

log "checking the configuration"
scripts/run_gateway.sh prod --dry-run >/dev/null || die "invalid API configuration (see above)"
scripts/run_engine.sh prod --dry-run >/dev/null || die "invalid engine configuration (see above)"

if [ "$build" = 1 ]; then
  log "building (turbo run build)"
  "$root/node_modules/.bin/turbo" run build --output-logs=errors-only || die "the build failed"
fi
[ -f packages/pwa/dist/index.html ] || die "packages/pwa/dist is missing; run without --no-build"

use_or_start_redis "$state_dir/redis"

set -m
if [ "$with_sim" = 1 ]; then
  (cd packages/plugins/venue-sim && exec node --import tsx src/bin/sim-exchange.ts) &
  sim_pid=$!
  wait_http "http://127.0.0.1:$VELOZ_SIM_PORT/api/time" 60 || die "the simulated exchange did not answer"
fi
scripts/run_engine.sh prod &
engine_pid=$!
VELOZ_API_STATIC=on VELOZ_API_STATIC_DIR="$root/packages/pwa/dist" scripts/run_gateway.sh prod &
api_pid=$!
set +m

# shellcheck disable=SC2086 # $sim_pid is empty with VELOZ_VENUES
wait_healthy "$api_base/api/health" "$wait_s" $sim_pid "$engine_pid" "$api_pid" &
waiter_pid=$!
rc=0
wait "$waiter_pid" || rc=$?
waiter_pid=""
case "$rc" in
  0) ;;
  3) log "warning: the API answers but /api/health is not ok after ${wait_s}s: $(http_body "$api_base/api/health")" ;;
  4) die "a component exited during start-up (see the output above)" ;;
  *) die "the API did not answer at $api_base/api/health within ${wait_s}s" ;;
esac

cat <<BANNER

VeloZ is running in production mode (Ctrl-C stops everything)
API Base: $api_base
GraphQL: $api_base/graphql
PWA: $api_base/
BANNER
if [ -n "$generated_token" ]; then echo "Operator token: $generated_token"; fi
echo

# Any component exiting stops the whole system (a supervisor restarts it as one unit).
rc=0
wait -n $sim_pid $engine_pid $api_pid || rc=$?
log "a component exited (status $rc); stopping the rest"
[ "$rc" = 0 ] && rc=1
exit "$rc"
