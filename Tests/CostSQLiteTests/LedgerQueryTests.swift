import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// Reading: totals, groups, time buckets in several zones, order, top N, pagination, filters, and the
/// planner's choice of source (raw or a rollup level), which must never change an answer.
@Suite("Usage ledger contract: queries")
struct LedgerQueryTests {
    static let events = SampleData.standard

    /// Runs `body` with a ledger holding ``SampleData/standard``: one per kind, loaded once and shared
    /// (every test here only reads it).
    func withSample(_ kind: LedgerKind, _ body: (any UsageLedger) async throws -> Void) async throws {
        try await body(try await SharedSamples.shared.ledger(kind))
    }

    /// Asserts that `query` returns exactly what the events say, from `source`.
    func check(
        _ ledger: any UsageLedger, _ query: UsageQuery, source: ReportSource,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let report = try await ledger.query(query)
        #expect(report.source == source, "source", sourceLocation: sourceLocation)
        let expected = expectedRows(Self.events, query)
        let actual = rowsByKey(report)
        #expect(actual.count == expected.count, "row count", sourceLocation: sourceLocation)
        for (key, totals) in expected where actual[key] != totals {
            Issue.record("row \(key): expected \(totals), got \(String(describing: actual[key]))", sourceLocation: sourceLocation)
        }
        #expect(report.totals == totals(of: Self.events.filter(query.filter.matches)), "totals", sourceLocation: sourceLocation)
        #expect(report.groupCount == expected.count, sourceLocation: sourceLocation)
    }

    static let jan20 = Fixtures.date("2026-01-20T00:00:00Z")
    static let feb1 = Fixtures.date("2026-02-01T00:00:00Z")
    static let mar1 = Fixtures.date("2026-03-01T00:00:00Z")
    static let mar10 = Fixtures.date("2026-03-10T00:00:00Z")

    // MARK: - Totals

    @Test("totals equal the sum of the events, exactly", arguments: LedgerKind.allCases)
    func totalsAreExact(kind: LedgerKind) async throws {
        try await withSample(kind) { ledger in
            let report = try await ledger.query(UsageQuery())
            let expected = totals(of: Self.events)
            #expect(report.totals == expected)
            #expect(report.totals.cost == Self.events.reduce(Money.zero) { $0 + ($1.cost?.isPriced == true ? $1.cost?.total ?? .zero : .zero) })
            #expect(report.totals.events == 600)
            #expect(report.totals.usage.requests == Self.events.reduce(0) { $0 + $1.usage.requests })
            #expect(report.totals.errors == Self.events.filter { $0.status == .error }.count)
            #expect(report.totals.rateLimited == Self.events.filter { $0.status == .rateLimited }.count)
            #expect(report.totals.unpriced == Self.events.filter { $0.cost?.isPriced == false }.count)
            #expect(report.totals.usage[.webSearches] == Self.events.reduce(0) { $0 + $1.usage[.webSearches] })
            #expect(report.totals.usage[.webSearches] > 0)
            #expect(report.rows.count == 1)
            #expect(report.rows.first?.totals == expected)
            // No grouping and no filter: the per-provider daily totals add up to everything.
            #expect(report.source == .dailyByDimension)
            #expect(report.notes.isEmpty)
            // The same totals from the series-level monthly rollup.
            let monthly = try await ledger.query(UsageQuery(groupBy: [.provider, .model]))
            #expect(monthly.source == .monthly)
            #expect(monthly.totals == expected)
        }
    }

