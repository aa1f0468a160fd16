import CostControl
import Foundation
import Testing

/// `MetricsCollector` on a real SQLite database and `PrometheusText`'s format, checked by hand and
/// by Prometheus's own `promtool check metrics`.
@Suite("Prometheus metrics")
struct MetricsTests {
    @Test("label values escape backslash, quote and newline; help text escapes backslash and newline")
    func escaping() throws {
        let snapshot = MetricsSnapshot(
            generatedAt: Date(timeIntervalSince1970: 0),
            families: [
                MetricFamily(
                    name: "costctl_test_total", help: "A \\ help\nline", kind: .counter,
                    samples: [MetricSample([MetricLabel("team", "a\\b\"c\nd"), MetricLabel("model", "gpt-4o")], .money(Money("0.000000000001")!))]),
                MetricFamily(name: "costctl_empty", help: "never printed", kind: .gauge),
                MetricFamily(name: "costctl_ratio", help: "r", kind: .gauge, samples: [MetricSample([], .number(0.25)), MetricSample([MetricLabel("x", "")], .count(3))]),
            ])
        let text = try PrometheusText.render(snapshot)
        #expect(
            text == """
                # HELP costctl_test_total A \\\\ help\\nline
                # TYPE costctl_test_total counter
                costctl_test_total{team="a\\\\b\\"c\\nd",model="gpt-4o"} 0.000000000001
                # HELP costctl_ratio r
                # TYPE costctl_ratio gauge
                costctl_ratio 0.25
                costctl_ratio{x=""} 3

                """)
    }

    @Test("invalid metric and label names are refused", arguments: ["1abc", "a-b", "", "é"])
    func invalidNames(name: String) throws {
        #expect(!MetricFamily.isValidName(name))
        #expect(!MetricLabel.isValidName(name))
        let badFamily = MetricsSnapshot(generatedAt: Date(), families: [MetricFamily(name: name, help: "h", kind: .gauge, samples: [MetricSample([], .count(1))])])
        #expect(throws: ControlError.self) { try PrometheusText.render(badFamily) }
        let badLabel = MetricsSnapshot(
            generatedAt: Date(), families: [MetricFamily(name: "ok", help: "h", kind: .gauge, samples: [MetricSample([MetricLabel(name, "v")], .count(1))])])
        #expect(throws: ControlError.self) { try PrometheusText.render(badLabel) }
        #expect(!MetricLabel.isValidName("__reserved"))
        #expect(MetricFamily.isValidName("costctl:cost_usd_total") && MetricLabel.isValidName("_team2"))
    }

    @Test("the demo database: HELP and TYPE once before each family's samples, valid names, the odd team escaped, no secret")
    func demoExposition() async throws {
        let fixture = try await MetricsFixture.make()
        defer { fixture.remove() }
        let snapshot = try await fixture.collector().snapshot(at: fixture.now)
        let text = try PrometheusText.render(snapshot)
        var current: String?
        var typed = Set<String>()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix("# HELP ") {
                let name = String(line.dropFirst(7).prefix { $0 != " " })
                #expect(!typed.contains(name), "\(name) described twice")
                current = name
            } else if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                #expect(parts.count == 4 && String(parts[2]) == current && ["counter", "gauge"].contains(String(parts[3])), "\(line)")
                typed.insert(String(parts[2]))
            } else {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                #expect(name == current && typed.contains(name), "sample before its HELP/TYPE: \(line)")
                #expect(Double(line.split(separator: " ").last.map(String.init) ?? "") != nil, "\(line)")
            }
        }
        for family in [
            "costctl_cost_usd_total", "costctl_tokens_total", "costctl_requests_total", "costctl_cache_hit_ratio",
            "costctl_budget_utilization_ratio", "costctl_budget_remaining_usd", "costctl_key_quota_utilization_ratio", "costctl_keys",
            "costctl_recommendation_potential_savings_usd", "costctl_alerts", "costctl_metrics_generated_timestamp_seconds",
            "costctl_ledger_latest_event_timestamp_seconds",
        ] {
            #expect(typed.contains(family), "missing \(family)")
        }
        #expect(text.contains(#"team="r&d \"north\"\\west\nfloor""#))
        let json = String(decoding: try JSONEncoder().encode(snapshot), as: UTF8.self)
        for secret in [MetricsFixture.secret, MetricsFixture.otherSecret, "PLANTED"] {
            #expect(!text.contains(secret) && !json.contains(secret))
        }
    }

    @Test("top N plus __other__: cost, tokens and requests still add up to the ledger's totals exactly")
    func topAndOther() async throws {
        let fixture = try await MetricsFixture.make()
        defer { fixture.remove() }
        let ledger = try LedgerStore.open(paths: fixture.paths, catalog: try PriceCatalog.bundled())
        let totals = try await ledger.query(UsageQuery()).totals
        let all = try await fixture.collector(top: 10_000).snapshot(at: fixture.now)
        let groups = try #require(all.family("costctl_cost_usd_total")).samples.count
        #expect(groups > 4)
        for top in [1, 3] {
            let snapshot = try await fixture.collector(top: top).snapshot(at: fixture.now)
            let cost = try #require(snapshot.family("costctl_cost_usd_total"))
            #expect(cost.samples.count == top + 1)
            let other = try #require(cost.samples.last)
            #expect(other.labels.map(\.value) == ["__other__", "__other__", "__other__"])
            #expect(cost.samples.map { Self.money($0) }.reduce(Money.zero, +) == totals.cost)
            let requests = try #require(snapshot.family("costctl_requests_total"))
            #expect(requests.samples.map { Self.count($0) }.reduce(0, +) == totals.usage.requests)
            let tokens = try #require(snapshot.family("costctl_tokens_total"))
            #expect(tokens.samples.count == (top + 1) * 5)
            for (kind, expected) in [
                ("input", totals.usage.inputTokens), ("output", totals.usage.outputTokens), ("cache_read", totals.usage.cacheReadTokens),
            ] {
                #expect(tokens.samples.filter { $0.label("kind") == kind }.map { Self.count($0) }.reduce(0, +) == expected, "\(kind)")
            }
            // the kept series are the most expensive ones
            let kept = cost.samples.dropLast().map { Self.money($0) }
            let rest = all.family("costctl_cost_usd_total")?.samples.map { Self.money($0) }.sorted(by: >).dropFirst(top) ?? []
            #expect(kept.allSatisfy { k in rest.allSatisfy { $0 <= k } })
            #expect(try #require(snapshot.family("costctl_cache_hit_ratio")).samples.count <= top + 1)
        }
    }

    @Test("budgets, keys, recommendations and alerts: exact amounts and counts")
    func stores() async throws {
        let fixture = try await MetricsFixture.make()
        defer { fixture.remove() }
        let snapshot = try await fixture.collector().snapshot(at: fixture.now)
        let budgets = try BudgetStoreFile.open(paths: fixture.paths)
        let utilization = try #require(snapshot.family("costctl_budget_utilization_ratio"))
        #expect(Set(utilization.samples.compactMap { $0.label("budget") }) == ["demo-all-7d", "demo-platform-monthly"])
        for sample in try #require(snapshot.family("costctl_budget_remaining_usd")).samples {
            let name = try #require(sample.label("budget"))
            let state = try #require(try await budgets.state(of: name))
            guard case .money(let limit) = state.budget.limit else { Issue.record("not a money budget"); continue }
            let used = Money(units: state.usedUnits)
            #expect(Self.money(sample) == (used < limit ? limit - used : .zero))
            #expect(sample.label("period") != nil && sample.label("scope") != nil)
        }
        let keys = try #require(snapshot.family("costctl_key_quota_utilization_ratio"))
        #expect(keys.samples.count == 1)
        #expect(keys.samples.first?.labels.map(\.value) == ["anthropic/a", "k1", "tokens"])
        #expect(keys.samples.first?.value == .number(0.25))
        #expect(try #require(snapshot.family("costctl_keys")).samples.map { Self.count($0) }.reduce(0, +) == 2)
        let savings = try #require(snapshot.family("costctl_recommendation_potential_savings_usd"))
        #expect(savings.samples.map { "\($0.label("kind") ?? "")/\($0.label("status") ?? "")=\($0.value.text)" }.sorted()
            == ["model-downgrade/pending=123.45", "prompt-caching/pending=10.005"])
        let alerts = try #require(snapshot.family("costctl_alerts"))
        #expect(alerts.samples.map { "\($0.labels.map(\.value).joined(separator: "/"))=\($0.value.text)" }
            == ["budget-level/critical/unacknowledged=1", "budget-level/warning/unacknowledged=1", "key-quota/warning/acknowledged=1"])
        #expect(snapshot.family("costctl_metrics_generated_timestamp_seconds")?.samples.first?.value
            == .number(fixture.now.timeIntervalSince1970.rounded(.down)))
    }

    @Test("promtool check metrics accepts the output (fails when promtool is missing, unless COSTCTL_SKIP_PROMTOOL=1)")
    func promtool() async throws {
        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let promtool else {
            if ProcessInfo.processInfo.environment["COSTCTL_SKIP_PROMTOOL"] == "1" { return }
            Issue.record("promtool not found: apt-get install prometheus (or set COSTCTL_SKIP_PROMTOOL=1 to skip this check)")
            return
        }
        let fixture = try await MetricsFixture.make()
        defer { fixture.remove() }
        for top in [2, 20] {
            let text = try PrometheusText.render(try await fixture.collector(top: top).snapshot(at: fixture.now))
            let result = try Self.run(promtool, ["check", "metrics"], stdin: text)
            #expect(result.status == 0 && result.output.isEmpty, "promtool: \(result.output)\n\(text)")
        }
        // and promtool does catch a broken exposition
        let broken = try Self.run(promtool, ["check", "metrics"], stdin: "# TYPE costctl_x counter\ncostctl_x{a=\"1} 2\n")
        #expect(broken.status != 0)
    }

    @Test("write replaces the file atomically and leaves no temporary file behind")
    func atomicWrite() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-prom-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("costctl.prom")
        try PrometheusText.write("a 1\n", to: target)
        try PrometheusText.write("a 2\n", to: target)
        #expect(try String(contentsOf: target, encoding: .utf8) == "a 2\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["costctl.prom"])
        #expect(throws: ControlError.self) { try PrometheusText.write("a 1\n", to: directory.appendingPathComponent("missing/costctl.prom")) }
    }

    // MARK: - Helpers

    static func money(_ sample: MetricSample) -> Money {
        if case .money(let m) = sample.value { return m }
        Issue.record("not money: \(sample)")
        return .zero
    }

    static func count(_ sample: MetricSample) -> Int {
        if case .count(let n) = sample.value { return n }
        Issue.record("not a count: \(sample)")
        return 0
    }

    /// Runs `path` with `stdin`, with a 60-second watchdog; standard output and error together.
    static func run(_ path: String, _ arguments: [String], stdin: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        defer { watchdog.cancel() }
        let writer = Thread {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
