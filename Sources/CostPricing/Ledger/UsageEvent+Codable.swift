public import Foundation

extension UsageEvent: Codable {
    /// The JSON field names, shared by `costctl record --stdin` and `costctl export --format json`.
    public static let fieldNames: [String] = [
        "id", "timestamp", "provider", "model", "usage", "cost", "org", "team", "user", "project", "key_id",
        "session", "operation", "tags", "status", "latency_ms", "metadata",
    ]

    /// Set `userInfo[UsageEvent.strictDecoding] = true` on a decoder to reject unknown fields.
    public static let strictDecoding: CodingUserInfoKey = {
        // The standard library's `init?(rawValue:)` accepts every string; it is failable only by protocol.
        guard let key = CodingUserInfoKey(rawValue: "costctl.strictDecoding") else {
            preconditionFailure("CodingUserInfoKey rejected a plain string")
        }
        return key
    }()

    enum Field: String, CodingKey {
        case id, timestamp, provider, model, usage, cost, org, team, user, project
        case keyID = "key_id"
        case session, operation, tags, status
        case latency = "latency_ms"
        case metadata
    }

    public init(from decoder: any Decoder) throws {
        if decoder.userInfo[UsageEvent.strictDecoding] as? Bool == true {
            let all = try decoder.container(keyedBy: AnyKey.self)
            for key in all.allKeys where Field(rawValue: key.stringValue) == nil {
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(
                        codingPath: [key],
                        debugDescription: "unknown field '\(key.stringValue)'; known fields: \(UsageEvent.fieldNames.joined(separator: ", "))"))
            }
        }
        let c = try decoder.container(keyedBy: Field.self)
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? UsageEvent.makeID()
        if let text = try? c.decode(String.self, forKey: .timestamp) {
            guard let date = Timestamp.parseOrNil(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .timestamp, in: c,
                    debugDescription: "'\(text)' is not a timestamp; use ISO 8601 such as 2026-11-02T20:59:00Z")
            }
            timestamp = date
        } else if let seconds = try c.decodeIfPresent(Double.self, forKey: .timestamp) {
            timestamp = Date(timeIntervalSince1970: seconds)
        } else {
            timestamp = Date()
        }
        provider = try c.decodeIfPresent(String.self, forKey: .provider) ?? ""
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? ""
        usage = try c.decodeIfPresent(Usage.self, forKey: .usage) ?? Usage()
        cost = try c.decodeIfPresent(EventCost.self, forKey: .cost)
        dimensions = UsageDimensions(
            org: try c.decodeIfPresent(String.self, forKey: .org),
            team: try c.decodeIfPresent(String.self, forKey: .team),
            user: try c.decodeIfPresent(String.self, forKey: .user),
            project: try c.decodeIfPresent(String.self, forKey: .project),
            keyID: try c.decodeIfPresent(String.self, forKey: .keyID),
            session: try c.decodeIfPresent(String.self, forKey: .session),
            operation: try c.decodeIfPresent(String.self, forKey: .operation),
            tags: try c.decodeIfPresent([String: String].self, forKey: .tags) ?? [:])
        if let text = try c.decodeIfPresent(String.self, forKey: .status) {
            guard let status = EventStatus(rawValue: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .status, in: c,
                    debugDescription: "status '\(text)' is not one of \(EventStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.status = status
        } else {
            status = .ok
        }
        latencyMilliseconds = try c.decodeIfPresent(Int.self, forKey: .latency)
        metadata = try c.decodeIfPresent(JSONValue.self, forKey: .metadata)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Field.self)
        try c.encode(id, forKey: .id)
        try c.encode(Timestamp.formatMilliseconds(timestamp), forKey: .timestamp)
        try c.encode(provider, forKey: .provider)
        try c.encode(model, forKey: .model)
        try c.encode(usage, forKey: .usage)
        try c.encodeIfPresent(cost, forKey: .cost)
        try c.encodeIfPresent(dimensions.org, forKey: .org)
        try c.encodeIfPresent(dimensions.team, forKey: .team)
        try c.encodeIfPresent(dimensions.user, forKey: .user)
        try c.encodeIfPresent(dimensions.project, forKey: .project)
        try c.encodeIfPresent(dimensions.keyID, forKey: .keyID)
        try c.encodeIfPresent(dimensions.session, forKey: .session)
        try c.encodeIfPresent(dimensions.operation, forKey: .operation)
        if !dimensions.tags.isEmpty { try c.encode(dimensions.tags, forKey: .tags) }
        try c.encode(status, forKey: .status)
        try c.encodeIfPresent(latencyMilliseconds, forKey: .latency)
        try c.encodeIfPresent(metadata, forKey: .metadata)
    }

    /// Decodes one JSON object (a line of `record --stdin` input or of a JSONL export).
    ///
    /// - throws: ``PricingError`` `.invalidEvent` with the field and the reason.
    public static func decode(json data: Data, strict: Bool = false) throws -> UsageEvent {
        let decoder = JSONDecoder()
        decoder.userInfo[UsageEvent.strictDecoding] = strict
        do {
            return try decoder.decode(UsageEvent.self, from: data)
        } catch let error as DecodingError {
            throw PricingError(code: .invalidEvent, message: DecodingError.explain(error))
        }
    }
}

