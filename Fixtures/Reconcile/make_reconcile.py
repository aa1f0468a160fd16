#!/usr/bin/env python3
"""Writes the reconciliation fixtures: usage reports and cost reports of the same traffic, written by
us from the documented shapes (OpenAI organization usage/costs pages, Anthropic Admin API
usage_report/messages and cost_report pages). Every billed amount below is computed here from the
providers' published list prices, so that a correct importer and cost engine reconcile to the cent;
the traps are deliberate and listed in README.md.

    python3 Fixtures/Reconcile/make_reconcile.py     (rewrites the files beside this script)
"""
import json, os
from decimal import Decimal as D

HERE = os.path.dirname(os.path.abspath(__file__))
def write(name, text):
    with open(os.path.join(HERE, name), "w") as f:
        f.write(text)

DAY = 86400
N2 = 1793577600  # 2026-11-02T00:00:00Z
days = [N2, N2 + DAY, N2 + 2 * DAY, N2 + 3 * DAY]   # 2, 3, 4, 5 November 2026
iso = lambda t: __import__("datetime").datetime.utcfromtimestamp(t).strftime("%Y-%m-%dT%H:%M:%SZ")
M = D(1_000_000)

# --- OpenAI -----------------------------------------------------------------------------------------
# list prices per million tokens: (input, cached input, output); the Batch API halves them
OPENAI = {"gpt-4o-2024-08-06": (D("2.50"), D("1.25"), D("10.00")),
          "gpt-4o-mini-2024-07-18": (D("0.15"), D("0.075"), D("0.60"))}
def ou(model, i, c, o, n, batch=False):
    return {"object": "organization.usage.completions.result", "input_tokens": i, "output_tokens": o,
            "input_cached_tokens": c, "input_audio_tokens": 0, "output_audio_tokens": 0, "num_model_requests": n,
            "project_id": "proj_main", "user_id": None, "api_key_id": None, "model": model, "batch": batch}
def oc(value, item):
    return {"object": "organization.costs.result", "amount": {"value": float(value), "currency": "usd"},
            "line_item": item, "project_id": "proj_main"}
def openai_lines(model, i, c, o, batch=False):
    pi, pc, po = OPENAI[model]
    k = D("0.5") if batch else D(1)
    suffix = " (batch)" if batch else ""
    return [oc((i - c) * pi / M * k, f"{model}, input{suffix}"), oc(c * pc / M * k, f"{model}, cached input{suffix}"),
            oc(o * po / M * k, f"{model}, output{suffix}")]

usage_buckets, cost_buckets = [], []
for n, t in enumerate(days[:3]):
    rows = [ou("gpt-4o-2024-08-06", 1_000_000 + n * 100_000, 200_000, 100_000, 500),
            ou("gpt-4o-mini-2024-07-18", 2_000_000, 0, 400_000, 1000, batch=True)]
    lines = openai_lines("gpt-4o-2024-08-06", 1_000_000 + n * 100_000, 200_000, 100_000) + \
        openai_lines("gpt-4o-mini-2024-07-18", 2_000_000, 0, 400_000, batch=True)
    if n == 1:   # trap: a tool charge the usage report has no counts for
        lines.append(oc(D("0.10"), "Web search tool calls"))
    if n == 2:   # trap: a model the catalog does not know (a private deployment): unpriced in the ledger
        rows.append(ou("acme-private-gpt", 400_000, 0, 20_000, 40))
        lines.append(oc(D("0.40"), "acme-private-gpt, input"))
    usage_buckets.append({"object": "bucket", "start_time": t, "end_time": t + DAY, "results": rows})
    cost_buckets.append({"object": "bucket", "start_time": t, "end_time": t + DAY, "results": lines})
write("openai-usage.json", json.dumps({"object": "page", "data": usage_buckets, "has_more": False, "next_page": None}, indent=2) + "\n")
write("openai-costs.json", json.dumps({"object": "page", "data": cost_buckets, "has_more": False, "next_page": None}, indent=2) + "\n")

# --- Anthropic --------------------------------------------------------------------------------------
# per million tokens: uncached input, cache read, 5-minute write, 1-hour write, output; web search $10 / 1,000
SONNET = "claude-sonnet-4-5-20250929"
HAIKU = "claude-3-5-haiku-20241022"
ANTHROPIC = {(SONNET, "0-200k"): (D(3), D("0.30"), D("3.75"), D(6), D(15)),
             (SONNET, "200k-1M"): (D(6), D("0.60"), D("7.50"), D(12), D("22.50")),
             (HAIKU, "0-200k"): (D("0.80"), D("0.08"), D(1), D("1.6"), D(4))}
KINDS = [("uncached_input_tokens", "Input Tokens"), ("cache_read_input_tokens", "Input Tokens, Cache Hit"),
         ("cache_creation.ephemeral_5m_input_tokens", "Input Tokens, Cache Write 5m"),
         ("cache_creation.ephemeral_1h_input_tokens", "Input Tokens, Cache Write 1h"), ("output_tokens", "Output Tokens")]
def au(model, window, counts, web=0):
    unc, read, w5, w1, out = counts
    return {"uncached_input_tokens": unc, "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
            "output_tokens": out, "server_tool_use": {"web_search_requests": web}, "api_key_id": "apikey_main",
            "workspace_id": "wrkspc_main", "model": model, "service_tier": "standard", "context_window": window}
def ac_lines(model, window, counts, web=0):
    lines = []
    for (token_type, label), count, price in zip(KINDS, counts, ANTHROPIC[(model, window)]):
        if count:
            cents = count * price / M * 100
            lines.append({"currency": "USD", "amount": str(cents), "workspace_id": "wrkspc_main",
                          "description": f"{model} Usage - {label}", "cost_type": "tokens", "context_window": window,
                          "model": model, "service_tier": "standard", "token_type": token_type})
    if web:
        lines.append({"currency": "USD", "amount": str(D(web) * D(10) / 1000 * 100), "workspace_id": "wrkspc_main",
                      "description": "Web Search Usage", "cost_type": "web_search", "context_window": None, "model": None,
                      "service_tier": None, "token_type": None})
    return lines

usage_pages, cost_results = [], []
for n, t in enumerate(days):
    traffic = [(SONNET, "0-200k", (1_000_000, 4_000_000, 200_000, 100_000, 200_000), 10),
               (SONNET, "200k-1M", (300_000, 1_000_000, 0, 0, 50_000), 0),
               (HAIKU, "0-200k", (2_000_000 + n * 250_000, 0, 0, 0, 500_000), 0)]
    usage_rows = [au(m, w, c, web) for m, w, c, web in traffic]
    lines = [l for m, w, c, web in traffic for l in ac_lines(m, w, c, web)]
    if n != 2:   # trap: no usage report for 4 November (the bill has it)
        usage_pages.append({"data": [{"starting_at": iso(t), "ending_at": iso(t + DAY), "results": usage_rows}],
                            "has_more": n < 3, "next_page": f"page_{n + 2}" if n < 3 else None})
    if n != 3:   # trap: no cost report for 5 November yet (the usage has it)
        cost_results.append({"starting_at": iso(t), "ending_at": iso(t + DAY), "results": lines})
write("anthropic-usage.jsonl", "".join(json.dumps(p, separators=(",", ":")) + "\n" for p in usage_pages))
write("anthropic-costs.json", json.dumps({"data": cost_results, "has_more": False, "next_page": None}, indent=2) + "\n")
