import CostBudget
import CostControl
import CostRotation
import Foundation
import Synchronization
import Testing

/// The Meter choosing keys: one `run` gives a budget decision and a key, the secret reaches the
/// call opened by the real vault, and the outcome goes back to the key store by itself.
@Suite("Meter with key rotation")
struct MeterKeysTests {
    /// gpt-4o input is $2.50 per million tokens: 40,000 input tokens cost exactly $0.10.
    static let tenCents = Usage(inputTokens: 40_000, outputTokens: 0)
    static let request = MeteredRequest(
        provider: "openai", model: "gpt-4o", estimate: tenCents, dimensions: UsageDimensions(team: "search"))

    /// Collects the key events the meter hands on.
    final class EventLog: Sendable {
        let events = Mutex<[KeyEvent]>([])
        var all: [KeyEvent] { events.withLock { $0 } }
    }

    struct Setup {
        var meter: Meter
        var keys: MemoryKeyStore
        var budgets: MemoryBudgetStore
        var ledger: SQLiteUsageLedger
        var events: EventLog
    }

    /// A meter over the real SQLite ledger, an in-memory budget and key store, and a real vault;
    /// keys `k1`, `k2` (secrets `sk-proj-<id>-…`) in the openai pool with `quota`.
    static func withMeter(
        quota: KeyQuota = .unlimited, budgetUSD: String? = nil, strategy: SelectionStrategy = .priority,
        _ body: (Setup) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-meterkeys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = ControlPaths(database: directory.appendingPathComponent("m.db").path, environment: ["HOME": directory.path])
        let ledger = try LedgerStore.open(paths: paths, environment: [:])
        let budgets = MemoryBudgetStore()
        if let budgetUSD {
            try await budgets.setBudget(Budget(
                name: "team-search", scope: BudgetScope(.team("search")), limit: .money(try #require(Money(budgetUSD))),
                period: .monthly(in: .gmt)))
        }
        let vault = try Vault.create(master: try MasterKey.generate()).vault
        let store = MemoryKeyStore(random: { 0.5 })
        for (index, id) in ["k1", "k2"].enumerated() {
            let secret = "sk-proj-\(id)-0123456789abcdef"
            try await store.addKey(
                try APIKey(
                    id: id, provider: "openai", label: id, sealedSecret: try vault.seal(Data(secret.utf8), associatedData: Data(id.utf8)),
                    fingerprint: SecretMask.fingerprint(secret), createdAt: Date(), quota: quota, priority: index),
                actor: "test")
        }
        let log = EventLog()
        let keys = MeterKeys(store: store, sealer: vault, pools: [KeyPool(provider: "openai").with { $0.strategy = strategy }]) { events in
            log.events.withLock { $0 += events }
        }
        let engine = try #require(ledger.configuration.engine)
        try await body(Setup(
            meter: Meter(budgets: budgets, ledger: ledger, engine: engine, keys: keys), keys: store, budgets: budgets, ledger: ledger,
            events: log))
    }

    @Test("one run: a budget decision and a key; the secret reaches the call; success is reported with the usage")
    func decisionAndKey() async throws {
        try await Self.withMeter(budgetUSD: "1") { setup in
            let outcome = try await setup.meter.run(Self.request) { call in
                let key = try #require(call.key)
                #expect(key.id == "k1" && key.secret == "sk-proj-k1-0123456789abcdef")
                #expect(!String(describing: key).contains(key.secret) && !String(reflecting: key).contains("0123456789"))
                var dumped = ""
                dump(key, to: &dumped)
                #expect(!dumped.contains("0123456789"))
                return MeteredResult("ok", usage: Usage(inputTokens: 20_000, outputTokens: 1_000))
            }
            guard case .completed(_, let receipt) = outcome else { Issue.record("not completed: \(outcome)"); return }
            #expect(receipt.event.dimensions.keyID == "k1")
            let report = try #require(receipt.key)
            #expect(report.entry.outcome == .success && report.entry.tokens == 21_000 && report.entry.cost == Money("0.06"))
            let log = try await setup.keys.usageLog(of: "k1", since: nil)
            #expect(log.count == 1 && log[0].tokens == 21_000)
            #expect(try await setup.ledger.event(id: receipt.event.id)?.dimensions.keyID == "k1")
            #expect(try await setup.budgets.state(of: "team-search")?.spent.cost == Money("0.06"))
        }
    }

    @Test("a 429 thrown by the call cools the key, releases the hold, and the next run uses the other key")
    func rateLimited() async throws {
        try await Self.withMeter(budgetUSD: "1") { setup in
            await #expect(throws: ProviderHTTPError.self) {
                _ = try await setup.meter.run(Self.request) { call -> MeteredResult<String> in
                    #expect(call.key?.id == "k1")
                    throw ProviderHTTPError(status: 429, retryAfter: .seconds(30))
                }
            }
            let cooled = try #require(try await setup.keys.key(id: "k1"))
            guard case .coolingDown(let until) = cooled.status(at: Date()) else { Issue.record("k1 is \(cooled.status)"); return }
            #expect(until.timeIntervalSinceNow >= 29)
            let state = try #require(try await setup.budgets.state(of: "team-search"))
            #expect(state.held.cost == .zero && state.spent.cost == .zero)
            #expect(try await setup.ledger.info().events == 0)
            let next = try await setup.meter.run(Self.request) { call in MeteredResult(call.key?.id, usage: Self.tenCents) }
            guard case .completed(let used, _) = next else { Issue.record("not completed"); return }
            #expect(used == "k2")
        }
    }

