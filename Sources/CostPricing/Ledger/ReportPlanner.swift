package import Foundation

/// Data older than a horizon was removed from that level by compaction (`nil`: nothing was).
package struct LedgerHorizons: Sendable, Hashable {
    package var raw: Date?
    package var hourly: Date?
    package var daily: Date?
    package var monthly: Date?

    package init(raw: Date? = nil, hourly: Date? = nil, daily: Date? = nil, monthly: Date? = nil) {
        self.raw = raw
        self.hourly = hourly
        self.daily = daily
        self.monthly = monthly
    }
}

/// Picks where a report is read from: the coarsest level that answers the query exactly.
///
/// A level answers exactly when (1) the query needs no dimension it drops (sessions, tags), (2) the
/// range starts and ends on its bucket boundaries, (3) each of its buckets falls inside one bucket of
/// the report (daily and monthly aggregates are cut in the ledger's rollup zone; hourly ones in UTC
/// hours, which fit any zone whose offsets are whole hours), and (4) compaction has not removed the
/// start of the range from it.
package enum ReportPlanner {
    package static func plan(
        _ query: UsageQuery, rollupZone: TimeZone, horizons: LedgerHorizons, now: Date = Date()
    ) -> (ReportSource, [String]) {
        let filter = query.filter
        if query.needsRawEvents {
            return (.raw, rawNotes(filter, horizons))
        }
        let rollupTime = LocalTime(rollupZone)
        let queryTime = LocalTime(query.timeZone)
        let sameZone = LocalTime.sameRules(rollupZone, query.timeZone)
        func aligned(_ check: (Date) -> Bool) -> Bool {
            (filter.since.map(check) ?? true) && (filter.until.map(check) ?? true)
        }
        func covered(_ horizon: Date?) -> Bool {
            guard let horizon else { return true }
            guard let since = filter.since else { return false }
            return since >= horizon
        }
        // Daily totals per value of one dimension: a report that groups and filters by at most one
        // rolled-up dimension reads cardinality × days rows, whatever the number of series.
        if singleDimension(query) != nil, query.bucket != .hour, sameZone || query.bucket == nil,
            aligned({ rollupTime.isBucketStart(.day, $0) }), covered(horizons.daily)
        {
            return (.dailyByDimension, [])
        }
        // Monthly.
        if sameZone || query.bucket == nil,
            query.bucket == nil || query.bucket == .month,
            aligned({ rollupTime.isBucketStart(.month, $0) }), covered(horizons.monthly)
        {
            return (.monthly, [])
        }
        // Daily.
        if query.bucket != .hour, sameZone || query.bucket == nil,
            aligned({ rollupTime.isBucketStart(.day, $0) }), covered(horizons.daily)
        {
            return (.daily, [])
        }
        // Hourly.
        let hourAligned = aligned { Int64($0.timeIntervalSince1970 * 1000) % 3_600_000 == 0 }
        if hourAligned, covered(horizons.hourly) {
            if query.bucket == nil {
                return (.hourly, [])
            }
            let start = filter.since ?? (horizons.raw ?? Date(timeIntervalSince1970: 946_684_800))
            let end = filter.until ?? now.addingTimeInterval(86_400 * 366)
            if queryTime.hasWholeHourOffsets(from: start, to: end) {
                return (.hourly, [])
            }
        }
        return (.raw, rawNotes(filter, horizons))
    }

    /// The one dimension a query groups and filters by, if there is at most one (`.provider` when
    /// there is none: every event has exactly one provider, so its rows sum to the totals).
    package static func singleDimension(_ query: UsageQuery) -> UsageDimension? {
        let dimensions = Set(query.groupBy).union(query.filter.equals.keys)
        guard dimensions.count <= 1, query.groupBy.count <= 1 else { return nil }
        let dimension = dimensions.first ?? .provider
        return UsageDimension.rolledUp.contains(dimension) ? dimension : nil
    }

    static func rawNotes(_ filter: UsageFilter, _ horizons: LedgerHorizons) -> [String] {
        guard let horizon = horizons.raw else { return [] }
        if let since = filter.since, since >= horizon { return [] }
        if let until = filter.until, until <= horizon {
            return ["raw events before \(Timestamp.format(horizon)) were compacted: this range has no raw events; align the range to days or months (in the rollup time zone) to read the aggregates"]
        }
        return ["raw events before \(Timestamp.format(horizon)) were compacted: rows before then are missing; align the range to days or months (in the rollup time zone) to read the aggregates"]
    }
}

