#!/bin/bash
# Per-batch rollups (--fold-events 0) against folded ones (the default, 16,384), one after the
# other, ROUNDS times (default 3): the table "Rollups folded across batches" in
# Documentation/Performance.md. About 5 minutes a round on the 2-core VM.
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release >/dev/null
B=.build/release/ledger-benchmark
DIR=${LEDGER_BENCH_DIR:-${TMPDIR:-/tmp}/ledger-benchmark}
mkdir -p "$DIR"
run() {
    $B ingest --db "$DIR/fold.db" "$@" 2>/dev/null | python3 -c "
import json, sys
d = json.loads(sys.stdin.read().split('RESULT ', 1)[1])
print('$*', int(d['events_per_second']), 'events/s  CPU', str(int(100 * d['cpu_seconds'] / d['seconds'])) + '%',
      ' p50', round(d['batch_p50_ms'], 3), 'ms  p99', round(d['batch_p99_ms'], 2), 'ms  final fold', round(d['final_fold_ms']), 'ms')"
}
uptime
for _ in $(seq "${ROUNDS:-3}"); do
    for f in 0 16384; do run --events 300000 --batch 1000 --ids ordered --durability process-crash --fold-events $f; done
    for f in 0 16384; do run --events 300000 --batch 1000 --ids ordered --durability full --fold-events $f; done
    for f in 0 16384; do run --events 300000 --batch 5000 --ids ordered --durability full --users 10 --fold-events $f; done
    for f in 0 16384; do run --events 10000 --batch 1 --ids ordered --durability full --fold-events $f; done
    for f in 0 16384; do run --events 20000 --batch 1 --ids ordered --durability process-crash --fold-events $f; done
    for f in 0 16384; do run --events 50000 --batch 10 --ids ordered --durability process-crash --fold-events $f; done
done
rm -f "$DIR"/fold.db*
uptime
