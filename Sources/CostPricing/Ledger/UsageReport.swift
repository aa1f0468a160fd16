public import Foundation

/// Sums over a set of events: counts, tokens by kind, and exact cost.
public struct UsageTotals: Sendable, Hashable {
    /// Events (rows) counted.
    public var events: Int = 0
    /// Token and unit counts; ``Usage/requests`` is the number of API requests (an event from a
    /// provider's usage export may stand for many).
    public var usage = Usage(requests: 0)
    /// Events whose status was `error`.
    public var errors: Int = 0
    /// Events whose status was `rate_limited`.
    public var rateLimited: Int = 0
    /// Events without a price (their cost is not in ``cost``).
    public var unpriced: Int = 0
    public var cost: Money = .zero
    public var inputCost: Money = .zero
    public var outputCost: Money = .zero

    public init() {}

    /// The totals of one event.
    public init(_ event: UsageEvent) {
        events = 1
        usage = event.usage
        switch event.status {
        case .ok: break
        case .error: errors = 1
        case .rateLimited: rateLimited = 1
        }
        if let cost = event.cost {
            if cost.isPriced {
                self.cost = cost.total
                inputCost = cost.inputTotal
                outputCost = cost.outputTotal
            } else {
                unpriced = 1
            }
        } else {
            unpriced = 1
        }
    }

    /// Adds other totals.
    public mutating func add(_ other: UsageTotals) {
        events += other.events
        usage = usage + other.usage
        errors += other.errors
        rateLimited += other.rateLimited
        unpriced += other.unpriced
        cost += other.cost
        inputCost += other.inputCost
        outputCost += other.outputCost
    }

    /// Subtracts other totals (used when a repricing or a forget takes events out of an aggregate).
    public mutating func subtract(_ other: UsageTotals) {
        events -= other.events
        var negated = other.usage
        negated.inputTokens.negate()
        negated.outputTokens.negate()
        negated.cacheReadTokens.negate()
        negated.cacheWriteTokens.negate()
        negated.cacheWrite5mTokens.negate()
        negated.cacheWrite1hTokens.negate()
        negated.reasoningTokens.negate()
        negated.inputAudioTokens.negate()
        negated.outputAudioTokens.negate()
        negated.requests.negate()
        negated.other = negated.other.mapValues { -$0 }
        usage = usage + negated
        usage.other = usage.other.filter { $0.value != 0 }
        errors -= other.errors
        rateLimited -= other.rateLimited
        unpriced -= other.unpriced
        cost -= other.cost
        inputCost -= other.inputCost
        outputCost -= other.outputCost
    }

    /// All tokens (input plus output).
    public var tokens: Int { usage.inputTokens + usage.outputTokens }

    /// The token kinds every report lists, in order (zeros included, for stable JSON).
    public static let reportedKinds: [UsageKind] = [
        .inputTokens, .outputTokens, .cacheReadTokens, .cacheWriteTokens, .cacheWrite5mTokens, .cacheWrite1hTokens,
        .reasoningTokens, .inputAudioTokens, .outputAudioTokens,
    ]
}

extension UsageTotals: Codable {
    /// Encodes flat: `events`, `requests`, each token kind, `errors`, `rate_limited`, `unpriced`,
    /// `cost_usd`, `input_cost_usd`, `output_cost_usd` (amounts as decimal strings).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(events, forKey: AnyKey("events"))
        try c.encode(usage.requests, forKey: AnyKey("requests"))
        for kind in UsageTotals.reportedKinds { try c.encode(usage[kind], forKey: AnyKey(kind.rawValue)) }
        for (kind, count) in usage.other.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try c.encode(count, forKey: AnyKey(kind.rawValue))
        }
        try c.encode(errors, forKey: AnyKey("errors"))
        try c.encode(rateLimited, forKey: AnyKey("rate_limited"))
        try c.encode(unpriced, forKey: AnyKey("unpriced"))
        try c.encode(cost, forKey: AnyKey("cost_usd"))
        try c.encode(inputCost, forKey: AnyKey("input_cost_usd"))
        try c.encode(outputCost, forKey: AnyKey("output_cost_usd"))
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        self.init()
        for key in c.allKeys {
            switch key.stringValue {
            case "events": events = try c.decode(Int.self, forKey: key)
            case "errors": errors = try c.decode(Int.self, forKey: key)
            case "rate_limited": rateLimited = try c.decode(Int.self, forKey: key)
            case "unpriced": unpriced = try c.decode(Int.self, forKey: key)
            case "cost_usd": cost = try c.decode(Money.self, forKey: key)
            case "input_cost_usd": inputCost = try c.decode(Money.self, forKey: key)
            case "output_cost_usd": outputCost = try c.decode(Money.self, forKey: key)
            case "share": break
            default:
                if let count = try? c.decode(Int.self, forKey: key) {
                    usage[UsageKind(rawValue: key.stringValue)] = count
                }
            }
        }
    }
}

