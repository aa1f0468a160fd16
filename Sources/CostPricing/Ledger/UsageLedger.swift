public import Foundation

/// Where usage events are stored, summed and reported: the one storage protocol every higher
/// layer reads and writes usage through.
///
/// Implementations: ``MemoryUsageLedger`` (tests, ephemeral use) and CostSQLite's
/// `SQLiteUsageLedger` (the embedded default). Both pass the same contract tests. Every write is one
/// transaction: a batch is stored entirely or not at all, and every report sees rollups (hourly,
/// daily, monthly aggregates) that sum exactly the events stored (SQLiteUsageLedger folds a batch's
/// sums into them later, and always before a report reads them).
///
/// For example:
/// ```swift
/// let ledger: any UsageLedger = MemoryUsageLedger()
/// let result = try await ledger.record(contentsOf: events, policy: .skipInvalid)
/// let report = try await ledger.query(UsageQuery(groupBy: [.model]))
/// ```
public protocol UsageLedger: Sendable {
    /// Validates, prices (events without a cost), and stores a batch in one transaction.
    ///
    /// An id that is already stored (or repeated in the batch) is not stored again; its status says
    /// `.duplicate`. With `.rejectAll`, one invalid event rejects the batch and nothing is written;
    /// with `.skipInvalid`, the valid events are written and the invalid ones are reported.
    ///
    /// - throws: ``PricingError`` `.invalidEvent` (with `.rejectAll`), or the store's error.
    func record(contentsOf events: [UsageEvent], policy: BatchPolicy) async throws -> RecordResult

    /// Answers a grouped report from the coarsest source that answers it exactly.
    func query(_ query: UsageQuery) async throws -> UsageReport

    /// One page of raw events in time order, for exports and repricing.
    func events(matching filter: UsageFilter, after cursor: EventCursor?, limit: Int) async throws -> EventPage

    /// One page of raw events in time order, with at least the fields `detail` names (reports
    /// that only sum usage read `.usage`, which an implementation may answer faster). The default
    /// implementation returns full events.
    func events(matching filter: UsageFilter, after cursor: EventCursor?, limit: Int, detail: EventDetail)
        async throws -> EventPage

    /// One page of aggregate rows of a level, in bucket order.
    func rollups(_ level: RollupLevel, matching filter: UsageFilter, after cursor: RollupCursor?, limit: Int)
        async throws -> RollupPage

    /// The stored event with this id (its user id as stored: a pseudonym when ids are hashed).
    func event(id: String) async throws -> UsageEvent?

    /// Applies the retention policy as of `now`: deletes raw events and aggregates older than
    /// their levels keep. Totals the remaining aggregates cover do not change.
    func compact(now: Date) async throws -> CompactionResult

    /// Removes every event and aggregate row of one org, team, user or project (a user id is hashed
    /// first when the ledger hashes user ids).
    func forget(_ dimension: UsageDimension, value: String) async throws -> ForgetResult

    /// Reprices the raw events that match with `price` (return `nil` to keep a cost), updating the
    /// aggregates by the difference, in one transaction.
    func reprice(matching filter: UsageFilter, using price: @Sendable (UsageEvent) throws -> EventCost?)
        async throws -> RepriceResult

    /// Counts, time span, horizons, schema version.
    func info() async throws -> LedgerInfo
}

extension UsageLedger {
    public func events(matching filter: UsageFilter, after cursor: EventCursor?, limit: Int, detail: EventDetail)
        async throws -> EventPage
    {
        try await events(matching: filter, after: cursor, limit: limit)
    }

    /// Records one event.
    ///
    /// - throws: ``PricingError`` `.invalidEvent` naming the field.
    @discardableResult
    public func record(_ event: UsageEvent) async throws -> RecordStatus {
        let result = try await record(contentsOf: [event], policy: .rejectAll)
        return result.statuses.first ?? .added
    }

    /// Records an array with the default policy (reject the batch when one event is invalid).
    @discardableResult
    public func record(contentsOf events: [UsageEvent]) async throws -> RecordResult {
        try await record(contentsOf: events, policy: .rejectAll)
    }

