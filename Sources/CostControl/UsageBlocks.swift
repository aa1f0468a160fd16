public import Foundation

/// A token limit for 5-hour blocks: a number, or the largest completed block so far (`max`).
public enum TokenLimit: Sendable, Hashable {
    case tokens(Int)
    /// The most tokens any finished (not active, not gap) block used.
    case max

    /// Parses `500000` or `max`.
    ///
    /// - throws: ``ControlError`` `.invalidInput`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "max" {
            self = .max
        } else if let n = Int(trimmed.replacingOccurrences(of: "_", with: "")), n > 0 {
            self = .tokens(n)
        } else {
            throw ControlError(code: .invalidInput, message: "token limit '\(text)' is not a positive number of tokens or 'max' (examples: 500000, max)")
        }
    }
}

/// How fast the active block uses tokens and money (from its first to its last event).
public struct BurnRate: Sendable, Hashable {
    public var tokensPerMinute: Double
    /// Input and output only, without cache traffic (ccusage's indicator).
    public var tokensPerMinuteForIndicator: Double
    /// Dollars per hour (a rate, so a `Double`; the block's cost itself is exact).
    public var costPerHour: Double
}

/// Where the active block ends up if the burn rate holds until its end.
public struct BlockProjection: Sendable, Hashable {
    public var totalTokens: Int
    /// Dollars, rounded to cents (an estimate).
    public var totalCost: Double
    public var remainingMinutes: Int
}

/// The active block's projection against a token limit.
public struct TokenLimitStatus: Sendable, Hashable {
    public enum Level: String, Sendable, Hashable {
        /// At most 80% of the limit.
        case ok
        /// Above 80%.
        case warning
        /// Above the limit.
        case exceeds
    }

    public var limit: Int
    public var projectedUsage: Int
    public var percentUsed: Double
    public var status: Level
}

/// A 5-hour billing window (or the gap between two).
public struct UsageBlock: Sendable, Hashable {
    /// The start as `2026-11-20T10:00:00.000Z` (`gap-…` for gaps).
    public var id: String
    /// The first event's time floored to the UTC hour (for a gap: the last event before it plus the
    /// block length).
    public var start: Date
    /// ``start`` plus the block length (for a gap: the next event).
    public var end: Date
    /// The first and last events' times (`nil` for gaps).
    public var firstEvent: Date?
    public var lastEvent: Date?
    /// Whether the block is still running: its last event is less than a block length ago and its
    /// end is in the future.
    public var isActive: Bool
    public var isGap: Bool
    public var amounts: ReportAmounts
    /// Models in order of first use.
    public var models: [String]
    /// Active blocks only.
    public var burnRate: BurnRate?
    public var projection: BlockProjection?
    public var tokenLimitStatus: TokenLimitStatus?
}

/// Usage in 5-hour billing windows: what `costctl blocks` prints.
public struct BlocksReport: Sendable, Hashable {
    public var blocks: [UsageBlock]
    /// The limit blocks are measured against (resolved from `max`), if any.
    public var tokenLimit: Int?
    /// The most tokens a finished block used.
    public var largestBlockTokens: Int
    public var blockLength: TimeInterval
    public var now: Date
    public var coverage: PricingCoverage
    public var timeZone: TimeZone

    /// The running block, if any.
    public var active: UsageBlock? { blocks.first { $0.isActive } }
}

/// Cuts time-ordered events into blocks the way ccusage does: a block starts at its first event
/// floored to the hour and lasts ``length``; an event more than ``length`` after the block's start,
/// or more than ``length`` after the previous event, starts a new block; in the second case a gap
/// block covers the quiet time (from the last event plus ``length`` to the next event).
struct BlockBuilder {
    let length: Int64
    let now: Int64
    private(set) var blocks: [UsageBlock] = []
    private var current: Open?

    private struct Open {
        var start: Int64
        var first: Int64
        var last: Int64
        var amounts = ReportAmounts()
        var models: [String] = []
        var seen: Set<String> = []
    }

