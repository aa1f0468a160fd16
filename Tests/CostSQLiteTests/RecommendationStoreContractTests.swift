import CostBudget
import CostOptimizer
import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// Every recommendation-store contract test runs once per implementation.
enum RecommendationStoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite

    var testDescription: String { rawValue }
}

/// Runs `body` with a fresh store of `kind` on `clock`; the SQLite one is reopened by `reopen` (a
/// second connection to the same file, as another process would see it).
func withRecommendationStore(
    _ kind: RecommendationStoreKind, clock: ManualClock,
    _ body: (any RecommendationStore, _ reopen: () throws -> any RecommendationStore) async throws -> Void
) async throws {
    switch kind {
    case .memory:
        let store = MemoryRecommendationStore(now: clock.now)
        try await body(store, { store })
    case .sqlite:
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await body(
            try SQLiteRecommendationStore(path: directory.databasePath, now: clock.now),
            { try SQLiteRecommendationStore(path: directory.databasePath, now: clock.now) })
    }
}

enum RecommendationFixtures {
    static let start = Fixtures.date("2026-11-01T00:00:00Z")

    static func finding(
        _ subject: String, kind: Recommendation.Kind = .modelDowngrade, scope: String = "team=support", saving: String = "100",
        confidence: Double = 0.8, difficulty: Recommendation.Difficulty = .easy
    ) -> Recommendation {
        Recommendation(
            kind: kind, scope: scope, title: subject, rationale: "because \(subject)", monthlySaving: Money(saving) ?? .zero,
            confidence: RecommendationConfidence(value: confidence, components: ["coverage": 1, "quality": confidence], notes: ["n"]),
            difficulty: difficulty, risk: .medium,
            actions: [.routeModel(from: "claude-opus-4-1", to: "claude-haiku-4-5", scope: scope), .reallocateBudget(from: "a", to: "b", amount: Money("12.5") ?? .zero)],
            evidence: "costctl usage --where \(scope)", baselineMonthlySpend: Money("400"), createdAt: start)
    }
}

/// The behaviour every ``RecommendationStore`` must have: ``MemoryRecommendationStore`` and
/// ``SQLiteRecommendationStore`` alike.
@Suite("Recommendation store contract")
struct RecommendationStoreContractTests {
    typealias F = RecommendationFixtures

    @Test("an upsert adds pending records that read back whole, ranked", arguments: RecommendationStoreKind.allCases)
    func upsertAndRead(kind: RecommendationStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withRecommendationStore(kind, clock: clock) { store, reopen in
            let findings = Recommendation.ranked([F.finding("small", saving: "10"), F.finding("big", saving: "500")])
            let summary = try await store.upsert(findings, refresh: nil, baselineDays: 30, actor: "engine")
            #expect(summary == RecommendationUpsert(added: 2))
            let records = try await reopen().recommendations()
            #expect(records.map(\.recommendation.title) == ["big", "small"])
            let big = try #require(records.first)
            #expect(big.status == .pending)
            #expect(big.recommendation == findings[0])  // every field, actions and priority included
            #expect(big.baselineDays == 30)
            #expect(big.firstSeen == F.start)
            #expect(big.history.map(\.kind) == [.created])
            #expect(try await store.recommendation(id: big.id)?.recommendation.monthlySaving == Money("500"))
            #expect(try await store.recommendation(id: "rec-nope") == nil)
        }
    }