    /// Records an asynchronous sequence in batches of `batchSize` (one transaction each),
    /// calling `progress` after each batch with the running result.
    @discardableResult
    public func record<S: AsyncSequence>(
        from sequence: S, batchSize: Int = 1_000, policy: BatchPolicy = .skipInvalid,
        progress: (@Sendable (RecordResult) -> Void)? = nil
    ) async throws -> RecordResult where S.Element == UsageEvent {
        var total = RecordResult()
        var batch: [UsageEvent] = []
        batch.reserveCapacity(batchSize)
        for try await event in sequence {
            batch.append(event)
            if batch.count >= batchSize {
                total.merge(try await record(contentsOf: batch, policy: policy), offset: total.statuses.count)
                batch.removeAll(keepingCapacity: true)
                progress?(total)
            }
        }
        if !batch.isEmpty {
            total.merge(try await record(contentsOf: batch, policy: policy), offset: total.statuses.count)
            progress?(total)
        }
        return total
    }

    /// Every matching raw event, page by page (constant memory).
    public func allEvents(matching filter: UsageFilter, pageSize: Int = 2_000) -> AsyncThrowingStream<UsageEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var cursor: EventCursor?
                    repeat {
                        let page = try await events(matching: filter, after: cursor, limit: pageSize)
                        for event in page.events { continuation.yield(event) }
                        cursor = page.next
                    } while cursor != nil && !Task.isCancelled
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// How much of each event a page of raw events carries.
public enum EventDetail: String, Sendable, Hashable, CaseIterable {
    /// Everything stored.
    case full
    /// What usage reports read: id, time, provider, model, status, the dimensions but tags, the usage
    /// counts, and the cost's totals, priced flag and (for unpriced events) reason. Tags, metadata,
    /// latency, cost categories, the priced-as id and the service tier may be left out.
    case usage
}

/// What to do with the rest of a batch when an event is invalid.
public enum BatchPolicy: String, Sendable, Hashable, CaseIterable, Codable {
    /// Write nothing and throw (the default).
    case rejectAll = "reject-all"
    /// Write the valid events and report the invalid ones.
    case skipInvalid = "skip-invalid"
}

/// What happened to one event of a batch.
public enum RecordStatus: Sendable, Hashable, CustomStringConvertible {
    case added
    /// The id was already stored (or appeared earlier in the batch); nothing changed.
    case duplicate
    /// Invalid; the message names the field.
    case rejected(String)

    public var description: String {
        switch self {
        case .added: "added"
        case .duplicate: "duplicate"
        case .rejected(let why): "rejected: \(why)"
        }
    }
}

/// An event a batch did not write, and why.
public struct RejectedEvent: Sendable, Hashable, CustomStringConvertible {
    /// Position in the batch (0-based).
    public var index: Int
    public var id: String
    public var message: String

    public init(index: Int, id: String, message: String) {
        self.index = index
        self.id = id
        self.message = message
    }

    public var description: String { "record \(index + 1) (id '\(id)'): \(message)" }
}

/// The outcome of a batch.
public struct RecordResult: Sendable, Hashable {
    /// One status per input event, in order.
    public var statuses: [RecordStatus] = []
    public var added: Int = 0
    public var duplicates: Int = 0
    public var rejected: [RejectedEvent] = []

    public init() {}

    mutating func merge(_ other: RecordResult, offset: Int) {
        statuses += other.statuses
        added += other.added
        duplicates += other.duplicates
        rejected += other.rejected.map { RejectedEvent(index: $0.index + offset, id: $0.id, message: $0.message) }
    }
}

/// A position in the time-ordered event stream (opaque).
public struct EventCursor: Sendable, Hashable, Codable {
    public var position: Int64
    public init(position: Int64) { self.position = position }
}

/// A page of events and the cursor of the next page (`nil` at the end).
public struct EventPage: Sendable {
    public var events: [UsageEvent]
    public var next: EventCursor?
    public init(events: [UsageEvent], next: EventCursor?) {
        self.events = events
        self.next = next
    }
}

/// The aggregate levels.
public enum RollupLevel: String, Sendable, Hashable, CaseIterable, Codable {
    case hourly, daily, monthly

