#!/usr/bin/env bash
# Runs one VeloZ API replica (the GraphQL gateway) in development or production mode.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/run_gateway.sh <dev|prod> [--dry-run] [--help]

Starts the VeloZ API (packages/api): GraphQL over HTTP and graphql-ws at /graphql, plus
GET /api/health, /healthz and /readyz.

  dev        VELOZ_ENV=development: GraphiQL on, a fresh operator token is printed once at start
  prod       VELOZ_ENV=production: VELOZ_API_TOKENS is required
  --dry-run  print the resolved configuration (including "API Base: http://host:port") and exit 0,
             starting nothing; an invalid variable exits non-zero naming it
  --help     this text

Environment: REDIS_URL, VELOZ_ACCOUNT, VELOZ_API_PORT (default 8080), VELOZ_API_HOST (default 127.0.0.1),
VELOZ_API_TOKENS (name:role:token,...), VELOZ_API_COMMAND_TIMEOUT_MS and the other VELOZ_API_* limits.
See docs/api.md.
USAGE
}

mode=""
dry_run=0
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    --dry-run) dry_run=1 ;;
    dev|prod)
      [ -z "$mode" ] || { usage >&2; exit 2; }
      mode="$arg" ;;
    *) printf '[veloz] error: unknown argument %s\n' "$arg" >&2; usage >&2; exit 2 ;;
  esac
done
[ -n "$mode" ] || { usage >&2; exit 2; }

cd "$(dirname "$0")/.."
log() { printf '[veloz] %s\n' "$*" >&2; }
[ -d node_modules ] || { log "error: node_modules is missing; run npm ci first"; exit 1; }

if [ "$mode" = dev ]; then export VELOZ_ENV=development; else export VELOZ_ENV=production; fi
args=()
[ "$dry_run" = 1 ] && args+=(--dry-run)

log "API ($mode) for account ${VELOZ_ACCOUNT:-dev}"
cd packages/api
# Old generation sized up front, as the engine's (docs/operations.md, "Node flags").
exec node --initial-old-space-size=512 --import tsx src/bin/api.ts "${args[@]}"
