import CostPricing
import Foundation
import Testing

@testable import CostSQLite
import CCostSQLite

// MARK: - The two implementations

/// Every contract test runs once per implementation.
enum LedgerKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite

    var testDescription: String { rawValue }
}

/// A directory under the system's temporary directory, removed by ``remove()``.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("costctl-ledger-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var databasePath: String { url.appendingPathComponent("usage.db").path }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Runs `body` with a fresh, empty ledger of `kind` (SQLite on a temporary file, removed afterwards).
func withLedger(
    _ kind: LedgerKind, configuration: LedgerConfiguration = Fixtures.configuration(),
    _ body: (any UsageLedger) async throws -> Void
) async throws {
    switch kind {
    case .memory:
        try await body(MemoryUsageLedger(configuration: configuration))
    case .sqlite:
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await body(SQLiteUsageLedger(path: directory.databasePath, configuration: configuration))
    }
}

/// Ledgers holding ``SampleData/standard``, loaded once per run (per kind and rollup zone) and shared
/// by the tests that only read them. The SQLite files live in temporary directories removed when the
/// test process exits.
actor SharedSamples {
    static let shared = SharedSamples()
    private var loads: [String: Task<any UsageLedger, any Error>] = [:]

    struct LoadFailure: Error, CustomStringConvertible {
        var description: String
    }

    func ledger(_ kind: LedgerKind, rollupTimeZone: TimeZone = Fixtures.utc) async throws -> any UsageLedger {
        let key = "\(kind.rawValue)|\(rollupTimeZone.identifier)"
        if let load = loads[key] { return try await load.value }
        let load = Task<any UsageLedger, any Error> {
            let configuration = Fixtures.configuration(rollupTimeZone: rollupTimeZone)
            let ledger: any UsageLedger
            switch kind {
            case .memory:
                ledger = MemoryUsageLedger(configuration: configuration)
            case .sqlite:
                let directory = try TemporaryDirectory()
                DirectoriesRemovedAtExit.add(directory)
                ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: configuration)
            }
            let added = try await ledger.record(contentsOf: SampleData.standard).added
            guard added == SampleData.standard.count else {
                throw LoadFailure(description: "the shared \(key) sample ledger added \(added) of \(SampleData.standard.count) events")
            }
            return ledger
        }
        loads[key] = load
        return try await load.value
    }
}

/// Temporary directories removed when the process exits (for ledgers that live for the whole run).
enum DirectoriesRemovedAtExit {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var directories: [TemporaryDirectory] = []

    static func add(_ directory: TemporaryDirectory) {
        lock.withLock {
            if directories.isEmpty { atexit { DirectoriesRemovedAtExit.removeAll() } }
            directories.append(directory)
        }
    }

    private static func removeAll() {
        lock.withLock {
            for directory in directories { directory.remove() }
            directories.removeAll()
        }
    }
}

// MARK: - Fixed time, prices, hashing

enum Fixtures {
    /// The ledgers' "now" in every test: 2026-03-15T12:00:00Z.
    static let now = date("2026-03-15T12:00:00Z")

    static func date(_ text: String) -> Date {
        Timestamp.parseOrNil(text) ?? Date(timeIntervalSince1970: 0)
    }

    static let utc = zone("UTC")
    static let newYork = zone("America/New_York")
    static let kolkata = zone("Asia/Kolkata")
    static let berlin = zone("Europe/Berlin")

    static func zone(_ identifier: String) -> TimeZone {
        TimeZone(identifier: identifier) ?? TimeZone(secondsFromGMT: 0) ?? .current
    }

    static func configuration(
        at now: Date = Fixtures.now, engine: CostEngine? = nil, rollupTimeZone: TimeZone = Fixtures.utc,
        userHasher: (any IdentifierHasher)? = nil
    ) -> LedgerConfiguration {
        LedgerConfiguration(engine: engine, rollupTimeZone: rollupTimeZone, userHasher: userHasher, now: { now })
    }

    /// The bundled catalog, loaded once for the whole run.
    private static let bundledEngine = Result { CostEngine(catalog: try PriceCatalog.bundled()) }

    static func engine() throws -> CostEngine { try bundledEngine.get() }
}

/// A deterministic stand-in for CostCrypto's HMAC hasher (this target does not depend on CostCrypto).
struct TestHasher: IdentifierHasher {
    func pseudonym(for identifier: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in identifier.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return "u_" + String(hash, radix: 16)
    }
}

/// `n` micro-dollars.
func micros(_ n: Int) -> Money { Money(units: Int128(n) * 1_000_000_000_000) }

// MARK: - Events

