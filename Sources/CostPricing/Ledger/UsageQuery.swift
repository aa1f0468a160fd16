public import Foundation

/// Something usage can be grouped or filtered by.
public enum UsageDimension: Sendable, Hashable, CustomStringConvertible {
    case provider, model, org, team, user, project, keyID, session, operation, status
    /// A free tag, by key.
    case tag(String)

    /// The dimensions every rollup keeps (tags and sessions are answered from raw events).
    public static let rolledUp: [UsageDimension] = [
        .provider, .model, .org, .team, .user, .project, .keyID, .operation, .status,
    ]

    /// Whether rollups keep this dimension.
    public var isRolledUp: Bool {
        switch self {
        case .session, .tag: false
        default: true
        }
    }

    /// The name used on the command line and in JSON (`key_id`, `tag.env`).
    public var name: String {
        switch self {
        case .provider: "provider"
        case .model: "model"
        case .org: "org"
        case .team: "team"
        case .user: "user"
        case .project: "project"
        case .keyID: "key_id"
        case .session: "session"
        case .operation: "operation"
        case .status: "status"
        case .tag(let key): "tag.\(key)"
        }
    }

    public var description: String { name }

    /// Parses `user`, `key_id` (or `key`), `tag.env` (or `tag:env`).
    ///
    /// - throws: ``PricingError`` `.invalidQuery` listing the valid names.
    public init(parsing text: String) throws {
        let lower = text.lowercased()
        switch lower {
        case "provider": self = .provider
        case "model": self = .model
        case "org", "organization": self = .org
        case "team": self = .team
        case "user": self = .user
        case "project": self = .project
        case "key_id", "key", "keyid": self = .keyID
        case "session": self = .session
        case "operation", "op", "command": self = .operation
        case "status": self = .status
        default:
            for prefix in ["tag.", "tag:", "tags."] where lower.hasPrefix(prefix) {
                let key = String(text.dropFirst(prefix.count))
                guard !key.isEmpty else { break }
                self = .tag(key)
                return
            }
            throw PricingError(
                code: .invalidQuery,
                message: "'\(text)' is not a dimension; use one of provider, model, org, team, user, project, key_id, session, operation, status, tag.KEY",
                suggestions: Suggest.nearest(
                    lower,
                    in: ["provider", "model", "org", "team", "user", "project", "key_id", "session", "operation", "status"]))
        }
    }
}

/// Which events a query, an export or a `forget` covers.
public struct UsageFilter: Sendable, Hashable {
    /// Inclusive start (UTC instant).
    public var since: Date?
    /// Exclusive end.
    public var until: Date?
    /// Each listed dimension must equal one of the values (an empty string matches "absent").
    public var equals: [UsageDimension: Set<String>]

    public init(since: Date? = nil, until: Date? = nil, equals: [UsageDimension: Set<String>] = [:]) {
        self.since = since
        self.until = until
        self.equals = equals
    }

    /// Whether answering this filter needs raw events (it filters on a session or a tag).
    public var needsRawEvents: Bool { equals.keys.contains { !$0.isRolledUp } }

    /// Whether an event passes (times and dimensions). Times compare in whole milliseconds, the
    /// precision a ledger stores, so every implementation draws the same boundary.
    public func matches(_ event: UsageEvent) -> Bool {
        func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
        if let since, event.unixMilliseconds < millis(since) { return false }
        if let until, event.unixMilliseconds >= millis(until) { return false }
        for (dimension, values) in equals where !values.contains(event.value(of: dimension) ?? "") {
            return false
        }
        return true
    }
}

extension UsageEvent {
    /// The value of any dimension, provider, model and status included.
    public func value(of dimension: UsageDimension) -> String? {
        switch dimension {
        case .provider: provider
        case .model: model
        case .status: status.rawValue
        default: dimensions[dimension]
        }
    }
}

/// A calendar bucket of time, in a query's time zone.
public enum TimeBucket: String, Sendable, Hashable, CaseIterable, Codable {
    case hour, day, week, month
}

/// What rows are sorted by.
public enum UsageOrder: String, Sendable, Hashable, CaseIterable, Codable {
    /// Cost, largest first (the default).
    case cost
    case requests
    case tokens
    case events
    /// The group's dimension values, then time.
    case key
    /// Time buckets in order, then cost.
    case time
}

/// A report to compute: which events, grouped how, sorted how, and which page.
///
/// For example, the top five users by cost over the last 30 days, by day, in Berlin time:
/// ```swift
/// var query = UsageQuery(filter: UsageFilter(since: start), groupBy: [.user], bucket: .day)
/// query.timeZone = TimeZone(identifier: "Europe/Berlin")!
/// query.top = 5
/// let report = try await ledger.query(query)
/// ```
public struct UsageQuery: Sendable, Hashable {
    public var filter: UsageFilter
    public var groupBy: [UsageDimension]
    /// Group by this time bucket too (bucket starts are computed in ``timeZone``).
    public var bucket: TimeBucket?
    public var timeZone: TimeZone
    public var order: UsageOrder
    /// Keep this many rows and fold the rest into ``UsageReport/others``.
    public var top: Int?
    /// Skip this many rows (after `top`), for pagination.
    public var offset: Int
    /// Return at most this many rows, for pagination.
    public var limit: Int?

    public init(
        filter: UsageFilter = UsageFilter(), groupBy: [UsageDimension] = [], bucket: TimeBucket? = nil,
        timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current, order: UsageOrder = .cost, top: Int? = nil,
        offset: Int = 0, limit: Int? = nil
    ) {
        self.filter = filter
        self.groupBy = groupBy
        self.bucket = bucket
        self.timeZone = timeZone
        self.order = order
        self.top = top
        self.offset = offset
        self.limit = limit
    }

    /// Whether answering needs raw events (it groups or filters on a session or a tag).
    public var needsRawEvents: Bool { filter.needsRawEvents || groupBy.contains { !$0.isRolledUp } }
}
