#!/usr/bin/env bash
# Runs the VeloZ engine process (packages/engine-service) in dev or prod mode.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/run_engine.sh <dev|prod> [--dry-run] [--help]

Runs the VeloZ engine of one account (packages/engine-service, src/bin/engine.ts):
  1. validates the configuration from the environment (a bad or unknown VELOZ_* variable fails here,
     naming the variable)
  2. dev: waits (up to 60 s) until the simulated exchange at VELOZ_SIM_URL answers, then runs the engine
     prod: runs the engine at once
The engine stops gracefully on SIGTERM / Ctrl-C (exit 0).

  --dry-run   print the resolved configuration (secrets redacted) and exit 0; nothing is started
  --help      this text

Environment (defaults in docs/engine-service.md): REDIS_URL, VELOZ_ACCOUNT, VELOZ_SIM_URL, VELOZ_VENUES,
VELOZ_WAL_DURABILITY, VELOZ_LEASE_TTL_MS, VELOZ_LEASE_WAIT_MS, VELOZ_RISK_*, VELOZ_RECON_ENABLED,
VELOZ_RECON_INTERVAL_MS, VELOZ_LOG_LEVEL, VELOZ_ENGINE_OWNER, VELOZ_ENGINE_COMMAND_CONCURRENCY.
USAGE
}

log() { printf '[veloz] %s\n' "$*" >&2; }

mode=""
dry_run=0
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --dry-run) dry_run=1 ;;
    dev | prod)
      [ -z "$mode" ] || { usage >&2; exit 2; }
      mode="$arg"
      ;;
    *) log "unknown argument: $arg"; usage >&2; exit 2 ;;
  esac
done
[ -n "$mode" ] || { log "missing mode (dev or prod)"; usage >&2; exit 2; }

cd "$(dirname "$0")/../packages/engine-service"
# A 64 MB young generation: WAL replay at start-up allocates a lot of short-lived objects (docs/wal.md).
# An old generation sized up front: no full GC pause in the first few hundred MB of a session
# (docs/operations.md, "Node flags").
bin=(node --max-semi-space-size=64 --initial-old-space-size=512 --import tsx src/bin/engine.ts)
[ "$mode" = prod ] && export NODE_ENV="${NODE_ENV:-production}"

log "validating the engine configuration ($mode)"
if ! config="$("${bin[@]}" --dry-run)"; then
  log "invalid configuration; nothing started"
  exit 1
fi
if [ "$dry_run" = 1 ]; then
  printf '%s\n' "$config"
  log "dry run: nothing started"
  exit 0
fi

if [ "$mode" = dev ]; then
  log "running the engine (dev): waiting for the simulated exchange first"
  exec "${bin[@]}" --wait-for-sim
fi
log "running the engine (prod)"
exec "${bin[@]}"
