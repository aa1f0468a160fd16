import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// Raw reports of the SQLite ledger: sums added up row by row from the covering (time bucket, series)
/// index, unit kinds from their partial index, and the same answers as the events themselves.
@Suite("SQLite ledger: raw reports")
struct LedgerRawQueryTests {
    static let events = SampleData.standard
    static let since = Fixtures.date("2026-01-16T03:20:01.234Z")
    static let until = Fixtures.date("2026-02-14T17:05:09.876Z")

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var query: UsageQuery
        /// Whether the rows are read by user (a list of series): then the covering index answers.
        var byUser: Bool
        var testDescription: String { name }
    }

    static func filter(_ equals: [UsageDimension: Set<String>], since: Date? = since, until: Date? = until) -> UsageFilter {
        UsageFilter(since: since, until: until, equals: equals)
    }

    static let cases: [Case] = [
        Case(name: "one user by model, unaligned", query: UsageQuery(filter: filter([.user: ["alice"]]), groupBy: [.model]), byUser: true),
        Case(
            name: "two users with a tag filter, by model per day",
            query: UsageQuery(filter: filter([.user: ["alice", "bob"], .tag("env"): ["prod"]]), groupBy: [.model], bucket: .day),
            byUser: true),
        Case(
            name: "one user by status per hour (errors, rate limits)",
            query: UsageQuery(filter: filter([.user: ["carol"]]), groupBy: [.status], bucket: .hour), byUser: true),
        Case(
            name: "a user and a model, with a session filter",
            query: UsageQuery(
                filter: filter([.user: ["dave"], .model: ["gpt-4o"], .session: ["s10", "s11", "s40", "nope"]]), groupBy: [.provider]),
            byUser: true),
        Case(
            name: "one user, open range, a tag every event has, by team",
            query: UsageQuery(filter: filter([.user: ["bob"], .tag("all"): ["yes"]], since: nil, until: nil), groupBy: [.team]),
            byUser: true),
        Case(name: "every user by provider, unaligned", query: UsageQuery(filter: filter([:]), groupBy: [.provider, .user]), byUser: false),
        Case(
            name: "one user grouped by a tag (rows joined to series)",
            query: UsageQuery(filter: filter([.user: ["alice"]]), groupBy: [.tag("env"), .model]), byUser: false),
        Case(name: "a user with no events", query: UsageQuery(filter: filter([.user: ["nobody"]]), groupBy: [.model]), byUser: false),
    ]

    @Test("raw answers equal the events' own sums, unit kinds included", arguments: cases)
    func rawAnswers(test: Case) async throws {
        let ledger = try await SharedSamples.shared.ledger(.sqlite)
        let report = try await ledger.query(test.query)
        #expect(report.source == .raw)
        #expect(rowsByKey(report) == expectedRows(Self.events, test.query))
        let matching = Self.events.filter(test.query.filter.matches)
        #expect(report.totals == totals(of: matching))
        #expect(matching.isEmpty == (test.name == "a user with no events"), "the case should match events")
        if test.query.filter.equals[.session] == nil, !matching.isEmpty {
            #expect(report.totals.usage[.webSearches] > 0, "the case should include unit kinds")
            #expect(report.totals.errors > 0 && report.totals.unpriced > 0, "the case should include errors and unpriced events")
        }
        // The in-memory ledger answers the same rows.
        let memory = try await SharedSamples.shared.ledger(.memory)
        #expect(try await memory.query(test.query).rows == report.rows)
    }

    @Test("a user's raw rows come from the covering index, unit kinds from their partial index, without sorting")
    func plans() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let writer = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration())
        #expect(try await writer.record(contentsOf: Self.events).added == Self.events.count)
        // Folded here, so that the reader does not read the pending batches back (its own query).
        try await writer.foldRollups()
        // A fresh connection: its statement cache holds only what the reports prepared.
        let reader = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration())
        for test in Self.cases where test.byUser {
            _ = try await reader.query(test.query)
        }
        let plans = try await reader.cachedPlansForTesting(containing: "FROM events e")
        let sums = plans.filter { $0.key.contains("e.requests") }
        let units = plans.filter { $0.key.contains("e.other_usage IS NOT NULL") }
        #expect(sums.count >= 2)
        #expect(units.count >= 2)
        for (sql, plan) in sums {
            #expect(plan.contains { $0.contains("USING COVERING INDEX events_bucket_series_sums") }, "\(plan) for \(sql)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "\(plan) for \(sql)")
        }
        for (sql, plan) in units {
            #expect(plan.contains { $0.contains("USING INDEX events_other_usage") }, "\(plan) for \(sql)")
        }
    }

    @Test("a sum beyond 64 bits is an error, not a wrapped total")
    func overflow() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration())
        // Two events of one series in one hour: one partial sum.
        let first = try #require(Self.events.first)
        var second = first
        second.id += "-again"
        second.timestamp = first.timestamp.addingTimeInterval(1)
        #expect(try await ledger.record(contentsOf: [first, second]).added == 2)
        let query = UsageQuery(
            filter: UsageFilter(since: first.timestamp.addingTimeInterval(-0.5), equals: [.user: [first.dimensions.user ?? ""]]),
            groupBy: [.model])
        #expect(try await ledger.query(query).totals.usage.inputTokens == 2 * first.usage.inputTokens)
        // 2 × 6e18 does not fit in 64 bits.
        try await ledger.executeForTesting("UPDATE events SET input = 6000000000000000000")
        let error = await #expect(throws: SQLiteError.self) { try await ledger.query(query) }
        #expect(error?.code == .statement)
        #expect(error?.description.contains("overflow") == true)
    }

    @Test("a database from before migration 0013 gets the covering index with every raw answer unchanged")
    func migration() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = Fixtures.configuration()
        var before: [UsageReport] = []
        do {
            let ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: configuration)
            #expect(try await ledger.record(contentsOf: Self.events).added == Self.events.count)
            try await ledger.rewindRawReportIndexForTesting()
            #expect(try await ledger.indexNamesForTesting("events") == ["events_bucket_series", "events_other_usage"])
            for test in Self.cases { before.append(try await ledger.query(test.query)) }
        }
        let reopened = try SQLiteUsageLedger(path: directory.databasePath, configuration: configuration)
        #expect(try await reopened.info().schemaVersion == SQLiteUsageLedger.schemaVersion)
        #expect(try await reopened.indexNamesForTesting("events") == ["events_bucket_series_sums", "events_other_usage"])
        #expect(try await reopened.integrityCheck() == "ok")
        for (test, old) in zip(Self.cases, before) {
            #expect(try await reopened.query(test.query) == old, "\(test.name)")
        }
    }
}
