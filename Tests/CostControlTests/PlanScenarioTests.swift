import CostControl
import Foundation
import Testing

@Suite("Plan scenarios")
struct PlanScenarioTests {
    static let end = Date(timeIntervalSince1970: 1_795_305_600)  // 2026-11-22T00:00:00Z

    @Test("a scenario is the same for the same seed, different for another, and inside its days", arguments: PlanScenario.Kind.allCases)
    func deterministic(kind: PlanScenario.Kind) {
        let a = PlanScenario(kind, seed: 5).events(days: 30, endingAt: PlanScenarioTests.end)
        let b = PlanScenario(kind, seed: 5).events(days: 30, endingAt: PlanScenarioTests.end)
        let c = PlanScenario(kind, seed: 6).events(days: 30, endingAt: PlanScenarioTests.end)
        #expect(!a.isEmpty)
        #expect(a == b)
        #expect(a.map(\.id) != c.map(\.id))
        let start = PlanScenarioTests.end.addingTimeInterval(-30 * 86_400)
        #expect(a.allSatisfy { $0.timestamp >= start && $0.timestamp < PlanScenarioTests.end })
        #expect(Set(a.map(\.id)).count == a.count)
    }

    @Test("the top-model team sends short classification requests to Opus only")
    func topModelTeam() {
        let events = PlanScenario(.teamTopModel).events(days: 30, endingAt: PlanScenarioTests.end)
        #expect(events.allSatisfy { $0.model == "claude-opus-4-1" && $0.dimensions.operation == "classify" })
        #expect(events.allSatisfy { $0.usage.outputTokens <= 20 && $0.usage.inputTokens <= 1_200 })
        // About 220 a weekday, 20 a weekend day.
        #expect((3_500...5_500).contains(events.count))
    }

    @Test("the Claude Code user's sessions each fit in one 5-hour window, and priced they cost $12 to $31.50 each (under 90% of Max 5x)")
    func claudeCodeSessions() throws {
        let events = PlanScenario(.claudeCodeMax20x).events(days: 30, endingAt: PlanScenarioTests.end)
        let engine = CostEngine(catalog: try PriceCatalog.bundled())
        var sessions: [String: (first: Date, last: Date, cost: Money)] = [:]
        for event in events {
            let session = try #require(event.dimensions.session)
            let cost = try engine.cost(event.usage, model: try engine.catalog.resolve(model: event.model), at: event.timestamp, tier: .standard).total
            let current = sessions[session] ?? (event.timestamp, event.timestamp, .zero)
            sessions[session] = (min(current.first, event.timestamp), max(current.last, event.timestamp), current.cost + cost)
        }
        #expect(sessions.count > 20)
        let low = try Money(parsing: "12")
        let high = try Money(parsing: "31.5")
        for (_, session) in sessions {
            #expect(session.last.timeIntervalSince(session.first) < 5 * 3_600)
            #expect(session.cost > low && session.cost < high)
        }
    }
}
