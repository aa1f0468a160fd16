#!/usr/bin/env bash
# Builds the import benchmark in release mode, generates a synthetic Claude Code log directory and
# imports it twice (the second run adds nothing), printing lines/s, MB/s and peak memory.
#   Benchmarks/Import/run.sh [MEGABYTES]        (default 512; 1024 for the 1 GB acceptance run)
# Environment: IMPORT_BENCH_DIR (default $TMPDIR/import-benchmark; removed afterwards).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
megabytes=${1:-512}
dir=${IMPORT_BENCH_DIR:-${TMPDIR:-/tmp}/import-benchmark}
(cd "$here" && swift build -c release --product import-benchmark >/dev/null)
bin=$(cd "$here" && swift build -c release --show-bin-path)/import-benchmark
rm -rf "$dir"
"$bin" generate --dir "$dir" --megabytes "$megabytes"
"$bin" run --dir "$dir" --db "$dir.db"
rm -rf "$dir" "$dir.db" "$dir.db-wal" "$dir.db-shm"
