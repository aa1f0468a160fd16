import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// Time bounds of raw queries against the `events` layout of migration 0012 (found in review).
@Suite("Ledger time bounds")
struct LedgerTimeBoundTests {
    static func atMs(_ ms: Int64) -> Date { Date(timeIntervalSince1970: (Double(ms) + 0.5) / 1000) }

    @Test("raw answers are exact at the edges of the events index's time buckets, and forget finds every row")
    func bucketEdges() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration())
        let base = Int64((Fixtures.date("2026-02-01T00:00:00Z").timeIntervalSince1970 * 1000)) >> 26
        var events: [UsageEvent] = []
        var times: [Int64] = []
        for k in base..<(base + 6) {
            for d: Int64 in [-2, -1, 0, 1] {
                let ms = (k << 26) + d
                times.append(ms)
                events.append(makeEvent("e\(k)_\(d)", at: Self.atMs(ms), dimensions: UsageDimensions(user: k % 2 == 0 ? "alice" : "bob")))
            }
        }
        let r = try await ledger.record(contentsOf: events)
        #expect(r.added == events.count)
        var checked = 0
        for (i, since) in times.enumerated() {
            for until in times[i...] {
                for sinceOff: Int64 in [0, 1] {
                    var filter = UsageFilter(since: Self.atMs(since + sinceOff), until: Self.atMs(until))
                    filter.equals[.user] = ["alice", "bob"]
                    let report = try await ledger.query(UsageQuery(filter: filter))
                    let expected = times.filter { $0 >= since + sinceOff && $0 < until }.count
                    if report.source == .raw { checked += 1 }
                    #expect(report.totals.events == expected, "\(since + sinceOff)..<\(until) \(report.source)")
                }
            }
        }
        #expect(checked > 100)
        // forget finds every row
        let f = try await ledger.forget(.user, value: "alice")
        #expect(f.eventsDeleted == events.count / 2)
        #expect(try await ledger.query(UsageQuery()).totals.events == events.count / 2)
    }

    @Test(
        "raw queries with bounds at or beyond what a position holds keep the event (no overflow, no wrap)",
        arguments: [
            // an end of exactly 2^43 ms (2248-09-26T15:10:22.208Z): it overflowed with the new index
            (nil as Date?, Date(timeIntervalSince1970: 8_796_093_022.2085)),
            // the distant future: it wrapped to a negative position
            (Fixtures.date("2026-01-01T00:00:00.5Z"), Date.distantFuture),
            (Date.distantPast.addingTimeInterval(0.5), Date.distantFuture),
        ])
    func boundsBeyondPositions(since: Date?, until: Date) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration())
        _ = try await ledger.record(contentsOf: [makeEvent("a", dimensions: UsageDimensions(user: "alice"))])
        var filter = UsageFilter(since: since, until: until)
        filter.equals[.user] = ["alice"]
        let report = try await ledger.query(UsageQuery(filter: filter))
        #expect(report.source == .raw && report.totals.events == 1)
    }

    @Test("forget switches foreign-key checks off only for its own transaction")
    func forgetRestoresForeignKeys() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration())
        _ = try await ledger.record(contentsOf: [
            makeEvent("a", dimensions: UsageDimensions(user: "alice")), makeEvent("b", dimensions: UsageDimensions(user: "bob")),
        ])
        let result = try await ledger.forget(.user, value: "alice")
        #expect(result.eventsDeleted == 1)
        let enabled = try await ledger.foreignKeysEnabled()
        #expect(enabled)
        #expect(try await ledger.query(UsageQuery()).totals.events == 1)
    }
}
