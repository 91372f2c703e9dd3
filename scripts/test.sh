#!/usr/bin/env bash
# Installs what is missing, makes sure Redis is reachable, then runs typecheck, lint and every test.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/test.sh [--help]

Runs the whole VeloZ test suite, as CI does:
  1. npm ci when node_modules is missing or stale; redis-server, promtool (prometheus)
     and chromium via apt-get when absent
  2. uses REDIS_URL (default redis://127.0.0.1:6379) when a Redis answers there, otherwise starts a
     throwaway redis-server on a free port and stops it at the end
  3. turbo run build, turbo run typecheck lint test, then the end-to-end tests (test:e2e: real processes, Debian Chromium)
Environment: REDIS_URL (optional), TURBO_CONCURRENCY (default 2).
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

ensure_node_modules
ensure_redis_server
ensure_promtool
ensure_chromium

started_pid=""
tmpdir=""
cleanup() {
  if [ -n "$started_pid" ]; then
    log "stopping throwaway redis-server (pid $started_pid)"
    kill "$started_pid" 2>/dev/null || true
    wait "$started_pid" 2>/dev/null || true
  fi
  if [ -n "$tmpdir" ]; then rm -rf "$tmpdir"; fi
}
trap cleanup EXIT

export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
if redis_ping "$REDIS_URL"; then
  log "using Redis at $REDIS_URL"
else
  port=$(free_port)
  tmpdir=$(mktemp -d)
  log "no Redis at $REDIS_URL; starting a throwaway redis-server on port $port"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmpdir" >"$tmpdir/redis.log" 2>&1 &
  started_pid=$!
  export REDIS_URL="redis://127.0.0.1:$port"
  for _ in $(seq 1 50); do redis_ping "$REDIS_URL" && break; sleep 0.1; done
  redis_ping "$REDIS_URL" || die "throwaway redis-server did not answer; see $tmpdir/redis.log"
fi

runlog="$(mktemp)"
# Build first (the PWA bundle): tests that start the production stack then find it in place, and a
# nested `turbo run build` is a cache hit instead of vite emptying dist under a running test.
log "turbo run build"
npx turbo run build --output-logs=errors-only
log "turbo run typecheck lint test"
npx turbo run typecheck lint test --concurrency="${TURBO_CONCURRENCY:-2}" --output-logs=new-only --log-order=grouped \
  | tee -a "$runlog"
# End to end on their own: they start whole stacks and a browser, and want the cores to themselves.
log "turbo run test:e2e"
npx turbo run test:e2e --concurrency=1 --output-logs=new-only --log-order=grouped | tee -a "$runlog"

# One closing line over every package's vitest summary ("Tests  3 failed | 40 passed (43)").
sed 's/\x1b\[[0-9;]*m//g' "$runlog" | awk '
  / Tests  / { for (i = 1; i < NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
  END { printf "%d passed, %d failed\n", p, f }'
rm -f "$runlog"
