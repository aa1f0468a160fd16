import CostBudget
import CostControl
import CostCrypto
import CostOptimizer
import CostPricing
import CostRotation
import CostSQLite
import Foundation
import Synchronization
import Testing

/// Issue 9's acceptance test: a simulated week of usage through the daemon on a real SQLite
/// database, with real delivery to a local webhook and a real provisioner script.
@Suite("Daemon acceptance")
struct DaemonAcceptanceTests {
    typealias Support = DaemonTestSupport

    /// Writes an executable script that counts its runs in `countFile` and prints a new Anthropic-shaped key.
    static func provisionerScript(in directory: URL, countFile: URL) throws -> String {
        let path = directory.appendingPathComponent("new-anthropic-key").path
        let script = """
            #!/bin/sh
            echo run >> '\(countFile.path)'
            echo "sk-ant-api03-test$(date +%s)abcdefghijklmnopqrstuvwxyz0123"
            echo "label: daemon-test"
            """
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    @Test("a simulated week: 168 quota checks, 7 daily reports, one alert per budget level, one provisioning, nothing delivered twice",
          .timeLimit(.minutes(5)), arguments: [false, true])
    func week(restartMidWeek: Bool) async throws {
        let (directory, database) = try Support.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try LocalHTTPServer(statuses: [503])  // the first delivery fails and is retried
        defer { server.stop() }
        let start = Support.monday
        let end = start.addingTimeInterval(7 * 86_400)
        let utc = Support.utc

        // the stores, all in one file, on the simulated clock
        let paths = ControlPaths(database: database)
        let catalog = try PriceCatalog.bundled()
        let ledger = try LedgerStore.open(paths: paths, catalog: catalog, environment: [:])
        let master = try MasterKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255) })
        let vault = try KeyVaultFile.vault(database: database, master: master)
        let usage = Mutex(0)
        let clockBox = Mutex<SimulatedDaemonClock?>(nil)
        let now: @Sendable () -> Date = { clockBox.withLock { $0?.now } ?? start }
        let keys = try SQLiteKeyStore(path: database, now: now)
        let budgets = try SQLiteBudgetStore(path: database, now: now)
        let center = AlertCenter(store: try SQLiteAlertStore(path: database), sealer: vault, now: now)
        try await center.addChannel(AlertChannelSpec(name: "hook", kind: .webhook, secret: AlertChannelSecret(target: server.url("/hook"))))

        // a $50 monthly budget that the week's $58.80 takes through every level, one level per hour at most
        try await budgets.setBudget(try Budget(name: "all", limit: .money(try Money(dollars: 50)), period: .calendar(.month, timeZone: utc)))
        // one key of 1M tokens per 30 days; the pool reaches 80% on Thursday; the script provisions a second key
        let k1 = try APIKey(
            id: "k1", provider: "anthropic", label: "k1", sealedSecret: try vault.seal(Data("sk-ant-api03-first-key-0123456789".utf8), associatedData: Data("k1".utf8)),
            fingerprint: "sk-ant-…0123", createdAt: start, quota: try KeySpec.quota(tokensPer30d: 1_000_000, timeZone: utc))
        try await keys.addKey(k1, actor: "test")
        let countFile = directory.appendingPathComponent("provisioner-runs")
        let script = try Self.provisionerScript(in: directory, countFile: countFile)
        try await keys.setProvisioner(ProvisionerSetting(
            pool: KeyPool(provider: "anthropic"), command: script, quota: try KeySpec.quota(tokensPer30d: 100_000_000, timeZone: utc)))

        // every simulated hour: one gpt-4o request of $0.35 in the ledger, 10,000 tokens through the key pool
        let clock = SimulatedDaemonClock(start) { from, to in
            var hour = Date(timeIntervalSince1970: (from.timeIntervalSince1970 / 3600).rounded(.down) * 3600 + 3600)
            while hour <= to {
                let index = usage.withLock { count -> Int in
                    count += 1
                    return count
                }
                _ = try await ledger.record(UsageEvent(
                    id: "req-\(index)", timestamp: hour.addingTimeInterval(-60), provider: "openai", model: "gpt-4o",
                    usage: Usage(inputTokens: 100_000, outputTokens: 10_000), dimensions: UsageDimensions(team: "search")))
                let selection = try await keys.acquire(KeyRequest(tokens: 10_000), from: KeyPool(provider: "anthropic"))
                if let lease = selection.lease { _ = try await keys.report(lease, outcome: .success(KeyCharge(tokens: 10_000))) }
                hour.addTimeInterval(3600)
            }
        }
        clockBox.withLock { $0 = clock }

        let configuration = DaemonConfiguration().with {
            $0.timeZone = utc
            $0.schedules[.alertsDeliver] = .every(.seconds(900))
            $0.keyQuotaThreshold = 0.75
        }
        let recommendations = try SQLiteRecommendationStore(path: database, now: now)
        let services = DaemonServices(
            ledger: ledger, alertHistory: ledger, budgets: budgets, keys: keys, provisioners: keys, sealer: vault, alerts: center,
            recommendations: recommendations, catalog: catalog, plans: try PlanCatalog.bundled(),
            reporter: .operations(ledger: ledger, budgets: budgets, recommendations: recommendations, now: now),
            configuration: configuration, clock: clock)
        var results: [DaemonRunResult] = []
        if restartMidWeek {
            // stopped on Thursday afternoon, a new process (new connections, new owner) goes on
            let middle = start.addingTimeInterval(3 * 86_400 + 15.5 * 3600)
            results += try await services.scheduler(store: try SQLiteDaemonJobStore(path: database), owner: "first", logger: Support.quietLogger)
                .run(until: middle)
        }
        results += try await services.scheduler(store: try SQLiteDaemonJobStore(path: database), owner: "acceptance", logger: Support.quietLogger)
            .run(until: end)

        // hourly checks ran 168 times, every job succeeded
        let failed = results.filter { $0.outcome != .succeeded }
        #expect(failed.isEmpty, "\(failed.map { "\($0.job) \($0.slot): \($0.error ?? "")" })")
        #expect(results.filter { $0.job == "quota-check" }.count == 168)
        let records = try await SQLiteDaemonJobStore(path: database).records()
        #expect(records.first { $0.job == "quota-check" }?.runs == 168)
        #expect(records.first { $0.job == "report" }?.runs == 7 && records.first { $0.job == "snapshot" }?.runs == 7)
        #expect(records.first { $0.job == "alerts-deliver" }?.runs == 672 && records.first { $0.job == "weekly-summary" }?.runs == 1)

        // what the webhook received: the first request refused, then every key exactly once
        let requests = server.requests
        let refused = try #require(requests.first?.headers["x-costctl-idempotency-key"])
        let accepted = requests.dropFirst().compactMap { $0.headers["x-costctl-idempotency-key"] }
        #expect(accepted.count == requests.count - 1 && Set(accepted).count == accepted.count, "a key was delivered twice")
        #expect(accepted.contains(refused), "the refused delivery was not retried")
        let daily = accepted.filter { $0.hasPrefix("report:daily:") }.sorted()
        #expect(daily == (0..<7).map { "report:daily:" + DaemonReportRequest.localDate(start.addingTimeInterval(Double($0 - 1) * 86_400), in: utc) })
        let report = try #require(requests.first { $0.headers["x-costctl-idempotency-key"] == "report:daily:2026-11-18" })
        let body = try report.json()
        // the operations report of that day: 24 requests of $0.35 on Wednesday, the team's share, the budget
        let operations = try #require(body["report"] as? [String: Any])
        #expect(body["kind"] as? String == "report" && operations["kind"] as? String == "daily")
        #expect((body["title"] as? String)?.contains("$8.40") == true)
        let totals = try #require(operations["totals"] as? [String: Any])
        #expect(totals["cost_usd"] as? String == "8.4" && totals["requests"] as? Int == 24, "\(totals)")
        #expect((operations["top_teams"] as? [[String: Any]])?.first?["name"] as? String == "search")
        #expect((operations["budgets"] as? [Any])?.isEmpty == false)

        // one budget alert per level, all eight levels crossed, each delivered once
        let stored = try await center.alerts(limit: 1000)
        let levels = stored.filter { $0.alert.kind == .budgetLevel }.compactMap { $0.alert.data["level"] }
        #expect(levels.sorted() == LadderLevel.allCases.map(\.description).sorted(), "\(levels)")
        #expect(accepted.filter { $0.hasPrefix("budget-level/") }.count == 8)
        #expect(stored.allSatisfy { row in row.deliveries.allSatisfy { $0.state == .delivered } })

        // the pool reached 80% once: the provisioner ran once, its key joined the pool, it was notified
        let runs = (try? String(contentsOf: countFile, encoding: .utf8))?.split(separator: "\n").count ?? 0
        #expect(runs == 1)
        let pool = try await keys.keys(provider: "anthropic")
        #expect(pool.count == 2 && pool.contains { $0.id != "k1" && $0.label == "daemon-test" })
        #expect(stored.contains { $0.alert.kind == .keyProvisioned } && stored.contains { $0.alert.kind == .poolPressure })
        #expect(stored.contains { $0.alert.kind == .keyQuotaNearLimit })
        #expect(stored.contains { $0.alert.kind == .budgetForecast })
    }
}
