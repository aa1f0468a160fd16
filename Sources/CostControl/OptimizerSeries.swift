public import CostOptimizer
public import CostPricing
public import Foundation

extension UsageLedger {
    /// The cost series of every scope: one ``CostSeries`` per value of `dimension` (one for all
    /// usage when `nil`), per local day or hour of `timeZone` in `[since, until)`, every bucket
    /// present (zeros where nothing was recorded).
    ///
    /// One grouped query; a day-aligned range is read from the daily aggregates, an hour-aligned one
    /// from the hourly aggregates (see Ledger.md, "Where a report is read from").
    ///
    /// For example:
    /// ```swift
    /// let series = try await ledger.costSeries(by: .team, granularity: .day, since: start, until: end, timeZone: utc)
    /// ```
    /// - throws: ``ControlError`` `.invalidInput` for a dimension the aggregates do not keep (session,
    ///   tags) or `status`; ``PricingError`` or the ledger's own error.
    public func costSeries(
        by dimension: UsageDimension?, granularity: CostSeries.Granularity, since: Date, until: Date, timeZone: TimeZone
    ) async throws -> [CostSeries] {
        if let dimension, !dimension.isRolledUp || dimension == .status {
            throw ControlError(
                code: .invalidInput,
                message: "cannot group cost series by '\(dimension.name)'; use provider, model, org, team, user, project, key_id or operation")
        }
        let bucket: TimeBucket = granularity == .day ? .day : .hour
        let query = UsageQuery(
            filter: UsageFilter(since: since, until: until), groupBy: dimension.map { [$0] } ?? [], bucket: bucket,
            timeZone: timeZone, order: .time)
        let report = try await self.query(query)
        var byScope: [String: [Date: CostSeries.Point]] = [:]
        for row in report.rows {
            guard let start = row.bucketStart else { continue }
            let t = row.totals
            byScope[row.values.first ?? "", default: [:]][start] = CostSeries.Point(
                start: start, cost: t.cost, events: t.events, requests: t.usage.requests, tokens: t.tokens,
                failures: t.errors + t.rateLimited)
        }
        if dimension == nil, byScope.isEmpty { byScope[""] = [:] }
        let local = LocalTime(timeZone)
        var starts: [Date] = []
        var cursor = local.bucketStart(bucket, containing: since)
        while cursor < until {
            starts.append(cursor)
            let next = local.nextBucketStart(bucket, after: cursor)
            guard next > cursor else { break }
            cursor = next
        }
        return byScope.keys.sorted().map { value in
            let points = byScope[value] ?? [:]
            return CostSeries(
                scope: dimension.map { CostScope(dimension: $0, value: value) } ?? .all, granularity: granularity,
                timeZone: timeZone, points: starts.map { points[$0] ?? CostSeries.Point(start: $0) })
        }
    }
}