    init(length: TimeInterval, now: Date) {
        self.length = Int64((length * 1000).rounded())
        self.now = BlockBuilder.millis(now)
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(millis) / 1000) }

    /// Adds the next event (events must come in time order).
    mutating func add(at time: Date, model: String, amounts: ReportAmounts) {
        let t = BlockBuilder.millis(time)
        if let open = current {
            let sinceLast = t - open.last
            if t - open.start > length || sinceLast > length {
                blocks.append(close(open))
                if sinceLast > length { blocks.append(gap(from: open.last + length, to: t)) }
                current = nil
            }
        }
        if current == nil {
            let hour: Int64 = 3_600_000
            let floored = t - ((t % hour) + hour) % hour
            current = Open(start: floored, first: t, last: t)
        }
        current?.last = t
        current?.amounts.add(amounts)
        if current?.seen.insert(model).inserted == true { current?.models.append(model) }
    }

    mutating func finish() -> [UsageBlock] {
        if let open = current { blocks.append(close(open)) }
        current = nil
        return blocks
    }

    private func close(_ open: Open) -> UsageBlock {
        let end = open.start + length
        let isActive = now - open.last < length && now < end
        var block = UsageBlock(
            id: BlockBuilder.rfc3339(open.start), start: BlockBuilder.date(open.start), end: BlockBuilder.date(end),
            firstEvent: BlockBuilder.date(open.first), lastEvent: BlockBuilder.date(open.last), isActive: isActive,
            isGap: false, amounts: open.amounts, models: open.models)
        if isActive {
            let minutes = Double(open.last - open.first) / 60_000
            if minutes > 0 {
                let rate = BurnRate(
                    tokensPerMinute: Double(open.amounts.tokens.total) / minutes,
                    tokensPerMinuteForIndicator: Double(open.amounts.tokens.uncached) / minutes,
                    costPerHour: open.amounts.costNumber / minutes * 60)
                block.burnRate = rate
                let remaining = (Double(end - now) / 60_000).rounded()
                block.projection = BlockProjection(
                    totalTokens: Int((Double(open.amounts.tokens.total) + rate.tokensPerMinute * remaining).rounded()),
                    totalCost: ((open.amounts.costNumber + rate.costPerHour / 60 * remaining) * 100).rounded() / 100,
                    remainingMinutes: Int(remaining))
            }
        }
        return block
    }

    private func gap(from start: Int64, to end: Int64) -> UsageBlock {
        UsageBlock(
            id: "gap-" + BlockBuilder.rfc3339(start), start: BlockBuilder.date(start), end: BlockBuilder.date(end),
            firstEvent: nil, lastEvent: nil, isActive: false, isGap: true, amounts: ReportAmounts(), models: [])
    }

    /// `2026-11-20T10:00:00.000Z`: always three fraction digits, as ccusage writes times.
    static func rfc3339(_ millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let fraction = millis - seconds * 1000
        let whole = Timestamp.format(Date(timeIntervalSince1970: TimeInterval(seconds)))
        let digits = String(fraction)
        return String(whole.dropLast()) + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    static func rfc3339(_ date: Date) -> String { rfc3339(millis(date)) }
}

extension UsageReports {
    /// Usage in billing windows of `length` (5 hours, as Claude's plans count), gaps included, with
    /// the active block's burn rate and projection, measured against `tokenLimit`.
    ///
    /// Blocks are cut from the raw events in the filter's range, in time order.
    ///
    /// - throws: the ledger's errors.
    public func blocks(
        matching filter: UsageFilter = UsageFilter(), now: Date = Date(), length: TimeInterval = 5 * 3600,
        tokenLimit: TokenLimit? = nil
    ) async throws -> BlocksReport {
        var builder = BlockBuilder(length: length, now: now)
        var coverage = CoverageTally()
        try await forEachEvent(matching: filter) { event in
            coverage.add(event)
            builder.add(at: event.timestamp, model: event.model, amounts: ReportAmounts(event))
        }
        var blocks = builder.finish()
        let largest = blocks.filter { !$0.isGap && !$0.isActive }.map(\.amounts.tokens.total).max() ?? 0
        let limit: Int? =
            switch tokenLimit {
            case .tokens(let n): n
            case .max: largest > 0 ? largest : nil
            case nil: nil
            }
        if let limit {
            for index in blocks.indices {
                guard let projection = blocks[index].projection else { continue }
                let projected = projection.totalTokens
                let level: TokenLimitStatus.Level =
                    projected > limit ? .exceeds : Double(projected) > Double(limit) * 0.8 ? .warning : .ok
                blocks[index].tokenLimitStatus = TokenLimitStatus(
                    limit: limit, projectedUsage: projected, percentUsed: Double(projected) / Double(limit) * 100,
                    status: level)
            }
        }
        return BlocksReport(
            blocks: blocks, tokenLimit: limit, largestBlockTokens: largest, blockLength: length, now: now,
            coverage: coverage.result, timeZone: timeZone)
    }
}
