import ArgumentParser
import CostControl
import Foundation

/// The dimensions forecasts and anomaly scans can be split by (those the aggregates keep).
enum ScopeDimension: String, ExpressibleByArgument, CaseIterable {
    case team, project, model, provider, user, org, operation

    var dimension: UsageDimension {
        switch self {
        case .team: .team
        case .project: .project
        case .model: .model
        case .provider: .provider
        case .user: .user
        case .org: .org
        case .operation: .operation
        }
    }
}

struct ForecastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Forecast this month's cost with a 95% interval, the trend, and the month end against budgets.",
        discussion: """
            Fits a linear trend plus day-of-week effects to the last 8 weeks of daily cost (least
            squares), then adds its forecast of the rest of the month to what is already spent. The
            interval is the 95% prediction interval of that sum; the trend is rising, stable or falling
            with the change in daily cost per week. Every monthly money budget of exactly a scope is
            compared with its projection. Months are cut at local midnight in --tz. See
            Documentation/Forecasting.md for the model and its assumptions.

            Examples:
              costctl forecast
              costctl forecast --by team --tz Europe/Berlin
              costctl forecast --month 2026-12 --json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("One forecast per value of this dimension (default: all usage).", valueName: "dimension"))
    var by: ScopeDimension?

    @Option(help: ArgumentHelp("The month to forecast, YYYY-MM (default: the current month in --tz).", valueName: "month"))
    var month: String?

    @Option(help: ArgumentHelp("Days of history the model is fitted on (7 to 366).", valueName: "days"))
    var history: Int = 56

    func validate() throws {
        if !(7...366).contains(history) { throw ValidationError("--history must be between 7 and 366 days") }
    }

    func run() async throws {
        let ledger = try global.openLedger()
        let budgets = try global.openBudgets()
        let report = try await CostForecasts.monthly(
            ledger: ledger, budgets: budgets, by: by?.dimension, month: month, timeZone: global.timeZone, historyDays: history,
            userHasher: ledger.configuration.userHasher)
        if global.json {
            try Output.json(report)
            return
        }
        let zone = global.timeZone
        let local = LocalTime(zone)
        Output.line("Forecast for \(local.label(.month, report.month.start)) (\(zone.identifier)), at \(Output.date(report.at, in: zone))")
        guard !report.forecasts.isEmpty, report.forecasts.contains(where: { !$0.spent.isZero || $0.historyDays > 0 }) else {
            Output.line("No usage recorded in \(global.paths.database.path) for this forecast.")
            return
        }
        if let first = report.forecasts.first, first.daysRemaining > 0 {
            Output.line("\(Self.days(first.daysRemaining)) days left in the month")
        }
        Output.line()
        Output.table(
            [
                .init(title: "SCOPE"), .init(title: "SPENT", rightAligned: true), .init(title: "PROJECTED", rightAligned: true),
                .init(title: "95% INTERVAL", rightAligned: true), .init(title: "TREND"), .init(title: "BUDGETS"),
            ],
            report.forecasts.map { f in
                [
                    f.scope.description, Self.usd(f.spent), f.insufficientData ? "n/a" : Self.usd(f.projected),
                    f.insufficientData ? "too little data" : "\(Self.usd(f.lower)) – \(Self.usd(f.upper))", Self.trend(f.trend),
                    f.budgets.isEmpty ? "-" : f.budgets.map(Self.outlook).joined(separator: "; "),
                ]
            })
        let notes = report.notes + report.forecasts.flatMap { f in f.notes.map { "\(f.scope): \($0)" } }
        if !notes.isEmpty {
            Output.line()
            for note in notes { Output.line("note: \(note)") }
        }
    }

    static func usd(_ money: Money) -> String { money.formatted(places: 2, currencySymbol: true) }

    static func days(_ value: Double) -> String { String(format: "%.1f", value) }

    static func trend(_ trend: CostTrend) -> String {
        guard trend.label != .unknown else { return "unknown" }
        let sign = trend.perWeek >= 0 ? "+" : "-"
        let dollars = String(format: "%.2f", abs(trend.perWeek))
        let percent = String(format: "%+.1f", trend.relativePerWeek * 100)
        return "\(trend.label.rawValue) (\(sign)$\(dollars)/day per week, \(percent)%)"
    }

    static func outlook(_ o: BudgetOutlook) -> String {
        let status: String =
            switch o.status {
            case .onTrack: "on track"
            case .atRisk: "at risk"
            case .over: "over"
            }
        let percent = String(format: "%.0f", o.projectedUtilization * 100)
        let chance = String(format: "%.0f", o.overLimitProbability * 100)
        return "\(o.budget) \(usd(o.limit)): \(status), \(percent)% projected, \(chance)% chance over"
    }
}