    // MARK: - Grouping and time buckets

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var query: UsageQuery
        var source: ReportSource
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "by user and team, month-aligned",
            query: UsageQuery(filter: UsageFilter(since: feb1, until: mar1), groupBy: [.user, .team]), source: .monthly),
        Case(
            name: "by user, month-aligned (per-dimension totals)",
            query: UsageQuery(filter: UsageFilter(since: feb1, until: mar1), groupBy: [.user]), source: .dailyByDimension),
        Case(name: "by model and user, no range", query: UsageQuery(groupBy: [.model, .user]), source: .monthly),
        Case(
            name: "by user and model, day buckets in UTC",
            query: UsageQuery(filter: UsageFilter(since: jan20, until: mar10), groupBy: [.user, .model], bucket: .day),
            source: .daily),
        Case(
            name: "by user, day buckets in UTC (per-dimension totals)",
            query: UsageQuery(filter: UsageFilter(since: jan20, until: mar10), groupBy: [.user], bucket: .day),
            source: .dailyByDimension),
        Case(
            name: "by model, day buckets in New York (hourly rollups, DST inside)",
            query: UsageQuery(
                filter: UsageFilter(since: jan20, until: mar10), groupBy: [.model], bucket: .day, timeZone: Fixtures.newYork),
            source: .hourly),
        Case(
            name: "by model, day buckets in Kolkata (+05:30: raw)",
            query: UsageQuery(
                filter: UsageFilter(since: jan20, until: mar10), groupBy: [.model], bucket: .day, timeZone: Fixtures.kolkata),
            source: .raw),
        Case(
            name: "hour buckets in Kolkata (raw)",
            query: UsageQuery(
                filter: UsageFilter(since: mar1, until: mar10), bucket: .hour, timeZone: Fixtures.kolkata), source: .raw),
        Case(name: "week buckets in UTC, by team and operation", query: UsageQuery(groupBy: [.team, .operation], bucket: .week), source: .daily),
        Case(name: "week buckets in UTC, by team (per-dimension totals)", query: UsageQuery(groupBy: [.team], bucket: .week), source: .dailyByDimension),
        Case(
            name: "week buckets in New York", query: UsageQuery(filter: UsageFilter(since: jan20), bucket: .week, timeZone: Fixtures.newYork),
            source: .hourly),
        Case(name: "month buckets in UTC, by provider and key", query: UsageQuery(groupBy: [.provider, .keyID], bucket: .month), source: .monthly),
        Case(
            name: "month buckets in UTC, by provider (per-dimension totals)", query: UsageQuery(groupBy: [.provider], bucket: .month),
            source: .dailyByDimension),
        Case(
            name: "month buckets, day-aligned range, by project and status",
            query: UsageQuery(filter: UsageFilter(since: jan20, until: mar10), groupBy: [.project, .status], bucket: .month),
            source: .daily),
        Case(
            name: "month buckets, day-aligned range (per-dimension totals)",
            query: UsageQuery(filter: UsageFilter(since: jan20, until: mar10), bucket: .month), source: .dailyByDimension),
        Case(
            name: "month buckets in Kolkata", query: UsageQuery(groupBy: [.status], bucket: .month, timeZone: Fixtures.kolkata),
            source: .raw),
        Case(
            name: "hour buckets in UTC",
            query: UsageQuery(filter: UsageFilter(since: mar1, until: mar10), groupBy: [.keyID], bucket: .hour), source: .hourly),
        Case(
            name: "hour-aligned range, no bucket",
            query: UsageQuery(filter: UsageFilter(since: jan20.addingTimeInterval(5 * 3600), until: mar10), groupBy: [.org, .project]),
            source: .hourly),
        Case(
            name: "unaligned by 1 ms",
            query: UsageQuery(filter: UsageFilter(since: jan20.addingTimeInterval(0.001), until: mar10), groupBy: [.operation]),
            source: .raw),
        Case(name: "by tag (raw)", query: UsageQuery(groupBy: [.tag("env")], bucket: .day), source: .raw),
        Case(name: "by session (raw)", query: UsageQuery(filter: UsageFilter(since: mar1), groupBy: [.session]), source: .raw),
        Case(
            name: "filter on a tag (raw)",
            query: UsageQuery(filter: UsageFilter(equals: [.tag("env"): ["dev"]]), groupBy: [.user, .status]), source: .raw),
        Case(
            name: "filter on sessions (raw)",
            query: UsageQuery(filter: UsageFilter(equals: [.session: ["s3", "s17"]]), groupBy: [.model]), source: .raw),
        Case(
            name: "filter on users and a model",
            query: UsageQuery(filter: UsageFilter(equals: [.user: ["alice", "bob"], .model: ["gpt-4o"]]), groupBy: [.user]),
            source: .monthly),
        Case(
            name: "filter on an absent user (empty string)",
            query: UsageQuery(filter: UsageFilter(since: jan20, until: mar10, equals: [.user: [""]]), groupBy: [.team], bucket: .day),
            source: .daily),
        Case(
            name: "filter on status, by user",
            query: UsageQuery(filter: UsageFilter(equals: [.status: ["error", "rate_limited"]]), groupBy: [.user]), source: .monthly),
        Case(
            name: "filter on status, by status (per-dimension totals)",
            query: UsageQuery(filter: UsageFilter(equals: [.status: ["error", "rate_limited"]]), groupBy: [.status]),
            source: .dailyByDimension),
        Case(
            name: "filter on users, by team, day-aligned range",
            query: UsageQuery(filter: UsageFilter(since: jan20, until: mar10, equals: [.user: ["alice", "carol"]]), groupBy: [.team]),
            source: .daily),
        Case(
            name: "filter on users, no grouping, day buckets (per-dimension totals)",
            query: UsageQuery(filter: UsageFilter(since: jan20, until: mar10, equals: [.user: ["alice", "carol"]]), bucket: .day),
            source: .dailyByDimension),
        Case(
            name: "filter on an empty set of users matches nothing",
            query: UsageQuery(filter: UsageFilter(equals: [.user: []]), groupBy: [.team]), source: .monthly),
        Case(
            name: "filter on an empty set of tag values matches nothing (raw)",
            query: UsageQuery(filter: UsageFilter(equals: [.tag("env"): []]), groupBy: [.user]), source: .raw),
        Case(
            name: "filter on an absent tag value",
            query: UsageQuery(filter: UsageFilter(equals: [.tag("missing"): [""]]), groupBy: [.team]), source: .raw),
        Case(
            name: "filter matching nothing, by team",
            query: UsageQuery(filter: UsageFilter(equals: [.user: ["nobody"]]), groupBy: [.team]), source: .monthly),
        Case(
            name: "filter matching nothing (per-dimension totals)",
            query: UsageQuery(filter: UsageFilter(equals: [.user: ["nobody"]]), groupBy: [.user]), source: .dailyByDimension),
    ]

    @Test("grouped and bucketed reports match the events, from the right source", arguments: LedgerKind.allCases, cases)
    func groupedReports(kind: LedgerKind, test: Case) async throws {
        try await withSample(kind) { ledger in
            try await check(ledger, test.query, source: test.source)
        }
    }

    @Test("aggregates built batch by batch, in any order, answer exactly", arguments: LedgerKind.allCases)
    func incrementalRollups(kind: LedgerKind) async throws {
        try await withLedger(kind) { ledger in
            // Small batches, newest first: every aggregate row is updated many times (and its amounts
            // carry between the SQLite high and low columns).
            let reversed = Array(Self.events.reversed())
            for start in stride(from: 0, to: reversed.count, by: 7) {
                try await ledger.record(contentsOf: Array(reversed[start..<min(start + 7, reversed.count)]))
            }
            for test in Self.cases where test.source != .raw {
                try await check(ledger, test.query, source: test.source)
            }
            for level in RollupLevel.allCases {
                var sum = UsageTotals()
                for record in try await exportRollups(ledger, level, pageSize: 1_000) { sum.add(record.totals) }
                #expect(sum == totals(of: Self.events), "\(level)")
            }
        }
    }

    @Test("day buckets start at local midnight in each zone", arguments: LedgerKind.allCases)
    func bucketStarts(kind: LedgerKind) async throws {
        try await withSample(kind) { ledger in
            for (zone, offsets) in [
                (Fixtures.utc, Set([0])), (Fixtures.newYork, Set([-5 * 3600, -4 * 3600])), (Fixtures.kolkata, Set([19_800])),
            ] {
                let report = try await ledger.query(
                    UsageQuery(filter: UsageFilter(since: Self.jan20, until: Self.mar10), bucket: .day, timeZone: zone))
                #expect(report.rows.count >= 49)
                var seenOffsets = Set<Int>()
                for row in report.rows {
                    let start = try #require(row.bucketStart)
                    let offset = zone.secondsFromGMT(for: start)
                    seenOffsets.insert(offset)
                    let localSeconds = Int(start.timeIntervalSince1970) + offset
                    #expect(localSeconds % 86_400 == 0, "\(zone.identifier): \(start) is not local midnight")
                }
                #expect(seenOffsets == offsets, "\(zone.identifier)")
            }
        }
    }

    // MARK: - The same question from rollups and from raw events

    @Test("rollups and raw events give identical answers", arguments: LedgerKind.allCases)
    func rollupsEqualRaw(kind: LedgerKind) async throws {
        try await withSample(kind) { ledger in
            let aligned = UsageFilter(since: Self.jan20, until: Self.mar10)
            // The same events, forced to raw two ways: a range that is off by one millisecond (no event
            // falls in the extra millisecond), and a filter on a tag every event carries.
            let shifted = UsageFilter(since: Self.jan20, until: Self.mar10.addingTimeInterval(0.001))
            #expect(Self.events.filter(aligned.matches) == Self.events.filter(shifted.matches))
            var tagged = aligned
            tagged.equals[.tag("all")] = ["yes"]

            for (groupBy, bucket, zone, source) in [
                ([UsageDimension.user], TimeBucket?.none, Fixtures.utc, ReportSource.dailyByDimension),
                ([.user, .project], nil, Fixtures.utc, .daily),
                ([.model, .team], .day, Fixtures.utc, .daily),
                ([.keyID], .hour, Fixtures.utc, .hourly),
                ([.status], .week, Fixtures.utc, .dailyByDimension),
                ([.status, .keyID], .week, Fixtures.utc, .daily),
                ([.model], .day, Fixtures.newYork, .hourly),
                ([], .month, Fixtures.utc, .dailyByDimension),
                ([.team, .user], .month, Fixtures.utc, .daily),
            ] {
                var query = UsageQuery(filter: aligned, groupBy: groupBy, bucket: bucket, timeZone: zone)
                query.order = .key
                let fromRollups = try await ledger.query(query)
                #expect(fromRollups.source == source, "\(groupBy) \(String(describing: bucket)) \(zone.identifier)")
                query.filter = shifted
                let fromRawByTime = try await ledger.query(query)
                query.filter = tagged
                let fromRawByTag = try await ledger.query(query)
                #expect(fromRawByTime.source == .raw)
                #expect(fromRawByTag.source == .raw)
                #expect(fromRollups.totals == fromRawByTime.totals)
                #expect(fromRollups.totals == fromRawByTag.totals)
                #expect(fromRollups.rows == fromRawByTime.rows, "\(groupBy) \(String(describing: bucket)) \(zone.identifier)")
                #expect(fromRollups.rows == fromRawByTag.rows, "\(groupBy) \(String(describing: bucket)) \(zone.identifier)")
            }
        }
    }

    @Test("unit kinds outside the token columns are summed by raw and rollup sources", arguments: LedgerKind.allCases)
    func otherUnitKinds(kind: LedgerKind) async throws {
        try await withSample(kind) { ledger in
            var expected: [String: Int] = [:]
            for event in Self.events { expected[event.model, default: 0] += event.usage[.webSearches] }
            var sources: Set<ReportSource> = []
            // By model alone (per-dimension totals when aligned) and by model and user (series rollups).
            for groupBy in [[UsageDimension.model], [.model, .user]] {
                for filter in [
                    UsageFilter(), UsageFilter(equals: [.tag("all"): ["yes"]]), UsageFilter(since: Fixtures.date("2026-01-01T05:00:00Z")),
                ] {
                    for bucket in [TimeBucket?.none, .day] {
                        let query = UsageQuery(filter: filter, groupBy: groupBy, bucket: bucket)
                        let report = try await ledger.query(query)
                        sources.insert(report.source)
                        var byModel: [String: Int] = [:]
                        for row in report.rows { byModel[row.values[0], default: 0] += row.totals.usage[.webSearches] }
                        #expect(byModel == expected, "\(groupBy) \(report.source)")
                        #expect(report.totals.usage[.webSearches] == expected.values.reduce(0, +), "\(report.source)")
                        #expect(rowsByKey(report) == expectedRows(Self.events, query), "\(groupBy) \(report.source)")
                    }
                }
            }
            #expect(sources == [.dailyByDimension, .monthly, .daily, .hourly, .raw])
            // Every source was exercised.
            let pair: [UsageDimension] = [.model, .user]
            let sourceList = try await [
                ledger.query(UsageQuery()).source,
                ledger.query(UsageQuery(groupBy: pair)).source,
                ledger.query(UsageQuery(filter: UsageFilter(since: Self.jan20), groupBy: pair)).source,
                ledger.query(UsageQuery(filter: UsageFilter(since: Self.jan20.addingTimeInterval(3600)))).source,
                ledger.query(UsageQuery(filter: UsageFilter(since: Self.jan20.addingTimeInterval(1)))).source,
            ]
            #expect(sourceList == [.dailyByDimension, .monthly, .daily, .hourly, .raw])
        }
    }

    @Test("tag keys with dots, quotes, backslashes and spaces filter and group", arguments: LedgerKind.allCases)
    func unusualTagKeys(kind: LedgerKind) async throws {
        try await withLedger(kind) { ledger in
            let keys = ["plain", "dotted.key", "quote\"key", "back\\slash", "sp ace", "$", "a[0]", "ключ"]
            var events: [UsageEvent] = []
            for (i, key) in keys.enumerated() {
                for copy in 0...i {
                    events.append(
                        makeEvent("e\(i)-\(copy)", cost: micros(i + 1), dimensions: UsageDimensions(tags: [key: "v\(i)", "other": "x"])))
                }
            }
            try await ledger.record(contentsOf: events)
            for (i, key) in keys.enumerated() {
                let filtered = try await ledger.query(UsageQuery(filter: UsageFilter(equals: [.tag(key): ["v\(i)"]])))
                #expect(filtered.source == .raw)
                #expect(filtered.totals.events == i + 1, "\(key)")
                #expect(filtered.totals.cost == micros((i + 1) * (i + 1)), "\(key)")
                let grouped = try await ledger.query(UsageQuery(groupBy: [.tag(key)], order: .key))
                #expect(grouped.rows.map(\.values) == [[""], ["v\(i)"]], "\(key)")
                #expect(grouped.rows.last?.totals.events == i + 1, "\(key)")
                let exported = try await exportAll(ledger, matching: UsageFilter(equals: [.tag(key): ["v\(i)"]]))
                #expect(exported.count == i + 1, "\(key)")
            }
        }
    }

    // MARK: - Order, top N, pagination

    @Test("order by cost, requests, tokens, events, key and time", arguments: LedgerKind.allCases)
    func ordering(kind: LedgerKind) async throws {
        try await withSample(kind) { ledger in
            func rows(_ order: UsageOrder, bucket: TimeBucket? = nil) async throws -> [UsageRow] {
                try await ledger.query(UsageQuery(groupBy: [.user, .model], bucket: bucket, order: order)).rows
            }
            let byCost = try await rows(.cost)
            #expect(byCost.count == 15)
            #expect(zip(byCost, byCost.dropFirst()).allSatisfy { $0.totals.cost >= $1.totals.cost })
            let byRequests = try await rows(.requests)
            #expect(zip(byRequests, byRequests.dropFirst()).allSatisfy { $0.totals.usage.requests >= $1.totals.usage.requests })
            let byTokens = try await rows(.tokens)
            #expect(zip(byTokens, byTokens.dropFirst()).allSatisfy { $0.totals.tokens >= $1.totals.tokens })
            let byEvents = try await rows(.events)
            #expect(zip(byEvents, byEvents.dropFirst()).allSatisfy { $0.totals.events >= $1.totals.events })
            let byKey = try await rows(.key)
            #expect(byKey.map(\.values) == byKey.map(\.values).sorted { $0.lexicographicallyPrecedes($1) })
            #expect(byKey.first?.values == ["", "claude-3-5-sonnet"])
            let byTime = try await rows(.time, bucket: .week)
            let starts = byTime.compactMap(\.bucketStart)
            #expect(starts.count == byTime.count)
            #expect(starts == starts.sorted())
            // Ties inside a bucket fall back to cost.
            for (a, b) in zip(byTime, byTime.dropFirst()) where a.bucketStart == b.bucketStart {
                #expect(a.totals.cost >= b.totals.cost)
            }
            // Shares add up to one.
            let shares = byCost.reduce(0.0) { $0 + $1.costShare }
            #expect(abs(shares - 1) < 1e-9)
        }
    }

    @Test("top N keeps N rows and folds the rest into others", arguments: LedgerKind.allCases, [0, 1, 2, 4, 5, 9])
    func topN(kind: LedgerKind, top: Int) async throws {
        try await withSample(kind) { ledger in
            let full = try await ledger.query(UsageQuery(groupBy: [.user]))
            var query = UsageQuery(groupBy: [.user])
            query.top = top
            let report = try await ledger.query(query)
            #expect(report.groupCount == 5)
            #expect(report.rows.count == min(top, 5))
            #expect(report.rows == Array(full.rows.prefix(top)))
            var sum = UsageTotals()
            for row in report.rows { sum.add(row.totals) }
            if top < 5 {
                let others = try #require(report.others)
                #expect(others.values == [""])
                var rest = UsageTotals()
                for row in full.rows.dropFirst(top) { rest.add(row.totals) }
                #expect(others.totals == rest)
                sum.add(others.totals)
            } else {
                #expect(report.others == nil)
            }
            #expect(sum == report.totals)
            #expect(report.totals == totals(of: Self.events))
        }
    }

    @Test("pages (offset, limit) partition the rows; totals stay whole", arguments: LedgerKind.allCases)
    func pagination(kind: LedgerKind) async throws {
        try await withSample(kind) { ledger in
            let base = UsageQuery(groupBy: [.user, .model], bucket: .month, order: .key)
            let full = try await ledger.query(base)
            #expect(full.rows.count == full.groupCount)
            #expect(full.groupCount == 45)
            var paged: [UsageRow] = []
            var offset = 0
            while true {
                var query = base
                query.offset = offset
                query.limit = 7
                let page = try await ledger.query(query)
                #expect(page.totals == full.totals)
                #expect(page.groupCount == full.groupCount)
                if page.rows.isEmpty { break }
                #expect(page.rows.count <= 7)
                paged += page.rows
                offset += 7
            }
            #expect(paged == full.rows)

            // Pagination applies after top N.
            var topped = base
            topped.top = 10
            topped.offset = 8
            topped.limit = 5
            let tail = try await ledger.query(topped)
            #expect(tail.rows == Array(full.rows[8..<10]))
            #expect(tail.others != nil)
        }
    }

    // MARK: - Notes and JSON

    @Test("a report encodes to JSON with its rows, totals and source", arguments: LedgerKind.allCases)
    func reportJSON(kind: LedgerKind) async throws {
        try await withSample(kind) { ledger in
            var query = UsageQuery(groupBy: [.user], bucket: .day, timeZone: Fixtures.newYork)
            query.filter = UsageFilter(since: Self.mar1, until: Self.mar10)
            query.top = 2
            let report = try await ledger.query(query)
            let data = try JSONEncoder().encode(report)
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(object["source"] as? String == "hourly")
            #expect(object["time_zone"] as? String == "America/New_York")
            #expect((object["rows"] as? [Any])?.count == 2)
            let totals = try #require(object["totals"] as? [String: Any])
            #expect(totals["cost_usd"] as? String == report.totals.cost.decimalString)
            #expect(totals["web_searches"] as? Int == report.totals.usage[.webSearches])
            let others = try #require(object["others"] as? [String: Any])
            #expect(others["user"] as? String == "(others)")
        }
    }
}
