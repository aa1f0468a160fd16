#!/usr/bin/env python3
"""Writes the fixtures of every format but Claude Code (see make_claude_code.py). Written by us
from the documented shapes: Codex CLI rollout logs, OpenAI organization usage/costs pages,
Anthropic Admin API usage_report/messages and cost_report pages, LiteLLM SpendLogs, and generic
CSV/JSON Lines. Run from this directory."""
import json, os

D9, D10, D11 = 1794182400, 1794268800, 1794355200  # 2026-11-09, -10, -11 00:00 UTC

def write(path, text):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

def jl(rows):
    return "".join((r if isinstance(r, str) else json.dumps(r, separators=(",", ":"))) + "\n" for r in rows)

# --- Codex CLI ---------------------------------------------------------------------------------
SID = "019a6d2e-8f31-7c40-b1a2-5e9d0c3f4a11"
def tc(ts, total, last):
    info = None
    if total is not None or last is not None:
        info = {"model_context_window": 272000}
        if total is not None: info["total_token_usage"] = total
        if last is not None: info["last_token_usage"] = last
    return {"timestamp": ts, "type": "event_msg", "payload": {"type": "token_count", "info": info,
            "rate_limits": {"primary": {"used_percent": 12.0, "window_minutes": 300, "resets_at": 1794290000}}}}
def u(i, c, o, r):
    return {"input_tokens": i, "cached_input_tokens": c, "output_tokens": o, "reasoning_output_tokens": r, "total_tokens": i + o}
codex = [
    {"timestamp": "2026-11-10T09:00:00.000Z", "type": "session_meta", "payload": {"id": SID, "timestamp": "2026-11-10T09:00:00.000Z",
     "cwd": "/home/alice/src/shop", "originator": "codex_cli_rs", "cli_version": "0.58.0", "model_provider": "openai"}},
    {"timestamp": "2026-11-10T09:00:01.000Z", "type": "turn_context", "payload": {"cwd": "/home/alice/src/shop",
     "approval_policy": "on-request", "model": "gpt-5-codex", "effort": "medium", "summary": "auto"}},
    {"timestamp": "2026-11-10T09:00:01.500Z", "type": "response_item", "payload": {"type": "message", "role": "user",
     "content": [{"type": "input_text", "text": "fix the failing test"}]}},
    tc("2026-11-10T09:00:02.000Z", None, None),                                  # info null: no usage yet
    tc("2026-11-10T09:00:09.000Z", u(12000, 8000, 600, 200), u(12000, 8000, 600, 200)),
    tc("2026-11-10T09:00:09.100Z", u(12000, 8000, 600, 200), u(12000, 8000, 600, 200)),  # repeated
    '{"timestamp":"2026-11-10T09:00:10.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_tok',
    tc("2026-11-10T09:01:30.000Z", u(30000, 20000, 1500, 500), u(18000, 12000, 900, 300)),
    tc("2026-11-10T09:03:00.000Z", u(40000, 26000, 2000, 600), None),            # older writer: totals only
]
write("codex/sessions/2026/11/10/rollout-2026-11-10T09-00-00-" + SID + ".jsonl", jl(codex))

# --- OpenAI organization usage (completions), one pretty-printed page ----------------------------
def ou(model, i, c, o, n, project, batch=False):
    return {"object": "organization.usage.completions.result", "input_tokens": i, "output_tokens": o,
            "input_cached_tokens": c, "input_audio_tokens": 0, "output_audio_tokens": 0, "num_model_requests": n,
            "project_id": project, "user_id": None, "api_key_id": None, "model": model, "batch": batch}
usage_page = {"object": "page", "data": [
    {"object": "bucket", "start_time": D9, "end_time": D10, "results": [
        ou("gpt-4o-2024-08-06", 100000, 40000, 5000, 20, "proj_A"),
        ou("gpt-4o-mini-2024-07-18", 50000, 0, 10000, 50, "proj_A", batch=True)]},
    {"object": "bucket", "start_time": D10, "end_time": D11, "results": [
        ou("gpt-4o-2024-08-06", 80000, 0, 4000, 10, "proj_B"),
        ou(None, 999, 0, 99, 1, "proj_B")]}],
    "has_more": False, "next_page": None}
write("openai-usage/completions-2026-11-09.json", json.dumps(usage_page, indent=2) + "\n")