extension DecodingError {
    /// A one-line explanation naming the field, for users.
    static func explain(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "field '\(path(context.codingPath))': expected \(type); \(context.debugDescription)"
        case .valueNotFound(_, let context):
            return "field '\(path(context.codingPath))' is null"
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing field '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
        case .dataCorrupted(let context):
            let where_ = path(context.codingPath)
            if where_.isEmpty {
                return "not valid JSON: \(context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription)"
            }
            return "field '\(where_)': \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

extension UsageEvent {
    /// Checks the event before it is written.
    ///
    /// - Parameters:
    ///   - now: the current time; timestamps later than `now + maxFutureSkew` are rejected.
    ///   - maxFutureSkew: how far ahead a clock may be (default one hour).
    /// - throws: ``PricingError`` `.invalidEvent` naming the field.
    public func validate(now: Date = Date(), maxFutureSkew: TimeInterval = 3600) throws {
        func fail(_ field: String, _ why: String) -> PricingError {
            PricingError(code: .invalidEvent, message: "field '\(field)' \(why)")
        }
        if id.isEmpty { throw fail("id", "is empty") }
        if id.utf8.count > 256 { throw fail("id", "is longer than 256 bytes") }
        if !model.utf8.contains(where: { $0 != 0x20 && $0 != 0x09 }) { throw fail("model", "is missing or empty") }
        let earliest = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01
        if timestamp < earliest {
            throw fail("timestamp", "(\(Timestamp.format(timestamp))) is before 2000-01-01")
        }
        if timestamp > now.addingTimeInterval(maxFutureSkew) {
            throw fail(
                "timestamp",
                "(\(Timestamp.format(timestamp))) is in the future (now is \(Timestamp.format(now)); at most \(Int(maxFutureSkew))s of clock skew is accepted)")
        }
        if usage.hasNegativeCount {
            for (kind, count) in usage.counts where count < 0 {
                throw fail("usage.\(kind)", "is negative (\(count))")
            }
        }
        do {
            try usage.validate()
        } catch let error as PricingError {
            throw PricingError(code: .invalidEvent, message: "field 'usage': \(error.message)")
        }
        if let latency = latencyMilliseconds, latency < 0 { throw fail("latency_ms", "is negative (\(latency))") }
        for key in dimensions.tags.keys where key.isEmpty || key.utf8.contains(UInt8(ascii: "=")) {
            throw fail("tags", "has an invalid key '\(key)' (keys are non-empty and contain no '=')")
        }
        if let cost {
            if cost.total.isNegative { throw fail("cost.total_usd", "is negative (\(cost.total))") }
        }
    }
}
