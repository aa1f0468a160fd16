import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// Rollup deltas kept pending across batches and folded later (migration `0015-rollup-pending`).
@Suite("SQLite ledger: rollups folded across batches")
struct PendingRollupTests {
    static let events = SampleData.standard

    /// The aggregate rows of every level and the daily totals by user, as comparable values.
    static func aggregates(_ ledger: SQLiteUsageLedger, zone: TimeZone = Fixtures.utc) async throws -> [String] {
        var lines: [String] = []
        for level in RollupLevel.allCases {
            for record in try await exportRollups(ledger, level) {
                lines.append("\(level) \(record.bucketStart.timeIntervalSince1970) \(record.series) \(record.totals)")
            }
        }
        var byUser = UsageQuery(groupBy: [.user], bucket: .day, timeZone: zone)
        byUser.order = .key
        let report = try await ledger.query(byUser)
        #expect(report.source == .dailyByDimension)
        lines += report.rows.map { "\($0.values) \($0.bucketStart.map { "\($0.timeIntervalSince1970)" } ?? "-") \($0.totals)" }
        return lines
    }

    @Test("batches below the threshold wait in rollup_pending; a report folds them first and misses nothing")
    func reportFolds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration(), foldEvents: 10_000)
        for start in stride(from: 0, to: 300, by: 100) {
            #expect(try await ledger.record(contentsOf: Array(Self.events[start..<(start + 100)])).added == 100)
        }
        #expect(try await ledger.scalarForTesting("SELECT COUNT(*) FROM rollup_pending") == 3)
        #expect(try await ledger.scalarForTesting("SELECT COUNT(*) FROM rollup_hourly") == 0)
        #expect(try await ledger.pendingRollupEvents() == 300)
        #expect(try await ledger.info().pendingRollupEvents == 300)
        // A replayed batch adds nothing, and no pending row.
        #expect(try await ledger.record(contentsOf: Array(Self.events[0..<100])).duplicates == 100)
        #expect(try await ledger.scalarForTesting("SELECT COUNT(*) FROM rollup_pending") == 3)

        try await expectSameAsRaw(ledger, UsageQuery(groupBy: [.team, .model]), events: Array(Self.events[0..<300]), source: .monthly)
        #expect(try await ledger.pendingRollupEvents() == 0)
        #expect(try await ledger.scalarForTesting("SELECT COUNT(*) FROM rollup_hourly") ?? 0 > 0)
    }

    @Test("the batch that reaches the threshold folds every pending batch")
    func thresholdFolds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration(), foldEvents: 250)
        try await ledger.record(contentsOf: Array(Self.events[0..<120]))
        try await ledger.record(contentsOf: Array(Self.events[120..<240]))
        #expect(try await ledger.pendingRollupEvents() == 240)
        try await ledger.record(contentsOf: Array(Self.events[240..<360]))
        #expect(try await ledger.pendingRollupEvents() == 0)
        #expect(try await ledger.scalarForTesting("SELECT COUNT(*) FROM rollup_pending") == 0)
        try await expectSameAsRaw(ledger, UsageQuery(groupBy: [.user]), events: Array(Self.events[0..<360]), source: .dailyByDimension)
    }

    @Test("folded in any pattern, the aggregates are the ones adding each batch at once gives")
    func sameAggregates() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = Fixtures.configuration(rollupTimeZone: Fixtures.kolkata)
        let eager = try SQLiteUsageLedger(path: directory.url.appendingPathComponent("eager.db").path, configuration: configuration, foldEvents: 0)
        let lazy = try SQLiteUsageLedger(path: directory.url.appendingPathComponent("lazy.db").path, configuration: configuration, foldEvents: 170)
        for start in stride(from: 0, to: Self.events.count, by: 60) {
            let batch = Array(Self.events[start..<min(Self.events.count, start + 60)])
            try await eager.record(contentsOf: batch)
            try await lazy.record(contentsOf: batch)
        }
        #expect(try await eager.scalarForTesting("SELECT COUNT(*) FROM rollup_pending") == 0)
        #expect(try await lazy.pendingRollupEvents() > 0)
        let expected = try await Self.aggregates(eager, zone: Fixtures.kolkata)
        #expect(!expected.isEmpty)
        #expect(try await Self.aggregates(lazy, zone: Fixtures.kolkata) == expected)
    }

    @Test("another connection folds this one's batches by reading them back, and nothing is counted twice")
    func twoConnections() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.databasePath
        let reference = try SQLiteUsageLedger(
            path: directory.url.appendingPathComponent("reference.db").path, configuration: Fixtures.configuration(), foldEvents: 0)
        try await reference.record(contentsOf: Self.events)
        let a = try SQLiteUsageLedger(path: path, configuration: Fixtures.configuration(), foldEvents: 100_000)
        let b = try SQLiteUsageLedger(path: path, configuration: Fixtures.configuration(), foldEvents: 100_000)
        let batches = stride(from: 0, to: 600, by: 100).map { Array(Self.events[$0..<($0 + 100)]) }
        // a's first batch is folded by b (read back); a then holds deltas of a batch that is gone.
        try await a.record(contentsOf: batches[0])
        #expect(try await b.query(UsageQuery()).totals == totals(of: batches[0]))
        try await a.record(contentsOf: batches[1])
        // a folds: its first batch is not pending any more, so it reads back its second.
        try await a.foldRollups()
        #expect(try await a.pendingRollupEvents() == 0)
        // Both hold deltas in memory; a folds both, b then finds nothing of its own left.
        try await a.record(contentsOf: batches[2])
        try await b.record(contentsOf: batches[3])
        try await a.foldRollups()
        try await b.foldRollups()
        #expect(try await b.query(UsageQuery()).totals == totals(of: batches[0..<4].joined()), "after four batches folded in turns")
        // b's batch pending in b's memory while a forgets a user: forget folds first.
        try await b.record(contentsOf: batches[4])
        try await a.record(contentsOf: batches[5])
        #expect(try await a.pendingRollupEvents() == 200)
        #expect(try await b.query(UsageQuery(filter: UsageFilter(equals: [.user: ["alice"]]))).totals == totals(of: Self.events.filter { $0.dimensions.user == "alice" }), "alice, with two batches pending")
        _ = try await a.forget(.user, value: "alice")
        _ = try await reference.forget(.user, value: "alice")
        #expect(try await b.pendingRollupEvents() == 0)
        let kept = Self.events.filter { $0.dimensions.user != "alice" }
        #expect(try await b.query(UsageQuery()).totals == totals(of: kept))
        let expected = try await Self.aggregates(reference)
        #expect(try await Self.aggregates(a) == expected)
        #expect(try await Self.aggregates(b) == expected)
        try await expectSameAsRaw(b, UsageQuery(groupBy: [.team]), events: kept, source: .dailyByDimension)
    }

    @Test("compaction and repricing fold the pending batches before they change anything")
    func maintenanceFolds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration(), foldEvents: 100_000)
        try await ledger.record(contentsOf: Self.events)
        _ = try await ledger.reprice(matching: UsageFilter(equals: [.user: ["bob"]])) { event in
            EventCost(total: micros(5), inputTotal: micros(5), pricedAs: "test")
        }
        #expect(try await ledger.pendingRollupEvents() == 0)
        let repriced = try await exportAll(ledger)
        #expect(repriced.count == Self.events.count)
        try await expectSameAsRaw(ledger, UsageQuery(groupBy: [.user, .model]), events: repriced, source: .monthly)
        try await ledger.record(contentsOf: SampleData.events(count: 50, from: Fixtures.date("2026-03-14T00:00:00Z"), spacing: 60, idPrefix: "late"))
        #expect(try await ledger.pendingRollupEvents() == 50)
        let before = try await ledger.query(UsageQuery(groupBy: [.model]))
        try await ledger.record(contentsOf: SampleData.events(count: 50, from: Fixtures.date("2026-03-14T06:00:00Z"), spacing: 60, idPrefix: "later"))
        _ = try await ledger.compact(now: Fixtures.now)
        #expect(try await ledger.pendingRollupEvents() == 0)
        let after = try await ledger.query(UsageQuery(groupBy: [.model]))
        #expect(after.totals.events == before.totals.events + 50)
    }

    /// One event whose input tokens are more than half of `Int.max`: two of them in one aggregate
    /// row do not fit in 64 bits.
    static func huge(_ id: String, from template: UsageEvent = SampleData.standard[0]) -> UsageEvent {
        var event = template
        event.id = id
        event.usage = Usage(inputTokens: Int.max / 2 + 1, outputTokens: 1, requests: 1)
        return event
    }

    @Test("a batch whose sums would overflow a pending aggregate row is refused, as with foldEvents 0, and nothing traps")
    func overflowRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for foldEvents in [0, 1_000] {
            let ledger = try SQLiteUsageLedger(
                path: directory.url.appendingPathComponent("fold-\(foldEvents).db").path, configuration: Fixtures.configuration(),
                foldEvents: foldEvents)
            #expect(try await ledger.record(contentsOf: [Self.huge("a")]).added == 1)
            await #expect(throws: SQLiteError.self, "foldEvents \(foldEvents)") {
                try await ledger.record(contentsOf: [Self.huge("b")])
            }
            #expect(try await ledger.event(id: "b") == nil, "foldEvents \(foldEvents)")
            let report = try await ledger.query(UsageQuery())
            #expect(report.totals.events == 1, "foldEvents \(foldEvents)")
            #expect(report.totals.usage.inputTokens == Int.max / 2 + 1, "foldEvents \(foldEvents)")
        }
    }

    @Test("events whose sum overflows only in a day's or a month's row are refused at record time, in one batch or two")
    func overflowAcrossHoursRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = Self.huge("a")
        var sameDay = Self.huge("b")
        sameDay.timestamp = first.timestamp.addingTimeInterval(3_600)  // another hour, the same day
        var sameMonth = Self.huge("c")
        sameMonth.timestamp = first.timestamp.addingTimeInterval(3 * 86_400)  // another day, the same month
        #expect(Calendar(identifier: .gregorian).dateComponents(in: Fixtures.utc, from: sameMonth.timestamp).month
            == Calendar(identifier: .gregorian).dateComponents(in: Fixtures.utc, from: first.timestamp).month)
        for foldEvents in [0, 1_000] {
            for (name, second) in [("day", sameDay), ("month", sameMonth)] {
                for together in [false, true] {
                    let label = "foldEvents \(foldEvents), same \(name), \(together ? "one batch" : "two batches")"
                    let ledger = try SQLiteUsageLedger(
                        path: directory.url.appendingPathComponent("\(foldEvents)-\(name)-\(together).db").path,
                        configuration: Fixtures.configuration(), foldEvents: foldEvents)
                    if together {
                        await #expect(throws: SQLiteError.self, "\(label)") { try await ledger.record(contentsOf: [first, second]) }
                        #expect(try await ledger.event(id: first.id) == nil, "\(label)")
                    } else {
                        #expect(try await ledger.record(contentsOf: [first]).added == 1, "\(label)")
                        await #expect(throws: SQLiteError.self, "\(label)") { try await ledger.record(contentsOf: [second]) }
                    }
                    #expect(try await ledger.event(id: second.id) == nil, "\(label)")
                    // Nothing stuck: the ledger folds and reports, and records more.
                    #expect(try await ledger.record(contentsOf: Array(Self.events[0..<50])).added == 50, "\(label)")
                    let report = try await ledger.query(UsageQuery(groupBy: [.model]))
                    #expect(report.totals.events == (together ? 50 : 51), "\(label)")
                    #expect(try await ledger.pendingRollupEvents() == 0, "\(label)")
                }
            }
        }
    }

    @Test("a batch that never took the lock keeps the sums held in memory; one refused part way drops them")
    func busyBatchKeepsSums() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration(), foldEvents: 10_000)
        #expect(try await ledger.record(contentsOf: Array(Self.events[0..<100])).added == 100)
        #expect(await ledger.heldRollupEventsForTesting == 100)
        // Another connection holds the write lock past the busy timeout.
        let blocker = try Connection(path: directory.databasePath, synchronous: .normal)
        try blocker.execute("PRAGMA busy_timeout = 0")
        try blocker.execute("BEGIN IMMEDIATE")
        await ledger.setBusyTimeoutForTesting(milliseconds: 1)
        await #expect(throws: SQLiteError.self) { try await ledger.record(contentsOf: Array(Self.events[100..<200])) }
        try blocker.execute("ROLLBACK")
        #expect(await ledger.heldRollupEventsForTesting == 100)
        // Refused part way: every sum held is dropped, and the fold reads the batches back.
        await #expect(throws: SQLiteError.self) { try await ledger.record(contentsOf: Array(Self.events[100..<150]) + [Self.huge("x"), Self.huge("y")]) }
        #expect(await ledger.heldRollupEventsForTesting == 0)
        #expect(try await ledger.record(contentsOf: Array(Self.events[200..<300])).added == 100)
        try await expectSameAsRaw(
            ledger, UsageQuery(groupBy: [.user]), events: Array(Self.events[0..<100]) + Array(Self.events[200..<300]), source: .dailyByDimension)
    }

    @Test("a batch refused part way leaves no partial sums in memory: later folds give the eager ledger's aggregates")
    func refusedBatchLeavesNoPartialSums() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let eager = try SQLiteUsageLedger(
            path: directory.url.appendingPathComponent("eager.db").path, configuration: Fixtures.configuration(), foldEvents: 0)
        let lazy = try SQLiteUsageLedger(
            path: directory.url.appendingPathComponent("lazy.db").path, configuration: Fixtures.configuration(), foldEvents: 10_000)
        let first = Array(Self.events[0..<100]) + [Self.huge("a")]
        #expect(try await eager.record(contentsOf: first).added == 101)
        #expect(try await lazy.record(contentsOf: first).added == 101)
        // 100 good events are added to the sums held in memory before the last one overflows the
        // aggregate row of "a": the whole batch is refused, in the file and in memory.
        let refused = Array(Self.events[100..<200]) + [Self.huge("b")]
        await #expect(throws: SQLiteError.self) { try await lazy.record(contentsOf: refused) }
        #expect(try await lazy.event(id: Self.events[150].id) == nil)
        let last = Array(Self.events[200..<300])
        #expect(try await eager.record(contentsOf: last).added == 100)
        #expect(try await lazy.record(contentsOf: last).added == 100)
        #expect(try await lazy.pendingRollupEvents() == 201)
        try await lazy.foldRollups()
        let expected = try await Self.aggregates(eager)
        #expect(!expected.isEmpty)
        #expect(try await Self.aggregates(lazy) == expected)
    }

    @Test("a fold whose read-back sums overflow throws and rolls back instead of trapping")
    func overflowReadBack() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let a = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration(), foldEvents: 1_000)
        let b = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration(), foldEvents: 1_000)
        #expect(try await a.record(contentsOf: [Self.huge("a")]).added == 1)
        #expect(try await b.record(contentsOf: [Self.huge("b")]).added == 1)
        // Each holds one event in memory; together they do not fit in one aggregate row.
        await #expect(throws: SQLiteError.self) { try await b.foldRollups() }
        #expect(try await b.pendingRollupEvents() == 2)
        // Two different series on one day: each series row fits, their per-dimension sum does not.
        var other = Self.huge("c")
        other.dimensions.team = "elsewhere"
        let c = try SQLiteUsageLedger(
            path: directory.url.appendingPathComponent("c.db").path, configuration: Fixtures.configuration(), foldEvents: 1_000)
        #expect(try await c.record(contentsOf: [Self.huge("d")]).added == 1)
        #expect(try await c.record(contentsOf: [other]).added == 1)
        await #expect(throws: SQLiteError.self) { try await c.foldRollups() }
        #expect(try await c.pendingRollupEvents() == 2)
    }

    static let positionLists: [[Int64]] = [
        [], [0], [Int64.max, Int64.min, -1, 0, 1],
        [1_763_000_000_000 << 20, (1_763_000_000_000 << 20) + 1, 1_763_000_000_001 << 20],
    ]

    @Test("positions pack into varints and back; damaged bytes are refused", arguments: positionLists)
    func packing(positions: [Int64]) {
        let data = PendingRollups.pack(positions)
        #expect(PendingRollups.unpack(data) == positions.sorted())
        if !data.isEmpty {
            #expect(PendingRollups.unpack(data + Data([0x80])) == nil)
        }
    }

    @Test("time-ordered positions take about 4 bytes each")
    func packedSize() {
        let base: Int64 = 1_763_000_000_000 << 20
        let positions = (0..<1_000).map { base + Int64($0) * (3 << 20) + Int64($0 % 7) }
        let data = PendingRollups.pack(positions)
        #expect(data.count < 5 * positions.count)
        #expect(PendingRollups.unpack(data) == positions)
    }
}
