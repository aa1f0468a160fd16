import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// The daily totals per value of one dimension (`ReportSource.dailyByDimension`): chosen only when
/// they answer exactly, equal to the raw answer for every rolled-up dimension and bucket, and kept
/// exact by forget, reprice and compaction.
@Suite("Usage ledger contract: daily totals per dimension")
struct LedgerDimensionTests {
    static let events = SampleData.standard

    static let jan20 = Fixtures.date("2026-01-20T00:00:00Z")
    static let feb1 = Fixtures.date("2026-02-01T00:00:00Z")
    static let mar10 = Fixtures.date("2026-03-10T00:00:00Z")

    /// Runs `body` with a shared ledger holding ``SampleData/standard``, for tests that only read.
    func withSample(
        _ kind: LedgerKind, rollupTimeZone: TimeZone = Fixtures.utc, _ body: (any UsageLedger) async throws -> Void
    ) async throws {
        try await body(try await SharedSamples.shared.ledger(kind, rollupTimeZone: rollupTimeZone))
    }

    /// Runs `body` with a fresh ledger holding ``SampleData/standard``, for tests that change it.
    func withOwnSample(_ kind: LedgerKind, _ body: (any UsageLedger) async throws -> Void) async throws {
        try await withLedger(kind) { ledger in
            #expect(try await ledger.record(contentsOf: Self.events).added == Self.events.count)
            try await body(ledger)
        }
    }

    // MARK: - Every dimension, every bucket

    /// Fewer events for the New York run (the same 55 days): raw answers cost one calendar lookup per event.
    static let sparse = SampleData.events(count: 200, from: Fixtures.date("2026-01-15T00:00:00Z"), spacing: 23_962.5, idPrefix: "ny")

    @Test(
        "each rolled-up dimension alone matches the raw answer, in every bucket of the rollup zone",
        arguments: LedgerKind.allCases, ["UTC", "America/New_York"])
    func everyDimension(kind: LedgerKind, zoneID: String) async throws {
        let zone = Fixtures.zone(zoneID)
        let time = LocalTime(zone)
        // Day-aligned in the rollup zone; in New York the range holds the switch to summer time.
        let aligned = UsageFilter(since: time.startOfDay(Self.jan20), until: time.startOfDay(Self.mar10))
        let open = UsageFilter(since: time.startOfDay(Self.feb1))
        func run(_ ledger: any UsageLedger, _ events: [UsageEvent]) async throws {
            for dimension in UsageDimension.rolledUp {
                for (filter, bucket) in [
                    (aligned, TimeBucket?.none), (aligned, .day), (aligned, .week), (aligned, .month), (open, nil), (open, .month),
                ] {
                    let query = UsageQuery(filter: filter, groupBy: [dimension], bucket: bucket, timeZone: zone)
                    let report = try await expectSameAsRaw(
                        ledger, query, events: events, source: .dailyByDimension,
                        "\(zoneID) \(dimension) \(String(describing: bucket))", bothWays: bucket == nil)
                    #expect(!report.rows.isEmpty)
                }
            }
        }
        if zoneID == "UTC" {
            try await withSample(kind) { try await run($0, Self.events) }
        } else {
            try await withLedger(kind, configuration: Fixtures.configuration(rollupTimeZone: zone)) { ledger in
                #expect(try await ledger.record(contentsOf: Self.sparse).added == Self.sparse.count)
                try await run(ledger, Self.sparse)
            }
        }
    }

    @Test("without grouping or filter, the daily totals per dimension give the exact totals", arguments: LedgerKind.allCases)
    func totalsWithoutGrouping(kind: LedgerKind) async throws {
        try await withSample(kind) { ledger in
            let all = try await ledger.query(UsageQuery())
            #expect(all.source == .dailyByDimension)
            #expect(all.totals == totals(of: Self.events))
            #expect(all.totals.events == Self.events.count)
            #expect(all.rows.count == 1)
            #expect(all.rows.first?.values == [])
            #expect(all.rows.first?.totals == all.totals)
            #expect(all.groupCount == 1)
            for bucket in [TimeBucket?.none, .day, .week, .month] {
                try await expectSameAsRaw(
                    ledger, UsageQuery(bucket: bucket), events: Self.events, source: .dailyByDimension, "\(String(describing: bucket))")
                try await expectSameAsRaw(
                    ledger, UsageQuery(filter: UsageFilter(since: Self.jan20, until: Self.mar10), bucket: bucket), events: Self.events,
                    source: .dailyByDimension, "range \(String(describing: bucket))")
            }
        }
    }

