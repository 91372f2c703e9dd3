#!/usr/bin/env bash
# Runs every package's benchmarks one at a time and writes bench/results/latest.{json,md}.
set -euo pipefail
case "${1:-}" in
  -h|--help)
    echo "Usage: scripts/bench.sh   (npm run bench)"
    echo "Runs \`turbo run bench --concurrency=1\` (each package writes bench/results/parts/<pkg>.json),"
    echo "then merges them into bench/results/latest.json and latest.md. Needs Redis (REDIS_URL) and redis-benchmark."
    exit 0 ;;
esac
cd "$(dirname "$0")/.."
. scripts/lib.sh
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
ensure_node_modules
ensure_redis_server
ensure_chromium
rm -rf bench/results/parts
mkdir -p bench/results/parts
log "turbo run bench --concurrency=1"
npx turbo run bench --concurrency=1 --output-logs=full
node --import tsx scripts/bench-report.ts
