import CostPricing
import Foundation

// A budget's definition as JSON, exact both ways: what a store keeps and what `--json` shows.
//
// ```json
// {"name": "growth-monthly",
//  "scope": {"subject": "team", "value": "growth", "provider": "openai"},
//  "limit": {"money": "500"},
//  "period": {"kind": "calendar", "unit": "month", "time_zone": "Europe/Berlin"},
//  "profile": {"name": "premium", "thresholds": {"warning": 8000, "notification": 9000, …}},
//  "throttle": {"requests": 1, "interval": "1", "burst": 5},
//  "queue_retry_after": "60"}
// ```
//
// Money is a decimal string, thresholds are basis points (levels that are off are absent),
// durations are decimal seconds (exact to the attosecond), dates of a custom period use the
// encoder's date strategy. Decoding validates as the initializers do.

extension Budget: Codable {
    private enum CodingKeys: String, CodingKey {
        case name, scope, limit, period, profile, throttle
        case queueRetryAfter = "queue_retry_after"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            name: c.decode(String.self, forKey: .name), scope: c.decode(BudgetScope.self, forKey: .scope),
            limit: c.decode(BudgetLimit.self, forKey: .limit), period: c.decode(BudgetPeriod.self, forKey: .period),
            profile: c.decode(LadderProfile.self, forKey: .profile), throttle: c.decode(ThrottleRate.self, forKey: .throttle),
            queueRetryAfter: DurationText.decode(c, .queueRetryAfter))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(scope, forKey: .scope)
        try c.encode(limit, forKey: .limit)
        try c.encode(period, forKey: .period)
        try c.encode(profile, forKey: .profile)
        try c.encode(throttle, forKey: .throttle)
        try c.encode(DurationText.format(queueRetryAfter), forKey: .queueRetryAfter)
    }
}

extension BudgetScope: Codable {
    private enum CodingKeys: String, CodingKey {
        case subject, key, value, provider, model
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .subject)
        func value() throws -> String { try c.decode(String.self, forKey: .value) }
        let subject: Subject
        switch kind {
        case "global": subject = .global
        case "org": subject = .org(try value())
        case "team": subject = .team(try value())
        case "user": subject = .user(try value())
        case "project": subject = .project(try value())
        case "key": subject = .key(try value())
        case "tag": subject = .tag(key: try c.decode(String.self, forKey: .key), value: try value())
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .subject, in: c,
                debugDescription: "'\(kind)' is not a budget scope; use global, org, team, user, project, key or tag")
        }
        self.init(
            subject, provider: try c.decodeIfPresent(String.self, forKey: .provider),
            model: try c.decodeIfPresent(String.self, forKey: .model))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let (kind, value): (String, String?)
        switch subject {
        case .global: (kind, value) = ("global", nil)
        case .org(let v): (kind, value) = ("org", v)
        case .team(let v): (kind, value) = ("team", v)
        case .user(let v): (kind, value) = ("user", v)
        case .project(let v): (kind, value) = ("project", v)
        case .key(let v): (kind, value) = ("key", v)
        case .tag(let k, let v):
            (kind, value) = ("tag", v)
            try c.encode(k, forKey: .key)
        }
        try c.encode(kind, forKey: .subject)
        try c.encodeIfPresent(value, forKey: .value)
        try c.encodeIfPresent(provider, forKey: .provider)
        try c.encodeIfPresent(model, forKey: .model)
    }
}

extension BudgetLimit: Codable {
    private enum CodingKeys: String, CodingKey {
        case money, tokens, requests
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let money = try c.decodeIfPresent(Money.self, forKey: .money) {
            self = .money(money)
        } else if let tokens = try c.decodeIfPresent(Int.self, forKey: .tokens) {
            self = .tokens(tokens)
        } else if let requests = try c.decodeIfPresent(Int.self, forKey: .requests) {
            self = .requests(requests)
        } else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: c.codingPath, debugDescription: "a budget limit needs 'money', 'tokens' or 'requests'"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .money(let m): try c.encode(m, forKey: .money)
        case .tokens(let n): try c.encode(n, forKey: .tokens)
        case .requests(let n): try c.encode(n, forKey: .requests)
        }
    }
}

