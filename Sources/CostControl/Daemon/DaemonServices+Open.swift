import CostCrypto
import CostOptimizer
public import CostPricing
import CostRotation
public import CostSQLite
import Foundation

extension DaemonServices {
    /// The services over the database of `paths`, as `costctl daemon` runs them: the ledger (and its
    /// budget alert history), budgets, keys and their provisioners, recommendations, alerts and the
    /// daemon's job store, all in one file. The vault is opened when a master key is available
    /// (`COSTCTL_MASTER_KEY`, `COSTCTL_MASTER_KEY_FILE` or the default key file); without one,
    /// delivery to channels and provisioning cannot run, and `notes` says so.
    ///
    /// - parameters:
    ///   - reporter: makes the reports; ``DaemonReporter/operations(ledger:budgets:recommendations:userHasher:now:)``
    ///     over the same database when `nil`.
    /// - throws: ``SQLiteError``, ``CryptoError`` (a master key that is set but unusable),
    ///   ``PricingError`` (the plan catalog).
    public static func open(
        paths: ControlPaths, catalog: PriceCatalog, configuration: DaemonConfiguration, environment: [String: String],
        clock: any DaemonClock = SystemDaemonClock(), reporter: DaemonReporter? = nil
    ) throws -> (services: DaemonServices, jobStore: SQLiteDaemonJobStore, notes: [String]) {
        let database = paths.database.path
        let ledger = try LedgerStore.open(paths: paths, catalog: catalog, environment: environment)
        var notes: [String] = []
        var sealer: Vault?
        do {
            let master = try KeyVaultFile.masterKey(paths: paths, environment: environment)
            sealer = try KeyVaultFile.vault(database: database, master: master)
        } catch let error as CryptoError where error.code == .masterKeyMissing {
            notes.append("no master key (COSTCTL_MASTER_KEY or COSTCTL_MASTER_KEY_FILE): alerts are stored but not delivered, and pools are not provisioned")
        }
        let now: @Sendable () -> Date = { clock.now }
        let keys = try SQLiteKeyStore(path: database, now: now)
        let budgets = try SQLiteBudgetStore(path: database, now: now)
        let recommendations = try SQLiteRecommendationStore(path: database, now: now)
        let services = DaemonServices(
            ledger: ledger, alertHistory: ledger, budgets: budgets, keys: keys, provisioners: keys,
            sealer: sealer, alerts: AlertCenter(store: try SQLiteAlertStore(path: database), sealer: sealer, now: now),
            recommendations: recommendations, catalog: catalog, plans: try PlanCatalog.bundled(),
            reporter: reporter ?? .operations(
                ledger: ledger, budgets: budgets, recommendations: recommendations, userHasher: ledger.configuration.userHasher, now: now),
            configuration: configuration, clock: clock)
        return (services, try SQLiteDaemonJobStore(path: database), notes)
    }
}
