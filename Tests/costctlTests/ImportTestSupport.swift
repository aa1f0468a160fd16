import CostControl
import Foundation
import Testing

/// A real SQLite ledger in a temporary directory, priced with the bundled catalog only.
struct ImportBench {
    let directory: URL
    let ledger: SQLiteUsageLedger

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let paths = ControlPaths(
            database: directory.appendingPathComponent("ledger.db").path, environment: ["HOME": directory.path])
        ledger = try LedgerStore.open(paths: paths, environment: [:])
    }

    var importer: UsageImporter {
        UsageImporter(ledger: ledger, billedCosts: ledger, engine: ledger.configuration.engine)
    }

    /// A fixture under Fixtures/Import/.
    static func fixture(_ relative: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/Import").appendingPathComponent(relative).path
    }

    func run(_ format: ImportFormat, _ paths: [String], _ update: (inout ImportOptions) -> Void = { _ in }) async throws
        -> ImportSummary
    {
        var options = ImportOptions(format: format, paths: paths)
        options.environment = ["HOME": directory.path]
        update(&options)
        return try await importer.run(options)
    }

    /// Totals over everything stored (November 2026), and grouped rows.
    func totals() async throws -> UsageTotals {
        try await ledger.query(UsageQuery(filter: UsageFilter(since: Self.date("2026-01-01T00:00:00Z")))).totals
    }

    func rows(by dimension: UsageDimension) async throws -> [String: UsageTotals] {
        let report = try await ledger.query(
            UsageQuery(filter: UsageFilter(since: Self.date("2026-01-01T00:00:00Z")), groupBy: [dimension]))
        var result: [String: UsageTotals] = [:]
        for row in report.rows { result[row.values.first ?? ""] = row.totals }
        return result
    }

    static func date(_ text: String) -> Date {
        (try? Timestamp.parse(text)) ?? Date(timeIntervalSince1970: 0)
    }

    static func usd(_ text: String) -> Money {
        Money(text) ?? Money(units: -1)
    }
}
