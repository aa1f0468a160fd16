public import CostControl
public import Foundation

/// Where the server's tools read and write: the database (ledger, budgets, keys, recommendations
/// and alerts share its file), the environment (the master key for sealed secrets), the default
/// time zone, and the name the audit trails record for changes made through MCP.
public struct CostMCPConfiguration: Sendable {
    public var paths: ControlPaths
    public var environment: [String: String]
    /// The zone of reports when a call gives no `tz` (default UTC).
    public var timeZone: TimeZone
    /// Extra price files laid over the catalog (costctl format).
    public var priceFiles: [URL]
    /// Who made a change, in key audits and recommendation histories: `mcp` or `mcp:USER`.
    public var actor: String

    public init(
        paths: ControlPaths, environment: [String: String] = ProcessInfo.processInfo.environment,
        timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .gmt, priceFiles: [URL] = []
    ) {
        self.paths = paths
        self.environment = environment
        self.timeZone = timeZone
        self.priceFiles = priceFiles
        let user = environment["USER"] ?? environment["LOGNAME"] ?? ""
        actor = user.isEmpty ? "mcp" : "mcp:\(user)"
    }
}

/// The stores and catalogs the tools use, opened on first use and kept for the life of the server
/// (one connection per store, however many calls), so a call costs a query, not an open.
actor CostToolContext {
    let configuration: CostMCPConfiguration
    private var catalogCache = OpenOnce<PriceCatalog>()
    private var ledgerCache = OpenOnce<SQLiteUsageLedger>()
    private var budgetsCache = OpenOnce<SQLiteBudgetStore>()
    private var keysCache = OpenOnce<KeyAdmin>()
    private var alertsCache = OpenOnce<AlertCenter>()
    private var recommendationsCache = OpenOnce<SQLiteRecommendationStore>()
    private var plansCache = OpenOnce<PlanCatalog>()

    init(configuration: CostMCPConfiguration) {
        self.configuration = configuration
    }

    var paths: ControlPaths { configuration.paths }

    func catalog() throws -> PriceCatalog {
        try catalogCache.get { try PriceOverrides.catalog(paths: paths, extraFiles: configuration.priceFiles) }
    }

    func engine() throws -> CostEngine { CostEngine(catalog: try catalog()) }

    func ledger() throws -> SQLiteUsageLedger {
        let catalog = try catalog()
        return try ledgerCache.get { try LedgerStore.open(paths: paths, catalog: catalog) }
    }

    func budgets() throws -> SQLiteBudgetStore {
        try budgetsCache.get { try BudgetStoreFile.open(paths: paths) }
    }

    /// The key store and its vault; needs the master key (`COSTCTL_MASTER_KEY` or a key file).
    func keys() throws -> KeyAdmin {
        try keysCache.get {
            let (store, vault) = try KeyVaultFile.open(paths: paths, environment: configuration.environment)
            return KeyAdmin(store: store, sealer: vault, actor: configuration.actor, settings: store)
        }
    }

    func alerts() throws -> AlertCenter {
        try alertsCache.get { try AlertCenter.open(paths: paths, environment: configuration.environment, withVault: false) }
    }

    func recommendations() throws -> SQLiteRecommendationStore {
        try recommendationsCache.get { try RecommendationStoreFile.open(paths: paths) }
    }

    func plans() throws -> PlanCatalog {
        try plansCache.get { try PlanAdvisor.catalog(paths: paths) }
    }
}

/// A value opened on first use and kept; a failure is not kept, so the next call tries again (after
/// the user fixed the cause, a missing master key say).
struct OpenOnce<Value> {
    private var value: Value?

    mutating func get(_ open: () throws -> Value) rethrows -> Value {
        if let value { return value }
        let opened = try open()
        value = opened
        return opened
    }
}
