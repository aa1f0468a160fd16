#!/usr/bin/env bash
# Builds the ledger benchmark in release mode and runs `ledger-benchmark all`: ingestion runs of
# 1M events (ordered/random ids, full/process-crash durability, explicit cost and CostEngine
# pricing) beside the raw-SQLite ceiling of the same rows, the Swift-side breakdown, and the queries.
#   Benchmarks/Ledger/run.sh [more `all` options: --events N --batch B --sweep --keep --repeat K]
# Environment:
#   LEDGER_BENCH_BIG=10000000   also ingest 10M events (peak RSS, ceiling, queries on 10M); ~1 h here
#   LEDGER_BENCH_EVENTS=N       events per ingestion run (default 1000000)
#   LEDGER_BENCH_DIR=DIR        where the databases go (default $TMPDIR/ledger-benchmark; ~0.5 GB per
#                               1M events, removed afterwards unless --keep)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
(cd "$here" && swift build -c release --product ledger-benchmark >/dev/null)
# Which library was built (the tree may hold uncommitted changes): commit, and a hash of the ledger sources.
dirty=""
[ -n "$(git -C "$root" status --porcelain -- Sources 2>/dev/null)" ] && dirty="+uncommitted"
sources=$(cat "$root"/Sources/CostSQLite/*.swift "$root"/Sources/CostPricing/Ledger/*.swift | sha256sum | cut -c1-12)
echo "costctl $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$dirty, ledger sources sha256 $sources, $(date -u +%FT%TZ)"
exec "$here/.build/release/ledger-benchmark" all \
    --events "${LEDGER_BENCH_EVENTS:-1000000}" --big "${LEDGER_BENCH_BIG:-0}" \
    --dir "${LEDGER_BENCH_DIR:-${TMPDIR:-/tmp}/ledger-benchmark}" "$@"