    @Test("a filter on the grouped dimension (or on the only dimension) reads the daily totals per dimension", arguments: LedgerKind.allCases)
    func filterOnTheSameDimension(kind: LedgerKind) async throws {
        let range = UsageFilter(since: Self.jan20, until: Self.mar10)
        func filter(_ dimension: UsageDimension, _ values: Set<String>, ranged: Bool = true) -> UsageFilter {
            var filter = ranged ? range : UsageFilter()
            filter.equals[dimension] = values
            return filter
        }
        try await withSample(kind) { ledger in
            let cases: [(UsageQuery, ReportSource)] = [
                (UsageQuery(filter: filter(.user, ["alice", "bob"]), groupBy: [.user]), .dailyByDimension),
                (UsageQuery(filter: filter(.user, ["alice", "bob"]), groupBy: [.user], bucket: .day), .dailyByDimension),
                (UsageQuery(filter: filter(.user, ["alice", "bob"], ranged: false), groupBy: [.user], bucket: .month), .dailyByDimension),
                (UsageQuery(filter: filter(.user, ["alice", "bob"]), bucket: .week), .dailyByDimension),
                (UsageQuery(filter: filter(.user, [""]), groupBy: [.user]), .dailyByDimension),
                (UsageQuery(filter: filter(.user, ["", "dave", "nobody"]), groupBy: [.user], bucket: .day), .dailyByDimension),
                (UsageQuery(filter: filter(.user, []), groupBy: [.user]), .dailyByDimension),
                (UsageQuery(filter: filter(.model, ["gpt-4o", "claude-3-5-sonnet"]), groupBy: [.model], bucket: .week), .dailyByDimension),
                (UsageQuery(filter: filter(.status, ["error"], ranged: false)), .dailyByDimension),
                (UsageQuery(filter: filter(.keyID, ["key_1"]), groupBy: [.keyID], bucket: .month), .dailyByDimension),
                // Another dimension in the filter: the series rollups answer.
                (UsageQuery(filter: filter(.team, ["ads"]), groupBy: [.user]), .daily),
                (UsageQuery(filter: filter(.team, ["ads"], ranged: false), groupBy: [.user]), .monthly),
                (UsageQuery(filter: filter(.user, ["alice"]), groupBy: [.model]), .daily),
            ]
            for (query, source) in cases {
                try await expectSameAsRaw(ledger, query, events: Self.events, source: source, "\(query.filter.equals) by \(query.groupBy)")
            }
            let pair = try await ledger.query(UsageQuery(filter: filter(.user, ["alice", "bob"]), groupBy: [.user]))
            #expect(pair.rows.map(\.values).sorted { $0.lexicographicallyPrecedes($1) } == [["alice"], ["bob"]])
            let none = try await ledger.query(UsageQuery(filter: filter(.user, ["nobody"]), groupBy: [.user]))
            #expect(none.source == .dailyByDimension)
            #expect(none.rows.isEmpty)
            #expect(none.totals == UsageTotals())
        }
    }

