import CostControl
import CostMCP
import Foundation
import MCP
import Testing

@Suite("MCP tools on a demo database")
struct CostToolsTests {
    static let names = [
        "get-usage-summary", "get-cost-breakdown", "forecast-monthly-cost", "detect-anomalies", "import-usage", "estimate-cost",
        "count-tokens", "list-budgets", "set-budget", "budget-status", "check-budget", "list-keys", "add-key", "key-stats",
        "disable-key", "analyze-subscription-usage", "recommend-tier-change", "list-recommendations",
        "update-recommendation-status", "list-alerts", "acknowledge-alert",
    ]

    @Test("every tool is listed once, with a description and an object schema whose required names are properties")
    func toolList() throws {
        let tools = CostTools(configuration: CostMCPConfiguration(paths: ControlPaths(database: "/nonexistent/x.db"))).tools
        #expect(tools.map(\.name).sorted() == Self.names.sorted())
        for tool in tools {
            #expect((tool.description ?? "").count > 40, "\(tool.name)")
            let schema = tool.inputSchema
            #expect(schema["type"] == "object", "\(tool.name)")
            let properties = try #require(schema["properties"]?.objectValue, "\(tool.name)")
            for required in schema["required"]?.arrayValue ?? [] {
                #expect(properties[required.stringValue ?? ""] != nil, "\(tool.name): \(required)")
            }
            for (name, property) in properties {
                #expect(property["type"] != nil && property["description"] != nil, "\(tool.name).\(name)")
            }
        }
    }

    @Test("usage summary and breakdowns read the demo ledger: totals, rows by team and day, filters")
    func usage() async throws {
        let demo = try await DemoServer.make()
        defer { demo.close() }
        let summary = try await demo.ok("get-usage-summary")
        #expect(summary["group_by"] == ["model"])
        let events = try #require(summary["totals"]?["events"]?.intValue)
        #expect(events > 500)
        #expect(Money(summary["totals"]?["cost_usd"]?.stringValue ?? "").map { $0 > .zero } == true)
        #expect(!summary.array("rows").isEmpty && summary.array("rows").count <= 10)

        let byTeamDay = try await demo.ok("get-cost-breakdown", ["by": ["team"], "bucket": "day", "since": "7d", "tz": "Europe/Berlin"])
        #expect(byTeamDay["group_by"] == ["team"] && byTeamDay["bucket"] == "day" && byTeamDay["time_zone"] == "Europe/Berlin")
        let rows = byTeamDay.array("rows")
        #expect(rows.count >= 7 && rows.allSatisfy { $0["team"]?.stringValue != nil && $0["bucket_start"]?.stringValue?.hasSuffix("+01:00") == true })

        let search = try await demo.ok("get-cost-breakdown", ["by": "model", "where": ["team": "search"]])
        let all = try await demo.ok("get-cost-breakdown", ["by": ["model"]])
        #expect((search["totals"]?["events"]?.intValue ?? 0) < (all["totals"]?["events"]?.intValue ?? 0))
        #expect(all["totals"]?["events"]?.intValue == events)

        #expect(await demo.failure("get-cost-breakdown", ["by": ["colour"]]).contains("colour"))
        #expect(await demo.failure("get-cost-breakdown", ["by": []]).contains("needs a dimension"))
        #expect(await demo.failure("get-cost-breakdown", ["by": ["team"], "bucket": "fortnight"]).contains("one of hour, day, week, month"))
        #expect(await demo.failure("get-usage-summary", ["tz": "Mars/Olympus"]).contains("not a time zone"))
        #expect(await demo.failure("get-usage-summary", ["since": "yesterday-ish"]).contains("yesterday-ish"))
    }

