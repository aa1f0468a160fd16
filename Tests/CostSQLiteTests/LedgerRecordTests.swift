import CostPricing
import Foundation
import Synchronization
import Testing

@testable import CostSQLite

/// Writing: idempotency, validation, batch policies, pricing at ingest, streams, JSON.
@Suite("Usage ledger contract: recording")
struct LedgerRecordTests {
    // MARK: - Idempotency

    @Test("the same id twice is stored once, and the second call says so", arguments: LedgerKind.allCases)
    func idempotentSingle(kind: LedgerKind) async throws {
        try await withLedger(kind) { ledger in
            let event = makeEvent("req-1", cost: micros(2_500))
            #expect(try await ledger.record(event) == .added)
            var changed = event
            changed.cost = EventCost(total: micros(9_999))
            changed.usage.inputTokens = 5
            #expect(try await ledger.record(changed) == .duplicate)
            let report = try await ledger.query(UsageQuery())
            #expect(report.totals.events == 1)
            #expect(report.totals.cost == micros(2_500))
            #expect(report.totals.usage.inputTokens == 1_000)
            #expect(try await ledger.info().events == 1)
            #expect(try await ledger.event(id: "req-1")?.cost?.total == micros(2_500))
        }
    }

    @Test("duplicates inside one batch and across batches", arguments: LedgerKind.allCases)
    func idempotentBatches(kind: LedgerKind) async throws {
        try await withLedger(kind) { ledger in
            let a = makeEvent("a", cost: micros(1))
            let b = makeEvent("b", cost: micros(10))
            let c = makeEvent("c", cost: micros(100))
            let first = try await ledger.record(contentsOf: [a, b, a])
            #expect(first.statuses == [.added, .added, .duplicate])
            #expect(first.added == 2)
            #expect(first.duplicates == 1)
            #expect(first.rejected.isEmpty)

            let second = try await ledger.record(contentsOf: [b, c, c, a], policy: .skipInvalid)
            #expect(second.statuses == [.duplicate, .added, .duplicate, .duplicate])
            #expect(second.added == 1)
            #expect(second.duplicates == 3)

            let report = try await ledger.query(UsageQuery())
            #expect(report.totals.events == 3)
            #expect(report.totals.cost == micros(111))
            // The aggregates were not counted twice either.
            let daily = try await exportRollups(ledger, .daily)
            #expect(daily.reduce(0) { $0 + $1.totals.events } == 3)
        }
    }

    // MARK: - Validation and batch policies