func makeEvent(
    _ id: String, at timestamp: Date = Fixtures.now.addingTimeInterval(-3600), provider: String = "openai",
    model: String = "gpt-4o", usage: Usage = Usage(inputTokens: 1_000, outputTokens: 100),
    cost: Money? = micros(1_000), dimensions: UsageDimensions = UsageDimensions(), status: EventStatus = .ok
) -> UsageEvent {
    UsageEvent(
        id: id, timestamp: timestamp, provider: provider, model: model, usage: usage,
        cost: cost.map { EventCost(total: $0, inputTotal: $0, pricedAs: "\(provider)/\(model)") },
        dimensions: dimensions, status: status)
}

/// A varied, deterministic set of events: several users (one absent), teams, models, keys, sessions,
/// statuses, unpriced events, web searches, a tag present on every event (`all=yes`), and costs whose
/// amounts use all 18 decimals (so the SQLite high/low split and carries are exercised).
enum SampleData {
    static let users: [String?] = ["alice", "bob", "carol", "dave", nil]
    static let teams = ["search", "ads", "infra"]
    static let models: [(provider: String, model: String)] = [
        ("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("anthropic", "claude-3-5-sonnet"),
    ]

    /// `count` events from `start`, `spacing` seconds apart (plus a few milliseconds each).
    static func events(count: Int, from start: Date, spacing: TimeInterval, idPrefix: String = "ev") -> [UsageEvent] {
        (0..<count).map { i in
            let millis = Int64((start.timeIntervalSince1970 * 1000).rounded(.down)) + Int64(i) * Int64(spacing * 1000)
                + Int64((i * 37) % 1000)
            let timestamp = Date(timeIntervalSince1970: TimeInterval(millis) / 1000)
            let (provider, model) = models[(i / 2) % models.count]
            var usage = Usage(
                inputTokens: 100 + (i * 37) % 1_000, outputTokens: 10 + (i * 13) % 200,
                cacheReadTokens: i % 5 == 0 ? 50 : 0, requests: 1 + i % 3)
            if i % 4 == 1 { usage[.webSearches] = 2 + i % 3 }
            let cost: EventCost
            if i % 13 == 12 {
                cost = .unpriced(reason: "test: no price")
            } else {
                let input = Money(units: Int128(i + 1) * 7_919_000_000_123 + Int128(i % 10) * 123_456_789)
                let output = Money(units: Int128(i % 17 + 1) * 999_999_999_999 + 987_654_321)
                cost = EventCost(
                    total: input + output, inputTotal: input, outputTotal: output,
                    categories: [.input: input, .output: output], pricedAs: "\(provider)/\(model)")
            }
            let status: EventStatus = i % 7 == 3 ? .error : i % 11 == 5 ? .rateLimited : .ok
            return UsageEvent(
                id: "\(idPrefix)-\(i)", timestamp: timestamp, provider: provider, model: model, usage: usage, cost: cost,
                dimensions: UsageDimensions(
                    org: "acme", team: teams[i % teams.count], user: users[i % users.count],
                    project: i % 4 == 0 ? "apollo" : "zeus", keyID: "key_\(i % 2)", session: "s\(i / 10)",
                    operation: i % 2 == 0 ? "chat" : "summarize",
                    tags: ["env": i % 3 == 0 ? "dev" : "prod", "all": "yes"]),
                status: status, latencyMilliseconds: 100 + i)
        }
    }

    /// Around 600 events over 55 days (2026-01-15 to 2026-03-11): two month starts and New York's
    /// switch to daylight saving time (2026-03-08) inside.
    static let standard = events(count: 600, from: Fixtures.date("2026-01-15T00:00:00Z"), spacing: 7_987.5)
}

// MARK: - Expected answers, computed from the events themselves

/// A report row reduced to what identifies it.
struct RowKey: Hashable, CustomStringConvertible {
    var values: [String]
    var bucketStart: Date?

    var description: String {
        values.joined(separator: "/") + (bucketStart.map { " @ " + Timestamp.format($0) } ?? "")
    }
}

func totals(of events: some Sequence<UsageEvent>) -> UsageTotals {
    var sum = UsageTotals()
    for event in events { sum.add(UsageTotals(event)) }
    return sum
}

/// `LocalTime.bucketStart` per (zone, bucket, instant), remembered across calls: the expected
/// answers of many queries over the same events need the same few thousand bucket starts.
final class BucketStartMemo: @unchecked Sendable {
    static let shared = BucketStartMemo()
    private struct Key: Hashable {
        var zone: String
        var bucket: TimeBucket
        var instant: Date
    }
    private let lock = NSLock()
    private var starts: [Key: Date] = [:]