    @Test("a refresh keeps status and history, refreshes open numbers, freezes implemented ones, marks the missing stale",
          arguments: RecommendationStoreKind.allCases)
    func refreshKeepsLifecycle(kind: RecommendationStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withRecommendationStore(kind, clock: clock) { store, reopen in
            let a = F.finding("a"), b = F.finding("b"), c = F.finding("c"), other = F.finding("o", scope: "team=search")
            _ = try await store.upsert([a, b, c, other], refresh: nil, baselineDays: 30, actor: "engine")
            _ = try await store.transition(id: a.id, .accept, actor: "alice", note: nil)
            _ = try await store.transition(id: c.id, .accept, actor: "alice", note: nil)
            _ = try await store.transition(id: c.id, .implement(at: F.start), actor: "alice", note: nil)
            clock.advance(by: 86_400)
            var a2 = F.finding("a", saving: "150")
            a2.createdAt = F.start.addingTimeInterval(86_400)
            let c2 = F.finding("c", saving: "999")
            // a refresh of team=support that finds a and c again but not b; team=search is not covered
            let summary = try await store.upsert([a2, c2], refresh: "team=support", baselineDays: 14, actor: "engine")
            #expect(summary == RecommendationUpsert(added: 0, refreshed: 2, stale: 1))
            let store2 = try reopen()
            let ra = try #require(try await store2.recommendation(id: a.id))
            #expect(ra.status == .accepted)
            #expect(ra.recommendation.monthlySaving == Money("150"))
            #expect(ra.recommendation.createdAt == F.start)  // first found
            #expect(ra.baselineDays == 14)
            #expect(ra.lastSeen == F.start.addingTimeInterval(86_400))
            #expect(ra.history.map(\.kind) == [.created, .transition, .refreshed])
            let rb = try #require(try await store2.recommendation(id: b.id))
            #expect(rb.isStale && rb.status == .pending)
            #expect(rb.history.last?.kind == .stale)
            let rc = try #require(try await store2.recommendation(id: c.id))
            #expect(rc.status == .implemented)
            #expect(rc.recommendation.monthlySaving == Money("100"))  // frozen: the baseline of verification
            #expect(rc.baselineDays == 30)
            #expect(try await store2.recommendation(id: other.id)?.isStale == false)
            // filters
            #expect(try await store2.recommendations(matching: RecommendationFilter(includeStale: false)).map(\.id).contains(b.id) == false)
            #expect(try await store2.recommendations(matching: RecommendationFilter(statuses: [.implemented])).map(\.id) == [c.id])
            #expect(try await store2.recommendations(matching: RecommendationFilter(scope: "team=search")).map(\.id) == [other.id])
            #expect(try await store2.recommendations(matching: RecommendationFilter(kinds: [.planChange])).isEmpty)
            // found again: fresh
            _ = try await store2.upsert([F.finding("b")], refresh: "team=support", baselineDays: 30, actor: "engine")
            #expect(try await store2.recommendation(id: b.id)?.isStale == false)
        }
    }

    @Test("the lifecycle: pending → accepted → implemented → verified, each step recorded with time and actor",
          arguments: RecommendationStoreKind.allCases)
    func lifecycle(kind: RecommendationStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withRecommendationStore(kind, clock: clock) { store, reopen in
            let r = F.finding("life")
            _ = try await store.upsert([r], refresh: nil, baselineDays: 30, actor: "engine")
            clock.advance(by: 60)
            _ = try await store.transition(id: r.id, .accept, actor: "alice", note: "looks right")
            clock.advance(by: 60)
            let implementedAt = F.start.addingTimeInterval(3_600)
            _ = try await store.transition(id: r.id, .implement(at: implementedAt), actor: "bob", note: nil)
            clock.advance(by: 40 * 86_400)
            let verification = RecommendationVerification(
                actualSaving: Money("-3.25") ?? .zero, afterMonthlySpend: Money("403.25"), baselineMonthlySpend: Money("400"),
                window: DateInterval(start: implementedAt, duration: 30 * 86_400), at: clock.now())
            let verified = try await store.transition(id: r.id, .verify(verification), actor: "carol", note: nil)
            #expect(verified.status == .verified)
            let stored = try #require(try await reopen().recommendation(id: r.id))
            #expect(stored.verification == verification)
            #expect(stored.implementedAt == implementedAt)
            let steps = stored.history.filter { $0.kind == .transition }
            #expect(steps.map(\.actor) == ["alice", "bob", "carol"])
            #expect(steps.map(\.to) == [.accepted, .implemented, .verified])
            #expect(steps.map(\.from) == [.pending, .accepted, .implemented])
            #expect(steps.map(\.at) == [F.start.addingTimeInterval(60), F.start.addingTimeInterval(120), F.start.addingTimeInterval(120 + 40 * 86_400)])
            #expect(steps[0].detail == "looks right")
        }
    }

