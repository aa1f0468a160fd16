public import ArgumentParser
import CostControl
import Foundation

extension ReportOrder: ExpressibleByArgument {}
extension Weekday: ExpressibleByArgument {}

/// What `daily`, `weekly`, `monthly`, `session` and `blocks` share: the range, `--where`, the
/// order and the per-model lines.
struct ReportOptions: ParsableArguments {
    @OptionGroup var filterOptions: FilterOptions

    @Flag(name: [.customShort("b"), .long], help: "Show one line per model under each row.")
    var breakdown = false

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("asc or desc (days: oldest first by default; sessions: by cost, largest first).", valueName: "order"))
    var order: ReportOrder?

    func filter(_ global: GlobalOptions) throws -> UsageFilter {
        try filterOptions.filter(window: global.window, defaultSince: nil)
    }

    /// Says why a report is empty: nothing recorded at all, or nothing in the range.
    static func explainEmpty(_ global: GlobalOptions, ledger: SQLiteUsageLedger) async throws {
        if try await ledger.info().events == 0 {
            Output.line("No usage recorded in \(global.paths.database.path) yet.")
            Output.line("Import some with `costctl import`, record with `costctl record`, or try `costctl demo`.")
        } else {
            Output.line("No usage in this range.")
        }
    }

    static func run(_ period: ReportPeriod, global: GlobalOptions, options: ReportOptions, startOfWeek: Weekday = .sunday)
        async throws
    {
        let ledger = try global.openLedger()
        let reports = UsageReports(ledger: ledger, timeZone: global.timeZone)
        let report = try await reports.periods(
            period, matching: try options.filter(global), startOfWeek: startOfWeek, order: options.order ?? .asc)
        if global.json { return try Output.json(report) }
        if report.rows.isEmpty { return try await explainEmpty(global, ledger: ledger) }
        FileHandle.standardOutput.write(Data(UsageReportsText.render(report, breakdown: options.breakdown).utf8))
    }
}

struct DailyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daily",
        abstract: "Usage and exact cost per day, with per-model breakdowns (ccusage's daily report).",
        discussion: """
            Days are cut in --tz. --json prints ccusage's shape (daily[] with date, inputTokens,
            outputTokens, cacheCreationTokens, cacheReadTokens, totalTokens, totalCost, modelsUsed,
            modelBreakdowns; totals), where inputTokens is uncached input, plus totalCostExact (a
            decimal string) and the pricing coverage. See Documentation/Reports.md.

            Examples:
              costctl daily
              costctl daily --since 20261101 --until 20261130 --breakdown
              costctl daily --tz Europe/Berlin --json
              costctl daily --where project=api --order desc
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ReportOptions

    func run() async throws {
        try await ReportOptions.run(.daily, global: global, options: options)
    }
}

struct WeeklyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weekly",
        abstract: "Usage and exact cost per week, with per-model breakdowns (ccusage's weekly report).",
        discussion: """
            Weeks start on --start-of-week (Sunday by default, as in ccusage) in --tz; each row's week
            is the date of its first day. --json prints weekly[] and totals.

            Examples:
              costctl weekly --start-of-week monday
              costctl weekly --since 8w --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ReportOptions

    @Option(name: [.customShort("w"), .long], help: ArgumentHelp("The first day of a week.", valueName: "day"))
    var startOfWeek: Weekday = .sunday

    func run() async throws {
        try await ReportOptions.run(.weekly, global: global, options: options, startOfWeek: startOfWeek)
    }
}

struct MonthlyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monthly",
        abstract: "Usage and exact cost per month, with per-model breakdowns (ccusage's monthly report).",
        discussion: """
            Months are cut in --tz. --json prints monthly[] (month as 2026-11) and totals.

            Examples:
              costctl monthly
              costctl monthly --breakdown --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ReportOptions

    func run() async throws {
        try await ReportOptions.run(.monthly, global: global, options: options)
    }
}
