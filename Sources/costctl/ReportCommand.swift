public import ArgumentParser
import CostControl
import Foundation

extension ReportFormat: ExpressibleByArgument {}

/// The periods `costctl report` takes as its argument.
enum ReportPeriodArgument: String, ExpressibleByArgument, CaseIterable {
    case daily, weekly, monthly

    var kind: OperationsReport.Kind {
        switch self {
        case .daily: .daily
        case .weekly: .weekly
        case .monthly: .monthly
        }
    }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The operations report: totals and change, budgets, top models/teams/operations, cache hit rate, anomalies, recommendations, month projection.",
        discussion: """
            With a period (daily, weekly or monthly) the report covers the day, ISO week or month
            containing --date, by default the last complete one (yesterday, last week, last month),
            and compares it with the one before. Without a period it covers --since (default 30d:
            the last 30 days, today included) up to now, compared with as long a window before it.
            Days are cut at midnight in --tz. Budgets, open recommendations and the month projection
            are as of now.

            --format html writes one self-contained page (inline CSS and SVG charts, no script, no
            network): daily cost by provider with the anomalies marked, cost by model and by team,
            budget gauges, the month forecast with its 95% interval, recommendation cards. Its
            timeline covers the period and at least the --since days up to the period's end.

            Examples:
              costctl report daily
              costctl report weekly --date 2026-11-10 --tz Europe/Berlin --format markdown
              costctl report monthly --json
              costctl report --format html --since 30d > report.html
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("daily, weekly or monthly (default: the --since range up to now).", valueName: "period"))
    var period: ReportPeriodArgument?

    @Option(help: ArgumentHelp("A day in the period: YYYY-MM-DD in --tz, today or yesterday (default: the last complete period).", valueName: "date"))
    var date: String?

    @Option(help: ArgumentHelp("text, markdown, json or html (default text; --json is json).", valueName: "format"))
    var format: ReportFormat?

    @Option(help: ArgumentHelp("Without a period: the range's start (30d, 6w, a date); with one: the HTML timeline's days (default 30d).", valueName: "when"))
    var since: String?

    func validate() throws {
        if period == nil, date != nil { throw ValidationError("--date needs a period: costctl report daily|weekly|monthly --date D") }
        if let format, global.json, format != .json { throw ValidationError("--json and --format \(format.rawValue) disagree; give one") }
        if let since, period != nil {
            guard let unit = since.last, unit == "d", let days = Int(since.dropLast()), (1...3_660).contains(days) else {
                throw ValidationError("with a period, --since is a number of days for the HTML timeline (example: --since 60d)")
            }
        }
    }

    func run() async throws {
        let zone = global.timeZone
        let window = global.window
        let ledger = try global.openLedger()
        var options = OperationsReport.Options()
        var start: Date?
        if period != nil {
            if let since, let days = Int(since.dropLast()) { options.timelineDays = days }
        } else {
            start = try window.since(since ?? "30d")
            options.timelineDays = 1
        }
        let report = try await OperationsReport.build(
            ledger: ledger, budgets: try global.openBudgets(), recommendations: try RecommendationStoreFile.open(paths: global.paths),
            kind: period?.kind ?? .range, date: try date.map { try window.since($0) }, since: start, timeZone: zone, at: window.now,
            options: options, userHasher: ledger.configuration.userHasher)
        FileHandle.standardOutput.write(Data(try report.render(global.json ? .json : format ?? .text).utf8))
    }
}
