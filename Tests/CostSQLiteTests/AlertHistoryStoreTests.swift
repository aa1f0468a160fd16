import CostBudget
import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// The alert history contract, on the memory store and on the SQLite ledger (a temporary file).
@Suite("AlertHistoryStore")
struct AlertHistoryStoreTests {
    static let march = PeriodWindow(start: date("2026-03-01T00:00:00Z"), end: date("2026-04-01T00:00:00Z"))
    static let april = PeriodWindow(start: date("2026-04-01T00:00:00Z"), end: date("2026-05-01T00:00:00Z"))

    static func date(_ text: String) -> Date {
        (try? Date(text, strategy: .iso8601)) ?? .distantPast
    }

    static func alert(
        _ budget: String = "team", level: LadderLevel = .warning, period: PeriodWindow? = march, at: String,
        limit: BudgetLimit = .money(Money(units: 100 * 1_000_000_000_000_000_000))
    ) -> BudgetAlert {
        BudgetAlert(
            budget: budget, scope: "team=search", level: level, threshold: Threshold(percent: 70),
            used: 71 * 1_000_000_000_000_000_000, limit: limit, period: period, at: date(at))
    }

    static func withStore(_ kind: LedgerKind, _ body: (any AlertHistoryStore) async throws -> Void) async throws {
        switch kind {
        case .memory:
            try await body(MemoryAlertHistoryStore())
        case .sqlite:
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            try await body(SQLiteUsageLedger(path: directory.databasePath))
        }
    }

    @Test("first alert stored, a repeat within the cool-down suppressed, after it stored as a repeat", arguments: LedgerKind.allCases)
    func coolDown(_ kind: LedgerKind) async throws {
        try await Self.withStore(kind) { store in
            let hour = Duration.seconds(3600)
            let first = try #require(try await store.record(Self.alert(at: "2026-03-10T10:00:00Z"), coolDown: hour))
            #expect(!first.isRepeat)
            #expect(try await store.record(Self.alert(at: "2026-03-10T10:59:59.999Z"), coolDown: hour) == nil)
            let again = try #require(try await store.record(Self.alert(at: "2026-03-10T11:00:00Z"), coolDown: hour))
            #expect(again.isRepeat)
            // the cool-down runs from the latest stored alert
            #expect(try await store.record(Self.alert(at: "2026-03-10T11:30:00Z"), coolDown: hour) == nil)
            #expect(try await store.alerts().count == 2)
        }
    }

    @Test("levels, budgets and periods are deduplicated apart; rolling windows have one period", arguments: LedgerKind.allCases)
    func keys(_ kind: LedgerKind) async throws {
        try await Self.withStore(kind) { store in
            let hour = Duration.seconds(3600)
            let at = "2026-03-10T10:00:00Z"
            #expect(try await store.record(Self.alert(at: at), coolDown: hour) != nil)
            #expect(try await store.record(Self.alert(level: .notification, at: at), coolDown: hour) != nil)
            #expect(try await store.record(Self.alert("other", at: at), coolDown: hour) != nil)
            // a new period re-arms: the same level one minute later, in April
            let april = try #require(try await store.record(Self.alert(period: Self.april, at: "2026-04-01T00:01:00Z"), coolDown: hour))
            #expect(!april.isRepeat)
            #expect(try await store.record(Self.alert("rolling", period: nil, at: at), coolDown: hour) != nil)
            #expect(try await store.record(Self.alert("rolling", period: nil, at: "2026-03-10T10:30:00Z"), coolDown: hour) == nil)
            #expect(try await store.alerts().count == 5)
        }
    }

    @Test("queries: budget, time range, severity, newest first, limit; retention", arguments: LedgerKind.allCases)
    func queries(_ kind: LedgerKind) async throws {
        try await Self.withStore(kind) { store in
            _ = try await store.record(Self.alert(at: "2026-03-10T10:00:00Z"), coolDown: .zero)
            _ = try await store.record(Self.alert(level: .throttling, at: "2026-03-10T11:00:00Z"), coolDown: .zero)
            _ = try await store.record(Self.alert("b", level: .hardStop, at: "2026-03-10T12:00:00Z"), coolDown: .zero)
            let all = try await store.alerts()
            #expect(all.map(\.level) == [.hardStop, .throttling, .warning])
            #expect(try await store.alerts(matching: AlertQuery(budget: "team")).map(\.level) == [.throttling, .warning])
            #expect(try await store.alerts(matching: AlertQuery(minimumSeverity: .warning)).map(\.severity) == [.critical, .warning])
            let range = AlertQuery(since: Self.date("2026-03-10T10:30:00Z"), until: Self.date("2026-03-10T12:00:00Z"))
            #expect(try await store.alerts(matching: range).map(\.level) == [.throttling])
            #expect(try await store.alerts(matching: AlertQuery(limit: 1)).map(\.budget) == ["b"])
            #expect(try await store.removeAlerts(before: Self.date("2026-03-10T11:00:00Z")) == 1)
            #expect(try await store.alerts().count == 2)
        }
    }

    @Test("the SQLite history survives a reopen, every field read back")
    func persisted() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let sent = BudgetAlert(
            budget: "tokens", scope: "user=ana model=gpt-4o", level: .emergency, threshold: Threshold(basisPoints: 10_550),
            used: 1_234_567, limit: .tokens(1_000_000), period: Self.march, at: Self.date("2026-03-10T10:00:00.125Z"))  // whole milliseconds, exact in binary
        let rolling = Self.alert("rolling", level: .providerSwitch, period: nil, at: "2026-03-10T09:00:00Z")
        do {
            let ledger = try SQLiteUsageLedger(path: directory.databasePath)
            #expect(try await ledger.record(sent, coolDown: .seconds(3600)) == sent)
            #expect(try await ledger.record(rolling, coolDown: .seconds(3600)) != nil)
        }
        let reopened = try SQLiteUsageLedger(path: directory.databasePath)
        let stored = try await reopened.alerts()
        #expect(stored == [sent, rolling])
        #expect(stored.first?.severity == .critical && stored.first?.message.contains("1234567 tokens of 1000000 tokens") == true)
        // the reopened store still deduplicates against what the first one wrote
        #expect(try await reopened.record(Self.alert("rolling", level: .providerSwitch, period: nil, at: "2026-03-10T09:10:00Z"), coolDown: .seconds(3600)) == nil)
        #expect(try await reopened.scalarForTesting("SELECT COUNT(*) FROM schema_migrations WHERE name = '0006-budget-alerts'") == 1)
    }

    @Test("two connections to one file racing to record the same alert store it once")
    func twoConnections() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try SQLiteUsageLedger(path: directory.databasePath)
        let second = try SQLiteUsageLedger(path: directory.databasePath)
        let stored = try await withThrowingTaskGroup(of: Bool.self) { group in
            for n in 0..<40 {
                let store: any AlertHistoryStore = n % 2 == 0 ? first : second
                group.addTask { try await store.record(Self.alert(at: "2026-03-10T10:00:00Z"), coolDown: .seconds(3600)) != nil }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(stored == 1)
        #expect(try await second.alerts().count == 1)
    }
}