    @Test("the daily totals per dimension are chosen only when they answer exactly", arguments: LedgerKind.allCases)
    func plannerChoices(kind: LedgerKind) async throws {
        let range = UsageFilter(since: Self.jan20, until: Self.mar10)
        try await withSample(kind) { ledger in
            let cases: [(UsageQuery, ReportSource)] = [
                (UsageQuery(filter: range, groupBy: [.project]), .dailyByDimension),
                // No time bucket: the query's zone does not matter.
                (UsageQuery(filter: range, groupBy: [.project], timeZone: Fixtures.kolkata), .dailyByDimension),
                // A zone with the rollup zone's rules.
                (UsageQuery(filter: range, groupBy: [.project], bucket: .day, timeZone: Fixtures.zone("Etc/UTC")), .dailyByDimension),
                // Days of another zone.
                (UsageQuery(filter: range, groupBy: [.project], bucket: .day, timeZone: Fixtures.newYork), .hourly),
                (UsageQuery(filter: range, groupBy: [.project], bucket: .day, timeZone: Fixtures.kolkata), .raw),
                // Hour buckets.
                (UsageQuery(filter: range, groupBy: [.project], bucket: .hour), .hourly),
                // Not day-aligned.
                (UsageQuery(filter: UsageFilter(since: Self.jan20.addingTimeInterval(3_600)), groupBy: [.project]), .hourly),
                (UsageQuery(filter: UsageFilter(until: Self.mar10.addingTimeInterval(0.001)), groupBy: [.project]), .raw),
                // Two dimensions, grouped or filtered.
                (UsageQuery(filter: range, groupBy: [.project, .operation]), .daily),
                (UsageQuery(groupBy: [.project, .operation]), .monthly),
                (UsageQuery(filter: UsageFilter(equals: [.project: ["zeus"], .operation: ["chat"]])), .monthly),
                // Dimensions the rollups drop.
                (UsageQuery(filter: range, groupBy: [.session]), .raw),
                (UsageQuery(filter: range, groupBy: [.tag("env")]), .raw),
                (UsageQuery(filter: UsageFilter(since: Self.jan20, equals: [.session: ["s3"]]), groupBy: [.project]), .raw),
            ]
            for (query, source) in cases {
                let report = try await ledger.query(query)
                #expect(report.source == source, "\(query.groupBy) \(query.filter.equals) \(String(describing: query.bucket)) \(query.timeZone.identifier)")
                #expect(rowsByKey(report) == expectedRows(Self.events, query))
                #expect(report.totals == totals(of: Self.events.filter(query.filter.matches)))
            }
        }
    }

    @Test("unit kinds outside the token columns appear in the daily totals per dimension", arguments: LedgerKind.allCases)
    func unitKinds(kind: LedgerKind) async throws {
        let range = UsageFilter(since: Self.jan20, until: Self.mar10)
        let inRange = Self.events.filter(range.matches)
        try await withSample(kind) { ledger in
            for dimension in UsageDimension.rolledUp {
                var expected: [String: Int] = [:]
                for event in inRange where event.usage[.webSearches] != 0 {
                    expected[event.value(of: dimension) ?? "", default: 0] += event.usage[.webSearches]
                }
                for bucket in [TimeBucket?.none, .day] {
                    let report = try await ledger.query(UsageQuery(filter: range, groupBy: [dimension], bucket: bucket))
                    #expect(report.source == .dailyByDimension)
                    var actual: [String: Int] = [:]
                    for row in report.rows where row.totals.usage[.webSearches] != 0 {
                        actual[row.values[0], default: 0] += row.totals.usage[.webSearches]
                    }
                    #expect(actual == expected, "\(dimension) \(String(describing: bucket))")
                    #expect(report.totals.usage[.webSearches] == inRange.reduce(0) { $0 + $1.usage[.webSearches] })
                }
            }
            // Filtered on the grouped dimension, and not grouped at all.
            var bob = range
            bob.equals[.user] = ["bob"]
            let bobSearches = inRange.filter { $0.dimensions.user == "bob" }.reduce(0) { $0 + $1.usage[.webSearches] }
            #expect(bobSearches > 0)
            for query in [UsageQuery(filter: bob, groupBy: [.user]), UsageQuery(filter: bob, bucket: .week)] {
                let report = try await ledger.query(query)
                #expect(report.source == .dailyByDimension)
                #expect(report.totals.usage[.webSearches] == bobSearches)
                #expect(report.rows.reduce(0) { $0 + $1.totals.usage[.webSearches] } == bobSearches)
            }
            let all = try await ledger.query(UsageQuery())
            #expect(all.source == .dailyByDimension)
            #expect(all.totals.usage[.webSearches] == Self.events.reduce(0) { $0 + $1.usage[.webSearches] })
            #expect(all.totals.usage[.webSearches] > 0)
        }
    }