/// Bucket starts for the aggregates of an event time, with a cache (a batch spans few buckets).
package struct RollupBuckets {
    let zone: LocalTime
    private var cache: [Int64: (day: Int64, month: Int64)] = [:]

    package init(zone: TimeZone) {
        self.zone = LocalTime(zone)
    }

    /// Unix seconds of the UTC hour, the local day and the local month containing `milliseconds`.
    package mutating func buckets(milliseconds: Int64) -> (hour: Int64, day: Int64, month: Int64) {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let hour = seconds - ((seconds % 3600) + 3600) % 3600
        // Zone offsets change only on quarter hours, so a quarter-hour slot has one local day.
        let slot = seconds - ((seconds % 900) + 900) % 900
        if let cached = cache[slot] { return (hour, cached.day, cached.month) }
        let date = Date(timeIntervalSince1970: TimeInterval(slot))
        let day = Int64(zone.bucketStart(.day, containing: date).timeIntervalSince1970)
        let month = Int64(zone.bucketStart(.month, containing: date).timeIntervalSince1970)
        if cache.count > 100_000 { cache.removeAll(keepingCapacity: true) }
        cache[slot] = (day, month)
        return (hour, day, month)
    }
}

/// Folds partial rows (a source bucket, dimension values, totals) into a finished report: time
/// buckets in the query's zone, order, top N with an "others" row, pagination, shares, totals.
package struct ReportBuilder {
    package let query: UsageQuery
    let time: LocalTime
    struct Key: Hashable {
        var bucket: Int64
        var values: [String]
    }
    private var groups: [Key: UsageTotals] = [:]
    private var bucketCache: [Int64: Int64] = [:]
    private var totals = UsageTotals()

    package init(query: UsageQuery) {
        self.query = query
        self.time = LocalTime(query.timeZone)
    }

    /// Adds a partial row. `sourceSeconds` is the start of the source bucket (or an event time) in
    /// Unix seconds; it is ignored when the query has no time bucket.
    package mutating func add(sourceSeconds: Int64, values: [String], totals partial: UsageTotals) {
        var bucket: Int64 = 0
        if let requested = query.bucket {
            if let cached = bucketCache[sourceSeconds] {
                bucket = cached
            } else {
                let start = time.bucketStart(requested, containing: Date(timeIntervalSince1970: TimeInterval(sourceSeconds)))
                bucket = Int64(start.timeIntervalSince1970)
                if bucketCache.count > 200_000 { bucketCache.removeAll(keepingCapacity: true) }
                bucketCache[sourceSeconds] = bucket
            }
        }
        groups[Key(bucket: bucket, values: values), default: UsageTotals()].add(partial)
        totals.add(partial)
    }

    package func finish(source: ReportSource, notes: [String]) -> UsageReport {
        let hasBucket = query.bucket != nil
        var rows = groups.map { key, value in
            UsageRow(
                values: key.values,
                bucketStart: hasBucket ? Date(timeIntervalSince1970: TimeInterval(key.bucket)) : nil,
                totals: value)
        }
        func keyOrder(_ a: UsageRow, _ b: UsageRow) -> Bool {
            if a.values != b.values { return a.values.lexicographicallyPrecedes(b.values) }
            return (a.bucketStart ?? .distantPast) < (b.bucketStart ?? .distantPast)
        }
        func metric(_ row: UsageRow) -> Int128 {
            switch query.order {
            case .cost, .key, .time: row.totals.cost.units
            case .requests: Int128(row.totals.usage.requests)
            case .tokens: Int128(row.totals.tokens)
            case .events: Int128(row.totals.events)
            }
        }
        rows.sort { a, b in
            switch query.order {
            case .key:
                return keyOrder(a, b)
            case .time:
                let at = a.bucketStart ?? .distantPast
                let bt = b.bucketStart ?? .distantPast
                if at != bt { return at < bt }
                if a.totals.cost != b.totals.cost { return a.totals.cost > b.totals.cost }
                return keyOrder(a, b)
            default:
                let (ma, mb) = (metric(a), metric(b))
                if ma != mb { return ma > mb }
                if a.totals.cost != b.totals.cost { return a.totals.cost > b.totals.cost }
                return keyOrder(a, b)
            }
        }
        let groupCount = rows.count
        var others: UsageRow?
        if let top = query.top, top >= 0, rows.count > top {
            var rest = UsageTotals()
            for row in rows[top...] { rest.add(row.totals) }
            others = UsageRow(values: query.groupBy.map { _ in "" }, bucketStart: nil, totals: rest)
            rows.removeSubrange(top...)
        }
        if query.offset > 0 { rows = Array(rows.dropFirst(query.offset)) }
        if let limit = query.limit, limit >= 0, rows.count > limit { rows = Array(rows.prefix(limit)) }
        let whole = totals.cost
        func share(_ money: Money) -> Double {
            guard !whole.isZero else { return 0 }
            return Double(money.units) / Double(whole.units)
        }
        for index in rows.indices { rows[index].costShare = share(rows[index].totals.cost) }
        if var rest = others {
            rest.costShare = share(rest.totals.cost)
            others = rest
        }
        return UsageReport(
            query: query, rows: rows, others: others, totals: totals, groupCount: groupCount, source: source, notes: notes)
    }
}