    func bucketStart(_ bucket: TimeBucket, containing instant: Date, in zone: TimeZone) -> Date {
        let key = Key(zone: zone.identifier, bucket: bucket, instant: instant)
        if let start = lock.withLock({ starts[key] }) { return start }
        let start = LocalTime(zone).bucketStart(bucket, containing: instant)
        lock.withLock { starts[key] = start }
        return start
    }
}

/// What `query` must answer, computed naively from `events`.
func expectedRows(_ events: [UsageEvent], _ query: UsageQuery) -> [RowKey: UsageTotals] {
    let memo = BucketStartMemo.shared
    var rows: [RowKey: UsageTotals] = [:]
    for event in events where query.filter.matches(event) {
        let key = RowKey(
            values: query.groupBy.map { event.value(of: $0) ?? "" },
            bucketStart: query.bucket.map { memo.bucketStart($0, containing: event.timestamp, in: query.timeZone) })
        rows[key, default: UsageTotals()].add(UsageTotals(event))
    }
    return rows
}

func rowsByKey(_ report: UsageReport) -> [RowKey: UsageTotals] {
    var rows: [RowKey: UsageTotals] = [:]
    for row in report.rows {
        rows[RowKey(values: row.values, bucketStart: row.bucketStart)] = row.totals
    }
    return rows
}

/// Every event the ledger holds that matches `filter`, through the export pages.
func exportAll(_ ledger: any UsageLedger, matching filter: UsageFilter = UsageFilter(), pageSize: Int = 97) async throws
    -> [UsageEvent]
{
    var events: [UsageEvent] = []
    var cursor: EventCursor?
    repeat {
        let page = try await ledger.events(matching: filter, after: cursor, limit: pageSize)
        events += page.events
        cursor = page.next
    } while cursor != nil
    return events
}

/// Every aggregate row of `level`, through the export pages.
func exportRollups(_ ledger: any UsageLedger, _ level: RollupLevel, matching filter: UsageFilter = UsageFilter(), pageSize: Int = 13)
    async throws -> [RollupRecord]
{
    var records: [RollupRecord] = []
    var cursor: RollupCursor?
    repeat {
        let page = try await ledger.rollups(level, matching: filter, after: cursor, limit: pageSize)
        records += page.records
        cursor = page.next
    } while cursor != nil
    return records
}

extension SQLiteUsageLedger {
    /// Raw SQL for tests that must reach under the API (`@testable`).
    func executeForTesting(_ sql: String) throws {
        try db.execute(sql)
    }

    /// Events whose rollup sums this ledger holds in memory, not yet folded (`@testable`).
    var heldRollupEventsForTesting: Int { pending.events }

    /// Sets how long this ledger's connection waits for a lock (`@testable`).
    func setBusyTimeoutForTesting(milliseconds: Int32) {
        sqlite3_busy_timeout(db.handle, milliseconds)
    }

    /// The first column of the first row of `sql`, read in its own transaction (`@testable`).
    func scalarForTesting(_ sql: String) throws -> Int64? {
        try db.readTransaction { try db.scalarInt(sql) }
    }

    /// Takes the file back to what a database written by the first migration alone holds: every
    /// table, index, view and trigger a later migration made is dropped (newest first) and only
    /// `0001-usage-ledger` stays recorded. New migrations need no change here.
    func rewindToFirstMigrationForTesting() throws {
        // The first layout has no pending batches: add them to the rollups it does have.
        try foldPendingRollups()
        let first = Migrator.ledger[0].sql
        let created = /CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|VIEW|TRIGGER)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/
        let keep = Set(first.matches(of: created).map { String($0.1) }).union(["schema_migrations"])
        var drops: [String] = []
        try db.readTransaction {
            let statement = try db.cached(
                "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND type IN ('table', 'index', 'view', 'trigger') ORDER BY rowid DESC")
            while try statement.step() {
                guard let type = statement.text(0), let name = statement.text(1), !keep.contains(name) else { continue }
                drops.append("DROP \(type.uppercased()) IF EXISTS \(name);")
            }
        }
        try db.execute("DELETE FROM schema_migrations WHERE name <> '0001-usage-ledger'; " + drops.joined(separator: " ") + " PRAGMA user_version = 1")
        try restoreFirstMigrationIndexesForTesting()
    }

    /// Re-creates the indexes of `0001-usage-ledger` that a later migration dropped.
    func restoreFirstMigrationIndexesForTesting() throws {
        for statement in Migrator.ledger[0].sql.split(separator: ";") {
            let sql = statement.trimmingCharacters(in: .whitespacesAndNewlines)
            guard sql.hasPrefix("CREATE INDEX ") else { continue }
            try db.execute(sql.replacingOccurrences(of: "CREATE INDEX ", with: "CREATE INDEX IF NOT EXISTS "))
        }
    }

