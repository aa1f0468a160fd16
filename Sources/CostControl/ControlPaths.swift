public import Foundation

/// Where costctl keeps its files, following the XDG base directories.
///
/// - database: `--db`, else `COSTCTL_DB`, else `$XDG_DATA_HOME/costctl/costctl.db`, else
///   `~/.local/share/costctl/costctl.db`
/// - price overrides: `COSTCTL_PRICES_DIR`, else `prices/` beside the database's default folder
///   (`~/.local/share/costctl/prices/`)
public struct ControlPaths: Sendable, Hashable {
    public var dataDirectory: URL
    public var database: URL
    public var pricesDirectory: URL

    /// Paths from the environment (and an explicit database path, if given).
    public init(database explicitDatabase: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? home.appendingPathComponent(".local/share")
        dataDirectory = dataHome.appendingPathComponent("costctl")
        if let explicitDatabase, !explicitDatabase.isEmpty {
            database = URL(fileURLWithPath: explicitDatabase)
        } else if let env = environment["COSTCTL_DB"], !env.isEmpty {
            database = URL(fileURLWithPath: env)
        } else {
            database = dataDirectory.appendingPathComponent("costctl.db")
        }
        if let env = environment["COSTCTL_PRICES_DIR"], !env.isEmpty {
            pricesDirectory = URL(fileURLWithPath: env)
        } else {
            pricesDirectory = dataDirectory.appendingPathComponent("prices")
        }
    }
}
