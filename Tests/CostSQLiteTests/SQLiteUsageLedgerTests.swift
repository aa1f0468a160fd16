import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// What only the SQLite ledger has: a file that persists, a schema version, several connections.
@Suite("SQLite usage ledger")
struct SQLiteUsageLedgerTests {
    // MARK: - Persistence

    @Test("a reopened database keeps its events, aggregates and rollup time zone")
    func reopen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let events = SampleData.standard
        do {
            let ledger = try SQLiteUsageLedger(
                path: directory.databasePath, configuration: Fixtures.configuration(rollupTimeZone: Fixtures.berlin))
            #expect(try await ledger.record(contentsOf: events).added == events.count)
            #expect(try await ledger.integrityCheck() == "ok")
        }
        // Asked for UTC, the file keeps the zone it was created with.
        let reopened = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration())
        #expect(reopened.configuration.rollupTimeZone.identifier == "Europe/Berlin")
        let info = try await reopened.info()
        #expect(info.rollupTimeZone == "Europe/Berlin")
        #expect(info.events == events.count)
        #expect(info.schemaVersion == SQLiteUsageLedger.schemaVersion)
        #expect(info.earliest == events.first?.timestamp)
        #expect(info.latest == events.last?.timestamp)
        #expect(try await reopened.record(events[0]) == .duplicate)
        #expect(try await reopened.query(UsageQuery()).totals == totals(of: events))
        #expect(try await exportAll(reopened) == events)
    }

    @Test("daily aggregates are cut at midnight in the rollup zone", arguments: LedgerKind.allCases)
    func rollupZone(kind: LedgerKind) async throws {
        let events = SampleData.standard
        let configuration = Fixtures.configuration(rollupTimeZone: Fixtures.berlin)
        try await withLedger(kind, configuration: configuration) { ledger in
            try await ledger.record(contentsOf: events)
            let berlin = LocalTime(Fixtures.berlin)
            let since = berlin.startOfDay(Fixtures.date("2026-02-10T12:00:00Z"))
            let until = berlin.startOfDay(Fixtures.date("2026-03-09T12:00:00Z"))
            let range = UsageFilter(since: since, until: until)
            let queries = [
                // Series-level daily and monthly rollups (two dimensions).
                (UsageQuery(filter: range, groupBy: [.user, .team], bucket: .day, timeZone: Fixtures.berlin), ReportSource.daily),
                (UsageQuery(filter: range, groupBy: [.model, .status], bucket: .week, timeZone: Fixtures.berlin), .daily),
                (UsageQuery(filter: range, groupBy: [.user, .project]), .daily),
                (UsageQuery(groupBy: [.team, .user], bucket: .month, timeZone: Fixtures.berlin), .monthly),
                // The same days through the daily totals per dimension (one dimension).
                (UsageQuery(filter: range, groupBy: [.user], bucket: .day, timeZone: Fixtures.berlin), .dailyByDimension),
                (UsageQuery(filter: range, groupBy: [.model], bucket: .week, timeZone: Fixtures.berlin), .dailyByDimension),
                (UsageQuery(filter: range, groupBy: [.user]), .dailyByDimension),
                (UsageQuery(groupBy: [.team], bucket: .month, timeZone: Fixtures.berlin), .dailyByDimension),
                // UTC days are not Berlin days: the hourly level answers.
                (UsageQuery(filter: UsageFilter(since: Fixtures.date("2026-02-10T00:00:00Z")), groupBy: [.user], bucket: .day), .hourly),
                (UsageQuery(groupBy: [.user], bucket: .month), .hourly),
                (UsageQuery(filter: UsageFilter(since: Fixtures.date("2026-02-10T00:00:00Z")), groupBy: [.user, .team], bucket: .day), .hourly),
            ]
            for (query, source) in queries {
                let report = try await ledger.query(query)
                #expect(report.source == source, "\(query.groupBy) \(String(describing: query.bucket))")
                #expect(rowsByKey(report) == expectedRows(events, query))
                #expect(report.totals == totals(of: events.filter(query.filter.matches)))
            }
            let daily = try await exportRollups(ledger, .daily, pageSize: 1_000)
            #expect(daily.allSatisfy { berlin.isBucketStart(.day, $0.bucketStart) })
            #expect(try await ledger.info().rollupTimeZone == "Europe/Berlin")
        }
    }

    // MARK: - Schema

    @Test("a database from a newer schema is refused with a clear message")
    func schemaTooNew() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let ledger = try SQLiteUsageLedger(path: directory.databasePath)
            try await ledger.executeForTesting(
                "INSERT INTO schema_migrations (name, applied_at) VALUES ('9999-from-the-future', '2030-01-01T00:00:00Z')")
        }
        let error = #expect(throws: SQLiteError.self) { try SQLiteUsageLedger(path: directory.databasePath) }
        #expect(error?.code == .schemaTooNew)
        let message = error?.description ?? ""
        #expect(message.contains("newer costctl"))
        #expect(message.contains("9999-from-the-future"))
        #expect(message.contains(directory.databasePath))
        #expect(message.contains("upgrade costctl"))
    }

    @Test("a database from before migration 0002 gets its daily totals per dimension backfilled")
    func dimensionBackfill() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let events = SampleData.standard
        let (first, later) = (Array(events.prefix(450)), Array(events.dropFirst(450)))
        // Berlin days, so the backfill must keep the daily rollup's own buckets.
        let configuration = Fixtures.configuration(rollupTimeZone: Fixtures.berlin)
        do {
            let ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: configuration)
            #expect(try await ledger.record(contentsOf: first).added == first.count)
            _ = try await ledger.forget(.team, value: "ads")
            // Back to what a database written before migration 0002 holds.
            try await ledger.rewindToFirstMigrationForTesting()
            #expect(try await ledger.scalarForTesting("SELECT COUNT(*) FROM sqlite_master WHERE name = 'rollup_dimension_daily'") == 0)
            #expect(try await ledger.scalarForTesting("SELECT COUNT(*) FROM schema_migrations") == 1)
        }
        let reopened = try SQLiteUsageLedger(path: directory.databasePath, configuration: configuration)
        #expect(try await reopened.info().schemaVersion == SQLiteUsageLedger.schemaVersion)
        #expect(try await reopened.scalarForTesting("SELECT COUNT(*) FROM schema_migrations") == Int64(SQLiteUsageLedger.schemaVersion))
        #expect(try await reopened.integrityCheck() == "ok")
        let rows = try await reopened.scalarForTesting("SELECT COUNT(*) FROM rollup_dimension_daily")
        #expect((rows ?? 0) > 0)

        let berlin = LocalTime(Fixtures.berlin)
        let range = UsageFilter(
            since: berlin.startOfDay(Fixtures.date("2026-01-20T12:00:00Z")), until: berlin.startOfDay(Fixtures.date("2026-03-10T12:00:00Z")))
        func check(_ held: [UsageEvent], _ label: String) async throws {
            try await expectSameAsRaw(reopened, UsageQuery(), events: held, source: .dailyByDimension, "\(label): totals")
            for dimension in UsageDimension.rolledUp {
                for bucket in [TimeBucket?.none, .day, .month] {
                    try await expectSameAsRaw(
                        reopened, UsageQuery(filter: range, groupBy: [dimension], bucket: bucket, timeZone: Fixtures.berlin), events: held,
                        source: .dailyByDimension, "\(label): \(dimension) \(String(describing: bucket))")
                }
            }
            var pair = range
            pair.equals[.user] = ["alice", "bob"]
            try await expectSameAsRaw(
                reopened, UsageQuery(filter: pair, groupBy: [.user], bucket: .week, timeZone: Fixtures.berlin), events: held,
                source: .dailyByDimension, "\(label): alice and bob")
        }
        let kept = first.filter { $0.dimensions.team != "ads" }
        try await check(kept, "backfilled")
        // New events add to the backfilled rows.
        #expect(try await reopened.record(contentsOf: later).added == later.count)
        try await check(kept + later, "backfilled, then recorded")
    }

    @Test("a database from before migration 0012 moves to the bucketed layout with every total and raw answer unchanged")
    func ingestLayoutMigration() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let events = SampleData.standard
        let (first, later) = (Array(events.prefix(450)), Array(events.dropFirst(450)))
        let configuration = Fixtures.configuration()
        // Aggregate answers, and raw ones (a range off any hour; one user, two users, a tag).
        let since = Fixtures.date("2026-01-16T03:20:01.234Z")
        let until = Fixtures.date("2026-02-14T17:05:09.876Z")
        var queries = [UsageQuery(), UsageQuery(groupBy: [.user]), UsageQuery(groupBy: [.model, .team], bucket: .day)]
        for users in [["alice"], ["alice", "bob"]] {
            var filter = UsageFilter(since: since, until: until)
            filter.equals[.user] = Set(users)
            queries.append(UsageQuery(filter: filter, groupBy: [.model], bucket: .day))
            queries.append(UsageQuery(filter: UsageFilter(equals: filter.equals), groupBy: [.project]))
        }
        queries.append(UsageQuery(filter: UsageFilter(since: since, until: until), groupBy: [.user, .model]))
        func answers(_ ledger: SQLiteUsageLedger) async throws -> [UsageReport] {
            var reports: [UsageReport] = []
            for query in queries { reports.append(try await ledger.query(query)) }
            return reports
        }
        let before: [UsageReport]
        let exported: [UsageEvent]
        do {
            let ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: configuration)
            #expect(try await ledger.record(contentsOf: first).added == first.count)
            // Back to the layout of a database written before migration 0012.
            try await ledger.rewindIngestLayoutForTesting()
            #expect(try await ledger.indexNamesForTesting("events").contains("events_series"))
            #expect(try await ledger.indexNamesForTesting("rollup_hourly").contains("rollup_hourly_series"))
            #expect(try await ledger.scalarForTesting("SELECT COUNT(*) FROM schema_migrations") == Int64(SQLiteUsageLedger.schemaVersion - 2))
            before = try await answers(ledger)
            exported = try await exportAll(ledger)
        }
        #expect(before.contains { $0.source == .raw })
        let reopened = try SQLiteUsageLedger(path: directory.databasePath, configuration: configuration)
        #expect(try await reopened.info().schemaVersion == SQLiteUsageLedger.schemaVersion)
        #expect(try await reopened.integrityCheck() == "ok")
        #expect(try await reopened.indexNamesForTesting("events") == ["events_bucket_series_sums", "events_other_usage"])
        for table in ["rollup_hourly", "rollup_daily", "rollup_monthly", "rollup_other"] {
            #expect(try await reopened.indexNamesForTesting(table).isEmpty, "\(table)")
        }
        let after = try await answers(reopened)
        for (old, new) in zip(before, after) {
            #expect(old == new, "\(old.query)")
        }
        #expect(try await exportAll(reopened) == exported)
        #expect(try await reopened.query(UsageQuery()).totals == totals(of: first))
        // New events, and replays of old ones, after the migration.
        let result = try await reopened.record(contentsOf: later + first.prefix(10))
        #expect(result.added == later.count)
        #expect(result.duplicates == 10)
        #expect(try await reopened.query(UsageQuery()).totals == totals(of: events))
        var filter = UsageFilter(since: since, until: until)
        filter.equals[.user] = ["alice"]
        try await expectSameAsRaw(reopened, UsageQuery(filter: UsageFilter(equals: filter.equals), groupBy: [.model]), events: events, source: .monthly)
    }

    @Test("a file that is not a database is refused, not overwritten")
    func notADatabase() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let garbage = Data(repeating: 0x42, count: 8_192)
        try garbage.write(to: URL(fileURLWithPath: directory.databasePath))
        let error = #expect(throws: SQLiteError.self) { try SQLiteUsageLedger(path: directory.databasePath) }
        #expect(error?.code == .corrupt)
        #expect(error?.description.contains("not a SQLite database") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.databasePath)) == garbage)
    }

    @Test("the parent directory is created; a fresh database is healthy and versioned")
    func freshDatabase() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appendingPathComponent("nested/deeper/usage.db").path
        let ledger = try SQLiteUsageLedger(path: path, durability: .processCrash)
        #expect(try await ledger.integrityCheck() == "ok")
        let info = try await ledger.info()
        #expect(info.events == 0)
        #expect(info.schemaVersion == SQLiteUsageLedger.schemaVersion)
        #expect(info.earliest == nil)
        #expect(info.rawHorizon == nil)
        #expect(try await ledger.query(UsageQuery(groupBy: [.user])).rows.isEmpty)
    }

    // MARK: - Concurrency

    @Test("concurrent tasks recording into one ledger lose nothing")
    func concurrentTasksOneLedger() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration())
        let tasks = 8
        let perTask = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for i in 0..<perTask {
                        let event = makeEvent(
                            "t\(task)-\(i)", at: Fixtures.now.addingTimeInterval(-Double(i * 60 + task)), cost: micros(1),
                            dimensions: UsageDimensions(user: "user-\(task % 3)"))
                        #expect(try await ledger.record(event) == .added)
                        if i % 5 == 0 { _ = try await ledger.query(UsageQuery(groupBy: [.user])) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let report = try await ledger.query(UsageQuery())
        #expect(report.totals.events == tasks * perTask)
        #expect(report.totals.cost == micros(tasks * perTask))
        #expect(try await ledger.info().events == tasks * perTask)
        #expect(try await ledger.integrityCheck() == "ok")
    }

    @Test("two ledgers on one file (two connections) see each other's writes and never report busy")
    func twoConnectionsOneFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration())
        let second = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration())

        // Reads on one connection must not pin an old snapshot that blocks its next write.
        try await first.record(makeEvent("a"))
        _ = try await first.event(id: "a")
        _ = try await first.info()
        try await second.record(makeEvent("b"))
        #expect(try await first.query(UsageQuery()).totals.events == 2)
        #expect(try await first.record(makeEvent("c")) == .added)
        #expect(try await second.event(id: "c") != nil)
        #expect(try await second.record(makeEvent("a")) == .duplicate)

        let perTask = 30
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, ledger) in [first, second, first, second, first, second].enumerated() {
                group.addTask {
                    for i in 0..<perTask {
                        // Half the ids are shared with another task on the other connection.
                        let id = i.isMultiple(of: 2) ? "shared-\(index / 2)-\(i)" : "own-\(index)-\(i)"
                        let event = makeEvent(
                            id, at: Fixtures.now.addingTimeInterval(-Double(i * 3_600 + index)), cost: micros(10),
                            dimensions: UsageDimensions(team: "team-\(index % 3)", user: "u\(i % 4)"))
                        let status = try await ledger.record(event)
                        #expect(status == .added || (id.hasPrefix("shared") && status == .duplicate))
                        _ = try await ledger.event(id: id)
                        if i % 7 == 0 {
                            _ = try await ledger.query(UsageQuery(groupBy: [.team], bucket: .day))
                            _ = try await ledger.info()
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        // 3 + 6 tasks × 15 own ids + 3 pairs × 15 shared ids.
        let expected = 3 + 6 * 15 + 3 * 15
        for ledger in [first, second] {
            let report = try await ledger.query(UsageQuery(groupBy: [.team]))
            #expect(report.totals.events == expected)
            let raw = try await ledger.query(UsageQuery(filter: UsageFilter(equals: [.session: [""]]), groupBy: [.team]))
            #expect(raw.source == .raw)
            #expect(raw.rows == report.rows)
            #expect(try await ledger.info().events == expected)
            #expect(try await exportAll(ledger).count == expected)
        }
        #expect(try await first.integrityCheck() == "ok")

        // A forget on one connection invalidates the other's cached series ids.
        _ = try await second.forget(.team, value: "team-1")
        try await first.record(makeEvent("after-forget", dimensions: UsageDimensions(team: "team-1", user: "u0")))
        let teams = try await second.query(UsageQuery(filter: UsageFilter(equals: [.team: ["team-1"]])))
        #expect(teams.totals.events == 1)
        #expect(try await second.integrityCheck() == "ok")
    }
}