    // MARK: - Maintenance keeps them exact

    @Test("after forget, the daily totals per dimension equal the raw totals of what remains", arguments: LedgerKind.allCases)
    func forget(kind: LedgerKind) async throws {
        try await withOwnSample(kind) { ledger in
            let result = try await ledger.forget(.user, value: "alice")
            #expect(result.eventsDeleted == Self.events.filter { $0.dimensions.user == "alice" }.count)
            var remaining = Self.events.filter { $0.dimensions.user != "alice" }

            for bucket in [TimeBucket?.none, .day] {
                try await expectSameAsRaw(
                    ledger, UsageQuery(groupBy: [.model], bucket: bucket), events: remaining, source: .dailyByDimension,
                    "model \(String(describing: bucket))")
            }
            for dimension in UsageDimension.rolledUp {
                try await expectSameAsRaw(
                    ledger, UsageQuery(filter: UsageFilter(since: Self.jan20, until: Self.mar10), groupBy: [dimension]), events: remaining,
                    source: .dailyByDimension, "\(dimension)")
            }
            let byUser = try await ledger.query(UsageQuery(groupBy: [.user], bucket: .day))
            #expect(byUser.source == .dailyByDimension)
            #expect(!byUser.rows.isEmpty)
            #expect(!byUser.rows.contains { $0.values == ["alice"] })
            let alice = try await ledger.query(UsageQuery(filter: UsageFilter(equals: [.user: ["alice"]]), groupBy: [.user]))
            #expect(alice.source == .dailyByDimension)
            #expect(alice.rows.isEmpty)
            #expect(alice.totals == UsageTotals())

            // A second forget on another dimension, then new events for the forgotten user.
            _ = try await ledger.forget(.team, value: "ads")
            remaining = remaining.filter { $0.dimensions.team != "ads" }
            let again = SampleData.events(count: 3, from: Fixtures.date("2026-03-02T10:00:00Z"), spacing: 600, idPrefix: "again")
            #expect(again[0].dimensions.user == "alice")
            try await ledger.record(contentsOf: again)
            remaining += again
            for dimension in [UsageDimension.user, .team, .model, .status] {
                try await expectSameAsRaw(
                    ledger, UsageQuery(groupBy: [dimension], bucket: .day), events: remaining, source: .dailyByDimension,
                    "after a second forget: \(dimension)")
            }
            let aliceAgain = try await ledger.query(UsageQuery(filter: UsageFilter(equals: [.user: ["alice"]])))
            #expect(aliceAgain.source == .dailyByDimension)
            #expect(aliceAgain.totals == totals(of: again.filter { $0.dimensions.user == "alice" }))
        }
    }

    @Test("after reprice, the daily totals per dimension equal the raw totals", arguments: LedgerKind.allCases)
    func reprice(kind: LedgerKind) async throws {
        try await withOwnSample(kind) { ledger in
            // Up for one model, then down for one user (amounts carry across the SQLite split both ways).
            @Sendable func dearer(_ event: UsageEvent) -> EventCost {
                let old = event.cost?.isPriced == true ? event.cost?.total ?? .zero : .zero
                let total = Money(units: old.units * 3 + 1_234_567_891)
                return EventCost(total: total, inputTotal: total, pricedAs: "test/dearer")
            }
            @Sendable func cheaper(_ event: UsageEvent) -> EventCost {
                let total = Money(units: (event.cost?.total.units ?? 0) / 7)
                return EventCost(total: total, inputTotal: total, outputTotal: .zero, pricedAs: "test/cheaper")
            }
            let model = UsageFilter(equals: [.model: ["gpt-4o-mini"]])
            let user = UsageFilter(equals: [.user: ["bob"]])
            #expect(try await ledger.reprice(matching: model) { dearer($0) }.changed == Self.events.filter(model.matches).count)
            #expect(try await ledger.reprice(matching: user) { cheaper($0) }.changed > 0)
            let repriced = Self.events.map { event in
                var changed = event
                if model.matches(changed) { changed.cost = dearer(changed) }
                if user.matches(changed) { changed.cost = cheaper(changed) }
                return changed
            }
            #expect(totals(of: repriced).cost != totals(of: Self.events).cost)

            for bucket in [TimeBucket?.none, .day] {
                let report = try await expectSameAsRaw(
                    ledger, UsageQuery(groupBy: [.model], bucket: bucket), events: repriced, source: .dailyByDimension,
                    "model \(String(describing: bucket))")
                #expect(report.totals.cost == totals(of: repriced).cost)
            }
            for dimension in UsageDimension.rolledUp {
                try await expectSameAsRaw(
                    ledger, UsageQuery(filter: UsageFilter(since: Self.jan20, until: Self.mar10), groupBy: [dimension], bucket: .week),
                    events: repriced, source: .dailyByDimension, "\(dimension)")
            }
        }
    }