# --- OpenAI organization costs: JSON Lines of pages ---------------------------------------------
def oc(value, item, project):
    return {"object": "organization.costs.result", "amount": {"value": value, "currency": "usd"},
            "line_item": item, "project_id": project}
costs_pages = [
    {"object": "page", "data": [{"object": "bucket", "start_time": D9, "end_time": D10, "results": [
        oc(0.2, "gpt-4o-2024-08-06, input", "proj_A"), oc(0.05, "gpt-4o-2024-08-06, output", "proj_A"),
        oc(0.00375, "gpt-4o-mini-2024-07-18, input", "proj_A")]}], "has_more": True, "next_page": "page_AAB"},
    {"object": "page", "data": [{"object": "bucket", "start_time": D10, "end_time": D11, "results": [
        oc(0.2, "gpt-4o-2024-08-06, input", "proj_B"), oc(0.04, "gpt-4o-2024-08-06, output", "proj_B"),
        oc(0.01, "Web search tool calls", "proj_B")]}], "has_more": False, "next_page": None},
]
write("openai-costs/costs.jsonl", jl(costs_pages))

# --- Anthropic usage_report/messages: JSON Lines of pages ----------------------------------------
def au(model, unc, read, w5, w1, out, web, window, tier="standard"):
    return {"uncached_input_tokens": unc, "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1},
            "output_tokens": out, "server_tool_use": {"web_search_requests": web}, "api_key_id": "apikey_01A",
            "workspace_id": "wrkspc_01A", "model": model, "service_tier": tier, "context_window": window}
anth_pages = [
    {"data": [{"starting_at": "2026-11-09T00:00:00Z", "ending_at": "2026-11-10T00:00:00Z", "results": [
        au("claude-sonnet-4-5-20250929", 100000, 500000, 20000, 10000, 30000, 4, "0-200k"),
        au("claude-sonnet-4-5-20250929", 10000, 400000, 0, 0, 5000, 0, "200k-1M")]}],
     "has_more": True, "next_page": "page_2"},
    {"data": [{"starting_at": "2026-11-10T00:00:00Z", "ending_at": "2026-11-11T00:00:00Z", "results": [
        au("claude-3-5-haiku-20241022", 200000, 0, 0, 0, 40000, 0, "0-200k"),
        au("claude-3-5-haiku-20241022", 0, 0, 0, 0, 0, 0, "0-200k", tier="batch")]}],
     "has_more": False, "next_page": None},
]
write("anthropic-usage/usage_report.jsonl", jl(anth_pages))

# --- Anthropic cost_report: one pretty-printed page (amounts: decimal strings in cents) ----------
def ac(cents, desc, cost_type, token_type, model, window="0-200k"):
    return {"currency": "USD", "amount": cents, "workspace_id": "wrkspc_01A", "description": desc,
            "cost_type": cost_type, "context_window": window if model else None, "model": model,
            "service_tier": "standard" if model else None, "token_type": token_type}
S45 = "claude-sonnet-4-5-20250929"
cost_page = {"data": [
    {"starting_at": "2026-11-09T00:00:00Z", "ending_at": "2026-11-10T00:00:00Z", "results": [
        ac("30.0", "Claude Sonnet 4.5 Usage - Input Tokens", "tokens", "uncached_input_tokens", S45),
        ac("15", "Claude Sonnet 4.5 Usage - Input Tokens, Cache Hit", "tokens", "cache_read_input_tokens", S45),
        ac("7.5", "Claude Sonnet 4.5 Usage - Input Tokens, Cache Write 5m", "tokens", "cache_creation.ephemeral_5m_input_tokens", S45),
        ac("6.0", "Claude Sonnet 4.5 Usage - Input Tokens, Cache Write 1h", "tokens", "cache_creation.ephemeral_1h_input_tokens", S45),
        ac("45.0", "Claude Sonnet 4.5 Usage - Output Tokens", "tokens", "output_tokens", S45),
        ac("4", "Web Search Usage", "web_search", None, None)]},
    {"starting_at": "2026-11-10T00:00:00Z", "ending_at": "2026-11-11T00:00:00Z", "results": [
        ac("32.00", "Claude Haiku 3.5 Usage - Output Tokens", "tokens", "output_tokens", "claude-3-5-haiku-20241022")]}],
    "has_more": False, "next_page": None}
