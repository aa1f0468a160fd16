"""Drive `costctl mcp` with the official Python MCP client (the `mcp` package) over stdio.

Spawns the server on a demo database, initializes, lists the tools (all of them, with schemas),
calls each tool with valid arguments and checks the content of its result, calls some with bad
arguments and checks the error, reads both resources, then runs a client-side soak. Exits non-zero
on the first failed check. Used by Scripts/check-mcp.
"""

import argparse
import asyncio
import json
import os
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

TOOLS = [
    "get-usage-summary", "get-cost-breakdown", "forecast-monthly-cost", "detect-anomalies", "estimate-cost",
    "count-tokens", "list-budgets", "set-budget", "budget-status", "check-budget", "list-keys", "add-key",
    "key-stats", "disable-key", "analyze-subscription-usage", "recommend-tier-change", "list-recommendations",
    "update-recommendation-status", "list-alerts", "acknowledge-alert", "import-usage",
]

checks = 0


def check(condition, what):
    global checks
    if not condition:
        # print and leave at once (an exception would surface wrapped in the client's task groups);
        # the server sees its standard input close and ends
        print(f"check-mcp: FAILED: {what}", file=sys.stderr, flush=True)
        os._exit(1)
    checks += 1


def field(obj, *names):
    """An attribute under its name in the mcp package 2.x (snake_case) or 1.x (camelCase)."""
    for name in names:
        if hasattr(obj, name):
            return getattr(obj, name)
    return None


def text_of(result):
    for block in result.content:
        if getattr(block, "type", None) == "text":
            return block.text
    return ""


class Server:
    def __init__(self, session):
        self.session = session

    async def call(self, name, arguments):
        result = await self.session.call_tool(name, arguments)
        return result, bool(field(result, "is_error", "isError")), text_of(result)

    async def ok(self, name, arguments=None):
        result, is_error, text = await self.call(name, arguments or {})
        check(not is_error, f"{name} {arguments}: {text[:400]}")
        structured = field(result, "structured_content", "structuredContent")
        check(isinstance(structured, dict), f"{name}: structured content is an object")
        check(json.loads(text) == structured, f"{name}: the text content is the structured JSON")
        return structured

    async def fails(self, name, arguments, *phrases):
        _, is_error, text = await self.call(name, arguments)
        check(is_error, f"{name} {arguments} should be a tool error, got {text[:300]}")
        for phrase in phrases:
            check(phrase in text, f"{name} {arguments}: the error says {phrase!r}: {text}")
        return text


