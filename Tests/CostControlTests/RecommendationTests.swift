import CostBudget
import CostControl
import Foundation
import Synchronization
import Testing

/// The engine, verification and auto-execution over a real SQLite ledger and recommendation store.
@Suite("Recommendations")
struct RecommendationTests {
    static let t0 = Date(timeIntervalSince1970: 1_785_542_400)  // 2026-08-01T00:00:00Z
    static let day: TimeInterval = 86_400
    /// gpt-4o input is $2.50 per million tokens: 40,000 input tokens cost exactly $0.10.
    static let tenCents = Usage(inputTokens: 40_000, outputTokens: 0)

    struct Files {
        var ledger: SQLiteUsageLedger
        var store: SQLiteRecommendationStore
        var paths: ControlPaths
        var directory: URL
    }

    static func withFiles(_ body: (Files) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-rec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = ControlPaths(database: directory.appendingPathComponent("r.db").path, environment: ["HOME": directory.path])
        let ledger = try LedgerStore.open(paths: paths, environment: [:])
        try await body(Files(ledger: ledger, store: try RecommendationStoreFile.open(paths: paths), paths: paths, directory: directory))
    }

    /// `count` × $0.10 of gpt-4o for `team` on each of `days` days from `start`.
    static func spend(team: String, perDay count: Int, days: Int, from start: Date) -> [UsageEvent] {
        (0..<days).flatMap { d in
            (0..<count).map { i in
                UsageEvent(
                    id: "\(team)-\(Int(start.timeIntervalSince1970))-\(d)-\(i)", timestamp: start.addingTimeInterval(Double(d) * day + Double(i) * 60 + 3_600),
                    provider: "openai", model: "gpt-4o", usage: tenCents, dimensions: UsageDimensions(team: team))
            }
        }
    }

    /// A generator that finds one model downgrade for team=search (the engine fills its baseline).
    struct SearchDowngrade: RecommendationGenerator {
        var confidence = 0.8
        var name: String { "test-downgrade" }
        func recommendations(from input: OptimizerInput) throws -> [Recommendation] {
            guard input.events.contains(where: { $0.dimensions.team == "search" }) else { return [] }
            return [
                Recommendation(
                    kind: .modelDowngrade, scope: "team=search", title: "Use gpt-4o-mini for search",
                    rationale: "\(input.events.count) events in \(input.days) days", monthlySaving: Money("9") ?? .zero,
                    confidence: RecommendationConfidence(value: confidence, components: ["quality": confidence]), difficulty: .easy,
                    risk: .medium, actions: [.routeModel(from: "gpt-4o", to: "gpt-4o-mini", scope: "team=search")],
                    evidence: "costctl usage --where team=search --by model", createdAt: input.window.end)
            ]
        }
    }

    @Test("verify: spend before, implement, spend after → the exact actual saving per 30 days")
    func verifyExactSaving() async throws {
        try await Self.withFiles { files in
            let t1 = Self.t0.addingTimeInterval(30 * Self.day)
            // before: $0.40 a day for search ($12.00 in 30 days), support spends too (not in the scope)
            var events = Self.spend(team: "search", perDay: 4, days: 30, from: Self.t0)
            events += Self.spend(team: "support", perDay: 7, days: 60, from: Self.t0)
            // after: $0.10 a day for search ($3.00 in 30 days), then more that falls outside the after-window
            events += Self.spend(team: "search", perDay: 1, days: 30, from: t1)
            events += Self.spend(team: "search", perDay: 9, days: 5, from: t1.addingTimeInterval(30 * Self.day))
            let recorded = try await files.ledger.record(contentsOf: events)
            #expect(recorded.rejected.isEmpty)

            let engine = RecommendationEngine(
                ledger: files.ledger, store: files.store, catalog: try PriceCatalog.bundled(), plans: try PlanCatalog.bundled(),
                extraGenerators: [SearchDowngrade()])
            let run = try await engine.run(since: Self.t0, until: t1, scope: nil)
            let found = try #require(run.recommendations.first { $0.kind == .modelDowngrade })
            #expect(found.baselineMonthlySpend == Money("12"))
            let id = found.id
            _ = try await files.store.transition(id: id, .accept, actor: "alice", note: nil)
            _ = try await files.store.transition(id: id, .implement(at: t1), actor: "alice", note: nil)

            let early = RecommendationVerifier(ledger: files.ledger, store: files.store, now: { t1.addingTimeInterval(10 * Self.day) })
            await #expect(throws: ControlError.self) { _ = try await early.verify(id: id, actor: "alice") }

            let verifier = RecommendationVerifier(ledger: files.ledger, store: files.store, now: { t1.addingTimeInterval(40 * Self.day) })
            let record = try await verifier.verify(id: id, actor: "alice")
            #expect(record.status == .verified)
            let verification = try #require(record.verification)
            #expect(verification.afterMonthlySpend == Money("3"))
            #expect(verification.actualSaving == Money("9"))
            #expect(verification.window == DateInterval(start: t1, end: t1.addingTimeInterval(30 * Self.day)))
            #expect(record.history.last?.to == .verified && record.history.last?.actor == "alice")
        }
    }