write("anthropic-costs/cost_report.json", json.dumps(cost_page, indent=2) + "\n")

# --- LiteLLM SpendLogs (CSV export) ---------------------------------------------------------------
import csv, io
cols = ["request_id", "call_type", "api_key", "spend", "total_tokens", "prompt_tokens", "completion_tokens",
        "startTime", "endTime", "model", "model_group", "custom_llm_provider", "api_base", "user", "metadata",
        "cache_hit", "cache_key", "request_tags", "team_id", "end_user", "session_id", "status", "response"]
meta1 = {"user_api_key_alias": "search-prod", "user_api_key_team_alias": "search",
         "usage_object": {"prompt_tokens": 1000, "completion_tokens": 500, "prompt_tokens_details": {"cached_tokens": 0}}}
meta2 = {"user_api_key_alias": "support-bot", "user_api_key_team_alias": "support",
         "usage_object": {"prompt_tokens": 2000, "completion_tokens": 100, "prompt_tokens_details": {"cached_tokens": 1500}}}
rows = [
    ["chatcmpl-7Hx1", "acompletion", "88dc2a9e1f", "0.0075", 1500, 1000, 500, "2026-11-10 10:00:00.123", "2026-11-10 10:00:02.500",
     "gpt-4o", "gpt-4o", "openai", "https://api.openai.com/v1", "alice", json.dumps(meta1), "False", "",
     json.dumps(["env:prod", "search"]), "team-search", "", "sess-1", "success", "{}"],
    ["msg_01LtA9", "acompletion", "41be77c0d3", "0.00092", 2100, 2000, 100, "2026-11-10 11:00:00", "2026-11-10 11:00:01",
     "claude-3-5-haiku-20241022", "haiku", "anthropic", "https://api.anthropic.com", "bob", json.dumps(meta2), "False", "",
     "[]", "team-support", "", "", "success", "line one,\nline two"],
    ["chatcmpl-7Hx3", "acompletion", "88dc2a9e1f", "0.0", 0, 0, 0, "2026-11-10 12:00:00", "2026-11-10 12:00:00",
     "gpt-4o-mini", "gpt-4o-mini", "openai", "", "alice", "{}", "False", "", "[]", "team-search", "", "", "failure", ""],
    ["chatcmpl-7Hx1", "acompletion", "88dc2a9e1f", "0.0075", 1500, 1000, 500, "2026-11-10 10:00:00.123", "2026-11-10 10:00:02.500",
     "gpt-4o", "gpt-4o", "openai", "https://api.openai.com/v1", "alice", json.dumps(meta1), "False", "",
     json.dumps(["env:prod", "search"]), "team-search", "", "sess-1", "success", "{}"],
]
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(cols)
for r in rows: w.writerow(r)
buf.write("chatcmpl-broken,acompletion,only-three-columns\n")
write("litellm/spend_logs.csv", buf.getvalue())

# --- Generic CSV and JSON Lines --------------------------------------------------------------------
write("csv/calls.csv",
      "created_at,model,prompt_tokens,completion_tokens,cached_tokens,user,cost_usd,env\n"
      "2026-11-10T08:00:00Z,gpt-4o-mini,10000,2000,4000,carol,,prod\n"
      "2026-11-10T08:05:00Z,gpt-4o,20000,1000,0,dave,0.123,staging\n"
      "2026-11-10T08:10:00Z,,500,50,0,carol,,prod\n"
      "2026-11-10T08:15:00Z,gpt-4o,lots,50,0,carol,,prod\n")
write("jsonl/requests.jsonl", jl([
    {"request_id": "r-001", "ts": D10 + 3600, "model": "gpt-4o", "usage": {"prompt_tokens": 3000, "completion_tokens": 300}, "team": "search"},
    {"request_id": "r-002", "ts": (D10 + 7200) * 1000, "model": "gpt-4o", "usage": {"prompt_tokens": 1000, "completion_tokens": 100}, "team": "search"},
    {"request_id": "r-003", "ts": "2026-11-10T03:00:00Z", "model": "my-finetune-xyz", "usage": {"prompt_tokens": 700, "completion_tokens": 70}},
    "not json at all",
    {"request_id": "r-004", "model": "gpt-4o", "usage": {"prompt_tokens": 1, "completion_tokens": 1}},
]))
