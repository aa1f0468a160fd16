import ArgumentParser
import CostControl
import Foundation

struct PlansCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plans",
        abstract: "Subscription plans, and which one your usage fits (Claude, ChatGPT, Gemini tiers, or the API).",
        discussion: """
            Without --fit: the plan catalog (prices, usage windows, and whether an allowance is a
            public estimate). With --fit: the last --days of your usage replayed window by window
            (Claude's 5-hour sessions and weeks from the first message, Gemini's days in Pacific
            time) against each plan of the family you use: windows over the limit, peak and p95
            utilization, the monthly cost, and the cheapest plan that would have cut you off in no
            window, with its saving and confidence. A plan fits when every window stayed at or
            under 90% of its allowance.

            --where tag:source=claude-code counts only what Claude Code logged (imported usage is
            tagged with its source), so API traffic of the same provider stays out.

            Calibrate with your plan's own meter ("current session: 10% used"):
            --current claude-max-20x --meter session=10%@2026-11-02T20:59Z. Overrides: plans.json in
            the data directory and --plans FILE, merged by plan id.

            Examples:
              costctl plans
              costctl plans --fit --current claude-max-20x
              costctl plans --fit --current claude-max-20x --meter session=12%@2026-11-21T16:40Z --meter week=31%@2026-11-21T16:40Z --json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Replay your usage against each plan and recommend one (implied by --current and --meter).")
    var fit = false

    @Option(help: ArgumentHelp("The plan you are on (claude-max-20x, chatgpt-plus, …): the baseline of the saving and the plan --meter reads.", valueName: "plan-id"))
    var current: String?

    @Option(
        name: .customLong("meter"),
        help: ArgumentHelp("A reading of your plan's usage meter: KIND=PERCENT%@TIME (session=10%@2026-11-02T20:59Z); repeatable.", valueName: "reading"))
    var meters: [String] = []

    @Option(help: ArgumentHelp("Days of usage to replay.", valueName: "n"))
    var days = 30

    @Option(help: ArgumentHelp("End of the replayed days (default now): a date-time, or a date taken as midnight in --tz.", valueName: "when"))
    var until: String?

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp("Count only rows whose DIMENSION equals VALUE (tag:source=claude-code keeps API traffic out); repeatable.", valueName: "dimension=value"))
    var conditions: [String] = []

    @Option(name: .customLong("plans"), help: ArgumentHelp("A plan file laid over the catalog by plan id; repeatable.", valueName: "file"))
    var planFiles: [String] = []

    func validate() throws {
        if !(1...366).contains(days) { throw ValidationError("--days must be between 1 and 366") }
        for file in planFiles where !FileManager.default.fileExists(atPath: file) {
            throw ValidationError("--plans \(file): no such file")
        }
        for meter in meters {
            do { _ = try MeterReading(parsing: meter) } catch let error as OptimizerError { throw ValidationError(error.message) }
        }
        _ = try FilterOptions.equals(conditions)
        if !meters.isEmpty && current == nil {
            throw ValidationError("--meter needs --current PLAN-ID: the plan whose meter you read (for example claude-max-20x)")
        }
    }

    func run() async throws {
        let catalog = try PlanAdvisor.catalog(paths: global.paths, extraFiles: planFiles.map { URL(fileURLWithPath: $0) })
        if !(fit || current != nil || !meters.isEmpty) {
            if global.json { return try Output.json(PlanCatalogJSON(catalog)) }
            return FileHandle.standardOutput.write(Data(PlansText.render(catalog: catalog).utf8))
        }
        if let current { _ = try catalog.plan(id: current) }
        let end = try until.map { try global.parseDate($0, option: "--until") } ?? Date()
        let advisor = PlanAdvisor(ledger: try global.openLedger(), catalog: catalog, options: PlanFitOptions().with { $0.days = days })
        let report = try await advisor.fit(
            until: end, currentPlanID: current, meters: try meters.map(MeterReading.init(parsing:)),
            filter: UsageFilter(equals: try FilterOptions.equals(conditions)))
        if global.json { return try Output.json(PlanFitJSON(report)) }
        FileHandle.standardOutput.write(Data(PlansText.render(fit: report, timeZone: global.timeZone).utf8))
    }
}
