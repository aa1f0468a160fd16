import ArgumentParser
import CostControl
import Foundation

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Database file (env COSTCTL_DB; default $XDG_DATA_HOME/costctl/costctl.db).", valueName: "path"))
    var db: String?

    @Flag(name: .long, help: "Print stable JSON instead of tables.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Time zone for dates shown and for date-only inputs (IANA name, e.g. Europe/Paris; default UTC).", valueName: "zone"))
    var tz: String?

    @Option(name: .customLong("prices"), help: ArgumentHelp("An extra price file (costctl format) laid over the catalog; repeatable.", valueName: "file"))
    var priceFiles: [String] = []

    func validate() throws {
        if let tz, TimeZone(identifier: tz) == nil {
            throw ValidationError("--tz '\(tz)' is not a time zone name (examples: UTC, Europe/Paris, America/Los_Angeles)")
        }
        for file in priceFiles where !FileManager.default.fileExists(atPath: file) {
            throw ValidationError("--prices \(file): no such file")
        }
    }

    var paths: ControlPaths { ControlPaths(database: db) }

    var timeZone: TimeZone { tz.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC") ?? .current }

    /// The catalog with the user's overrides and `--prices` files.
    func catalog() throws -> PriceCatalog {
        try PriceOverrides.catalog(paths: paths, extraFiles: priceFiles.map { URL(fileURLWithPath: $0) })
    }

    /// The usage ledger at `--db` (created on first use), priced with `catalog()`.
    func openLedger(retention: RetentionPolicy = .standard) throws -> SQLiteUsageLedger {
        try LedgerStore.open(paths: paths, catalog: try catalog(), retention: retention)
    }

    /// The budgets at `--db`, in the same file as the ledger.
    func openBudgets() throws -> SQLiteBudgetStore {
        try BudgetStoreFile.open(paths: paths)
    }

    /// `--since`/`--until` words in `--tz`.
    var window: UsageWindow { UsageWindow(timeZone: timeZone) }

    /// Parses `--at`-style input: an ISO date-time, or a date taken as midnight in `--tz`.
    func parseDate(_ text: String, option: String) throws -> Date {
        if text.count == 10, tz != nil, let day = CivilDate(text) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            if let date = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day)) {
                return date
            }
        }
        guard let date = Timestamp.parseOrNil(text) else {
            throw ValidationError("\(option) '\(text)' is not an ISO 8601 date or date-time (examples: 2026-11-02, 2026-11-02T20:59:00Z)")
        }
        return date
    }
}