    @Test("reject-all writes nothing and names the record and the field", arguments: LedgerKind.allCases)
    func rejectAll(kind: LedgerKind) async throws {
        try await withLedger(kind) { ledger in
            let batch = [makeEvent("good-1"), makeEvent("bad", model: "  "), makeEvent("good-2")]
            let error = await #expect(throws: PricingError.self) {
                try await ledger.record(contentsOf: batch, policy: .rejectAll)
            }
            #expect(error?.code == .invalidEvent)
            let message = error?.message ?? ""
            #expect(message.contains("nothing was written"))
            #expect(message.contains("record 2"))
            #expect(message.contains("id 'bad'"))
            #expect(message.contains("field 'model'"))

            #expect(try await ledger.info().events == 0)
            #expect(try await ledger.query(UsageQuery()).totals.events == 0)
            for level in RollupLevel.allCases {
                #expect(try await exportRollups(ledger, level).isEmpty)
            }
            // The valid events are not "taken": they record normally afterwards.
            let retry = try await ledger.record(contentsOf: [batch[0], batch[2]])
            #expect(retry.added == 2)
        }
    }

    @Test("skip-invalid writes the valid events and reports index, id and field", arguments: LedgerKind.allCases)
    func skipInvalid(kind: LedgerKind) async throws {
        try await withLedger(kind) { ledger in
            let batch = [
                makeEvent("ok-1", cost: micros(1)),
                makeEvent("neg", usage: Usage(inputTokens: -5, outputTokens: 1)),
                makeEvent("ok-2", cost: micros(2)),
                makeEvent("future", at: Fixtures.now.addingTimeInterval(2 * 86_400)),
                makeEvent("ok-1", cost: micros(1)),
            ]
            let result = try await ledger.record(contentsOf: batch, policy: .skipInvalid)
            #expect(result.added == 2)
            #expect(result.duplicates == 1)
            #expect(result.rejected.map(\.index) == [1, 3])
            #expect(result.rejected.map(\.id) == ["neg", "future"])
            #expect(result.rejected[0].message.contains("usage.input_tokens"))
            #expect(result.rejected[1].message.contains("timestamp"))
            #expect(result.rejected[0].description.hasPrefix("record 2 (id 'neg')"))
            #expect(result.statuses[0] == .added)
            #expect(result.statuses[4] == .duplicate)
            guard case .rejected(let why) = result.statuses[1] else {
                Issue.record("status 1 should be rejected, is \(result.statuses[1])")
                return
            }
            #expect(why.contains("negative"))

            let report = try await ledger.query(UsageQuery())
            #expect(report.totals.events == 2)
            #expect(report.totals.cost == micros(3))
        }
    }

    struct InvalidCase: Sendable, CustomTestStringConvertible {
        var name: String
        var event: UsageEvent
        var field: String
        var reason: String
        var testDescription: String { name }
    }

    static let invalidCases: [InvalidCase] = [
        InvalidCase(name: "missing model", event: makeEvent("m", model: ""), field: "field 'model'", reason: "missing"),
        InvalidCase(
            name: "negative input tokens", event: makeEvent("n", usage: Usage(inputTokens: -1, outputTokens: 3)),
            field: "field 'usage.input_tokens'", reason: "negative (-1)"),
        InvalidCase(
            name: "negative web searches",
            event: makeEvent("w", usage: Usage(inputTokens: 1, outputTokens: 3, other: [.webSearches: -2])),
            field: "field 'usage.web_searches'", reason: "negative (-2)"),
        InvalidCase(
            name: "timestamp far in the future", event: makeEvent("f", at: Fixtures.now.addingTimeInterval(86_400)),
            field: "field 'timestamp'", reason: "in the future"),
        InvalidCase(
            name: "timestamp before 2000", event: makeEvent("p", at: Fixtures.date("1999-12-31T23:59:59Z")),
            field: "field 'timestamp'", reason: "before 2000-01-01"),
        InvalidCase(name: "empty id", event: makeEvent(""), field: "field 'id'", reason: "empty"),
        InvalidCase(
            name: "negative cost", event: makeEvent("c", cost: Money(units: -1)), field: "field 'cost.total_usd'",
            reason: "negative"),
        InvalidCase(
            name: "cache reads above input", event: makeEvent("r", usage: Usage(inputTokens: 10, outputTokens: 1, cacheReadTokens: 20)),
            field: "field 'usage'", reason: "exceed input tokens"),
        InvalidCase(
            name: "tag key with '='", event: makeEvent("t", dimensions: UsageDimensions(tags: ["a=b": "c"])), field: "field 'tags'",
            reason: "invalid key 'a=b'"),
        InvalidCase(
            name: "negative latency",
            event: UsageEvent(
                id: "l", timestamp: Fixtures.now, model: "gpt-4o", usage: Usage(inputTokens: 1), latencyMilliseconds: -3),
            field: "field 'latency_ms'", reason: "negative (-3)"),
    ]

    @Test("validation messages name the field and the record", arguments: LedgerKind.allCases, invalidCases)
    func validationMessages(kind: LedgerKind, invalid: InvalidCase) async throws {
        try await withLedger(kind) { ledger in
            let error = await #expect(throws: PricingError.self) { try await ledger.record(invalid.event) }
            let message = error?.message ?? ""
            #expect(error?.code == .invalidEvent)
            #expect(message.contains(invalid.field), "\(message)")
            #expect(message.contains(invalid.reason), "\(message)")
            #expect(message.contains("record 1 (id '\(invalid.event.id)')"), "\(message)")
            let info = try await ledger.info()
            #expect(info.events == 0)
        }
    }

    @Test("a timestamp within the allowed clock skew is accepted", arguments: LedgerKind.allCases)
    func clockSkew(kind: LedgerKind) async throws {
        try await withLedger(kind) { ledger in
            let status = try await ledger.record(makeEvent("skew", at: Fixtures.now.addingTimeInterval(1_800)))
            #expect(status == .added)
        }
    }

    // MARK: - Pricing at ingest

    @Test("events without a cost are priced at their own timestamp and the cost is stored", arguments: LedgerKind.allCases)
    func pricedAtTimestamp(kind: LedgerKind) async throws {
        let engine = try Fixtures.engine()
        try await withLedger(kind, configuration: Fixtures.configuration(engine: engine)) { ledger in
            // claude-opus-4-6 is tiered above 200k input tokens until 2026-03-13, flat after.
            let usage = Usage(inputTokens: 300_000, outputTokens: 1_000)
            let before = Fixtures.date("2026-03-10T10:00:00Z")
            let after = Fixtures.date("2026-03-14T10:00:00Z")
            _ = try await ledger.record(contentsOf: [
                UsageEvent(id: "old", timestamp: before, model: "claude-opus-4-6", usage: usage),
                UsageEvent(id: "new", timestamp: after, model: "claude-opus-4-6", usage: usage),
                UsageEvent(id: "mystery", timestamp: after, model: "no-such-model-xyz", usage: usage),
            ])
            let expectedOld = EventCost(try engine.cost(usage, model: "claude-opus-4-6", at: before))
            let expectedNew = EventCost(try engine.cost(usage, model: "claude-opus-4-6", at: after))
            #expect(expectedOld.total != expectedNew.total)

            let old = try #require(try await ledger.event(id: "old"))
            let new = try #require(try await ledger.event(id: "new"))
            #expect(old.cost == expectedOld)
            #expect(new.cost == expectedNew)
            #expect(old.provider == "anthropic")

            let mystery = try #require(try await ledger.event(id: "mystery"))
            #expect(mystery.cost?.isPriced == false)
            #expect(mystery.provider == "unknown")

            let report = try await ledger.query(UsageQuery())
            #expect(report.totals.cost == expectedOld.total + expectedNew.total)
            #expect(report.totals.unpriced == 1)
            #expect(report.totals.events == 3)
        }
    }

    @Test("without a catalog, costless events are stored unpriced with a reason", arguments: LedgerKind.allCases)
    func unpricedWithoutEngine(kind: LedgerKind) async throws {
        try await withLedger(kind) { ledger in
            try await ledger.record(makeEvent("x", cost: nil))
            let stored = try #require(try await ledger.event(id: "x"))
            #expect(stored.cost?.isPriced == false)
            #expect(stored.cost?.unpricedReason?.isEmpty == false)
            #expect(try await ledger.query(UsageQuery()).totals.unpriced == 1)
        }
    }

    // MARK: - Round trip through the store

    @Test("a stored event reads back as written (dimensions, tags, metadata, latency, cost)", arguments: LedgerKind.allCases)
    func storedEventRoundTrip(kind: LedgerKind) async throws {
        try await withLedger(kind) { ledger in
            let event = UsageEvent(
                id: "full", timestamp: Date(timeIntervalSince1970: 1_773_475_750_123 / 1000), provider: "openai", model: "gpt-4o",
                usage: Usage(
                    inputTokens: 1_200, outputTokens: 300, cacheReadTokens: 200, cacheWriteTokens: 100,
                    cacheWrite5mTokens: 60, cacheWrite1hTokens: 40, reasoningTokens: 50, inputAudioTokens: 7,
                    outputAudioTokens: 3, requests: 2, other: [.webSearches: 3, .inputImages: 1]),
                cost: EventCost(
                    total: Money(units: 123_456_789_987_654_321), inputTotal: Money(units: 100_000_000_000_000_001),
                    outputTotal: Money(units: 23_456_789_987_654_320),
                    categories: [.input: Money(units: 100_000_000_000_000_001), .output: Money(units: 23_456_789_987_654_320)],
                    serviceTier: .standard, pricedAs: "openai/gpt-4o"),
                dimensions: UsageDimensions(
                    org: "acme", team: "search", user: "alice", project: "apollo", keyID: "key_1", session: "sess-9",
                    operation: "summarize", tags: ["env": "prod", "quote\"key": "v=1"]),
                status: .rateLimited, latencyMilliseconds: 842,
                metadata: .object(["trace": .string("abc"), "n": .number(3), "ok": .bool(true), "none": .null]))
            try await ledger.record(event)
            let stored = try #require(try await ledger.event(id: "full"))
            #expect(stored == event)
            #expect(try await ledger.event(id: "nope") == nil)
        }
    }

    @Test("an empty dimension is the same as an absent one, in reports and in stored events", arguments: LedgerKind.allCases)
    func emptyDimensions(kind: LedgerKind) async throws {
        try await withLedger(kind) { ledger in
            try await ledger.record(
                contentsOf: [
                    makeEvent("empty", cost: micros(1), dimensions: UsageDimensions(org: "", user: "", session: "", operation: "")),
                    makeEvent("absent", cost: micros(2)),
                ])
            let stored = try #require(try await ledger.event(id: "empty"))
            #expect(stored.dimensions == UsageDimensions())
            let report = try await ledger.query(UsageQuery(groupBy: [.user, .session]))
            #expect(report.rows.map(\.values) == [["", ""]])
            #expect(report.rows.first?.totals.cost == micros(3))
        }
    }

    // MARK: - Streams

    @Test("record(from:) an AsyncStream in batches: offsets, duplicates, rejects, progress", arguments: LedgerKind.allCases)
    func recordFromStream(kind: LedgerKind) async throws {
        try await withLedger(kind) { ledger in
            var events = (0..<25).map {
                makeEvent("s-\($0)", at: Fixtures.now.addingTimeInterval(Double(-$0 * 60)), cost: micros($0 + 1))
            }
            events[12].model = ""
            events[20].id = "s-3"
            let input = events
            let stream = AsyncStream<UsageEvent> { continuation in
                for event in input { continuation.yield(event) }
                continuation.finish()
            }
            let progressCalls = ProgressCounter()
            let result = try await ledger.record(from: stream, batchSize: 10, policy: .skipInvalid) { _ in
                progressCalls.increment()
            }
            #expect(result.statuses.count == 25)
            #expect(result.added == 23)
            #expect(result.duplicates == 1)
            #expect(result.statuses[20] == .duplicate)
            #expect(result.rejected.map(\.index) == [12])
            #expect(result.rejected.map(\.id) == ["s-12"])
            #expect(progressCalls.value == 3)

            let expected = input.enumerated().filter { $0.offset != 12 && $0.offset != 20 }.map(\.element)
            let report = try await ledger.query(UsageQuery())
            #expect(report.totals == totals(of: expected))
        }
    }

    // MARK: - JSON

    @Test("strict decoding rejects unknown fields, naming them; lenient decoding ignores them")
    func strictDecoding() throws {
        let json = Data(
            #"{"id":"j1","timestamp":"2026-03-01T10:00:00Z","model":"gpt-4o","usage":{"input_tokens":10},"colour":"red"}"#
                .utf8)
        let error = #expect(throws: PricingError.self) { try UsageEvent.decode(json: json, strict: true) }
        #expect(error?.code == .invalidEvent)
        #expect(error?.message.contains("colour") == true)
        #expect(error?.message.contains("known fields") == true)

        let lenient = try UsageEvent.decode(json: json, strict: false)
        #expect(lenient.id == "j1")
        #expect(lenient.usage.inputTokens == 10)
        #expect(lenient.timestamp == Fixtures.date("2026-03-01T10:00:00Z"))
    }

    @Test("JSON decoding errors name the field")
    func decodingErrors() throws {
        let badStatus = Data(#"{"id":"j","model":"m","status":"meh"}"#.utf8)
        let status = #expect(throws: PricingError.self) { try UsageEvent.decode(json: badStatus) }
        #expect(status?.message.contains("status") == true)

        let badTime = Data(#"{"id":"j","model":"m","timestamp":"yesterday"}"#.utf8)
        let time = #expect(throws: PricingError.self) { try UsageEvent.decode(json: badTime) }
        #expect(time?.message.contains("timestamp") == true)

        let badTokens = Data(#"{"id":"j","model":"m","usage":{"input_tokens":"many"}}"#.utf8)
        let tokens = #expect(throws: PricingError.self) { try UsageEvent.decode(json: badTokens) }
        #expect(tokens?.message.contains("input_tokens") == true)
    }

    @Test("an event survives a JSON round trip, millisecond timestamps included", arguments: [0, 1, 7, 123, 499, 500, 999])
    func jsonRoundTrip(millis: Int) throws {
        let base = Fixtures.date("2026-03-14T08:09:10Z")
        let timestamp = Date(timeIntervalSince1970: (base.timeIntervalSince1970 * 1000 + Double(millis)) / 1000)
        let event = UsageEvent(
            id: "rt", timestamp: timestamp, provider: "anthropic", model: "claude-3-5-sonnet",
            usage: Usage(inputTokens: 900, outputTokens: 20, cacheReadTokens: 300, requests: 3, other: [.webSearches: 1]),
            cost: EventCost(total: Money(units: 42_000_000_000_000_123), inputTotal: Money(units: 42_000_000_000_000_123)),
            dimensions: UsageDimensions(team: "t", user: "u", session: "s", tags: ["a": "b"]),
            status: .error, latencyMilliseconds: 12, metadata: .array([.number(1.5), .string("x")]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(event)
        let decoded = try UsageEvent.decode(json: data, strict: true)
        #expect(decoded.unixMilliseconds == event.unixMilliseconds)
        #expect(decoded == event)
        // Every field the encoder writes is one the strict decoder knows.
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys).isSubset(of: Set(UsageEvent.fieldNames)))
    }
}

/// A thread-safe counter for `@Sendable` progress callbacks.
final class ProgressCounter: Sendable {
    private let storage = Mutex(0)
    func increment() { storage.withLock { $0 += 1 } }
    var value: Int { storage.withLock { $0 } }
}