    @Test("after compaction with a daily retention, the daily totals per dimension are not read before the daily horizon", arguments: LedgerKind.allCases)
    func compactionWithDailyRetention(kind: LedgerKind) async throws {
        let now = Fixtures.now
        let utc = LocalTime(Fixtures.utc)
        // About 58 days of events before `now`; raw and hourly data are kept, daily rows for 30 days.
        let events = SampleData.events(count: 240, from: now.addingTimeInterval(-60 * 86_400), spacing: 21_000, idPrefix: "keep")
        let retention = RetentionPolicy(rawDays: nil, hourlyDays: nil, dailyDays: 30, monthlyDays: nil)
        let configuration = Fixtures.configuration().with { $0.retention = retention }
        let horizon = utc.startOfDay(now, minusDays: 30)
        let dayBefore = utc.startOfDay(now, minusDays: 31)
        let early = utc.startOfDay(now, minusDays: 45)
        let february = UsageFilter(since: Fixtures.date("2026-02-01T00:00:00Z"), until: Fixtures.date("2026-03-01T00:00:00Z"))
        #expect(early < february.since ?? now)
        try await withLedger(kind, configuration: configuration) { ledger in
            try await ledger.record(contentsOf: events)
            for since in [early, dayBefore, horizon] {
                let report = try await ledger.query(UsageQuery(filter: UsageFilter(since: since), groupBy: [.user]))
                #expect(report.source == .dailyByDimension)
            }

            let result = try await ledger.compact(now: now)
            #expect(result.dailyRowsDeleted > 0)
            #expect(result.rawEventsDeleted == 0)

            for _ in 0..<2 {
                // Before the daily horizon: other levels answer, exactly.
                try await expectSameAsRaw(
                    ledger, UsageQuery(filter: UsageFilter(since: early), groupBy: [.user]), events: events, source: .hourly, "early")
                try await expectSameAsRaw(
                    ledger, UsageQuery(filter: UsageFilter(since: dayBefore), groupBy: [.model], bucket: .day), events: events,
                    source: .hourly, "a day before the horizon")
                try await expectSameAsRaw(
                    ledger, UsageQuery(filter: february, groupBy: [.user]), events: events, source: .monthly, "february")
                try await expectSameAsRaw(ledger, UsageQuery(), events: events, source: .monthly, "everything")
                // From the daily horizon on: the daily totals per dimension, still exact.
                for dimension in [UsageDimension.user, .model, .status] {
                    for bucket in [TimeBucket?.none, .day] {
                        try await expectSameAsRaw(
                            ledger, UsageQuery(filter: UsageFilter(since: horizon), groupBy: [dimension], bucket: bucket), events: events,
                            source: .dailyByDimension, "since the horizon: \(dimension) \(String(describing: bucket))")
                    }
                }
                // Compacting again changes nothing.
                #expect(try await ledger.compact(now: now).dailyRowsDeleted == 0)
            }
            if let sqlite = ledger as? SQLiteUsageLedger {
                let seconds = Int64(horizon.timeIntervalSince1970)
                #expect(try await sqlite.scalarForTesting("SELECT COUNT(*) FROM rollup_dimension_daily WHERE bucket < \(seconds)") == 0)
                let kept = try await sqlite.scalarForTesting("SELECT COUNT(*) FROM rollup_dimension_daily WHERE bucket >= \(seconds)")
                #expect((kept ?? 0) > 0)
            }
        }
    }
}
