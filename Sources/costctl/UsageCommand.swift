import ArgumentParser
import CostControl
import Foundation

struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Report recorded usage: requests, tokens and exact cost, grouped and filtered.",
        discussion: """
            Groups by any of provider, model, org, team, user, project, key_id, session, operation,
            status and tag.KEY, and by one time bucket (hour, day, week, month) in --tz. Day- or
            month-aligned ranges (the default --since 30d is) are read from the aggregates, so a
            summary stays fast on any number of events.

            Examples:
              costctl usage
              costctl usage --since 7d --by team,model
              costctl usage --by day --where team=search --tz Europe/Berlin
              costctl usage --by user --top 5 --json
              costctl usage --by model,week --csv
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var filterOptions: FilterOptions

    @Option(name: .customLong("by"), help: ArgumentHelp("Group by dimensions and/or a time bucket, comma-separated (default: model).", valueName: "list"))
    var groupBy: [String] = []

    @Option(help: ArgumentHelp("Show the first N rows and fold the rest into one 'others' row.", valueName: "n"))
    var top: Int?

    @Option(help: ArgumentHelp("Sort rows by cost, requests, tokens, events, key or time.", valueName: "order"))
    var order: UsageOrder?

    @Option(help: ArgumentHelp("Skip the first N rows (pagination).", valueName: "n"))
    var offset: Int = 0

    @Option(help: ArgumentHelp("Show at most N rows (pagination).", valueName: "n"))
    var limit: Int?

    @Flag(help: "Print CSV instead of a table.")
    var csv = false

    func validate() throws {
        if let top, top < 0 { throw ValidationError("--top must be 0 or more") }
        if offset < 0 { throw ValidationError("--offset must be 0 or more") }
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
        if csv && global.json { throw ValidationError("choose one of --csv and --json") }
    }

    func run() async throws {
        let (dimensions, bucket) = try parseGrouping(groupBy.isEmpty ? ["model"] : groupBy)
        let filter = try filterOptions.filter(window: global.window, defaultSince: "30d")
        let query = UsageQuery(
            filter: filter, groupBy: dimensions, bucket: bucket, timeZone: global.timeZone,
            order: order ?? (bucket != nil && dimensions.isEmpty ? .time : .cost), top: top, offset: offset, limit: limit)
        let ledger = try global.openLedger()
        let report = try await ledger.query(query)
        let sink = ExportSink(handle: .standardOutput)
        if global.json {
            try UsageExport.report(report, format: .json, to: sink)
        } else if csv {
            try UsageExport.report(report, format: .csv, to: sink)
        } else {
            if report.totals.events == 0 {
                let info = try await ledger.info()
                if info.events == 0 {
                    Output.line("No usage recorded in \(global.paths.database.path) yet.")
                    Output.line("Record some with `costctl record`, or try `costctl demo`.")
                    return
                }
            }
            sink.write(UsageReportText.render(report))
            sink.flush()
        }
    }
}