/// One row of a report: a group's dimension values, its time bucket, and its totals.
public struct UsageRow: Sendable, Hashable {
    /// The group's values, in the order of ``UsageQuery/groupBy`` (empty string: absent).
    public var values: [String]
    /// The start of the row's time bucket, when the query asked for one.
    public var bucketStart: Date?
    public var totals: UsageTotals
    /// This row's share of the report's total cost (0…1).
    public var costShare: Double

    public init(values: [String], bucketStart: Date? = nil, totals: UsageTotals, costShare: Double = 0) {
        self.values = values
        self.bucketStart = bucketStart
        self.totals = totals
        self.costShare = costShare
    }
}

/// Where a report's numbers were read from.
public enum ReportSource: String, Sendable, Hashable, Codable, CaseIterable {
    case raw, hourly, daily, monthly
    /// Daily totals per value of one dimension (per model, per user, …): the fastest source for a
    /// report grouped or filtered by at most one dimension.
    case dailyByDimension = "daily_by_dimension"
}

/// The answer to a ``UsageQuery``.
public struct UsageReport: Sendable, Hashable {
    public var query: UsageQuery
    /// The rows of this page.
    public var rows: [UsageRow]
    /// Everything after the top N rows, folded into one row (`nil` without `top`, or when nothing was left).
    public var others: UsageRow?
    /// The totals of every matching event (all rows, all pages).
    public var totals: UsageTotals
    /// How many groups matched (before top-N and pagination).
    public var groupCount: Int
    public var source: ReportSource
    /// Caveats a reader must see (compacted ranges, …).
    public var notes: [String]

    public init(
        query: UsageQuery, rows: [UsageRow], others: UsageRow?, totals: UsageTotals, groupCount: Int,
        source: ReportSource, notes: [String]
    ) {
        self.query = query
        self.rows = rows
        self.others = others
        self.totals = totals
        self.groupCount = groupCount
        self.source = source
        self.notes = notes
    }
}

extension UsageReport: Encodable {
    /// `{"group_by": [...], "bucket": "day", "time_zone": "UTC", "rows": [{...}], "others": {...},
    /// "totals": {...}, "group_count": N, "source": "daily", "notes": []}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(query.groupBy.map(\.name), forKey: AnyKey("group_by"))
        try c.encodeIfPresent(query.bucket, forKey: AnyKey("bucket"))
        try c.encode(query.timeZone.identifier, forKey: AnyKey("time_zone"))
        try c.encodeIfPresent(query.filter.since.map(Timestamp.formatMilliseconds), forKey: AnyKey("since"))
        try c.encodeIfPresent(query.filter.until.map(Timestamp.formatMilliseconds), forKey: AnyKey("until"))
        try c.encode(rows.map { RowJSON(row: $0, query: query) }, forKey: AnyKey("rows"))
        try c.encodeIfPresent(others.map { RowJSON(row: $0, query: query, isOthers: true) }, forKey: AnyKey("others"))
        try c.encode(totals, forKey: AnyKey("totals"))
        try c.encode(groupCount, forKey: AnyKey("group_count"))
        try c.encode(source, forKey: AnyKey("source"))
        try c.encode(notes, forKey: AnyKey("notes"))
    }

    struct RowJSON: Encodable {
        var row: UsageRow
        var query: UsageQuery
        var isOthers = false

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: AnyKey.self)
            if let start = row.bucketStart {
                try c.encode(LocalTime.iso8601(start, in: query.timeZone), forKey: AnyKey("bucket_start"))
            }
            for (dimension, value) in zip(query.groupBy, row.values) {
                try c.encode(isOthers ? "(others)" : value, forKey: AnyKey(dimension.name))
            }
            try row.totals.encode(to: encoder)
            try c.encode(row.costShare, forKey: AnyKey("share"))
        }
    }
}