    /// Takes the file back to the layout before `0012-ingest-layout` (the indexes of 0001, no
    /// bucket index), with its data: what a database written by the release before it holds.
    func rewindIngestLayoutForTesting() throws {
        try rewindRawReportIndexForTesting()
        try db.execute("DROP INDEX IF EXISTS events_bucket_series; DELETE FROM schema_migrations WHERE name = '0012-ingest-layout'")
        try restoreFirstMigrationIndexesForTesting()
        try db.execute("PRAGMA user_version = 11")
    }

    /// Takes the file back to the layout before `0013-raw-report-index` (the bucket index of 0012
    /// without the summed columns), with its data.
    func rewindRawReportIndexForTesting() throws {
        try db.execute(
            """
            DROP INDEX IF EXISTS events_bucket_series_sums;
            CREATE INDEX IF NOT EXISTS events_bucket_series ON events(pos >> 46, series);
            DELETE FROM schema_migrations WHERE name = '0013-raw-report-index';
            PRAGMA user_version = 12
            """)
    }

    /// `EXPLAIN QUERY PLAN` of every cached statement whose SQL contains `text`, by SQL (`@testable`).
    func cachedPlansForTesting(containing text: String) throws -> [String: [String]] {
        try db.cachedPlansForTesting(containing: text)
    }

    /// The names of the indexes on `table` (`@testable`).
    func indexNamesForTesting(_ table: String) throws -> Set<String> {
        try db.readTransaction {
            let statement = try db.cached("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL")
            statement.bind(table, at: 1)
            var names: Set<String> = []
            while try statement.step() { names.insert(statement.text(0) ?? "") }
            return names
        }
    }
}

extension Connection {
    /// `EXPLAIN QUERY PLAN` of every cached statement whose SQL contains `text`, by SQL.
    func cachedPlansForTesting(containing text: String) throws -> [String: [String]] {
        var plans: [String: [String]] = [:]
        for sql in cachedSQL where sql.contains(text) {
            let statement = try Statement(connection: self, sql: "EXPLAIN QUERY PLAN " + sql, persistent: false)
            var lines: [String] = []
            while try statement.step() { lines.append(statement.text(3) ?? "") }
            plans[sql] = lines
        }
        return plans
    }
}

// MARK: - The same question from an aggregate level and from raw events

/// Asks `query` (in key order), checks that it was answered from `source`, then asks the same
/// question forced to raw events two ways: a range one millisecond longer (no event falls in that
/// millisecond) and a filter on the tag every ``SampleData`` event carries. All three answers must
/// agree row for row, and with what `events` (what the ledger holds) say. `bothWays: false` asks
/// raw events only through the tag (for loops over many queries).
@discardableResult
func expectSameAsRaw(
    _ ledger: any UsageLedger, _ query: UsageQuery, events: [UsageEvent], source: ReportSource, _ label: String = "",
    bothWays: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
) async throws -> UsageReport {
    var query = query
    query.order = .key
    let report = try await ledger.query(query)
    #expect(report.source == source, "source: \(label)", sourceLocation: sourceLocation)
    var byTime = query
    byTime.filter.until = (query.filter.until ?? Fixtures.now).addingTimeInterval(0.001)
    var byTag = query
    byTag.filter.equals[.tag("all")] = ["yes"]
    #expect(events.allSatisfy { $0.dimensions.tags["all"] == "yes" }, sourceLocation: sourceLocation)
    #expect(!events.contains { byTime.filter.matches($0) != query.filter.matches($0) }, sourceLocation: sourceLocation)
    for raw in bothWays ? [byTime, byTag] : [byTag] {
        let answer = try await ledger.query(raw)
        #expect(answer.source == .raw, "forced raw: \(label)", sourceLocation: sourceLocation)
        #expect(answer.rows == report.rows, "rows against raw: \(label)", sourceLocation: sourceLocation)
        #expect(answer.totals == report.totals, "totals against raw: \(label)", sourceLocation: sourceLocation)
        #expect(answer.groupCount == report.groupCount, "group count against raw: \(label)", sourceLocation: sourceLocation)
    }
    #expect(rowsByKey(report) == expectedRows(events, query), "rows against the events: \(label)", sourceLocation: sourceLocation)
    #expect(
        report.totals == totals(of: events.filter(query.filter.matches)), "totals against the events: \(label)",
        sourceLocation: sourceLocation)
    return report
}