def server_process(db):
    """The pid of the spawned `costctl mcp --db DB` (from /proc), or None."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"mcp" in argv and db.encode() in argv:
            return int(pid)
    return None


def process_figures(pid):
    """(resident KiB, open files) of a process."""
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


async def run(args):
    secret = "sk-ant-api03-CHECKMCP" + os.urandom(6).hex() + "-tail"
    params = StdioServerParameters(command=args.costctl, args=["mcp", "--db", args.db], env=dict(os.environ))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            info = field(init, "server_info", "serverInfo")
            check(info.name == "costctl", "server name")
            print(f"initialized: {info.name} {info.version}, protocol {field(init, 'protocol_version', 'protocolVersion')}")
            s = Server(session)

            # -- the tools, with schemas
            listed = (await session.list_tools()).tools
            names = [t.name for t in listed]
            check(sorted(names) == sorted(TOOLS), f"the {len(TOOLS)} tools are listed: {names}")
            for tool in listed:
                schema = field(tool, "input_schema", "inputSchema")
                check(schema.get("type") == "object" and isinstance(schema.get("properties"), dict), f"{tool.name}: object schema")
                check(len(tool.description or "") > 40, f"{tool.name}: a description")
                for required in schema.get("required", []):
                    check(required in schema["properties"], f"{tool.name}: required {required} is a property")
            print(f"tools: {len(listed)} listed with schemas")

            # -- each tool, valid arguments, results checked
            summary = await s.ok("get-usage-summary", {})
            events = summary["totals"]["events"]
            check(events > 500 and summary["group_by"] == ["model"] and 0 < len(summary["rows"]) <= 10, "usage summary")
            breakdown = await s.ok("get-cost-breakdown", {"by": ["team"], "bucket": "day", "since": "7d", "tz": "Europe/Berlin"})
            check(breakdown["bucket"] == "day" and all("team" in r and "bucket_start" in r for r in breakdown["rows"]), "breakdown rows")
            check(len(breakdown["rows"]) >= 7, "breakdown: a row per team and day")
            forecast = await s.ok("forecast-monthly-cost", {"by": "team"})
            check(forecast["group_by"] == "team" and len(forecast["forecasts"]) >= 2, "forecast per team")
            check(all("projected_usd" in f and "lower_usd" in f for f in forecast["forecasts"]), "forecast intervals")
            anomalies = await s.ok("detect-anomalies", {"since": "14d"})
            check(isinstance(anomalies["anomalies"], list) and anomalies["scopes_scanned"] >= 1, "anomaly scan")
            quote = await s.ok("estimate-cost", {"model": "gpt-4o", "input_tokens": 12000, "output_tokens": 800, "cache_read_tokens": 9000})
            check(quote["total_usd"] == "0.02675" and quote["provider"] == "openai", f"gpt-4o quote: {quote['total_usd']}")
            text_quote = await s.ok("estimate-cost", {"model": "gpt-4o", "text": "hello world", "max_output_tokens": 100})
            check(text_quote["input_tokens"] == 2 and text_quote["exact"] is True, "text estimate")
            tokens = await s.ok("count-tokens", {"text": "hello world", "encoding": "o200k_base"})
            check(tokens["tokens"] == 2 and tokens["exact"] is True, "token count")
            budgets = await s.ok("list-budgets", {})
            check(len(budgets["budgets"]) >= 1 and all("limit" in json.dumps(b) for b in budgets["budgets"]), f"the demo's budgets: {budgets}")
            added = await s.ok("set-budget", {"name": "check-mcp", "scope": "team=search", "limit": "0.01"})
            check(added["status"] == "added" and added["budget"]["name"] == "check-mcp", "budget set")
            status = await s.ok("budget-status", {"name": "check-mcp"})
            report = status["budgets"][0]
            # a new budget counts what is spent from now on (or after `costctl budget sync`); its
            # projection reads the scope's burn rate from the ledger
            check(report["budget"]["name"] == "check-mcp" and report["spent"] == "0" and report["remaining"] == "0.01", f"budget status: {report}")
            check(float(report["projection"]["burn_rate_per_day"]) > 0, "budget projection from the ledger")
            small = await s.ok("check-budget", {"model": "gpt-4o", "team": "search", "input_tokens": 1000, "output_tokens": 100})
            check(small["passes"] is True, f"a request within the budget passes: {small}")
            # 10,000 + 1,000 tokens of gpt-4o cost $0.035: 350% of the $0.01 budget, past its hard stop
            big = await s.ok("check-budget", {"model": "gpt-4o", "team": "search", "input_tokens": 10000, "output_tokens": 1000})
            check(big["passes"] is False, f"a request past the hard stop is held back: {big}")
            key_result, is_error, key_text = await s.call(
                "add-key", {"provider": "anthropic", "label": "check-key", "secret": secret, "tokens_per_30d": 1000000})
            check(not is_error and secret not in key_text and "CHECKMCP" not in key_text, f"add-key: sealed, not echoed: {key_text[:300]}")
            check(field(key_result, "structured_content", "structuredContent")["fingerprint"] == "sk-ant-…tail", "masked fingerprint")
            keys = await s.ok("list-keys", {})
            check([k["id"] for k in keys["keys"]] == ["check-key"] and "CHECKMCP" not in json.dumps(keys), "list-keys masked")
            stats = await s.ok("key-stats", {"id": "check-key"})
            check(stats["key"]["id"] == "check-key" and "CHECKMCP" not in json.dumps(stats), "key stats")
            disabled = await s.ok("disable-key", {"id": "check-key", "reason": "check-mcp"})
            check(disabled["status"] == "disabled", "key disabled")
            fit = await s.ok("analyze-subscription-usage", {"current": "claude-max-20x", "days": 14})
            check(fit["current"] == "claude-max-20x" and len(fit["plans"]) >= 2, "plan fit")
            tier = await s.ok("recommend-tier-change", {"current": "claude-max-20x", "days": 14})
            check(tier["action"] in ("switch", "stay", "none") and (tier["action"] == "none") == (tier["recommended"] is None), "tier decision")
            recs = await s.ok("list-recommendations", {"since": "14d"})
            check(len(recs["recommendations"]) >= 1 and all("monthly_saving" in r or "saving" in json.dumps(r) for r in recs["recommendations"]), "recommendations")
            rec_id = recs["recommendations"][0]["id"]
            accepted = await s.ok("update-recommendation-status", {"id": rec_id, "status": "accepted", "note": "check-mcp"})
            check(accepted["status"] == "accepted" and len(accepted["history"]) >= 1, "recommendation accepted")
            alerts = await s.ok("list-alerts", {"unacknowledged_only": True})
            check(any(a["alert"]["key"] == "check-mcp/1" for a in alerts["alerts"]), "the raised alert is listed")
            ack = await s.ok("acknowledge-alert", {"key": "check-mcp/1"})
            check(ack["key"] == "check-mcp/1" and ack["acknowledged_by"].startswith("mcp"), "alert acknowledged")
            imported = await s.ok("import-usage", {"format": "jsonl", "path": args.import_file, "map": ["input=prompt_tokens", "output=completion_tokens"]})
            check(imported["added"] == 5, f"import added 5: {imported}")
            again = await s.ok("import-usage", {"format": "jsonl", "path": args.import_file, "map": ["input=prompt_tokens", "output=completion_tokens"]})
            check(again["added"] == 0, "import is idempotent")
            print(f"tools: each of the {len(TOOLS)} called with valid arguments, results checked")

            # -- bad arguments: tool errors with helpful messages; the server stays up
            await s.fails("estimate-cost", {"model": "gpt-4oo", "input_tokens": 10}, "did you mean", "gpt-4o")
            await s.fails("estimate-cost", {"input_tokens": 10}, "missing required argument 'model'")
            await s.fails("estimate-cost", {"model": "gpt-4o", "input_tokens": "many"}, "must be an integer")
            await s.fails("get-cost-breakdown", {"by": ["team"], "bucket": "fortnight"}, "one of hour, day, week, month")
            await s.fails("budget-status", {"name": "check-mpc"}, "no budget named", "check-mcp")
            await s.fails("add-key", {"provider": "openai", "label": "x", "secret": "not-a-key-CHECKMCP"})
            bad_key = await s.fails("add-key", {"provider": "openai", "label": "x", "secret": "not-a-key-CHECKMCP"})
            check("CHECKMCP" not in bad_key, "a rejected secret is not echoed")
            await s.fails("no-such-tool", {}, "no tool named")
            print("bad arguments: tool errors with actionable messages")

            # -- resources
            resources = (await session.list_resources()).resources
            uris = sorted(str(r.uri) for r in resources)
            check(uris == ["costctl://catalog/plans", "costctl://catalog/prices"], f"resources {uris}")
            prices = json.loads((await session.read_resource("costctl://catalog/prices")).contents[0].text)
            check(len(prices["models"]) > 5000 and any(m["model"] == "gpt-4o" and m["input_per_mtok"] == "2.5" for m in prices["models"]), "price catalog")
            plans = json.loads((await session.read_resource("costctl://catalog/plans")).contents[0].text)
            check(any(p["id"] == "claude-max-20x" for p in plans["plans"]), "plan catalog")
            print(f"resources: price catalog ({len(prices['models'])} models), plan catalog ({len(plans['plans'])} plans)")

            # -- client-side soak
            mix = [
                ("get-usage-summary", {"since": "7d"}, False), ("estimate-cost", {"model": "gpt-4o", "input_tokens": 1200, "output_tokens": 300}, False),
                ("count-tokens", {"text": "The quick brown fox.", "model": "gpt-4o"}, False), ("budget-status", {}, False),
                ("get-cost-breakdown", {"by": ["model"], "bucket": "day", "since": "7d"}, False), ("list-budgets", {}, False),
                ("estimate-cost", {"model": 42}, True), ("no-such-tool", {}, True),
            ]
            pid = server_process(args.db)
            before = process_figures(pid) if pid else None
            start = time.monotonic()
            for i in range(args.soak):
                name, arguments, fails = mix[i % len(mix)]
                _, is_error, text = await s.call(name, arguments)
                check(is_error == fails and len(text) > 10, f"soak call {i}: {name}")
            seconds = time.monotonic() - start
            after = process_figures(pid) if pid else None
            line = f"soak: {args.soak} calls in {seconds:.2f} s ({seconds * 1000 / args.soak:.1f} ms per call)"
            if before and after:
                line += f"; server resident memory {before[0] // 1024} → {after[0] // 1024} MiB, open files {before[1]} → {after[1]}"
                check(after[1] <= before[1] + 2, "open files do not grow")
            print(line)
            await s.ok("count-tokens", {"text": "still here", "model": "gpt-4o"})
    print(f"check-mcp: {checks} checks passed")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--costctl", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--import-file", required=True)
    parser.add_argument("--soak", type=int, default=400)
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(run(args), timeout=480))


if __name__ == "__main__":
    sys.exit(main())