    @Test("invalid transitions are clear errors and change nothing", arguments: RecommendationStoreKind.allCases)
    func invalidTransitions(kind: RecommendationStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withRecommendationStore(kind, clock: clock) { store, _ in
            let r = F.finding("x")
            _ = try await store.upsert([r], refresh: nil, baselineDays: 30, actor: "engine")
            let verification = RecommendationVerification(actualSaving: .zero, at: F.start)
            for step in [RecommendationTransition.implement(at: F.start), .verify(verification), .reject(reason: "  ")] {
                await #expect(throws: OptimizerError.self) { _ = try await store.transition(id: r.id, step, actor: "a", note: nil) }
            }
            do {
                _ = try await store.transition(id: r.id, .implement(at: F.start), actor: "a", note: nil)
            } catch let error as OptimizerError {
                #expect(error.code == .invalidTransition)
                #expect(error.message.contains("pending") && error.message.contains("accept"))
            }
            _ = try await store.transition(id: r.id, .reject(reason: "quality matters"), actor: "a", note: nil)
            await #expect(throws: OptimizerError.self) { _ = try await store.transition(id: r.id, .reject(reason: "again"), actor: "a", note: nil) }
            let rejected = try #require(try await store.recommendation(id: r.id))
            #expect(rejected.status == .rejected && rejected.reason == "quality matters")
            #expect(rejected.history.count == 2)
            // a change of mind
            #expect(try await store.transition(id: r.id, .accept, actor: "a", note: nil).reason == nil)
            do {
                _ = try await store.transition(id: "rec-missing", .accept, actor: "a", note: nil)
                Issue.record("expected not found")
            } catch let error as OptimizerError {
                #expect(error.code == .notFound)
            }
            await #expect(throws: OptimizerError.self) {
                try await store.appendHistory(id: "rec-missing", RecommendationEvent(at: F.start, actor: "auto", kind: .autoAction))
            }
        }
    }

    @Test("auto-execution settings and model routes persist", arguments: RecommendationStoreKind.allCases)
    func settingsAndRoutes(kind: RecommendationStoreKind) async throws {
        let clock = ManualClock(F.start)
        try await withRecommendationStore(kind, clock: clock) { store, reopen in
            try await store.setAutoExecution(.routeModel, AutoExecutionSetting(action: .routeModel, enabledAt: F.start, actor: "alice"))
            try await store.setAutoExecution(
                .changePlan, AutoExecutionSetting(action: .changePlan, command: "/usr/local/bin/plan-hook", enabledAt: F.start, actor: "alice"))
            try await store.setAutoExecution(.changePlan, nil)
            #expect(try await reopen().autoExecution() == [AutoExecutionSetting(action: .routeModel, enabledAt: F.start, actor: "alice")])
            let route = ModelRoute(from: "claude-opus-4-1", to: "claude-haiku-4-5", scope: BudgetScope(.team("support")), recommendationID: "rec-1", createdAt: F.start)
            try await store.setModelRoute(route)
            var replaced = route
            replaced.to = "claude-sonnet-4-5"
            try await store.setModelRoute(replaced)
            #expect(try await reopen().modelRoutes() == [replaced])
            #expect(replaced.matches(provider: "anthropic", model: "Claude-Opus-4-1", dimensions: UsageDimensions(team: "support")))
            #expect(!replaced.matches(provider: "anthropic", model: "claude-opus-4-1", dimensions: UsageDimensions(team: "search")))
            #expect(try await store.removeModelRoute(id: route.id))
            #expect(try await store.removeModelRoute(id: route.id) == false)
            #expect(try await reopen().modelRoutes().isEmpty)
        }
    }
}

@Suite("SQLite recommendation store")
struct SQLiteRecommendationStoreTests {
    @Test("two connections refreshing and moving recommendations at once lose no status and no history entry")
    func concurrentConnections() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock(RecommendationFixtures.start)
        let a = try SQLiteRecommendationStore(path: directory.databasePath, now: clock.now)
        let b = try SQLiteRecommendationStore(path: directory.databasePath, now: clock.now)
        let findings = (0..<20).map { RecommendationFixtures.finding("f\($0)") }
        _ = try await a.upsert(findings, refresh: nil, baselineDays: 30, actor: "engine")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, finding) in findings.enumerated() {
                group.addTask { _ = try await b.transition(id: finding.id, .accept, actor: "b\(index)", note: nil) }
                group.addTask {
                    var changed = finding
                    changed.monthlySaving = Money(units: Int128(index + 1) * 1_000_000_000_000_000_000)
                    _ = try await a.upsert([changed], refresh: "team=other", baselineDays: 30, actor: "a")
                }
            }
            try await group.waitForAll()
        }
        let records = try await a.recommendations()
        #expect(records.count == 20)
        for record in records {
            #expect(record.status == .accepted)
            #expect(record.history.filter { $0.kind == .transition }.count == 1)
            #expect(record.history.filter { $0.kind == .refreshed }.count == 1)
            #expect(record.history.first?.kind == .created)
        }
    }
}
