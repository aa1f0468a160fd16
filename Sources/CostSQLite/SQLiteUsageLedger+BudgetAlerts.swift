public import CostBudget
internal import CostPricing
public import Foundation

/// The budget alert history in the same file as the events (table `budget_alerts`, migration
/// `0006-budget-alerts`): the deduplication check and the insert are one write transaction, so
/// processes sharing the file never both store (and send) the same alert.
extension SQLiteUsageLedger: AlertHistoryStore {
    static let alertColumns = """
        id, budget, scope, level, severity, threshold_bp, used_hi, used_lo, limit_kind, limit_hi, limit_lo,
        period_start_ms, period_end_ms, at_ms, is_repeat
        """

    public func record(_ alert: BudgetAlert, coolDown: Duration) async throws -> BudgetAlert? {
        let db = self.db
        return try db.writeTransaction {
            let latest = try db.cached(
                """
                SELECT at_ms FROM budget_alerts WHERE budget = ? AND level = ? AND period_start_ms IS ?
                ORDER BY at_ms DESC LIMIT 1
                """)
            latest.bind(alert.budget, at: 1)
            latest.bind(alert.level.rawValue, at: 2)
            latest.bind(alert.periodStart.map { Int(SQLiteUsageLedger.milliseconds($0)) }, at: 3)
            var last: Date?
            if try latest.step() {
                last = Date(timeIntervalSince1970: TimeInterval(latest.int64(0)) / 1000)
                while try latest.step() {}
            }
            // compare at the stored precision (whole milliseconds)
            var rounded = alert
            rounded.at = Date(timeIntervalSince1970: TimeInterval(SQLiteUsageLedger.milliseconds(alert.at)) / 1000)
            guard let accepted = rounded.deduplicated(after: last, coolDown: coolDown) else { return nil }
            let insert = try db.cached(
                "INSERT INTO budget_alerts (\(SQLiteUsageLedger.alertColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            let (usedHi, usedLo) = SQLiteUsageLedger.split(Money(units: accepted.used))
            let (limitHi, limitLo) = SQLiteUsageLedger.split(Money(units: accepted.limit.units))
            insert.bind(accepted.id.uuidString, at: 1)
            insert.bind(accepted.budget, at: 2)
            insert.bind(accepted.scope, at: 3)
            insert.bind(accepted.level.rawValue, at: 4)
            insert.bind(accepted.severity.rawValue, at: 5)
            insert.bind(accepted.threshold.basisPoints, at: 6)
            insert.bind(usedHi, at: 7)
            insert.bind(usedLo, at: 8)
            insert.bind(Self.limitKind(accepted.limit), at: 9)
            insert.bind(limitHi, at: 10)
            insert.bind(limitLo, at: 11)
            insert.bind(accepted.period.map { Int(SQLiteUsageLedger.milliseconds($0.start)) }, at: 12)
            insert.bind(accepted.period.map { Int(SQLiteUsageLedger.milliseconds($0.end)) }, at: 13)
            insert.bind(SQLiteUsageLedger.milliseconds(accepted.at), at: 14)
            insert.bind(accepted.isRepeat ? 1 : 0, at: 15)
            try insert.step()
            return accepted
        }
    }

    public func alerts(matching query: AlertQuery) async throws -> [BudgetAlert] {
        var conditions: [String] = []
        var bindings: [(Statement) -> Void] = []
        func condition(_ sql: String, _ bind: @escaping (Statement, Int32) -> Void) {
            let index = Int32(bindings.count + 1)
            conditions.append(sql)
            bindings.append { bind($0, index) }
        }
        if let budget = query.budget { condition("budget = ?") { $0.bind(budget, at: $1) } }
        if let since = query.since { condition("at_ms >= ?") { $0.bind(SQLiteUsageLedger.milliseconds(since), at: $1) } }
        if let until = query.until { condition("at_ms < ?") { $0.bind(SQLiteUsageLedger.milliseconds(until), at: $1) } }
        if let minimum = query.minimumSeverity {
            let names = AlertSeverity.allCases.filter { $0 >= minimum }.map { "'\($0.rawValue)'" }
            conditions.append("severity IN (\(names.joined(separator: ", ")))")
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let limitClause = query.limit.map { " LIMIT \(max(0, $0))" } ?? ""
        let db = self.db
        return try db.readTransaction {
            let statement = try db.cached(
                "SELECT \(SQLiteUsageLedger.alertColumns) FROM budget_alerts \(whereClause) ORDER BY at_ms DESC, rowid DESC\(limitClause)")
            for bind in bindings { bind(statement) }
            var alerts: [BudgetAlert] = []
            while try statement.step() {
                if let alert = Self.alert(statement) { alerts.append(alert) }
            }
            return alerts
        }
    }

    public func removeAlerts(before date: Date) async throws -> Int {
        let db = self.db
        return try db.writeTransaction {
            let statement = try db.cached("DELETE FROM budget_alerts WHERE at_ms < ?")
            statement.bind(SQLiteUsageLedger.milliseconds(date), at: 1)
            try statement.step()
            return Int(try db.scalarInt("SELECT changes()") ?? 0)
        }
    }

    private static func limitKind(_ limit: BudgetLimit) -> String {
        switch limit {
        case .money: "money"
        case .tokens: "tokens"
        case .requests: "requests"
        }
    }

    /// A row in the order of ``alertColumns``; `nil` for a row this build cannot read.
    private static func alert(_ row: Statement) -> BudgetAlert? {
        guard let id = row.text(0).flatMap(UUID.init(uuidString:)), let level = LadderLevel(rawValue: row.int(3)),
            let severity = row.text(4).flatMap(AlertSeverity.init(rawValue:))
        else { return nil }
        func date(_ column: Int32) -> Date { Date(timeIntervalSince1970: TimeInterval(row.int64(column)) / 1000) }
        let limitUnits = join(row.int64(9), row.int64(10)).units
        let limit: BudgetLimit
        switch row.text(8) {
        case "money": limit = .money(Money(units: limitUnits))
        case "tokens": limit = .tokens(Int(clamping: limitUnits))
        case "requests": limit = .requests(Int(clamping: limitUnits))
        default: return nil
        }
        let period = row.isNull(11) || row.isNull(12) ? nil : PeriodWindow(start: date(11), end: date(12))
        return BudgetAlert(
            id: id, budget: row.text(1) ?? "", scope: row.text(2) ?? "", level: level, severity: severity,
            threshold: Threshold(basisPoints: row.int(5)), used: join(row.int64(6), row.int64(7)).units, limit: limit,
            period: period, at: date(13), isRepeat: row.int(14) != 0)
    }
}