    @Test("verify records a negative saving when the scope spent more after the change")
    func verifyNegative() async throws {
        try await Self.withFiles { files in
            let t1 = Self.t0.addingTimeInterval(10 * Self.day)
            var events = Self.spend(team: "search", perDay: 2, days: 10, from: Self.t0)  // $2.00 in 10 days: $6.00/30 days
            events += Self.spend(team: "search", perDay: 3, days: 10, from: t1)  // $3.00 in 10 days: $9.00/30 days
            _ = try await files.ledger.record(contentsOf: events)
            let engine = RecommendationEngine(
                ledger: files.ledger, store: files.store, catalog: try PriceCatalog.bundled(), plans: try PlanCatalog.bundled(),
                extraGenerators: [SearchDowngrade()])
            let id = try #require(try await engine.run(since: Self.t0, until: t1, scope: "team=search").recommendations.first?.id)
            #expect(try await files.store.recommendation(id: id)?.baselineDays == 10)
            _ = try await files.store.transition(id: id, .accept, actor: "a", note: nil)
            _ = try await files.store.transition(id: id, .implement(at: t1), actor: "a", note: nil)
            let record = try await RecommendationVerifier(ledger: files.ledger, store: files.store, now: { t1.addingTimeInterval(11 * Self.day) })
                .verify(id: id, actor: "a")
            #expect(record.verification?.actualSaving == Money("-3"))
        }
    }

    @Test("the engine turns the plan fit into a plan-change recommendation and keeps its status across runs")
    func planFitRecommendation() async throws {
        try await Self.withFiles { files in
            let end = Date(timeIntervalSince1970: 1_795_305_600)  // 2026-11-22T00:00:00Z
            _ = try await files.ledger.record(contentsOf: PlanScenario(.claudeCodeMax20x, seed: 11).events(days: 45, endingAt: end))
            let engine = RecommendationEngine(
                ledger: files.ledger, store: files.store, catalog: try PriceCatalog.bundled(), plans: try PlanCatalog.bundled(),
                currentPlanID: "claude-max-20x", extraGenerators: [])
            let since = end.addingTimeInterval(-30 * Self.day)
            let run = try await engine.run(since: since, until: end, scope: nil)
            let plan = try #require(run.recommendations.first)
            #expect(plan.kind == .planChange)
            #expect(plan.actions == [.changePlan(from: "claude-max-20x", to: "claude-max-5x")])
            #expect(plan.monthlySaving == Money("100"))
            #expect(plan.baselineMonthlySpend == Money("200"))
            #expect(Set(plan.confidence.components.keys) == ["coverage", "calibration", "stability", "headroom", "trend"])
            #expect(plan.confidence.value > 0 && plan.confidence.value < 0.95)
            #expect(plan.priority > 0.5)
            _ = try await files.store.transition(id: plan.id, .accept, actor: "sam", note: nil)
            let again = try await engine.run(since: since, until: end, scope: nil)
            #expect(again.upsert == RecommendationUpsert(added: 0, refreshed: 1, stale: 0))
            #expect(again.records.first?.status == .accepted)
            // the plan change is billed by the vendor: its saving is entered by hand
            _ = try await files.store.transition(id: plan.id, .implement(at: end), actor: "sam", note: nil)
            let verifier = RecommendationVerifier(ledger: files.ledger, store: files.store, now: { end.addingTimeInterval(40 * Self.day) })
            await #expect(throws: ControlError.self) { _ = try await verifier.verify(id: plan.id, actor: "sam") }
            #expect(try await verifier.verify(id: plan.id, actualSaving: Money("100") ?? .zero, actor: "sam").verification?.actualSaving == Money("100"))
        }
    }

