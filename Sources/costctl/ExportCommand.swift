import ArgumentParser
import CostControl
import Foundation

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export raw events, aggregates or a grouped report as CSV, JSON or JSON Lines (streaming).",
        discussion: """
            Raw events by default (every field; the JSON Lines form is what `record --stdin` reads).
            --aggregates hourly|daily|monthly exports the rollup rows instead; --by exports a grouped
            report (as `usage` computes it). Memory stays constant whatever the size of the ledger.

            Examples:
              costctl export --format csv --since 7d > last-week.csv
              costctl export --format jsonl --where user=alice --output alice.jsonl
              costctl export --aggregates daily --format csv
              costctl export --by team,month --format json
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var filterOptions: FilterOptions

    @Option(help: ArgumentHelp("csv, json or jsonl.", valueName: "format"))
    var format: ExportFormat = .csv

    @Flag(help: "Export raw events (the default).")
    var raw = false

    @Option(help: ArgumentHelp("Export the aggregate rows of a level: hourly, daily or monthly.", valueName: "level"))
    var aggregates: RollupLevel?

    @Option(name: .customLong("by"), help: ArgumentHelp("Export a grouped report (dimensions and/or a time bucket).", valueName: "list"))
    var groupBy: [String] = []

    @Option(name: [.short, .long], help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var output: String?

    func validate() throws {
        let modes = [raw, aggregates != nil, !groupBy.isEmpty].filter { $0 }.count
        if modes > 1 { throw ValidationError("choose one of --raw, --aggregates and --by") }
    }

    func run() async throws {
        let filter = try filterOptions.filter(window: global.window, defaultSince: nil)
        let ledger = try global.openLedger()
        let handle: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil),
                let file = FileHandle(forWritingAtPath: output)
            else {
                throw ControlError(code: .io, message: "cannot write --output \(output); check the directory exists and is writable")
            }
            handle = file
        } else {
            handle = .standardOutput
        }
        defer { if output != nil { try? handle.close() } }
        let sink = ExportSink(handle: handle)
        let count: Int
        if let level = aggregates {
            count = try await UsageExport.rollups(
                from: ledger, level: level, matching: filter, timeZone: global.timeZone, format: format, to: sink)
        } else if !groupBy.isEmpty {
            let (dimensions, bucket) = try parseGrouping(groupBy)
            let report = try await ledger.query(
                UsageQuery(filter: filter, groupBy: dimensions, bucket: bucket, timeZone: global.timeZone,
                           order: bucket != nil ? .time : .cost))
            try UsageExport.report(report, format: format, to: sink)
            count = report.rows.count
        } else {
            count = try await UsageExport.events(from: ledger, matching: filter, format: format, to: sink)
        }
        if let output {
            FileHandle.standardError.write(Data("wrote \(count) rows to \(output)\n".utf8))
        }
    }
}

struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Apply retention: drop raw events and aggregates older than their levels keep.",
        discussion: """
            Defaults: raw events 90 days, hourly aggregates 366 days, daily and monthly for ever
            (0 means for ever). Reports over day- or month-aligned ranges give the same totals
            before and after compaction; they are read from the aggregates.

            Examples:
              costctl compact
              costctl compact --raw-days 30 --json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("raw-days"), help: ArgumentHelp("Keep raw events this many days (0: for ever).", valueName: "n"))
    var rawDays: Int = 90
    @Option(name: .customLong("hourly-days"), help: ArgumentHelp("Keep hourly aggregates this many days (0: for ever).", valueName: "n"))
    var hourlyDays: Int = 366
    @Option(name: .customLong("daily-days"), help: ArgumentHelp("Keep daily aggregates this many days (0: for ever).", valueName: "n"))
    var dailyDays: Int = 0
    @Option(name: .customLong("monthly-days"), help: ArgumentHelp("Keep monthly aggregates this many days (0: for ever).", valueName: "n"))
    var monthlyDays: Int = 0

    func validate() throws {
        for (name, value) in [("raw", rawDays), ("hourly", hourlyDays), ("daily", dailyDays), ("monthly", monthlyDays)] where value < 0 {
            throw ValidationError("--\(name)-days must be 0 (for ever) or more")
        }
        func keep(_ n: Int) -> Int { n == 0 ? Int.max : n }
        if keep(hourlyDays) < keep(rawDays) || keep(dailyDays) < keep(hourlyDays) || keep(monthlyDays) < keep(dailyDays) {
            throw ValidationError("each level must be kept at least as long as the finer one (raw ≤ hourly ≤ daily ≤ monthly)")
        }
    }

    func run() async throws {
        func days(_ n: Int) -> Int? { n == 0 ? nil : n }
        let retention = RetentionPolicy(
            rawDays: days(rawDays), hourlyDays: days(hourlyDays), dailyDays: days(dailyDays), monthlyDays: days(monthlyDays))
        let ledger = try global.openLedger(retention: retention)
        let result = try await ledger.compact(now: Date())
        if global.json {
            try Output.json(result)
            return
        }
        Output.line(
            "deleted \(Output.count(result.rawEventsDeleted)) raw events, \(Output.count(result.hourlyRowsDeleted)) hourly, \(Output.count(result.dailyRowsDeleted)) daily and \(Output.count(result.monthlyRowsDeleted)) monthly aggregate rows")
        if let horizon = result.rawHorizon {
            Output.line("raw events now start at \(Output.date(horizon, in: global.timeZone)); earlier periods are reported from aggregates")
        }
    }
}