    @Test("estimate-cost prices token counts exactly and texts with their tokens; unknown models suggest the nearest")
    func estimate() async throws {
        let demo = try await DemoServer.make(days: 1, perDay: 10)
        defer { demo.close() }
        let quote = try await demo.ok("estimate-cost", ["model": "gpt-4o", "input_tokens": 12_000, "output_tokens": 800, "cache_read_tokens": 9_000])
        #expect(quote.string("total_usd") == "0.02675" && quote.string("provider") == "openai" && quote.string("model") == "gpt-4o")
        #expect(quote.array("lines").count >= 3)
        let text = try await demo.ok("estimate-cost", ["model": "gpt-4o", "text": "hello world", "max_output_tokens": 100])
        #expect(text.int("input_tokens") == 2 && text["exact"] == true && text.string("max_usd") != nil)
        let claude = try await demo.ok("estimate-cost", ["model": "claude-sonnet-4-5", "text": .string(String(repeating: "The cost of tokens. ", count: 50))])
        #expect(claude["exact"] == false && (claude.int("input_tokens_lower") ?? 0) <= (claude.int("input_tokens") ?? 0))

        let unknown = await demo.failure("estimate-cost", ["model": "gpt-4oo", "input_tokens": 10])
        #expect(unknown.contains("did you mean") && unknown.contains("gpt-4o"))
        #expect(await demo.failure("estimate-cost", ["input_tokens": 10]).contains("missing required argument 'model'"))
        #expect(await demo.failure("estimate-cost", ["model": "gpt-4o", "input_tokens": "many"]).contains("must be an integer"))
        #expect(await demo.failure("estimate-cost", ["model": "gpt-4o", "input_tokens": -5]).contains("at least 0"))
        #expect(await demo.failure("estimate-cost", ["model": "gpt-4o", "input_tokens": 1.5]).contains("must be an integer"))
        #expect(await demo.failure("estimate-cost", ["model": "gpt-4o"]).contains("needs the prompt 'text' or token counts"))
        #expect(await demo.failure("estimate-cost", ["model": "gpt-4o", "text": "hi", "input_tokens": 3]).contains("not both"))
        #expect(await demo.failure("estimate-cost", ["model": "gpt-4o", "input_tokens": 10, "cache_read_tokens": 20]).contains("exceed input tokens"))
        let typo = await demo.failure("estimate-cost", ["model": "gpt-4o", "input_tokns": 10])
        #expect(typo.contains("unknown argument 'input_tokns'") && typo.contains("did you mean 'input_tokens'"))
        #expect(await demo.failure("no-such-tool").contains("no tool named 'no-such-tool'"))

        let tokens = try await demo.ok("count-tokens", ["text": "hello world", "encoding": "o200k_base"])
        #expect(tokens.int("tokens") == 2 && tokens["exact"] == true)
        let estimate = try await demo.ok("count-tokens", ["text": "hello world, how are you?", "model": "gemini-2.5-pro"])
        #expect(estimate["exact"] == false && (estimate.int("upper") ?? 0) >= (estimate.int("tokens") ?? 0))
        #expect(await demo.failure("count-tokens", ["text": "x"]).contains("give a model"))
    }

    @Test("budgets: list the demo's, set one, its status, and a check that passes and one that does not")
    func budgets() async throws {
        let demo = try await DemoServer.make()
        defer { demo.close() }
        let listed = try await demo.ok("list-budgets")
        #expect(!listed.array("budgets").isEmpty)
        let set = try await demo.ok("set-budget", ["name": "mcp-test", "scope": "team=search", "limit": "0.01", "period": "monthly"])
        #expect(set.string("status") == "added" && set["budget"]?["name"] == "mcp-test")
        let again = try await demo.ok("set-budget", ["name": "mcp-test", "scope": "team=search", "limit": "0.02"])
        #expect(again.string("status") == "replaced")
        let status = try await demo.ok("budget-status", ["name": "mcp-test"])
        let report = try #require(status.array("budgets").first)
        #expect(report["budget"]?["name"] == "mcp-test" && (report["utilization"]?.doubleValue ?? report["utilization"]?.intValue.map(Double.init)) != nil)
        let everyone = try await demo.ok("budget-status")
        #expect(everyone.array("budgets").count == listed.array("budgets").count + 1)
        let missing = await demo.failure("budget-status", ["name": "mcp-tset"])
        #expect(missing.contains("no budget named 'mcp-tset'") && missing.contains("mcp-test"))
        #expect(await demo.failure("set-budget", ["name": "x", "limit": "lots"]).contains("lots"))
        #expect(await demo.failure("set-budget", ["name": "x", "limit": 500]).contains("must be a string"))

        // a new budget counts what is spent from now on; its projection reads the ledger's burn rate
        #expect(report["spent"] == "0" && report["remaining"] == "0.02")
        #expect(Double(report["projection"]?["burn_rate_per_day"]?.stringValue ?? "0").map { $0 > 0 } == true)
        let small = try await demo.ok("check-budget", ["model": "gpt-4o", "team": "search", "input_tokens": 1_000, "output_tokens": 100])
        #expect(small["passes"] == true, "\(small)")
        // 10,000 + 1,000 tokens of gpt-4o cost $0.035: 175% of the $0.02 budget, past its hard stop
        let held = try await demo.ok("check-budget", ["model": "gpt-4o", "team": "search", "input_tokens": 10_000, "output_tokens": 1_000])
        #expect(held["passes"] == false, "\(held)")
        #expect(try await demo.ok("check-budget", ["model": "gpt-4o", "team": "nobody", "estimate_usd": "5"])["passes"] == true)
        #expect(await demo.failure("check-budget", ["model": "gpt-4o"]).contains("estimate_usd"))
    }

