internal import CCostSQLite
public import CostPricing
public import Foundation

// MARK: - Retention, privacy, repricing

extension SQLiteUsageLedger {
    public func compact(now: Date) async throws -> CompactionResult {
        let db = self.db
        let retention = configuration.retention
        let zone = LocalTime(configuration.rollupTimeZone)
        var result = CompactionResult()
        try db.writeTransaction {
            try foldPendingRollupsInTransaction()
            let current = try horizons()
            if let days = retention.rawDays {
                let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
                let limit = SQLiteUsageLedger.millis(cutoff)
                let statement = try db.cached("DELETE FROM events WHERE pos < ?")
                statement.bind(SQLiteUsageLedger.position(at: cutoff), at: 1)
                try statement.step()
                result.rawEventsDeleted = db.changes
                let horizon = max(limit, current.raw.map(SQLiteUsageLedger.millis) ?? limit)
                try SQLiteUsageLedger.setMeta(db, "raw_horizon_ms", String(horizon))
            }
            func prune(_ level: RollupLevel, _ days: Int?, _ previous: Date?, align: (Date) -> Date) throws -> Int {
                guard let days else { return 0 }
                let cutoff = align(now.addingTimeInterval(-Double(days) * 86_400))
                let seconds = Int64(cutoff.timeIntervalSince1970)
                let statement = try db.cached("DELETE FROM rollup_\(level.rawValue) WHERE bucket < ?")
                statement.bind(seconds, at: 1)
                try statement.step()
                let deleted = db.changes
                let other = try db.cached("DELETE FROM rollup_other WHERE level = ? AND bucket < ?")
                other.bind(level.rawValue, at: 1)
                other.bind(seconds, at: 2)
                try other.step()
                let horizon = max(seconds * 1000, previous.map(SQLiteUsageLedger.millis) ?? 0)
                try SQLiteUsageLedger.setMeta(db, "\(level.rawValue)_horizon_ms", String(horizon))
                return deleted
            }
            result.hourlyRowsDeleted = try prune(.hourly, retention.hourlyDays, current.hourly) {
                Date(timeIntervalSince1970: ($0.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
            }
            result.dailyRowsDeleted = try prune(.daily, retention.dailyDays, current.daily) {
                zone.bucketStart(.day, containing: $0)
            }
            if let days = retention.dailyDays {
                let cutoff = zone.bucketStart(.day, containing: now.addingTimeInterval(-Double(days) * 86_400))
                let statement = try db.cached("DELETE FROM rollup_dimension_daily WHERE bucket < ?")
                statement.bind(Int64(cutoff.timeIntervalSince1970), at: 1)
                try statement.step()
            }
            result.monthlyRowsDeleted = try prune(.monthly, retention.monthlyDays, current.monthly) {
                zone.bucketStart(.month, containing: $0)
            }
            let after = try horizons()
            result.rawHorizon = after.raw
            result.hourlyHorizon = after.hourly
        }
        pending.removeAll()
        // Give the space back to the WAL's next checkpoint.
        _ = try? db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        return result
    }

    public func forget(_ dimension: UsageDimension, value: String) async throws -> ForgetResult {
        let column: String
        switch dimension {
        case .org: column = "org"
        case .team: column = "team"
        case .user: column = "user"
        case .project: column = "project"
        default:
            throw PricingError(code: .invalidQuery, message: "forget works on org, team, user or project, not '\(dimension)'")
        }
        let values = Array(Set([value, LedgerIngest.storedValue(of: dimension, value, configuration: configuration)]))
        let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
        let seriesSQL = "SELECT id FROM series WHERE \(column) IN (\(placeholders))"
        let db = self.db
        var result = ForgetResult()
        // The series rows go last, after every row that refers to them: checking each one's
        // foreign keys would scan the events and rollup tables, which have no index starting with
        // `series` since migration 0012 (seconds per deleted series at a million events, all of it
        // holding the write lock). The pragma cannot change inside a transaction.
        try db.execute("PRAGMA foreign_keys = OFF")
        defer { _ = try? db.execute("PRAGMA foreign_keys = ON") }
        try db.writeTransaction {
            try foldPendingRollupsInTransaction()
            func run(_ sql: String) throws -> Int {
                let statement = try db.cached(sql)
                for (i, v) in values.enumerated() { statement.bind(v, at: Int32(i + 1)) }
                try statement.step()
                return db.changes
            }
            // Take the forgotten series out of the per-dimension daily totals first.
            let rows = try db.cached(
                "SELECT r.bucket, \(SQLiteUsageLedger.seriesColumns.map { "s.\($0)" }.joined(separator: ", ")), \(SQLiteUsageLedger.rollupColumns) FROM rollup_daily r JOIN series s ON s.id = r.series WHERE r.series IN (\(seriesSQL))")
            for (i, v) in values.enumerated() { rows.bind(v, at: Int32(i + 1)) }
            var negative: [DimensionDelta: UsageTotals] = [:]
            while try rows.step() {
                var totals = UsageTotals()
                totals.subtract(SQLiteUsageLedger.totals(rows, from: 10))
                for index in 0..<SQLiteUsageLedger.seriesColumns.count {
                    negative[DimensionDelta(bucket: rows.int64(0), dimension: index, value: rows.text(Int32(index + 1)) ?? ""), default: UsageTotals()]
                        .add(totals)
                }
            }
            try SQLiteUsageLedger.applyDimensions(negative, db)
            try db.execute("DELETE FROM rollup_dimension_daily WHERE events <= 0")
            // Every stored bucket listed, so SQLite seeks the (bucket, series) index rather than
            // reading the whole table (integers from the database, written into the SQL).
            let buckets = try SQLiteUsageLedger.eventBuckets(UsageFilter(), db: db).map {
                "(pos >> \(SQLiteUsageLedger.eventBucketShift)) IN (\($0.map(String.init).joined(separator: ","))) AND "
            }
            result.eventsDeleted = try run("DELETE FROM events WHERE \(buckets ?? "")series IN (\(seriesSQL))")
            for level in RollupLevel.allCases {
                result.aggregateRowsDeleted += try run("DELETE FROM rollup_\(level.rawValue) WHERE series IN (\(seriesSQL))")
            }
            _ = try run("DELETE FROM rollup_other WHERE series IN (\(seriesSQL))")
            _ = try run("DELETE FROM series WHERE \(column) IN (\(placeholders))")
            // Other processes drop their cached series ids when the generation changes.
            let generation = (try SQLiteUsageLedger.meta(db, "series_generation").flatMap(Int.init) ?? 0) + 1
            try SQLiteUsageLedger.setMeta(db, "series_generation", String(generation))
        }
        pending.removeAll()
        seriesIDsInvalidated()
        return result
    }

    /// Whether the connection checks foreign keys (tests: `forget` turns the check off only for its
    /// own transaction).
    func foreignKeysEnabled() throws -> Bool {
        try db.scalarInt("PRAGMA foreign_keys") == 1
    }

    public func reprice(matching filter: UsageFilter, using price: @Sendable (UsageEvent) throws -> EventCost?)
        async throws -> RepriceResult
    {
        let db = self.db
        let zone = configuration.rollupTimeZone
        var result = RepriceResult()
        try db.writeTransaction {
            try foldPendingRollupsInTransaction()
            var buckets = RollupBuckets(zone: zone)
            var time = SQLiteUsageLedger.rawTimeClause(filter)
            let dims = SQLiteUsageLedger.dimensionClause(filter)
            time.sql.append("e.pos > ?")
            let conditions = (time.sql + dims.sql).joined(separator: " AND ")
            let select = try db.cached(
                "SELECT \(SQLiteUsageLedger.eventColumns), e.series FROM events e JOIN series s ON s.id = e.series WHERE \(conditions) ORDER BY e.pos LIMIT 2000")
            let update = try db.cached(
                "UPDATE events SET cost_hi = ?, cost_lo = ?, in_cost_hi = ?, in_cost_lo = ?, out_cost_hi = ?, out_cost_lo = ?, priced = ?, cost_detail = ? WHERE pos = ?")
            var after: Int64 = .min
            while true {
                select.reset()
                SQLiteUsageLedger.bind(time.bindings + [.int(after)] + dims.bindings, to: select)
                var page: [(Int64, Int64, UsageEvent)] = []
                while try select.step() {
                    page.append((select.int64(0), select.int64(34), SQLiteUsageLedger.decodeEvent(select)))
                }
                if page.isEmpty { break }
                after = page[page.count - 1].0
                var deltas: [SlotDelta: UsageTotals] = [:]
                var seriesKeys: [Int64: SeriesKey] = [:]
                for (position, series, event) in page {
                    if seriesKeys[series] == nil { seriesKeys[series] = SeriesKey(event) }
                    result.examined += 1
                    let old = event.cost ?? .unpriced(reason: "unknown")
                    result.costBefore += old.isPriced ? old.total : .zero
                    guard let new = try price(event), new != old else {
                        result.costAfter += old.isPriced ? old.total : .zero
                        continue
                    }
                    result.costAfter += new.isPriced ? new.total : .zero
                    result.changed += 1
                    let (t1, t2) = SQLiteUsageLedger.split(new.isPriced ? new.total : .zero)
                    let (i1, i2) = SQLiteUsageLedger.split(new.isPriced ? new.inputTotal : .zero)
                    let (o1, o2) = SQLiteUsageLedger.split(new.isPriced ? new.outputTotal : .zero)
                    update.reset()
                    for (i, v) in [t1, t2, i1, i2, o1, o2, new.isPriced ? 1 : 0].enumerated() { update.bind(v, at: Int32(i + 1)) }
                    update.bind(StoredJSON.costDetail(new), at: 8)
                    update.bind(position, at: 9)
                    try update.step()
                    var changed = event
                    changed.cost = new
                    var delta = UsageTotals(changed)
                    delta.subtract(UsageTotals(event))
                    let (hour, day, month) = buckets.buckets(milliseconds: position >> 20)
                    try SQLiteUsageLedger.add(delta, to: &deltas, hour: hour, day: day, month: month, series: series)
                }
                try SQLiteUsageLedger.write(deltas, series: seriesKeys, db)
            }
            if let horizon = try horizons().raw, filter.since.map({ $0 < horizon }) ?? true {
                result.notes.append("events before \(Timestamp.format(horizon)) were compacted and were not repriced")
            }
        }
        pending.removeAll()
        return result
    }
}