    @Test("on a subscription plan, usage of the plan's providers gets no per-token advice; other providers' usage still does")
    func subscriptionUsageIsNotPricedPerToken() async throws {
        try await Self.withFiles { files in
            let end = Date(timeIntervalSince1970: 1_795_305_600)  // 2026-11-22T00:00:00Z
            let since = end.addingTimeInterval(-30 * Self.day)
            // Claude Code on Max 20x (anthropic, claude-opus-4-1 and claude-sonnet-4-5), and an API
            // service on gpt-4o ($3 a day) that the subscription does not cover
            _ = try await files.ledger.record(contentsOf: PlanScenario(.claudeCodeMax20x, seed: 11).events(days: 30, endingAt: end))
            _ = try await files.ledger.record(contentsOf: Self.spend(team: "api", perDay: 30, days: 30, from: since))
            let generators: [any RecommendationGenerator] = [ModelDowngradeRecommender()]
            let onPlan = RecommendationEngine(
                ledger: files.ledger, store: files.store, catalog: try PriceCatalog.bundled(), plans: try PlanCatalog.bundled(),
                currentPlanID: "claude-max-20x", extraGenerators: generators)
            let run = try await onPlan.run(since: since, until: end, scope: nil)
            let downgrades = run.recommendations.filter { $0.kind == .modelDowngrade }
            #expect(downgrades.count == 1)
            #expect(downgrades.allSatisfy { $0.actions.allSatisfy { action in
                if case .routeModel(let from, _, _) = action { return from == "openai/gpt-4o" }
                return false
            } })
            #expect(run.notes.contains { $0.contains("paid by the claude-max-20x subscription") })
            // pay as you go: the same usage's Claude requests are priced per token and advised on
            let payg = RecommendationEngine(
                ledger: files.ledger, store: files.store, catalog: try PriceCatalog.bundled(), plans: try PlanCatalog.bundled(),
                currentPlanID: "api", extraGenerators: generators)
            let apiRun = try await payg.run(since: since, until: end, scope: nil)
            #expect(apiRun.recommendations.contains { r in r.actions.contains { action in
                if case .routeModel(let from, _, _) = action { return from == "anthropic/claude-opus-4-1" }
                return false
            } })
            #expect(!apiRun.notes.contains { $0.contains("subscription") })
        }
    }

    @Test("auto-execution: only opted-in kinds at confidence ≥ 0.95; the route is audited, notified and honoured by the Meter")
    func autoRoute() async throws {
        try await Self.withFiles { files in
            let high = Recommendation(
                kind: .modelDowngrade, scope: "team=search", title: "route search", rationale: "r", monthlySaving: Money("9") ?? .zero,
                confidence: RecommendationConfidence(value: 0.96, components: [:]), difficulty: .easy, risk: .low,
                actions: [.routeModel(from: "gpt-4o", to: "gpt-4o-mini", scope: "team=search")], evidence: "e")
            var low = high
            low.id = "rec-low"
            low.scope = "team=support"
            low.confidence = RecommendationConfidence(value: 0.94, components: [:])
            low.actions = [.routeModel(from: "gpt-4o", to: "gpt-4o-mini", scope: "team=support")]
            _ = try await files.store.upsert(Recommendation.ranked([high, low]), refresh: nil, baselineDays: 30, actor: "engine")
            let notices = Mutex<[AutoExecutionNotice]>([])
            let pilot = RecommendationAutopilot(store: files.store, notify: { notice in notices.withLock { $0.append(notice) } })
            #expect(try await pilot.run().isEmpty)  // nothing opted in
            try await files.store.setAutoExecution(.routeModel, AutoExecutionSetting(action: .routeModel, enabledAt: Self.t0, actor: "alice"))
            let done = try await pilot.run()
            #expect(done.allSatisfy(\.succeeded) && done.count == 2)
            #expect(notices.withLock { $0 } == done)
            let record = try #require(try await files.store.recommendation(id: high.id))
            #expect(record.status == .implemented)
            #expect(record.history.filter { $0.actor == "auto" }.map(\.kind) == [.transition, .autoAction, .transition])
            #expect(try await files.store.recommendation(id: low.id)?.status == .pending)
            #expect(RecommendationAutopilot.eligibility(try #require(try await files.store.recommendation(id: low.id)), settings: try await files.store.autoExecution())?.contains("0.94") == true)
            #expect(try await pilot.run().isEmpty)  // already implemented

            let engine = try #require(files.ledger.configuration.engine)
            let meter = Meter(budgets: MemoryBudgetStore(), ledger: files.ledger, engine: engine, routes: files.store)
            for (team, expected) in [("search", "gpt-4o-mini"), ("support", "gpt-4o")] {
                let request = MeteredRequest(provider: "openai", model: "gpt-4o", estimate: Self.tenCents, dimensions: UsageDimensions(team: team))
                let outcome = try await meter.run(request) { call in MeteredResult(call.model, usage: Self.tenCents) }
                guard case .completed(let model, let receipt) = outcome else { Issue.record("refused"); return }
                #expect(model == expected)
                #expect(receipt.event.model == expected)
            }
        }
    }

    @Test("auto-execution of a plan change runs the hook with the plans and the id; a failing hook is audited and leaves it accepted")
    func autoPlanHook() async throws {
        try await Self.withFiles { files in
            let output = files.directory.appendingPathComponent("hook.out").path
            let hook = files.directory.appendingPathComponent("hook.sh").path
            try "#!/bin/sh\necho \"$@\" > '\(output)'\nexit ${HOOK_EXIT:-0}\n".write(toFile: hook, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook)
            let failing = files.directory.appendingPathComponent("fail.sh").path
            try "#!/bin/sh\nexit 3\n".write(toFile: failing, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: failing)
            let plan = Recommendation(
                kind: .planChange, scope: "global", title: "Switch from claude-max-20x to claude-max-5x", rationale: "r",
                monthlySaving: Money("100") ?? .zero, confidence: RecommendationConfidence(value: 0.97, components: [:]), difficulty: .easy,
                risk: .medium, actions: [.changePlan(from: "claude-max-20x", to: "claude-max-5x")], evidence: "e")
            _ = try await files.store.upsert([plan], refresh: nil, baselineDays: 30, actor: "engine")

            try await files.store.setAutoExecution(.changePlan, AutoExecutionSetting(action: .changePlan, command: failing, enabledAt: Self.t0, actor: "a"))
            let failed = try await RecommendationAutopilot(store: files.store).run()
            #expect(failed.count == 1 && failed[0].succeeded == false && failed[0].message.contains("status 3"))
            let afterFailure = try #require(try await files.store.recommendation(id: plan.id))
            #expect(afterFailure.status == .accepted)
            #expect(afterFailure.history.last?.kind == .autoFailed && afterFailure.history.last?.actor == "auto")

            try await files.store.setAutoExecution(.changePlan, AutoExecutionSetting(action: .changePlan, command: hook, enabledAt: Self.t0, actor: "a"))
            let done = try await RecommendationAutopilot(store: files.store).run()
            #expect(done.allSatisfy(\.succeeded) && done.count == 2)
            let args = try String(contentsOfFile: output, encoding: .utf8)
            #expect(args == "claude-max-20x claude-max-5x \(plan.id)\n")
            #expect(try await files.store.recommendation(id: plan.id)?.status == .implemented)
        }
    }
}