    public var source: ReportSource {
        switch self {
        case .hourly: .hourly
        case .daily: .daily
        case .monthly: .monthly
        }
    }
}

/// One aggregate row: a bucket, a series (the rolled-up dimensions), and its totals.
public struct RollupRecord: Sendable, Hashable {
    public var level: RollupLevel
    public var bucketStart: Date
    public var series: SeriesKey
    public var totals: UsageTotals

    public init(level: RollupLevel, bucketStart: Date, series: SeriesKey, totals: UsageTotals) {
        self.level = level
        self.bucketStart = bucketStart
        self.series = series
        self.totals = totals
    }
}

/// A position in an aggregate level (opaque).
public struct RollupCursor: Sendable, Hashable, Codable {
    public var bucket: Int64
    public var series: Int64
    public init(bucket: Int64, series: Int64) {
        self.bucket = bucket
        self.series = series
    }
}

/// A page of aggregate rows.
public struct RollupPage: Sendable {
    public var records: [RollupRecord]
    public var next: RollupCursor?
    public init(records: [RollupRecord], next: RollupCursor?) {
        self.records = records
        self.next = next
    }
}

/// The values of the rolled-up dimensions of an event (absent values are empty strings).
public struct SeriesKey: Sendable, Hashable, Codable {
    public var provider: String
    public var model: String
    public var org: String
    public var team: String
    public var user: String
    public var project: String
    public var keyID: String
    public var operation: String
    public var status: String

    public init(
        provider: String, model: String, org: String = "", team: String = "", user: String = "",
        project: String = "", keyID: String = "", operation: String = "", status: String = "ok"
    ) {
        self.provider = provider
        self.model = model
        self.org = org
        self.team = team
        self.user = user
        self.project = project
        self.keyID = keyID
        self.operation = operation
        self.status = status
    }

    public init(_ event: UsageEvent) {
        let d = event.dimensions
        self.init(
            provider: event.provider, model: event.model, org: d.org ?? "", team: d.team ?? "", user: d.user ?? "",
            project: d.project ?? "", keyID: d.keyID ?? "", operation: d.operation ?? "", status: event.status.rawValue)
    }

    /// The value of a rolled-up dimension (`nil` for sessions and tags).
    public subscript(dimension: UsageDimension) -> String? {
        switch dimension {
        case .provider: provider
        case .model: model
        case .org: org
        case .team: team
        case .user: user
        case .project: project
        case .keyID: keyID
        case .operation: operation
        case .status: status
        case .session, .tag: nil
        }
    }

    /// Whether the series passes the filter's dimension conditions (times are not checked).
    public func matches(_ filter: UsageFilter) -> Bool {
        for (dimension, values) in filter.equals {
            guard let value = self[dimension], values.contains(value) else { return false }
        }
        return true
    }
}

/// How long each level keeps its data, in days (`nil`: for ever).
public struct RetentionPolicy: Sendable, Hashable, Codable {
    public var rawDays: Int?
    public var hourlyDays: Int?
    public var dailyDays: Int?
    public var monthlyDays: Int?

    /// Raw events 90 days, hourly aggregates a year, daily and monthly for ever.
    public static let standard = RetentionPolicy(rawDays: 90, hourlyDays: 366, dailyDays: nil, monthlyDays: nil)

    public init(rawDays: Int? = 90, hourlyDays: Int? = 366, dailyDays: Int? = nil, monthlyDays: Int? = nil) {
        self.rawDays = rawDays
        self.hourlyDays = hourlyDays
        self.dailyDays = dailyDays
        self.monthlyDays = monthlyDays
    }

