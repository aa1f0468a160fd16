#!/usr/bin/env bash
# Compare CostTokens with tiktoken and quicktok-v1 on the same corpus, in the same run.
#
#   Benchmarks/Tokens/compare.sh [CORPUS] [REPEAT]
#
# CORPUS defaults to /tmp/corpus.txt, made with ../shared/bench/make_corpus.sh when missing.
# Builds tokens-benchmark in release mode, runs it, then runs tiktoken and quicktok-v1 (from a
# virtualenv created at Benchmarks/Tokens/.venv, or $COSTCTL_BENCH_VENV, if missing), checks
# that the ids are identical (checksums), and prints the throughput ratios.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CORPUS=${1:-/tmp/corpus.txt}
REPEAT=${2:-5}
if [ ! -f "$CORPUS" ]; then
    OUT="$CORPUS" "$ROOT/../shared/bench/make_corpus.sh"
fi
VENV=${COSTCTL_BENCH_VENV:-$HERE/.venv}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import tiktoken, quicktok' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet tiktoken quicktok-v1
fi
swift build -c release --package-path "$HERE" 2>&1 | tail -1
OURS=$(mktemp)
THEIRS=$(mktemp)
trap 'rm -f "$OURS" "$THEIRS"' EXIT
"$HERE/.build/release/tokens-benchmark" "$CORPUS" --repeat "$REPEAT" | tee "$OURS" | grep -v '^RESULT'
echo "reference libraries (tiktoken $("$VENV/bin/python" -c 'import tiktoken; print(tiktoken.__version__)'), quicktok-v1 $("$VENV/bin/pip" show quicktok-v1 2>/dev/null | sed -n 's/^Version: //p'))..."
"$VENV/bin/python" "$HERE/reference_bench.py" "$CORPUS" "$REPEAT" > "$THEIRS"
grep -v '^RESULT\|^IDS' "$THEIRS" || true
python3 - "$OURS" "$THEIRS" <<'PY'
import sys
def load(path):
    results, ids = {}, {}
    for line in open(path):
        parts = line.split()
        if parts and parts[0] == "RESULT":
            results[(parts[1], parts[2])] = (float(parts[3]), float(parts[4]), int(parts[5]))
        elif parts and parts[0] == "IDS":
            ids[parts[1]] = parts[2]
    return results, ids
ours, our_ids = load(sys.argv[1])
theirs, their_ids = load(sys.argv[2])
ok = True
for encoding in ("cl100k_base", "o200k_base"):
    same = our_ids.get(encoding) == their_ids.get(encoding)
    ok &= same
    print(f"\n{encoding}: ids {'identical to' if same else 'DIFFERENT FROM'} tiktoken on the whole corpus")
    rows = [
        ("encode, 1 thread", "encode_(1_thread)", ["tiktoken:encode", "quicktok:encode"]),
        ("count, 1 thread", "count_(1_thread)", ["tiktoken:encode", "quicktok:count"]),
        ("count small docs, 1 thread", "count_small_docs_(1_thread)", ["tiktoken:count_small", "quicktok:count_small"]),
        ("count(batch:), all cores", "count(batch:)_all_cores", ["tiktoken:batch", "quicktok:batch"]),
    ]
    print(f"  {'measure':28} {'CostTokens':>12} {'tiktoken':>10} {'quicktok':>10} {'vs tiktoken':>12} {'vs quicktok':>12}")
    for label, key, refs in rows:
        mine = ours.get((key, encoding))
        t = theirs.get((refs[0], encoding))
        q = theirs.get((refs[1], encoding))
        if not (mine and t and q):
            continue
        print(f"  {label:28} {mine[0]:9.1f} MB/s {t[0]:7.1f} MB/s {q[0]:7.1f} MB/s {mine[0] / t[0]:11.2f}x {mine[0] / q[0]:11.2f}x")
sys.exit(0 if ok else 1)
PY
