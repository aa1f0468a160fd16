import ArgumentParser
import CostControl
import Foundation

struct AnomaliesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anomalies",
        abstract: "Find unusual days (or hours): cost spikes and drops, tokens-per-request spikes, error-rate jumps.",
        discussion: """
            Each complete day (or hour, with --hourly) since --since is compared with the weeks before
            it after removing the weekly pattern: a z-score beyond 3 and a robust median/MAD score
            beyond 3.5 flag cost; tokens per request are flagged upward only; the share of events with
            status error or rate_limited is flagged when it jumps (binomial z > 3, at least 5 points).
            The current day (hour) is not scored until it is complete. See Documentation/Forecasting.md.

            Examples:
              costctl anomalies
              costctl anomalies --since 30d --by team
              costctl anomalies --hourly --since 3d --json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Scan from here: 14d (the default), 72h, a date or a date-time.", valueName: "when"))
    var since: String = "14d"

    @Option(help: ArgumentHelp("Scan each value of this dimension separately (default: all usage).", valueName: "dimension"))
    var by: ScopeDimension?

    @Flag(help: "Scan hours instead of days.")
    var hourly = false

    func run() async throws {
        let ledger = try global.openLedger()
        let zone = global.timeZone
        let report = try await CostAnomalyReports.scan(
            ledger: ledger, by: by?.dimension, since: try global.window.since(since), granularity: hourly ? .hour : .day,
            timeZone: zone)
        if global.json {
            try Output.json(report)
            return
        }
        let bucket: TimeBucket = hourly ? .hour : .day
        let local = LocalTime(zone)
        Output.line(
            "Anomalies by \(report.granularity.rawValue), \(local.label(bucket, report.since)) to \(local.label(bucket, report.until.addingTimeInterval(-1))) (\(zone.identifier)), \(report.scopes) scope(s) scanned")
        if report.anomalies.isEmpty {
            Output.line("None found.")
        } else {
            Output.line()
            Output.table(
                [
                    .init(title: "WHEN"), .init(title: "SCOPE"), .init(title: "WHAT"), .init(title: "ACTUAL", rightAligned: true),
                    .init(title: "EXPECTED", rightAligned: true), .init(title: "Z", rightAligned: true),
                    .init(title: "ROBUST Z", rightAligned: true), .init(title: "FLAGGED BY"),
                ],
                report.anomalies.map { a in
                    [
                        local.label(bucket, a.start), a.scope.description, "\(a.kind.rawValue) \(a.direction)",
                        Self.value(a.actual, a.kind), Self.value(a.expected, a.kind), Self.score(a.zScore),
                        Self.score(a.modifiedZScore), a.methods.joined(separator: ", "),
                    ]
                })
        }
        for note in report.notes { Output.line("note: \(note)") }
    }

    static func value(_ v: Double, _ kind: CostAnomaly.Kind) -> String {
        switch kind {
        case .cost: String(format: "$%.2f", v)
        case .tokensPerRequest: "\(Output.count(Int(v.rounded()))) tok/req"
        case .errorRate: String(format: "%.1f%%", v * 100)
        }
    }

    static func score(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "-" }
}