    @Test("keys: the secret given to add-key is in no result, list or error; stats and disable work")
    func keys() async throws {
        let demo = try await DemoServer.make(days: 1, perDay: 10)
        defer { demo.close() }
        let marker = "MCPSECRET" + String(UUID().uuidString.prefix(8))
        let secret = "sk-ant-api03-" + marker + "-tail"
        let added = await demo.call(
            "add-key", ["provider": "anthropic", "label": "k1", "secret": .string(secret), "tokens_per_30d": 1_000_000])
        #expect(added.isError == false, "\(added.text)")
        #expect(!added.text.contains(marker) && added.structuredContent?["fingerprint"] == "sk-ant-…tail")
        let list = await demo.call("list-keys", [:])
        #expect(list.text.contains("k1") && !list.text.contains(marker))
        let stats = await demo.call("key-stats", ["id": "k1"])
        #expect(stats.isError == false && !stats.text.contains(marker))
        let duplicate = await demo.call("add-key", ["provider": "anthropic", "label": "k1", "secret": .string(secret)])
        #expect(duplicate.isError == true && !duplicate.text.contains(marker), "\(duplicate.text)")
        let badShape = await demo.call("add-key", ["provider": "openai", "label": "k2", "secret": .string("not a key " + marker)])
        #expect(badShape.isError == true && !badShape.text.contains(marker), "\(badShape.text)")
        let wrongType = await demo.call("add-key", ["provider": "openai", "label": "k2", "secret": 12345678])
        #expect(wrongType.isError == true && wrongType.text.contains("must be a string") && !wrongType.text.contains("12345678"))
        let disabled = try await demo.ok("disable-key", ["id": "k1", "reason": "leaked in a test"])
        #expect(disabled.string("status") == "disabled")
        #expect(await demo.failure("key-stats", ["id": "k9"]).contains("k9"))

        // without the master key: a message that says what to set
        let locked = CostTools(configuration: CostMCPConfiguration(paths: demo.paths, environment: ["XDG_DATA_HOME": demo.directory.path]))
        let refused = await locked.call("list-keys", arguments: [:])
        #expect(refused.isError == true && refused.text.contains("COSTCTL_MASTER_KEY"), "\(refused.text)")
    }

    @Test("forecast, anomalies, plan fit and the tier decision on the demo usage")
    func optimizer() async throws {
        let demo = try await DemoServer.make()
        defer { demo.close() }
        let forecast = try await demo.ok("forecast-monthly-cost", ["by": "team"])
        #expect(forecast.string("group_by") == "team" && !forecast.array("forecasts").isEmpty)
        #expect(forecast.array("forecasts").allSatisfy { Money($0["spent_usd"]?.stringValue ?? "") != nil })
        let anomalies = try await demo.ok("detect-anomalies", ["since": "7d"])
        #expect(anomalies["anomalies"]?.arrayValue != nil && (anomalies.int("scopes_scanned") ?? 0) >= 1)
        #expect(await demo.failure("forecast-monthly-cost", ["month": "2026-13"]).contains("2026-13"))
        #expect(await demo.failure("forecast-monthly-cost", ["history_days": 3]).contains("from 7 to 366"))

        let fit = try await demo.ok("analyze-subscription-usage", ["current": "claude-max-20x", "days": 14])
        #expect(fit.string("current") == "claude-max-20x" && !fit.array("plans").isEmpty)
        let tier = try await demo.ok("recommend-tier-change", ["current": "claude-max-20x", "days": 14])
        #expect(["switch", "stay", "none"].contains(tier.string("action") ?? "") && tier.string("current") == "claude-max-20x")
        #expect((tier.string("action") == "none") == (tier["recommended"] == .null))
        let plan = await demo.failure("analyze-subscription-usage", ["current": "claude-max-20"])
        #expect(plan.contains("claude-max-20"))
        #expect(await demo.failure("recommend-tier-change", ["meters": ["session=10%@2026-11-02T20:59Z"]]).contains("needs 'current'"))
    }

    @Test("recommendations: refresh, list stored, accept, reject needs a reason")
    func recommendations() async throws {
        let demo = try await DemoServer.make(days: 21, perDay: 200)
        defer { demo.close() }
        // a budget projected to run far over, beside the demo's with room to spare: a reallocation
        _ = try await demo.ok("set-budget", ["name": "search-tiny", "scope": "team=search", "limit": "0.5"])
        let run = try await demo.ok("list-recommendations", ["since": "14d"])
        let records = run.array("recommendations")
        #expect(!records.isEmpty, "\(run["notes"] ?? nil)")
        let id = try #require(records.first?["id"]?.stringValue)
        let stored = try await demo.ok("list-recommendations", ["refresh": false])
        #expect(stored.array("recommendations").count >= records.count)
        let accepted = try await demo.ok("update-recommendation-status", ["id": .string(id), "status": "accepted", "note": "from a test"])
        #expect(accepted.string("status") == "accepted" && !accepted.array("history").isEmpty)
        #expect(await demo.failure("update-recommendation-status", ["id": .string(id), "status": "rejected"]).contains("needs a 'reason'"))
        #expect(await demo.failure("update-recommendation-status", ["id": "rec-nope", "status": "accepted"]).contains("rec-nope"))
        #expect(await demo.failure("update-recommendation-status", ["id": .string(id), "status": "done"]).contains("one of accepted"))
        let onlyAccepted = try await demo.ok("list-recommendations", ["refresh": false, "status": ["accepted"]])
        #expect(onlyAccepted.array("recommendations").map { $0["id"]?.stringValue } == [id])
    }

