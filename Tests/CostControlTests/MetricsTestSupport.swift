import CostControl
import CostRotation
import Foundation
import Testing

/// A real SQLite database as `costctl demo` leaves it (three days of demo usage, the demo's
/// budgets), plus two API keys (one a quarter used), three alerts (one acknowledged), two
/// recommendations, and one event whose team name holds a quote, a backslash and a newline.
struct MetricsFixture {
    static let secret = "sk-ant-api03-PLANTED-0123456789abcdefWXYZ"
    static let otherSecret = "sk-ant-api03-PLANTED-9876543210fedcbaQRST"
    static let oddTeam = "r&d \"north\"\\west\nfloor"

    let directory: URL
    let paths: ControlPaths
    let now: Date

    static func make(now: Date = Date()) async throws -> MetricsFixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-metrics-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let paths = ControlPaths(database: directory.appendingPathComponent("demo.db").path, environment: [:])
        let ledger = try LedgerStore.open(paths: paths, catalog: try PriceCatalog.bundled())
        var events = DemoUsage(seed: 11, requestsPerDay: 60).events(days: 3, endingAt: now)
        events.append(
            UsageEvent(
                id: "odd-team", timestamp: now.addingTimeInterval(-60), provider: "openai", model: "gpt-4o",
                usage: Usage(inputTokens: 10_000, outputTokens: 500, cacheReadTokens: 4_000), dimensions: UsageDimensions(team: oddTeam)))
        _ = try await ledger.record(contentsOf: events, policy: .rejectAll)
        _ = try await DemoBudgets.install(store: try BudgetStoreFile.open(paths: paths), ledger: ledger, timeZone: .gmt, at: now)

        let keys = try SQLiteKeyStore(path: paths.database.path)
        let admin = KeyAdmin(store: keys, sealer: try Vault.create(master: try MasterKey.generate()).vault, actor: "test")
        let quota = try KeySpec.quota(tokensPer30d: 1_000_000, timeZone: .gmt)
        try await admin.add(KeySpec(provider: "anthropic", label: "k1", project: "a", quota: quota), secret: Data(secret.utf8))
        try await admin.add(KeySpec(provider: "anthropic", label: "k2", project: "b"), secret: Data(otherSecret.utf8))
        let selection = try await keys.acquire(KeyRequest(tokens: 250_000), from: KeyPool(provider: "anthropic", project: "a"))
        _ = try await keys.report(try #require(selection.lease), outcome: .success(KeyCharge(tokens: 250_000)))

        let alerts = try SQLiteAlertStore(path: paths.database.path)
        for (key, kind, severity, title) in [
            ("a1", AlertKind.budgetLevel, AlertSeverity.warning, "demo-all-7d at its notification level"),
            ("a2", .budgetLevel, .critical, "demo-platform-monthly over its limit"),
            ("a3", .keyQuotaNearLimit, .warning, "k1 near its quota"),
        ] {
            _ = try await alerts.enqueue(
                Alert(key: key, kind: kind, severity: severity, at: now.addingTimeInterval(-120), scope: "global", title: title, message: title),
                routes: [], at: now)
        }
        _ = try await alerts.acknowledge(key: "a3", by: "test", at: now)

        let recommendations = try RecommendationStoreFile.open(paths: paths)
        let confidence = RecommendationConfidence(value: 0.8, components: ["coverage": 1])
        _ = try await recommendations.upsert(
            [
                Recommendation(
                    kind: .modelDowngrade, scope: "team=support", title: "Use gpt-4o-mini", rationale: "r", monthlySaving: Money("123.45")!,
                    confidence: confidence, difficulty: .easy, risk: .low, evidence: "e"),
                Recommendation(
                    kind: .promptCaching, scope: "team=platform", title: "Cache the system prompt", rationale: "r",
                    monthlySaving: Money("10.005")!, confidence: confidence, difficulty: .medium, risk: .low, evidence: "e"),
            ], refresh: nil, baselineDays: 30, actor: "test")
        return MetricsFixture(directory: directory, paths: paths, now: now)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    func collector(top: Int = 20) throws -> MetricsCollector {
        try MetricsCollector.open(paths: paths, catalog: try PriceCatalog.bundled(), top: top)
    }
}
