import CostBudget
import CostRotation
import Foundation
import Logging

// MARK: - quota-check

extension DaemonServices {
    /// Budgets, then key pools.
    func quotaCheck(_ context: DaemonJobContext) async throws -> [String: String] {
        var details = try await checkBudgets(context)
        details.merge(try await checkKeys(context)) { first, _ in first }
        return details
    }

    /// Brings each budget's spend up to the ledger (``DaemonConfiguration/syncBudgets``), then
    /// raises `budget-level` once per level crossed through ``BudgetAlertMonitor`` (the history in
    /// the database remembers the levels alerted in each period, so a new monitor per run — or a
    /// restarted daemon — does not repeat them).
    func checkBudgets(_ context: DaemonJobContext) async throws -> [String: String] {
        let budgetList = try await budgets.budgets()
        guard !budgetList.isEmpty else { return ["budgets": "0"] }
        if configuration.syncBudgets {
            _ = try await BudgetLedgerSync(ledger: ledger).rebuild(budgets, at: context.now)
        }
        let clock = self.clock
        let monitor = BudgetAlertMonitor(
            budgets: budgets, history: alertHistory, sinks: [AlertOutboxSink(center: alerts)], batchDelay: .zero, now: { clock.now })
        var raised = 0
        for budget in budgetList {
            guard let state = try await budgets.state(of: budget.name) else { continue }
            raised += try await monitor.observe(state).count
        }
        if await monitor.failures > 0 {
            throw ControlError(code: .deliveryFailed, message: "raising budget alerts failed: \(await monitor.lastFailure ?? "unknown error")")
        }
        return ["budgets": String(budgetList.count), "budget_alerts": String(raised)]
    }

    /// Every pool of the key store (each provider and project): `key-quota` for a key at
    /// ``DaemonConfiguration/keyQuotaThreshold`` of its quota (once per key and quota period),
    /// `pool-pressure` for a pool under pressure (once per pool, reason and local day), and each
    /// configured provisioner run when its pool is under pressure (``KeyProvisioning/checkNow(pool:)``:
    /// one attempt at a time, rate-limited across processes by the audit log; `key-provisioned` or
    /// `provisioning-failed` raised).
    func checkKeys(_ context: DaemonJobContext) async throws -> [String: String] {
        guard let keys else { return [:] }
        let all = try await keys.keys(provider: nil)
        let day = DaemonReportRequest.localDate(context.now, in: configuration.timeZone)
        var pools: [String: KeyPool] = [:]
        for key in all { pools[KeyPool(provider: key.provider, project: key.project).name] = KeyPool(provider: key.provider, project: key.project) }
        var raised = 0
        var pressured = 0
        for (name, pool) in pools.sorted(by: { $0.key < $1.key }) {
            var views: [KeyView] = []
            for key in all where pool.contains(key) {
                guard let quota = try await keys.quotaState(of: key.id) else { continue }
                views.append(KeyView(key: key, quota: quota))
                switch key.status(at: context.now) {
                case .disabled, .revoked: continue
                default: break
                }
                guard !quota.meters.isEmpty, quota.utilization >= configuration.keyQuotaThreshold else { continue }
                let period = quota.nextReset.map { String(Alert.milliseconds($0)) } ?? day
                let alert = Alert(
                    key: "key-quota/\(key.id)/\(period)", kind: .keyQuotaNearLimit, severity: quota.utilization >= 1 ? .critical : .warning,
                    at: context.now, scope: "key=\(key.id) pool=\(name)",
                    title: "key '\(key.id)' is at \(Int((quota.utilization * 100).rounded()))% of its quota",
                    message: "key '\(key.id)' (\(key.fingerprint)) of pool '\(name)' has used \(Int((quota.utilization * 100).rounded()))% of its quota"
                        + (quota.nextReset.map { "; it resets at \(DaemonScheduler.iso($0))" } ?? ""),
                    data: ["key_id": key.id, "pool": name, "value": String(format: "%.4f", quota.utilization)])
                if try await alerts.raise(alert).isNew { raised += 1 }
            }
            guard let pressure = PoolPressure.evaluate(pool, views: views, leases: [:], at: context.now) else { continue }
            pressured += 1
            var alert = Alert(key: .poolPressure(pressure))
            alert.key = "pool-pressure/\(name)/\(pressure.reason.rawValue)/\(day)"
            if try await alerts.raise(alert).isNew { raised += 1 }
        }
        var details = ["pools": String(pools.count), "pools_under_pressure": String(pressured), "key_alerts": String(raised)]
        details.merge(try await provision(context)) { first, _ in first }
        return details
    }

    /// Runs the provisioner of each pool under pressure (one attempt per run; the next run retries).
    func provision(_ context: DaemonJobContext) async throws -> [String: String] {
        guard let keys, let provisioners, !(try await provisioners.provisioners().isEmpty) else { return [:] }
        guard let sealer else {
            context.logger.warning("pools have provisioners but there is no master key: provisioning is skipped (set COSTCTL_MASTER_KEY)")
            return ["provisioning": "skipped (no master key)"]
        }
        let clock = self.clock
        let center = alerts
        let logger = context.logger
        let admin = KeyAdmin(store: keys, sealer: sealer, actor: "daemon", settings: provisioners, now: { clock.now })
        let coordinator = try await admin.provisioner { event in
            do {
                try await center.raise(Alert(key: event))
            } catch {
                logger.error("cannot raise a key alert", metadata: ["error": .string(String(describing: error))])
            }
        }
        var provisioned = 0
        var failed = 0
        for setting in try await provisioners.provisioners() {
            switch try await coordinator.checkNow(pool: setting.pool.name) {
            case .provisioned(let key):
                provisioned += 1
                logger.notice("provisioned a key", metadata: ["pool": .string(setting.pool.name), "key_id": .string(key.id)])
            case .failed(_, let error):
                failed += 1
                logger.warning("provisioning failed", metadata: ["pool": .string(setting.pool.name), "error": .string(error)])
            case .rateLimited, .noProvisioner, .notUnderPressure:
                break
            }
        }
        return ["provisioned": String(provisioned), "provisioning_failed": String(failed)]
    }
}
