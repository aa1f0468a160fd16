import ArgumentParser
import CostControl
import Foundation

struct SessionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Usage and exact cost per session, most expensive first (ccusage's session report).",
        discussion: """
            A session is the events sharing a session id (Claude Code's sessionId, or --session when
            recording). Reads raw events in the range. --json prints sessions[] (sessionId,
            firstActivity, lastActivity, projectPath, token fields, totalCost, modelsUsed,
            modelBreakdowns) and totals.

            Examples:
              costctl session --since 7d
              costctl session --where project=api --breakdown --json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var options: ReportOptions

    func run() async throws {
        let ledger = try global.openLedger()
        let reports = UsageReports(ledger: ledger, timeZone: global.timeZone)
        let report = try await reports.sessions(matching: try options.filter(global), order: options.order ?? .desc)
        if global.json { return try Output.json(report) }
        if report.sessions.isEmpty && report.eventsWithoutSession == 0 {
            return try await ReportOptions.explainEmpty(global, ledger: ledger)
        }
        FileHandle.standardOutput.write(Data(UsageReportsText.render(report, breakdown: options.breakdown).utf8))
    }
}
