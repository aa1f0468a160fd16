public import Foundation

/// A ``UsageLedger`` in memory: for tests and ephemeral use. It keeps the same aggregates and
/// applies the same retention as the SQLite ledger, and passes the same contract tests.
///
/// For example:
/// ```swift
/// let ledger = MemoryUsageLedger(configuration: LedgerConfiguration(engine: CostEngine(catalog: try .bundled())))
/// try await ledger.record(UsageEvent(model: "gpt-4o", usage: Usage(inputTokens: 1_000, outputTokens: 50)))
/// ```
public actor MemoryUsageLedger: UsageLedger {
    public nonisolated let configuration: LedgerConfiguration
    private var rows: [Int64: UsageEvent] = [:]
    private var positions: [String: Int64] = [:]
    private var rollups: [RollupLevel: [Bucketed: UsageTotals]] = [.hourly: [:], .daily: [:], .monthly: [:]]
    private var dimensionDaily: [DimensionBucket: UsageTotals] = [:]
    private var horizons = LedgerHorizons()
    private var buckets: RollupBuckets

    struct DimensionBucket: Hashable {
        var bucket: Int64
        var dimension: Int
        var value: String
    }

    struct Bucketed: Hashable {
        var bucket: Int64
        var series: SeriesKey
    }

    public init(configuration: LedgerConfiguration = LedgerConfiguration()) {
        self.configuration = configuration
        self.buckets = RollupBuckets(zone: configuration.rollupTimeZone)
    }

    // MARK: - Writing

    public func record(contentsOf events: [UsageEvent], policy: BatchPolicy) async throws -> RecordResult {
        var prepared = try LedgerIngest.prepare(events, configuration: configuration, policy: policy)
        for (index, event) in prepared.events {
            if positions[event.id] != nil {
                prepared.result.statuses[index] = .duplicate
                prepared.result.duplicates += 1
                continue
            }
            var position = event.unixMilliseconds << 20
            while rows[position] != nil { position += 1 }
            rows[position] = event
            positions[event.id] = position
            addToRollups(event, sign: 1)
            prepared.result.added += 1
        }
        return prepared.result
    }

    private func addToRollups(_ event: UsageEvent, sign: Int) {
        let (hour, day, month) = buckets.buckets(milliseconds: event.unixMilliseconds)
        let series = SeriesKey(event)
        let totals = UsageTotals(event)
        for (level, bucket) in [(RollupLevel.hourly, hour), (.daily, day), (.monthly, month)] {
            let key = Bucketed(bucket: bucket, series: series)
            var current = rollups[level]?[key] ?? UsageTotals()
            if sign > 0 { current.add(totals) } else { current.subtract(totals) }
            rollups[level]?[key] = current.events == 0 ? nil : current
        }
        for (index, dimension) in UsageDimension.rolledUp.enumerated() {
            let key = DimensionBucket(bucket: day, dimension: index, value: series[dimension] ?? "")
            var current = dimensionDaily[key] ?? UsageTotals()
            if sign > 0 { current.add(totals) } else { current.subtract(totals) }
            dimensionDaily[key] = current.events == 0 ? nil : current
        }
    }

    // MARK: - Reading

    public func query(_ query: UsageQuery) async throws -> UsageReport {
        let (source, notes) = ReportPlanner.plan(
            query, rollupZone: configuration.rollupTimeZone, horizons: horizons, now: configuration.now())
        var builder = ReportBuilder(query: query)
        let filter = query.filter
        switch source {
        case .raw:
            for event in rows.values where filter.matches(event) {
                builder.add(
                    sourceSeconds: event.unixMilliseconds / 1000,
                    values: query.groupBy.map { event.value(of: $0) ?? "" },
                    totals: UsageTotals(event))
            }
        case .dailyByDimension:
            let dimension = ReportPlanner.singleDimension(query) ?? .provider
            let index = UsageDimension.rolledUp.firstIndex(of: dimension) ?? 0
            let since = filter.since.map { Int64($0.timeIntervalSince1970.rounded(.up)) } ?? .min
            let until = filter.until.map { Int64($0.timeIntervalSince1970.rounded(.up)) } ?? .max
            let allowed = filter.equals[dimension]
            for (key, totals) in dimensionDaily
            where key.dimension == index && key.bucket >= since && key.bucket < until
                && (allowed?.contains(key.value) ?? true)
            {
                builder.add(sourceSeconds: key.bucket, values: query.groupBy.map { _ in key.value }, totals: totals)
            }
        case .hourly, .daily, .monthly:
            let level: RollupLevel = source == .hourly ? .hourly : source == .daily ? .daily : .monthly
            let since = filter.since.map { Int64($0.timeIntervalSince1970.rounded(.up)) } ?? .min
            let until = filter.until.map { Int64($0.timeIntervalSince1970.rounded(.up)) } ?? .max
            for (key, totals) in rollups[level] ?? [:] where key.bucket >= since && key.bucket < until {
                guard key.series.matches(filter) else { continue }
                builder.add(
                    sourceSeconds: key.bucket, values: query.groupBy.map { key.series[$0] ?? "" }, totals: totals)
            }
        }
        return builder.finish(source: source, notes: notes)
    }

    public func events(matching filter: UsageFilter, after cursor: EventCursor?, limit: Int) async throws -> EventPage {
        let start = cursor?.position ?? .min
        let keys = rows.keys.filter { $0 > start }.sorted()
        var page: [UsageEvent] = []
        var last: Int64?
        for key in keys {
            guard let event = rows[key] else { continue }
            last = key
            if filter.matches(event) { page.append(event) }
            if page.count >= limit { break }
        }
        let next = page.count >= limit ? last.map { EventCursor(position: $0) } : nil
        return EventPage(events: page, next: next)
    }

    public func rollups(_ level: RollupLevel, matching filter: UsageFilter, after cursor: RollupCursor?, limit: Int)
        async throws -> RollupPage
    {
        let since = filter.since.map { Int64($0.timeIntervalSince1970.rounded(.up)) } ?? .min
        let until = filter.until.map { Int64($0.timeIntervalSince1970.rounded(.up)) } ?? .max
        // The memory ledger has no series ids: order by bucket, then by the series' values.
        let sorted = (rollups[level] ?? [:])
            .filter { $0.key.bucket >= since && $0.key.bucket < until && $0.key.series.matches(filter) }
            .sorted { a, b in
                if a.key.bucket != b.key.bucket { return a.key.bucket < b.key.bucket }
                return a.key.series.sortKey.lexicographicallyPrecedes(b.key.series.sortKey)
            }
        let skip = Int(cursor?.series ?? 0)
        let slice = sorted.dropFirst(skip).prefix(limit)
        let records = slice.map {
            RollupRecord(
                level: level, bucketStart: Date(timeIntervalSince1970: TimeInterval($0.key.bucket)), series: $0.key.series,
                totals: $0.value)
        }
        let next = skip + records.count < sorted.count ? RollupCursor(bucket: 0, series: Int64(skip + records.count)) : nil
        return RollupPage(records: records, next: next)
    }

    public func event(id: String) async throws -> UsageEvent? {
        positions[id].flatMap { rows[$0] }
    }

    // MARK: - Maintenance

    public func compact(now: Date) async throws -> CompactionResult {
        var result = CompactionResult()
        let retention = configuration.retention
        let zone = LocalTime(configuration.rollupTimeZone)
        if let days = retention.rawDays {
            let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
            let cutoffPosition = Int64((cutoff.timeIntervalSince1970 * 1000).rounded(.down)) << 20
            for (position, event) in rows where position < cutoffPosition {
                rows[position] = nil
                positions[event.id] = nil
                result.rawEventsDeleted += 1
            }
            horizons.raw = max(horizons.raw ?? cutoff, cutoff)
        }
        func prune(_ level: RollupLevel, days: Int?, align: (Date) -> Date) -> (Int, Date?) {
            guard let days else { return (0, nil) }
            let cutoff = align(now.addingTimeInterval(-Double(days) * 86_400))
            let limit = Int64(cutoff.timeIntervalSince1970)
            let before = rollups[level]?.count ?? 0
            rollups[level] = rollups[level]?.filter { $0.key.bucket >= limit }
            return (before - (rollups[level]?.count ?? 0), cutoff)
        }
        var cutoff: Date?
        (result.hourlyRowsDeleted, cutoff) = prune(.hourly, days: retention.hourlyDays) {
            Date(timeIntervalSince1970: ($0.timeIntervalSince1970 / 3600).rounded(.down) * 3600)
        }
        if let cutoff { horizons.hourly = max(horizons.hourly ?? cutoff, cutoff) }
        (result.dailyRowsDeleted, cutoff) = prune(.daily, days: retention.dailyDays) { zone.bucketStart(.day, containing: $0) }
        if let cutoff {
            horizons.daily = max(horizons.daily ?? cutoff, cutoff)
            let limit = Int64(cutoff.timeIntervalSince1970)
            dimensionDaily = dimensionDaily.filter { $0.key.bucket >= limit }
        }
        (result.monthlyRowsDeleted, cutoff) = prune(.monthly, days: retention.monthlyDays) {
            zone.bucketStart(.month, containing: $0)
        }
        if let cutoff { horizons.monthly = max(horizons.monthly ?? cutoff, cutoff) }
        result.rawHorizon = horizons.raw
        result.hourlyHorizon = horizons.hourly
        return result
    }

    public func forget(_ dimension: UsageDimension, value: String) async throws -> ForgetResult {
        guard [.org, .team, .user, .project].contains(dimension) else {
            throw PricingError(code: .invalidQuery, message: "forget works on org, team, user or project, not '\(dimension)'")
        }
        let values: Set<String> = [value, LedgerIngest.storedValue(of: dimension, value, configuration: configuration)]
        var result = ForgetResult()
        for (position, event) in rows where values.contains(event.value(of: dimension) ?? "") {
            rows[position] = nil
            positions[event.id] = nil
            result.eventsDeleted += 1
        }
        // Take the forgotten series out of the per-dimension totals, then drop their aggregate rows.
        for (key, totals) in rollups[.daily] ?? [:] where values.contains(key.series[dimension] ?? "") {
            for (index, d) in UsageDimension.rolledUp.enumerated() {
                let dimensionKey = DimensionBucket(bucket: key.bucket, dimension: index, value: key.series[d] ?? "")
                var current = dimensionDaily[dimensionKey] ?? UsageTotals()
                current.subtract(totals)
                dimensionDaily[dimensionKey] = current.events == 0 ? nil : current
            }
        }
        for level in RollupLevel.allCases {
            let before = rollups[level]?.count ?? 0
            rollups[level] = rollups[level]?.filter { !values.contains($0.key.series[dimension] ?? "") }
            result.aggregateRowsDeleted += before - (rollups[level]?.count ?? 0)
        }
        return result
    }

    public func reprice(matching filter: UsageFilter, using price: @Sendable (UsageEvent) throws -> EventCost?)
        async throws -> RepriceResult
    {
        var result = RepriceResult()
        var updates: [(Int64, UsageEvent)] = []
        for (position, event) in rows where filter.matches(event) {
            result.examined += 1
            let before = event.cost?.isPriced == true ? event.cost?.total ?? .zero : .zero
            result.costBefore += before
            guard let cost = try price(event), cost != event.cost else {
                result.costAfter += before
                continue
            }
            var changed = event
            changed.cost = cost
            result.costAfter += cost.isPriced ? cost.total : .zero
            result.changed += 1
            updates.append((position, changed))
        }
        for (position, changed) in updates {
            if let old = rows[position] { addToRollups(old, sign: -1) }
            rows[position] = changed
            addToRollups(changed, sign: 1)
        }
        if let horizon = horizons.raw, filter.since.map({ $0 < horizon }) ?? true {
            result.notes.append("events before \(Timestamp.format(horizon)) were compacted and were not repriced")
        }
        return result
    }

    public func info() async throws -> LedgerInfo {
        var info = LedgerInfo()
        info.events = rows.count
        if let first = rows.keys.min() { info.earliest = rows[first]?.timestamp }
        if let last = rows.keys.max() { info.latest = rows[last]?.timestamp }
        info.rawHorizon = horizons.raw
        info.hourlyHorizon = horizons.hourly
        info.rollupTimeZone = configuration.rollupTimeZone.identifier
        info.hashesUserIDs = configuration.userHasher != nil
        return info
    }
}

extension SeriesKey {
    var sortKey: [String] { [provider, model, org, team, user, project, keyID, operation, status] }
}
