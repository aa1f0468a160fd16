public import Foundation

/// Opens the ledger the way the CLI and embedding services share: the SQLite file of
/// ``ControlPaths``, priced with the bundled catalog plus the user's overrides, with user ids hashed
/// when a salt is configured.
///
/// - `COSTCTL_USER_SALT` (base64, at least 16 bytes): when set, user ids are stored as HMAC-SHA256
///   pseudonyms under this salt. The salt is never stored or printed; keep it with your other secrets.
///
/// For example:
/// ```swift
/// let ledger = try LedgerStore.open(paths: ControlPaths())
/// try await ledger.record(UsageEvent(model: "gpt-4o", usage: Usage(inputTokens: 900, outputTokens: 40)))
/// ```
public enum LedgerStore {
    /// The environment variable holding the user-id salt.
    public static let saltVariable = "COSTCTL_USER_SALT"

    /// - throws: ``SQLiteError`` (cannot open, schema too new), ``CryptoError`` (a bad salt),
    ///   ``PricingError`` (a bad price override).
    public static func open(
        paths: ControlPaths, catalog: PriceCatalog? = nil, retention: RetentionPolicy = .standard,
        durability: SQLiteUsageLedger.Durability = .full,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> SQLiteUsageLedger {
        let catalog = try catalog ?? PriceOverrides.catalog(paths: paths)
        var configuration = LedgerConfiguration(engine: CostEngine(catalog: catalog), retention: retention)
        if let salt = environment[saltVariable], !salt.isEmpty {
            do {
                configuration.userHasher = try HMACIdentifierHasher(base64Salt: salt)
            } catch let error as CryptoError {
                throw ControlError(code: .invalidInput, message: "\(saltVariable): \(error.message)")
            }
        }
        return try SQLiteUsageLedger(path: paths.database.path, configuration: configuration, durability: durability)
    }
}

/// Opens the budgets the way the CLI and embedding services share: in the same SQLite file as
/// the ledger (``ControlPaths/database``), so that one file holds usage, budgets, holds and alerts.
///
/// For example:
/// ```swift
/// let budgets = try BudgetStoreFile.open(paths: ControlPaths())
/// let meter = Meter(budgets: budgets, ledger: try LedgerStore.open(paths: ControlPaths()), engine: engine)
/// ```
public enum BudgetStoreFile {
    /// - throws: ``SQLiteError`` (cannot open, schema too new).
    /// - parameter liveState: where accounts, holds and rolling charges live; `.asConfigured` follows
    ///   what the database records (`costctl budget live`).
    public static func open(
        paths: ControlPaths, durability: SQLiteBudgetStore.Durability = .full, liveState: SQLiteBudgetStore.LiveState = .asConfigured
    ) throws -> SQLiteBudgetStore {
        try SQLiteBudgetStore(path: paths.database.path, durability: durability, liveState: liveState)
    }
}

/// Opens the recommendations (their lifecycle, auto-execution settings and model routes) in the
/// ledger's file.
///
/// For example:
/// ```swift
/// let store = try RecommendationStoreFile.open(paths: ControlPaths())
/// let meter = Meter(budgets: budgets, ledger: ledger, engine: engine, routes: store)
/// ```
public enum RecommendationStoreFile {
    /// - throws: ``SQLiteError`` (cannot open, schema too new).
    public static func open(paths: ControlPaths) throws -> SQLiteRecommendationStore {
        try SQLiteRecommendationStore(path: paths.database.path)
    }
}