extension BudgetPeriod: Codable {
    private enum CodingKeys: String, CodingKey {
        case kind, unit, timeZone = "time_zone", firstWeekday = "first_weekday", start, end, seconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "calendar":
            let identifier = try c.decode(String.self, forKey: .timeZone)
            guard let zone = TimeZone(identifier: identifier) else {
                throw DecodingError.dataCorruptedError(forKey: .timeZone, in: c, debugDescription: "unknown time zone '\(identifier)'")
            }
            let unit: CalendarUnit
            switch try c.decode(String.self, forKey: .unit) {
            case "day": unit = .day
            case "week": unit = .week(firstWeekday: try c.decodeIfPresent(Int.self, forKey: .firstWeekday) ?? 2)
            case "month": unit = .month
            case "quarter": unit = .quarter
            case "year": unit = .year
            case let other:
                throw DecodingError.dataCorruptedError(
                    forKey: .unit, in: c, debugDescription: "'\(other)' is not a period unit; use day, week, month, quarter or year")
            }
            self = .calendar(unit, timeZone: zone)
        case "custom":
            self = .custom(start: try c.decode(Date.self, forKey: .start), end: try c.decode(Date.self, forKey: .end))
        case "rolling":
            self = .rolling(seconds: try c.decode(Int.self, forKey: .seconds))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: c, debugDescription: "'\(other)' is not a period kind; use calendar, custom or rolling")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .calendar(let unit, let zone):
            try c.encode("calendar", forKey: .kind)
            switch unit {
            case .day: try c.encode("day", forKey: .unit)
            case .week(let first):
                try c.encode("week", forKey: .unit)
                try c.encode(first, forKey: .firstWeekday)
            case .month: try c.encode("month", forKey: .unit)
            case .quarter: try c.encode("quarter", forKey: .unit)
            case .year: try c.encode("year", forKey: .unit)
            }
            try c.encode(zone.identifier, forKey: .timeZone)
        case .custom(let start, let end):
            try c.encode("custom", forKey: .kind)
            try c.encode(start, forKey: .start)
            try c.encode(end, forKey: .end)
        case .rolling(let seconds):
            try c.encode("rolling", forKey: .kind)
            try c.encode(seconds, forKey: .seconds)
        }
    }
}

extension LadderProfile: Codable {
    private enum CodingKeys: String, CodingKey {
        case name, thresholds
    }

    /// - throws: ``BudgetError`` `.invalidLadder` as ``custom(_:name:)`` does.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let points = try c.decode([String: Int].self, forKey: .thresholds)
        var thresholds: [LadderLevel: Threshold] = [:]
        for (key, value) in points {
            guard let level = LadderLevel.allCases.first(where: { $0.description == key }) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .thresholds, in: c,
                    debugDescription: "'\(key)' is not a ladder level; use \(LadderLevel.allCases.map(\.description).joined(separator: ", "))")
            }
            thresholds[level] = Threshold(basisPoints: value)
        }
        self = try .custom(thresholds, name: try c.decode(String.self, forKey: .name))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        let points = Dictionary(uniqueKeysWithValues: enabledLevels.map { ($0.level.description, $0.threshold.basisPoints) })
        try c.encode(points, forKey: .thresholds)
    }
}

extension ThrottleRate: Codable {
    private enum CodingKeys: String, CodingKey {
        case requests, interval, burst
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            requests: try c.decode(Int.self, forKey: .requests), per: try DurationText.decode(c, .interval),
            burst: try c.decode(Int.self, forKey: .burst))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(requests, forKey: .requests)
        try c.encode(DurationText.format(interval), forKey: .interval)
        try c.encode(burst, forKey: .burst)
    }
}

extension BudgetCharge: Codable {
    private enum CodingKeys: String, CodingKey {
        case cost, tokens, requests
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            cost: try c.decode(Money.self, forKey: .cost), tokens: try c.decode(Int.self, forKey: .tokens),
            requests: try c.decode(Int.self, forKey: .requests))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cost, forKey: .cost)
        try c.encode(tokens, forKey: .tokens)
        try c.encode(requests, forKey: .requests)
    }
}

/// Durations as decimal seconds (`"60"`, `"0.5"`), exact to the attosecond.
enum DurationText {
    static func format(_ duration: Duration) -> String {
        if duration < .zero { return "-" + format(.zero - duration) }
        let (seconds, attoseconds) = duration.components
        guard attoseconds != 0 else { return String(seconds) }
        var fraction = String(attoseconds)
        fraction = String(repeating: "0", count: 18 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(seconds).\(fraction)"
    }

    static func parse(_ text: String) -> Duration? {
        if text.hasPrefix("-") { return parse(String(text.dropFirst())).map { .zero - $0 } }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let seconds = Int64(parts[0]), parts[0].allSatisfy(\.isASCII) else { return nil }
        var attoseconds: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int64(digits + String(repeating: "0", count: 18 - digits.count))
            else { return nil }
            attoseconds = value
        }
        return Duration(secondsComponent: seconds, attosecondsComponent: attoseconds)
    }

    static func decode<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> Duration {
        let text = try c.decode(String.self, forKey: key)
        guard let duration = parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "'\(text)' is not a duration in seconds")
        }
        return duration
    }
}
