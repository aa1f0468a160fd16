import ArgumentParser
import CostControl
import Foundation

struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Our computed cost against the provider's bill, per UTC day and model, with the causes of differences.",
        discussion: """
            The bill is what `costctl import openai-costs` and `costctl import anthropic-costs`
            stored; the computed cost is the ledger's exact cost of the same provider's events in the
            same billing period (providers bill by UTC day). A period is flagged beyond --tolerance
            percent of the bill and --min-difference dollars. Days with usage but no bill are listed
            for providers that have any bill in the range. See Documentation/Reconcile.md.

            Examples:
              costctl reconcile --since 30d
              costctl reconcile --provider anthropic --models
              costctl reconcile --since 20261101 --until 20261130 --tolerance 1 --json
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Start: 30d (default), a date or a date-time (as for `costctl usage`).", valueName: "when"))
    var since: String = "30d"

    @Option(help: ArgumentHelp("End: a date (inclusive), a date-time (exclusive), today, now.", valueName: "when"))
    var until: String?

    @Option(help: ArgumentHelp("Only this provider's bill (openai, anthropic).", valueName: "name"))
    var provider: String?

    @Option(help: ArgumentHelp("Flag a period whose difference exceeds this percent of the bill (default 2).", valueName: "percent"))
    var tolerance: Double = 2

    @Option(name: .customLong("min-difference"), help: ArgumentHelp("…and exceeds this many dollars (default 0.01).", valueName: "usd"))
    var minDifference: String = "0.01"

    @Flag(help: "Show each model of a period under it.")
    var models = false

    func validate() throws {
        guard tolerance >= 0, tolerance.isFinite else { throw ValidationError("--tolerance must be a percent of 0 or more (example: 2)") }
        guard let amount = Money(minDifference), !amount.isNegative else {
            throw ValidationError("--min-difference '\(minDifference)' is not an amount in dollars (example: 0.01)")
        }
    }

    func run() async throws {
        let window = global.window
        let start = try window.since(since)
        let end = try until.map { try window.until($0) }
        if let end, end <= start { throw ValidationError("--until must be after --since") }
        let catalog = try global.catalog()
        let ledger = try LedgerStore.open(paths: global.paths, catalog: catalog)
        let bound = ReconciliationTolerance(relative: tolerance / 100, absolute: Money(minDifference) ?? .zero)
        let report = try await Reconciler(ledger: ledger, bills: ledger, catalog: catalog)
            .reconcile(since: start, until: end, provider: provider?.lowercased(), tolerance: bound)
        if global.json { return try Output.json(report) }
        FileHandle.standardOutput.write(Data(report.render(models: models).utf8))
    }
}
