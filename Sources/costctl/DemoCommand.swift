import ArgumentParser
import CostControl
import Foundation

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fill a demo ledger with 30 days of realistic usage, then report it.",
        discussion: """
            Creates a database (a new temporary file unless --db is given) with several providers,
            models, teams and users, priced with the bundled catalog, and prints the usage summary.
            Reproducible: the same seed on the same day gives the same data (--seed changes it).

            With --scenario it records one of the optimizer's realistic scenarios instead and asks for \
            recommendations as that user would: claude-code-max-20x (a Claude Code heavy user on Max 20x: \
            the plan fit), team-top-model (a support team sending short requests to a top model) or \
            spiky-service (a service on the Gemini API with bursts over the free tier).

            Examples:
              costctl demo
              costctl demo --db demo.db --days 60
              costctl demo --scenario claude-code-max-20x
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Days of usage to generate.", valueName: "n"))
    var days: Int = 30

    @Option(help: ArgumentHelp("Random seed.", valueName: "n"))
    var seed: UInt64 = 42

    @Option(name: .customLong("per-day"), help: ArgumentHelp("Average requests per weekday.", valueName: "n"))
    var perDay: Int = 600

    @Option(help: ArgumentHelp("claude-code-max-20x, team-top-model or spiky-service: one user's realistic usage instead.", valueName: "name"))
    var scenario: String?

    /// The subscription a scenario's user is on (the plan fit needs it).
    static func currentPlan(of kind: PlanScenario.Kind) -> String? {
        switch kind {
        case .claudeCodeMax20x: "claude-max-20x"
        case .spikyService: "gemini-free"
        case .teamTopModel: nil
        }
    }

    func validate() throws {
        if days < 1 || days > 3_650 { throw ValidationError("--days must be between 1 and 3650") }
        if perDay < 1 || perDay > 1_000_000 { throw ValidationError("--per-day must be between 1 and 1000000") }
        if let scenario, PlanScenario.Kind(rawValue: scenario) == nil {
            throw ValidationError("--scenario '\(scenario)': use \(PlanScenario.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        var paths = global.paths
        if global.db == nil {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-demo-\(UUID().uuidString.prefix(8))")
            paths.database = directory.appendingPathComponent("demo.db")
        }
        let ledger = try LedgerStore.open(paths: paths, catalog: try global.catalog())
        let now = Date()
        let window = UsageWindow(timeZone: global.timeZone, now: now)
        let since = try window.since("\(days)d")
        let interactive = isatty(2) == 1 && !global.json
        let progress = FileHandle.standardError
        var recorded = RecordResult()
        var seconds = 0.0
        let kind = scenario.flatMap(PlanScenario.Kind.init(rawValue:))
        // One day at a time (bounded memory at any size); a scenario is one user's usage, so one
        // batch. Only the recording is timed.
        var batches: AnyIterator<[UsageEvent]>
        if let kind {
            var scenarioEvents: [UsageEvent]? = PlanScenario(kind, seed: seed).events(days: days, endingAt: now)
            batches = AnyIterator { defer { scenarioEvents = nil }; return scenarioEvents }
        } else {
            batches = AnyIterator(DemoUsage(seed: seed, requestsPerDay: perDay).dailyBatches(from: since, to: now))
        }
        var day = 0
        while let events = batches.next() {
            day += 1
            for chunkStart in stride(from: 0, to: events.count, by: 5_000) {
                let chunk = Array(events[chunkStart..<min(events.count, chunkStart + 5_000)])
                let start = Date()
                let result = try await ledger.record(contentsOf: chunk, policy: .rejectAll)
                seconds += Date().timeIntervalSince(start)
                recorded.added += result.added
                recorded.duplicates += result.duplicates
            }
            if interactive {
                progress.write(Data("\rrecording demo usage: day \(day) of \(days), \(recorded.added) events".utf8))
            }
        }
        if interactive { progress.write(Data("\n".utf8)) }

        let byTeam = try await ledger.query(
            UsageQuery(filter: UsageFilter(since: since), groupBy: [.team], timeZone: global.timeZone))
        let byModel = try await ledger.query(
            UsageQuery(filter: UsageFilter(since: since), groupBy: [.provider, .model], timeZone: global.timeZone, top: 6))
        // the demo's budgets are sized from its teams; a scenario is one user's usage and has none
        let budgets = kind != nil ? [] : try await DemoBudgets.install(
            store: try BudgetStoreFile.open(paths: paths), ledger: ledger, timeZone: global.timeZone, at: now)
        let recommendations = try await RecommendationEngine(
            ledger: ledger, store: try RecommendationStoreFile.open(paths: paths), catalog: try global.catalog(),
            plans: try PlanAdvisor.catalog(paths: paths), currentPlanID: kind.flatMap(Self.currentPlan(of:)),
            budgets: try await BudgetStoreFile.open(paths: paths).budgets(), timeZone: global.timeZone
        ).run(since: since, until: now, scope: nil, actor: "demo")
        let top = Array(recommendations.records.filter { !$0.isStale }.prefix(3))
        // a scenario is one subscriber: the plan fit itself (which also warns when the current plan
        // would cut them off, a change that costs money and so is no recommendation)
        let planID = kind.flatMap(Self.currentPlan(of:))
        var fit: PlanFitReport?
        if let planID {
            fit = try await PlanAdvisor(
                ledger: ledger, catalog: try PlanAdvisor.catalog(paths: paths), options: PlanFitOptions().with { $0.days = days }
            ).fit(until: now, currentPlanID: planID)
        }
        if global.json {
            struct Demo: Encodable {
                var database: String
                var events_added: Int
                var by_team: UsageReport
                var by_model: UsageReport
                var budgets: [BudgetStatusReport]
                var recommendations: [RecommendationJSON]
                var plan_fit: PlanFitJSON?
            }
            try Output.json(
                Demo(
                    database: paths.database.path, events_added: recorded.added, by_team: byTeam, by_model: byModel, budgets: budgets,
                    recommendations: top.map { RecommendationJSON($0) }, plan_fit: fit.map(PlanFitJSON.init)))
            return
        }
        Output.line(
            "Recorded \(Output.count(recorded.added)) events\(recorded.duplicates > 0 ? " (\(recorded.duplicates) already there)" : "") in \(String(format: "%.2f", seconds)) s into \(paths.database.path)")
        Output.line()
        if let kind { Output.line("Scenario \(kind.rawValue)\(Self.currentPlan(of: kind).map { ", on plan \($0)" } ?? ""):") }
        Output.line("Usage by team, last \(days) days:")
        Output.line(UsageReportText.render(byTeam))
        Output.line("Top models:")
        Output.line(UsageReportText.render(byModel))
        if kind == nil {
            Output.line("Budgets (set by the demo, sized from its usage):")
            for report in budgets {
                for line in BudgetText.status(report, timeZone: global.timeZone) { Output.line(line) }
            }
            Output.line()
        }
        if let fit {
            Output.line("Plan fit:")
            FileHandle.standardOutput.write(Data(PlansText.render(fit: fit, timeZone: global.timeZone).utf8))
            Output.line()
        }
        Output.line("Top recommendations:")
        FileHandle.standardOutput.write(Data(RecommendationText.render(top, timeZone: global.timeZone).utf8))
        for note in recommendations.notes { Output.line("note: \(note)") }
        if !recommendations.notes.isEmpty { Output.line() }
        Output.line("Explore it:")
        if let planID {
            Output.line("  costctl plans --fit --current \(planID) --db \(paths.database.path)")
            Output.line("  costctl usage --db \(paths.database.path) --by day,model")
            Output.line("  costctl blocks --db \(paths.database.path) --recent")
            Output.line("  costctl forecast --db \(paths.database.path)")
            Output.line("  costctl recommend --db \(paths.database.path) --current \(planID)")
            return
        }
        Output.line("  costctl usage --db \(paths.database.path) --by day --where team=search")
        Output.line("  costctl usage --db \(paths.database.path) --by user --top 5")
        Output.line("  costctl daily --db \(paths.database.path) --breakdown")
        Output.line("  costctl blocks --db \(paths.database.path) --recent")
        Output.line("  costctl export --db \(paths.database.path) --format csv --since 7d")
        Output.line("  costctl budget status --db \(paths.database.path)")
        Output.line("  costctl check --db \(paths.database.path) --team platform --model gpt-4o --estimate 5")
        Output.line("  costctl recommend --db \(paths.database.path) --scope team=support")
    }
}
