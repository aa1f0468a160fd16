public import CostPricing
internal import Foundation

/// Provider-billed amounts in the same file as the events (table `billed_costs`, migration
/// `0004-billed-costs`), upserted by id in one transaction per batch.
extension SQLiteUsageLedger: BilledCostStore {
    public func recordBilledCosts(_ costs: [BilledCost]) async throws -> BilledCostResult {
        for cost in costs { try cost.validate() }
        let db = self.db
        let now = Int64((configuration.now().timeIntervalSince1970 * 1000).rounded(.down))
        return try db.writeTransaction {
            var result = BilledCostResult()
            let select = try db.cached(
                "SELECT provider, start_ms, end_ms, model, line_item, project, service_tier, amount_hi, amount_lo, currency, source FROM billed_costs WHERE id = ?")
            let upsert = try db.cached(
                """
                INSERT INTO billed_costs (id, provider, start_ms, end_ms, model, line_item, project, service_tier,
                    amount_hi, amount_lo, currency, source, imported_at_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET provider = excluded.provider, start_ms = excluded.start_ms,
                    end_ms = excluded.end_ms, model = excluded.model, line_item = excluded.line_item,
                    project = excluded.project, service_tier = excluded.service_tier, amount_hi = excluded.amount_hi,
                    amount_lo = excluded.amount_lo, currency = excluded.currency, source = excluded.source,
                    imported_at_ms = excluded.imported_at_ms
                """)
            for cost in costs {
                select.reset()
                select.bind(cost.id, at: 1)
                if try select.step() {
                    let stored = SQLiteUsageLedger.billedCost(select, from: 0, id: cost.id)
                    while try select.step() {}
                    if stored == cost {
                        result.unchanged += 1
                        continue
                    }
                    result.updated += 1
                } else {
                    result.added += 1
                }
                let (hi, lo) = SQLiteUsageLedger.split(cost.amount)
                upsert.reset()
                upsert.bind(cost.id, at: 1)
                upsert.bind(cost.provider, at: 2)
                upsert.bind(SQLiteUsageLedger.milliseconds(cost.start), at: 3)
                upsert.bind(SQLiteUsageLedger.milliseconds(cost.end), at: 4)
                upsert.bind(cost.model, at: 5)
                upsert.bind(cost.lineItem, at: 6)
                upsert.bind(cost.project, at: 7)
                upsert.bind(cost.serviceTier, at: 8)
                upsert.bind(hi, at: 9)
                upsert.bind(lo, at: 10)
                upsert.bind(cost.currency, at: 11)
                upsert.bind(cost.source, at: 12)
                upsert.bind(now, at: 13)
                try upsert.step()
            }
            return result
        }
    }

    public func billedCosts(matching query: BilledCostQuery) async throws -> [BilledCost] {
        var conditions: [String] = []
        var texts: [String] = []
        var ints: [Int64] = []
        if let since = query.since {
            conditions.append("start_ms >= ?")
            ints.append(SQLiteUsageLedger.milliseconds(since))
        }
        if let until = query.until {
            conditions.append("start_ms < ?")
            ints.append(SQLiteUsageLedger.milliseconds(until))
        }
        if let provider = query.provider {
            conditions.append("provider = ?")
            texts.append(provider)
        }
        if let model = query.model {
            conditions.append("model = ?")
            texts.append(model)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let db = self.db
        return try db.readTransaction {
            let statement = try db.cached(
                "SELECT provider, start_ms, end_ms, model, line_item, project, service_tier, amount_hi, amount_lo, currency, source, id FROM billed_costs \(whereClause) ORDER BY start_ms, provider, id")
            var index: Int32 = 1
            for value in ints {
                statement.bind(value, at: index)
                index += 1
            }
            for value in texts {
                statement.bind(value, at: index)
                index += 1
            }
            var costs: [BilledCost] = []
            while try statement.step() {
                costs.append(SQLiteUsageLedger.billedCost(statement, from: 0, id: statement.text(11) ?? ""))
            }
            return costs
        }
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    static func billedCost(_ row: Statement, from first: Int32, id: String) -> BilledCost {
        func date(_ column: Int32) -> Date { Date(timeIntervalSince1970: TimeInterval(row.int64(column)) / 1000) }
        return BilledCost(
            id: id, provider: row.text(first) ?? "", start: date(first + 1), end: date(first + 2),
            model: row.text(first + 3), lineItem: row.text(first + 4), project: row.text(first + 5),
            serviceTier: row.text(first + 6), amount: join(row.int64(first + 7), row.int64(first + 8)),
            currency: row.text(first + 9) ?? "usd", source: row.text(first + 10) ?? "")
    }
}