    enum CodingKeys: String, CodingKey {
        case rawDays = "raw_days", hourlyDays = "hourly_days", dailyDays = "daily_days", monthlyDays = "monthly_days"
    }
}

/// Settings shared by every ledger implementation.
public struct LedgerConfiguration: Sendable {
    /// Prices events recorded without a cost (at their own timestamps). Without an engine such
    /// events are stored unpriced, with a reason.
    public var engine: CostEngine?
    /// The zone daily and monthly aggregates are cut in (fixed when a database is created).
    public var rollupTimeZone: TimeZone
    public var retention: RetentionPolicy
    /// How far in the future a timestamp may be (clock skew) before an event is rejected.
    public var maxFutureSkew: TimeInterval
    /// When set, user ids are replaced by pseudonyms before they are stored.
    public var userHasher: (any IdentifierHasher)?
    /// The clock (injectable for tests).
    public var now: @Sendable () -> Date

    public init(
        engine: CostEngine? = nil, rollupTimeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current,
        retention: RetentionPolicy = .standard, maxFutureSkew: TimeInterval = 3600,
        userHasher: (any IdentifierHasher)? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.engine = engine
        self.rollupTimeZone = rollupTimeZone
        self.retention = retention
        self.maxFutureSkew = maxFutureSkew
        self.userHasher = userHasher
        self.now = now
    }

    /// A copy changed by `update`.
    public func with(_ update: (inout LedgerConfiguration) -> Void) -> LedgerConfiguration {
        var copy = self
        update(&copy)
        return copy
    }
}

/// What `compact` deleted.
public struct CompactionResult: Sendable, Hashable, Codable {
    public var rawEventsDeleted = 0
    public var hourlyRowsDeleted = 0
    public var dailyRowsDeleted = 0
    public var monthlyRowsDeleted = 0
    /// Raw events before this instant are gone (reports before it read aggregates).
    public var rawHorizon: Date?
    public var hourlyHorizon: Date?
    public init() {}

    enum CodingKeys: String, CodingKey {
        case rawEventsDeleted = "raw_events_deleted", hourlyRowsDeleted = "hourly_rows_deleted"
        case dailyRowsDeleted = "daily_rows_deleted", monthlyRowsDeleted = "monthly_rows_deleted"
        case rawHorizon = "raw_horizon", hourlyHorizon = "hourly_horizon"
    }
}

/// What `forget` removed.
public struct ForgetResult: Sendable, Hashable, Codable {
    public var eventsDeleted = 0
    public var aggregateRowsDeleted = 0
    public init() {}

    enum CodingKeys: String, CodingKey {
        case eventsDeleted = "events_deleted", aggregateRowsDeleted = "aggregate_rows_deleted"
    }
}

/// What `reprice` changed.
public struct RepriceResult: Sendable, Hashable, Codable {
    public var examined = 0
    public var changed = 0
    public var costBefore: Money = .zero
    public var costAfter: Money = .zero
    public var notes: [String] = []
    public init() {}

    enum CodingKeys: String, CodingKey {
        case examined, changed, costBefore = "cost_before_usd", costAfter = "cost_after_usd", notes
    }
}

/// A ledger's vital signs.
public struct LedgerInfo: Sendable, Hashable, Codable {
    public var events = 0
    public var earliest: Date?
    public var latest: Date?
    public var rawHorizon: Date?
    public var hourlyHorizon: Date?
    public var rollupTimeZone = "UTC"
    public var schemaVersion = 0
    public var hashesUserIDs = false
    /// Recorded events whose rollup sums are not yet folded into the aggregate tables (every
    /// process's); nil for a ledger that adds them at once (the in-memory one). Reports fold first.
    public var pendingRollupEvents: Int?
    public init() {}

    enum CodingKeys: String, CodingKey {
        case events, earliest, latest, rawHorizon = "raw_horizon", hourlyHorizon = "hourly_horizon"
        case rollupTimeZone = "rollup_time_zone", schemaVersion = "schema_version", hashesUserIDs = "hashes_user_ids"
        case pendingRollupEvents = "pending_rollup_events"
    }
}
