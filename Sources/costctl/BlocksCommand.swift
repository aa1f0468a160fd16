import ArgumentParser
import CostControl
import Foundation

struct BlocksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blocks",
        abstract: "Usage in 5-hour billing windows, with the active block's burn rate and projection (ccusage's blocks report).",
        discussion: """
            A block starts at its first event floored to the hour and lasts 5 hours; an event after
            the block's end, or more than 5 hours after the previous event, starts a new one, and
            quiet time is shown as a gap. The active block shows tokens/min, $/h and where it ends
            up at the current rate. --token-limit measures blocks against a number of tokens, or
            against the largest finished block (max). --json prints ccusage's blocks[] shape.

            Examples:
              costctl blocks --recent
              costctl blocks --active --token-limit max
              costctl blocks --json --token-limit 500000
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var filterOptions: FilterOptions

    @Option(name: [.customShort("t"), .long], help: ArgumentHelp("Measure blocks against N tokens, or 'max' (the largest finished block).", valueName: "n|max"))
    var tokenLimit: String?

    @Option(name: [.customShort("n"), .long], help: ArgumentHelp("Block length in hours.", valueName: "hours"))
    var sessionLength: Double = 5

    @Flag(name: [.customShort("a"), .long], help: "Show only the active block.")
    var active = false

    @Flag(name: [.customShort("r"), .long], help: "Only the last 3 days (as ccusage's --recent); ignored with --since.")
    var recent = false

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("asc (oldest first, the default) or desc.", valueName: "order"))
    var order: ReportOrder = .asc

    func validate() throws {
        if !(sessionLength > 0 && sessionLength <= 24 * 7) { throw ValidationError("--session-length must be more than 0 and at most 168 hours") }
        if let tokenLimit {
            do { _ = try TokenLimit(parsing: tokenLimit) } catch let error as ControlError { throw ValidationError(error.message) }
        }
    }

    func run() async throws {
        let ledger = try global.openLedger()
        let reports = UsageReports(ledger: ledger, timeZone: global.timeZone)
        var report = try await reports.blocks(
            matching: try filterOptions.filter(window: global.window, defaultSince: recent ? "3d" : nil),
            length: sessionLength * 3600,
            tokenLimit: try tokenLimit.map(TokenLimit.init(parsing:)))
        if active { report.blocks = report.blocks.filter(\.isActive) }
        if order == .desc { report.blocks.reverse() }
        if global.json { return try Output.json(report) }
        if report.blocks.isEmpty {
            if active { return Output.line("No active block.") }
            return try await ReportOptions.explainEmpty(global, ledger: ledger)
        }
        FileHandle.standardOutput.write(Data(UsageReportsText.render(report).utf8))
    }
}
