import ArgumentParser
import CostControl
import Foundation

struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the installation: libraries, the price catalog, paths and overrides.")

    @OptionGroup var global: GlobalOptions

    struct Report: Encodable {
        var version: String
        var sqlite: String
        var sqliteThreadSafe: Bool
        var libcrypto: String
        var catalogGeneratedAt: String?
        var catalogSources: [String]
        var providers: Int
        var models: Int
        var catalogLoadMilliseconds: Int
        var database: String
        var pricesDirectory: String
        var overrides: [String]
        var tokenEncodings: [String]
        var ledger: LedgerInfo?
        var ledgerError: String?
        /// Where the budgets keep their live state: "database", or the memory-backed file's path.
        var budgetLiveState: String?

        enum CodingKeys: String, CodingKey {
            case version, sqlite, libcrypto, providers, models, database, overrides
            case sqliteThreadSafe = "sqlite_thread_safe"
            case catalogGeneratedAt = "catalog_generated_at"
            case catalogSources = "catalog_sources"
            case catalogLoadMilliseconds = "catalog_load_ms"
            case pricesDirectory = "prices_directory"
            case tokenEncodings = "token_encodings"
            case ledger, ledgerError = "ledger_error", budgetLiveState = "budget_live_state"
        }
    }

    func run() async throws {
        let start = ContinuousClock.now
        let catalog = try global.catalog()
        let elapsed = ContinuousClock.now - start
        let paths = global.paths
        var report = Report(
            version: CostctlVersion.string, sqlite: SystemInfo.sqliteVersion, sqliteThreadSafe: SystemInfo.sqliteThreadSafe,
            libcrypto: SystemInfo.cryptoVersion, catalogGeneratedAt: catalog.generatedAt,
            catalogSources: catalog.sources.map { [$0.name, $0.version].compactMap { $0 }.joined(separator: " ") },
            providers: catalog.providers.count, models: catalog.modelCount,
            catalogLoadMilliseconds: Int(elapsed.wholeMilliseconds),
            database: paths.database.path, pricesDirectory: paths.pricesDirectory.path,
            overrides: PriceOverrides.files(in: paths.pricesDirectory).map(\.lastPathComponent),
            tokenEncodings: TokenEncodingName.allCases.map(\.rawValue))
        // Read the ledger only when it exists: doctor never creates a database.
        if FileManager.default.fileExists(atPath: paths.database.path) {
            do {
                report.ledger = try await global.openLedger().info()
            } catch {
                report.ledgerError = "\(error)"
            }
            do {
                report.budgetLiveState = try SQLiteBudgetStore.recordedLiveStatePath(ofDatabase: paths.database.path) ?? "database"
            } catch {
                report.budgetLiveState = "unknown (\(error))"
            }
        }
        if global.json { return try Output.json(report) }
        Output.line("costctl \(report.version)")
        Output.line("SQLite          \(report.sqlite)\(report.sqliteThreadSafe ? "" : " (NOT thread-safe)")")
        Output.line("libcrypto       \(report.libcrypto)")
        Output.line("price catalog   \(report.models) models, \(report.providers) providers; \(report.catalogSources.joined(separator: ", ")); generated \(report.catalogGeneratedAt ?? "?"); loaded in \(report.catalogLoadMilliseconds) ms")
        if let ledger = report.ledger {
            let span = [ledger.earliest, ledger.latest].compactMap { $0.map { Output.date($0, in: global.timeZone) } }
            Output.line(
                "database        \(report.database): \(Output.count(ledger.events)) raw events\(span.count == 2 ? " (\(span[0]) … \(span[1]))" : ""), schema \(ledger.schemaVersion), rollups in \(ledger.rollupTimeZone), user ids \(ledger.hashesUserIDs ? "hashed" : "in clear")")
            if let horizon = ledger.rawHorizon {
                Output.line("                raw events compacted before \(Output.date(horizon, in: global.timeZone))")
            }
            if let pending = ledger.pendingRollupEvents, pending > 0 {
                Output.line("                \(Output.count(pending)) \(pending == 1 ? "event" : "events") not yet folded into the rollups (the next report folds them)")
            }
            if let live = report.budgetLiveState, live != "database" {
                Output.line(
                    live.hasPrefix("unknown")
                        ? "                budgets' live state: \(live)"
                        : "                budgets' live state in the memory-backed file \(live) (costctl budget live)")
            }
        } else if let error = report.ledgerError {
            Output.line("database        \(report.database): cannot open: \(error)")
        } else {
            Output.line("database        \(report.database) (not created yet)")
        }
        Output.line("prices dir      \(report.pricesDirectory)" + (report.overrides.isEmpty ? " (no overrides)" : ": \(report.overrides.joined(separator: ", "))"))
        Output.line("token encodings \(report.tokenEncodings.joined(separator: ", "))")
    }
}
