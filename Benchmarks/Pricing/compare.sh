#!/usr/bin/env bash
# Cost computations per second: costctl (release) and, in the same run, genai-prices, tokencost
# and LiteLLM on the same cases (the reference vectors by default). Prints the ratios.
#   Benchmarks/Pricing/compare.sh [CASES.jsonl] [seconds-per-run]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cases=${1:-$root/Tests/CostPricingTests/Vectors/prices.jsonl}
secs=${2:-1}
venv=${VENV:-$root/.venv-ref}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "genai-prices==${GENAI_PRICES:-0.2.3}" "litellm==${LITELLM:-1.106.2}" "tokencost==${TOKENCOST:-0.1.26}"
(cd "$here" && swift build -c release --product pricing-benchmark >/dev/null)
ours=$("$here/.build/release/pricing-benchmark" "$cases" "$secs")
theirs=$(LITELLM_LOCAL_MODEL_COST_MAP=True "$venv/bin/python" "$here/compare.py" "$cases" "$secs" 2>/dev/null | tail -n 1)
"$venv/bin/python" - "$ours" "$theirs" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
gp = b["genai_prices_per_second"]
print(f"cases: {a['cases']} (reference vectors); catalog load {a['catalog_load_ms']} ms")
print(f"costctl (a) pre-resolved model : {a['pre_resolved_per_second']:>12,.0f} /s  = {a['pre_resolved_per_second']/gp:7.0f}x genai-prices")
print(f"costctl (b) from model-id string: {a['from_string_per_second']:>12,.0f} /s  = {a['from_string_per_second']/gp:7.0f}x genai-prices")
print(f"costctl first lookup of each id : {a['first_lookup_per_second']:>12,.0f} /s  = {a['first_lookup_per_second']/gp:7.1f}x genai-prices")
print(f"genai-prices {b['genai_prices_version']} calc_price      : {gp:>12,.0f} /s")
print(f"tokencost calculate_cost_by_tokens: {b['tokencost_per_second']:>10,.0f} /s on {b['tokencost_cases']} cases it knows; costctl (b) is {a['from_string_per_second']/max(b['tokencost_per_second'],1):.1f}x")
print(f"litellm cost_per_token           : {b['litellm_per_second']:>12,.0f} /s on {b['litellm_cases']} cases it knows; costctl (b) is {a['from_string_per_second']/max(b['litellm_per_second'],1):.0f}x")
print(f"litellm claude-sonnet-4-20250514, 1M in + 1M out: ${b['litellm_claude_sonnet_4_20250514_usd']}")
print(json.dumps({"costctl": a, "reference": b}, sort_keys=True))
PY
