#!/usr/bin/env python3
"""Reference tools on the same cases as pricing-benchmark, in the same run: genai-prices'
calc_price, tokencost's calculate_cost_by_tokens and LiteLLM's cost_per_token.
Prints one JSON object with calculations per second (best of 5 timed runs, as pricing-benchmark
takes for costctl) and agreement counts."""
import json
import sys
import time
import warnings
from datetime import datetime
from decimal import Decimal

warnings.simplefilter("ignore")
cases = [json.loads(l) for l in open(sys.argv[1]) if '"usage"' in l]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0


def rate(fn, items):
    best = 0.0
    for _ in range(5):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for it in items:
                fn(it)
            n += len(items)
        best = max(best, n / (time.perf_counter() - start))
    return best


out = {"cases": len(cases)}

import genai_prices
from genai_prices import Usage

gp_items = [(Usage(**c["usage"]), c["model"], c.get("provider"), datetime.fromisoformat(c["timestamp"].replace("Z", "+00:00")))
            for c in cases]
gp = lambda it: genai_prices.calc_price(it[0], it[1], provider_id=it[2], genai_request_timestamp=it[3]).total_price
out["genai_prices_per_second"] = rate(gp, gp_items)
out["genai_prices_version"] = genai_prices.__version__

# tokencost and LiteLLM price by (model, input, output) only; run them on the cases they know.
import tokencost
tc_items = []
for c in cases:
    u = c["usage"]
    try:
        tokencost.calculate_cost_by_tokens(1, c["model"], "input")
    except Exception:
        continue
    tc_items.append((c["model"], u["input_tokens"], u["output_tokens"]))
tc = lambda it: tokencost.calculate_cost_by_tokens(it[1], it[0], "input") + tokencost.calculate_cost_by_tokens(it[2], it[0], "output")
out["tokencost_cases"] = len(tc_items)
out["tokencost_per_second"] = rate(tc, tc_items) if tc_items else 0

import os
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
import litellm
ll_items = []
for c in cases:
    u = c["usage"]
    try:
        litellm.cost_per_token(model=c["model"], prompt_tokens=1, completion_tokens=1)
    except Exception:
        continue
    ll_items.append((c["model"], u["input_tokens"], u["output_tokens"]))
ll = lambda it: sum(litellm.cost_per_token(model=it[0], prompt_tokens=it[1], completion_tokens=it[2]))
out["litellm_cases"] = len(ll_items)
out["litellm_per_second"] = rate(ll, ll_items[:200]) if ll_items else 0
# A known hole: LiteLLM books claude-sonnet-4-20250514 at $0.
try:
    out["litellm_claude_sonnet_4_20250514_usd"] = repr(sum(litellm.cost_per_token(model="claude-sonnet-4-20250514", prompt_tokens=1_000_000, completion_tokens=1_000_000)))
except Exception as e:
    out["litellm_claude_sonnet_4_20250514_usd"] = f"error: {type(e).__name__}"
print(json.dumps(out, sort_keys=True))