struct ForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Remove every event and aggregate of one user, team, project or org.",
        discussion: """
            Without --yes, prints what would be removed and changes nothing. With user-id hashing
            (COSTCTL_USER_SALT), give the clear-text id: it is hashed the same way.

            Examples:
              costctl forget --user alice
              costctl forget --user alice --yes
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("A user id.", valueName: "id")) var user: String?
    @Option(help: ArgumentHelp("A team.", valueName: "team")) var team: String?
    @Option(help: ArgumentHelp("A project.", valueName: "project")) var project: String?
    @Option(help: ArgumentHelp("An organization.", valueName: "org")) var org: String?
    @Flag(help: "Really remove (otherwise only show what would go).") var yes = false

    func validate() throws {
        let given = [user, team, project, org].compactMap { $0 }
        if given.count != 1 { throw ValidationError("give exactly one of --user, --team, --project or --org") }
        if given[0].isEmpty { throw ValidationError("the value to forget is empty") }
    }

    func run() async throws {
        let (dimension, value): (UsageDimension, String) =
            if let user { (.user, user) } else if let team { (.team, team) } else if let project { (.project, project) } else {
                (.org, org ?? "")
            }
        let ledger = try global.openLedger()
        if !yes {
            var stored: Set<String> = [value]
            if case .user = dimension, let hasher = ledger.configuration.userHasher { stored.insert(hasher.pseudonym(for: value)) }
            let report = try await ledger.query(UsageQuery(filter: UsageFilter(equals: [dimension: stored])))
            let aggregate = try await ledger.query(
                UsageQuery(filter: UsageFilter(since: Date(timeIntervalSince1970: 946_684_800), equals: [dimension: stored])))
            if global.json {
                struct Plan: Encodable {
                    var dry_run = true
                    var raw_events: Int
                    var events_in_aggregates: Int
                }
                try Output.json(Plan(raw_events: report.totals.events, events_in_aggregates: aggregate.totals.events))
            } else {
                Output.line(
                    "would remove \(Output.count(report.totals.events)) raw events and the aggregates of \(Output.count(aggregate.totals.events)) events of \(dimension) '\(value)'; re-run with --yes to remove them")
            }
            return
        }
        let result = try await ledger.forget(dimension, value: value)
        if global.json {
            try Output.json(result)
        } else {
            Output.line(
                "removed \(Output.count(result.eventsDeleted)) events and \(Output.count(result.aggregateRowsDeleted)) aggregate rows of \(dimension) '\(value)'")
        }
    }
}

struct RepriceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reprice",
        abstract: "Recompute stored costs with the current catalog (when a price was wrong).",
        discussion: """
            Stored costs never change on their own when prices change; this command reprices the raw
            events that match (each at its own timestamp) and corrects the aggregates, in one
            transaction. Events already compacted away cannot be repriced.

            Examples:
              costctl reprice --since 2026-11-01 --where model=gpt-4o
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var filterOptions: FilterOptions

    func run() async throws {
        let filter = try filterOptions.filter(window: global.window, defaultSince: nil)
        let engine = CostEngine(catalog: try global.catalog())
        let ledger = try global.openLedger()
        let result = try await LedgerRepricing.reprice(ledger, matching: filter, with: engine)
        if global.json {
            try Output.json(result)
            return
        }
        Output.line(
            "examined \(Output.count(result.examined)) events, changed \(Output.count(result.changed)); total \(result.costBefore.display()) → \(result.costAfter.display())")
        for note in result.notes { Output.line("note: \(note)") }
    }
}