    @Test("401 from the provider revokes the key and the event reaches the handler")
    func unauthorized() async throws {
        try await Self.withMeter { setup in
            struct Wrapped: KeyOutcomeError { var keyOutcome: KeyOutcome { .unauthorized(status: 401) } }
            await #expect(throws: Wrapped.self) {
                _ = try await setup.meter.run(Self.request) { _ -> MeteredResult<Int> in throw Wrapped() }
            }
            let status = try await setup.keys.key(id: "k1")?.status
            #expect(status == .revoked)
            #expect(setup.events.all.contains { if case .keyRevoked(let id, _, 401, _) = $0 { id == "k1" } else { false } })
        }
    }

    @Test("an ordinary error is logged as failed and leaves the key active")
    func otherFailure() async throws {
        struct Timeout: Error {}
        try await Self.withMeter { setup in
            await #expect(throws: Timeout.self) {
                _ = try await setup.meter.run(Self.request) { _ -> MeteredResult<Int> in throw Timeout() }
            }
            let outcomes = try await setup.keys.usageLog(of: "k1", since: nil).map(\.outcome)
            let status = try await setup.keys.key(id: "k1")?.status
            #expect(outcomes == [.failed] && status == .active)
        }
    }

    @Test("a budget refusal gives the key's lease back at once")
    func refusalReleasesTheLease() async throws {
        // one request a day per key: a lease still open would block the key
        try await Self.withMeter(quota: try KeyQuota(requestsPerDay: 1), budgetUSD: "0.05") { setup in
            let refused = try await setup.meter.run(Self.request) { _ in MeteredResult(0, usage: Self.tenCents) }
            guard case .refused = refused else { Issue.record("not refused: \(refused)"); return }
            #expect(try await setup.keys.quotaState(of: "k1")?.meters.allSatisfy { $0.pending == 0 } == true)
            let lease = try await setup.keys.acquire(KeyRequest(tokens: 10), from: KeyPool(provider: "openai").with { $0.strategy = .priority })
            #expect(lease.key?.id == "k1")
        }
    }

    @Test("no key can take the call: .noKey with each key's reason; nothing is held or recorded")
    func noKey() async throws {
        try await Self.withMeter(quota: try KeyQuota(tokens: 10_000), budgetUSD: "1") { setup in
            let outcome = try await setup.meter.run(Self.request) { _ in MeteredResult(0, usage: Self.tenCents) }
            guard case .noKey(let selection) = outcome else { Issue.record("not noKey: \(outcome)"); return }
            #expect(selection.candidates.map(\.keyID) == ["k1", "k2"])
            #expect(selection.candidates.allSatisfy { $0.skipped == .tooLarge(.tokens) })
            let state = try #require(try await setup.budgets.state(of: "team-search"))
            #expect(state.held.cost == .zero && state.spent.cost == .zero)
            #expect(try await setup.ledger.info().events == 0)
        }
    }

    @Test("a provider without a pool, or a request that names its key, runs without the meter choosing")
    func noPool() async throws {
        try await Self.withMeter { setup in
            var request = Self.request
            request.provider = "anthropic"
            request.model = "claude-sonnet-4-5"
            let outcome = try await setup.meter.run(request) { call in MeteredResult(call.key == nil, usage: Usage(inputTokens: 10)) }
            guard case .completed(true, let receipt) = outcome else { Issue.record("a key was chosen"); return }
            #expect(receipt.key == nil)
            var named = Self.request
            named.dimensions.keyID = "their-own"
            let second = try await setup.meter.run(named) { call in MeteredResult(call.key == nil, usage: Usage(inputTokens: 10)) }
            guard case .completed(true, let receipt2) = second else { Issue.record("a key was chosen"); return }
            #expect(receipt2.event.dimensions.keyID == "their-own")
        }
    }
}