    @Test("alerts: a raised alert is listed, acknowledged once, and an unknown key is an error")
    func alerts() async throws {
        let demo = try await DemoServer.make(days: 1, perDay: 10)
        defer { demo.close() }
        let center = try AlertCenter.open(paths: demo.paths, environment: demo.environment, withVault: false)
        _ = try await center.raise(
            Alert(key: "test/mcp/1", kind: .costAnomaly, severity: .warning, at: Date(), scope: "team=search", title: "Spend spike", message: "x"))
        let listed = try await demo.ok("list-alerts", ["unacknowledged_only": true])
        #expect(listed.array("alerts").contains { $0["alert"]?["key"] == "test/mcp/1" }, "\(listed)")
        let ack = try await demo.ok("acknowledge-alert", ["key": "test/mcp/1"])
        #expect(ack.string("acknowledged_by") == "mcp:tester")
        let after = try await demo.ok("list-alerts", ["unacknowledged_only": true])
        #expect(after.array("alerts").isEmpty)
        #expect(await demo.failure("acknowledge-alert", ["key": "test/none"]).contains("test/none"))
        #expect(await demo.failure("list-alerts", ["min_severity": "loud"]).contains("one of info, warning, critical"))
    }

    @Test("import-usage reads a JSON Lines file once (idempotent) and names a missing file")
    func importUsage() async throws {
        let demo = try await DemoServer.make(days: 1, perDay: 10)
        defer { demo.close() }
        let file = demo.directory.appendingPathComponent("calls.jsonl")
        let now = Timestamp.format(Date().addingTimeInterval(-3_600))
        let lines = (0..<5).map { i in
            #"{"request_id": "mcp-\#(i)", "ts": "\#(now)", "model": "gpt-4o", "prompt_tokens": \#(100 + i), "completion_tokens": 20, "team": "mcp"}"#
        }
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let arguments: [String: Value] = [
            "format": "jsonl", "path": .string(file.path),
            "map": ["id=request_id", "timestamp=ts", "input=prompt_tokens", "output=completion_tokens"],
        ]
        let first = try await demo.ok("import-usage", arguments)
        #expect(first.int("added") == 5, "\(first)")
        let second = try await demo.ok("import-usage", arguments)
        #expect(second.int("added") == 0)
        let team = try await demo.ok("get-usage-summary", ["where": ["team": "mcp"]])
        #expect(team["totals"]?["events"] == 5)
        #expect(await demo.failure("import-usage", ["format": "jsonl", "path": "/no/such/file.jsonl"]).contains("/no/such/file.jsonl"))
        #expect(await demo.failure("import-usage", ["format": "csv"]).contains("needs a 'path'"))
        #expect(await demo.failure("import-usage", ["format": "xlsx", "path": .string(file.path)]).contains("must be one of"))
    }

    @Test("the price and plan catalogs are JSON resources at stable URIs; an unknown URI is refused")
    func resources() async throws {
        let demo = try await DemoServer.make(days: 1, perDay: 10)
        defer { demo.close() }
        #expect(CostResources.all.map(\.uri) == ["costctl://catalog/prices", "costctl://catalog/plans"])
        let server = CostMCPServer(configuration: CostMCPConfiguration(paths: demo.paths, environment: demo.environment))
        let prices = try JSONDecoder().decode(Value.self, from: Data(try await server.readResource(CostResources.priceCatalogURI).utf8))
        let models = prices["models"]?.arrayValue ?? []
        #expect(models.count > 5_000 && (prices["providers"]?.arrayValue?.count ?? 0) > 50)
        #expect(models.contains { $0["provider"] == "openai" && $0["model"] == "gpt-4o" && $0["input_per_mtok"] == "2.5" })
        let plans = try JSONDecoder().decode(Value.self, from: Data(try await server.readResource(CostResources.planCatalogURI).utf8))
        #expect(plans["plans"]?.arrayValue?.contains { $0["id"] == "claude-max-20x" } == true)
        await #expect(throws: CostMCPError.self) { try await server.readResource("costctl://catalog/nope") }
    }
}
