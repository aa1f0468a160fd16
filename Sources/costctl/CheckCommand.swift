import ArgumentParser
import CostControl
import Foundation

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Ask the budgets whether a request may be sent now; exit 0 to go ahead, 3 to hold back.",
        discussion: """
            Every budget whose scope counts the request is checked; the strictest answer wins and is
            printed with the budget, its level, its utilization after the request and why. A downgrade
            or provider switch prints the model to use instead. Nothing is reserved: a service that
            acts on the answer should embed the Meter (Documentation/Budgets.md).

            Exit status: 0 allow (perhaps on another model), 3 throttled, queued or refused.

            Examples:
              costctl check --user ana --team growth --model gpt-4o --estimate 0.02
              costctl check --team growth --model claude-sonnet-4-5 --input 12000 --output 800 --priority background --json
              costctl check --team growth --model gpt-4o --input 2000 --output 500 --permit anthropic --permit google
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Model id.", valueName: "model"))
    var model: String

    @Option(help: ArgumentHelp("Provider id (default: inferred from the model).", valueName: "provider"))
    var provider: String?

    @Option(help: ArgumentHelp("The expected cost in USD (or give token counts).", valueName: "usd"))
    var estimate: String?

    @Option(help: ArgumentHelp("Expected input tokens.", valueName: "n"))
    var input: Int?

    @Option(help: ArgumentHelp("Expected output tokens (max_tokens gives a ceiling).", valueName: "n"))
    var output: Int?

    @Option(help: ArgumentHelp("critical, normal or background.", valueName: "priority"))
    var priority: String = "normal"

    @Option(name: .customLong("permit"), help: ArgumentHelp("A provider the request may be switched to; repeatable.", valueName: "provider"))
    var permitted: [String] = []

    @Option(help: ArgumentHelp("Organization.", valueName: "org")) var org: String?
    @Option(help: ArgumentHelp("Team.", valueName: "team")) var team: String?
    @Option(help: ArgumentHelp("User id.", valueName: "user")) var user: String?
    @Option(help: ArgumentHelp("Project.", valueName: "project")) var project: String?
    @Option(name: .customLong("key-id"), help: ArgumentHelp("Id of the API key to be used (never the key).", valueName: "id")) var keyID: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("A free tag; repeatable.", valueName: "key=value"))
    var tags: [String] = []

    func validate() throws {
        if estimate == nil && input == nil && output == nil {
            throw ValidationError("give the expected cost (--estimate 0.02) or token counts (--input 1200 --output 400)")
        }
        for (flag, value) in [("--input", input), ("--output", output)] {
            if let value, value < 0 { throw ValidationError("\(flag) must be 0 or more (got \(value))") }
        }
        if RequestPriority(rawValue: priority.lowercased()) == nil {
            throw ValidationError("--priority '\(priority)' is not critical, normal or background")
        }
        try TagArguments.validate(tags)
    }

    func run() async throws {
        let tagValues = TagArguments.dictionary(tags)
        var usage: Usage?
        if input != nil || output != nil { usage = Usage(inputTokens: input ?? 0, outputTokens: output ?? 0) }
        var amount: Money?
        if let estimate {
            guard let money = Money(estimate) else {
                throw ValidationError("--estimate '\(estimate)' is not a dollar amount (example: 0.02)")
            }
            amount = money
        }
        let request = BudgetCheck.Request(
            model: model, provider: provider,
            dimensions: UsageDimensions(org: org, team: team, user: user, project: project, keyID: keyID, tags: tagValues),
            estimate: amount, usage: usage, priority: RequestPriority(rawValue: priority.lowercased()) ?? .normal,
            permittedProviders: Set(permitted))
        let check = BudgetCheck(store: try global.openBudgets(), engine: CostEngine(catalog: try global.catalog()))
        let decision = try await check.decide(request)
        let report = BudgetDecisionReport(decision, requestedModel: model)
        if global.json {
            try Output.json(report, snakeCase: true)
        } else {
            Output.line(report.passes ? "go: \(decision.summary)" : "hold back: \(decision.summary)")
            if report.rewritten { Output.line("use \(report.provider)/\(report.model) instead of \(model)") }
            let others = decision.verdicts.filter { $0.budget != decision.deciding?.budget }
            for verdict in others {
                let percent = BudgetText.percent(verdict.utilization)
                Output.line("  also '\(verdict.budget)': \(verdict.level?.description ?? "below every level") (\(percent)) → \(verdict.action)")
            }
        }
        if !report.passes { throw ExitCode(3) }
    }
}
