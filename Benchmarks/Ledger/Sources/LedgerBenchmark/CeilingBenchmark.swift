// `ceiling`: the same rows, written by bare prepared INSERTs through the same libsqlite3 into the
// same schema (created by the ledger's own migration), with the same pragmas (WAL, synchronous,
// foreign keys), in the same transaction sizes.
//
// "The same rows" literally: they are read from a database the ledger itself wrote for the same
// workload (`--source`, which `all` passes; without it the ledger writes one first, untimed), so
// every column — positions, series ids, the JSON columns — is byte for byte what the ledger stores,
// whatever its current format. The series table is copied before timing ("pre-populated"), and
// each chunk of rows is read into memory before its timed section.
//
// Variants:
//   events   the ceiling: INSERTs into `events` only (primary key, unique id index, (bucket, series) index, FK check)
//   rollups  exploration, not the ceiling: plus the hourly/daily/monthly series upserts and, when the
//            schema has `rollup_dimension_daily`, the per-dimension daily upserts, with the ledger's SQL
//            and the deltas added up in Swift inside the timed section: the least a ledger with this
//            schema must do per batch.
import CBenchSQLite
import CostPricing
import CostSQLite
import Foundation

enum CeilingVariant: String, CaseIterable {
    case events
    case rollups
}

struct CeilingSettings {
    var workload: Workload
    var batch: Int
    var durability: SQLiteUsageLedger.Durability
    var path: String
    var chunk: Int
    var variants: [CeilingVariant]
    var keep: Bool
    /// A database the ledger wrote for the same workload; nil: write one first (untimed).
    var source: String?
    /// Exploration only (not the ceiling): rollup levels the `rollups` variant maintains.
    var levels: Set<Int> = [0, 1, 2]
    /// Exploration only: indexes dropped before timing.
    var dropIndexes: [String] = []
    /// Exploration only: `CREATE INDEX` statements run after the drops (`--create-index`, `;`-separated).
    var createIndexes: [String] = []
    /// Exploration only: PRAGMA cache_size in KiB (instead of the ledger's).
    var cacheKiB: Int?
}

/// One column value as read from the source database and bound again.
enum Cell {
    case int(Int64)
    case text(String)
    case null

    var int: Int64 {
        if case .int(let value) = self { return value }
        return 0
    }
}

/// What the rollup deltas need of an event row, by column position in the source row.
struct RollupColumns {
    let pos: Int
    let series: Int
    let counts: [Int]  // requests, input … output_audio in the order of the rollup columns after events
    let money: [Int]  // cost_hi, cost_lo, in_cost_hi, in_cost_lo, out_cost_hi, out_cost_lo
    let priced: Int

    init(_ columns: [String]) throws {
        func index(_ name: String) throws -> Int {
            guard let i = columns.firstIndex(of: name) else { throw BenchError("events has no column \(name)") }
            return i
        }
        pos = try index("pos")
        series = try index("series")
        counts = try [
            "requests", "input", "output", "cache_read", "cache_write", "cache_write_5m", "cache_write_1h", "reasoning",
            "input_audio", "output_audio",
        ].map(index)
        money = try ["cost_hi", "cost_lo", "in_cost_hi", "in_cost_lo", "out_cost_hi", "out_cost_lo"].map(index)
        priced = try index("priced")
    }
}

/// The 20 sums of one rollup row: events, requests, errors, rate_limited, unpriced, the 9 token
/// counts, then the three amounts kept as 1e-18 USD units.
struct RollupSums {
    var counts = [Int64](repeating: 0, count: 14)
    var money: [Int128] = [0, 0, 0]

    mutating func add(_ row: [Cell], _ c: RollupColumns, status: Int) {
        counts[0] += 1
        counts[1] += row[c.counts[0]].int
        if status == 1 { counts[2] += 1 }
        if status == 2 { counts[3] += 1 }
        counts[4] += 1 - row[c.priced].int
        for k in 1..<10 { counts[4 + k] += row[c.counts[k]].int }
        for m in 0..<3 {
            money[m] += Int128(row[c.money[2 * m]].int) * 1_000_000_000 + Int128(row[c.money[2 * m + 1]].int)
        }
    }

    mutating func add(_ other: RollupSums) {
        for k in 0..<14 { counts[k] += other.counts[k] }
        for m in 0..<3 { money[m] += other.money[m] }
    }

    func bind(to statement: RawStatement, from start: Int32) {
        for k in 0..<14 { statement.bind(counts[k], start + Int32(k)) }
        var column = start + 14
        for m in 0..<3 {
            let (q, r) = money[m].quotientAndRemainder(dividingBy: 1_000_000_000)
            statement.bind(Int64(clamping: q), column)
            statement.bind(Int64(r), column + 1)
            column += 2
        }
    }
}

struct RollupKey: Hashable {
    var level: Int
    var bucket: Int64
    var series: Int64
}

struct DimensionKey: Hashable {
    var bucket: Int64
    var dimension: Int
    var value: String
}

/// Unix seconds of the UTC month containing a UTC day start (days-from-civil, Howard Hinnant).
func utcMonthStart(daySeconds: Int64) -> Int64 {
    let z = daySeconds / 86_400 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5  // day of month - 1
    return daySeconds - d * 86_400
}

let rollupCountColumns = [
    "events", "requests", "errors", "rate_limited", "unpriced", "input", "output", "cache_read", "cache_write",
    "cache_write_5m", "cache_write_1h", "reasoning", "input_audio", "output_audio",
]
let rollupValueColumns = rollupCountColumns + ["cost", "in_cost", "out_cost"].flatMap { ["\($0)_hi", "\($0)_lo"] }

/// `SET` list of the ledger's rollup upserts (same text as SQLiteUsageLedger.updateList).
let rollupUpdateList: String = {
    let counts = rollupCountColumns.map { "\($0) = \($0) + excluded.\($0)" }
    let money = ["cost", "in_cost", "out_cost"].flatMap {
        [
            "\($0)_hi = \($0)_hi + excluded.\($0)_hi + (\($0)_lo + excluded.\($0)_lo) / 1000000000",
            "\($0)_lo = (\($0)_lo + excluded.\($0)_lo) % 1000000000",
        ]
    }
    return (counts + money).joined(separator: ", ")
}()

/// The ledger's series rollup upsert.
func rollupUpsertSQL(_ level: String) -> String {
    let placeholders = Array(repeating: "?", count: rollupValueColumns.count + 2).joined(separator: ", ")
    return "INSERT INTO rollup_\(level) (bucket, series, \(rollupValueColumns.joined(separator: ", "))) VALUES (\(placeholders)) "
        + "ON CONFLICT(bucket, series) DO UPDATE SET \(rollupUpdateList)"
}

/// The ledger's per-dimension daily upsert.
let dimensionUpsertSQL: String = {
    let placeholders = Array(repeating: "?", count: rollupValueColumns.count + 3).joined(separator: ", ")
    return "INSERT INTO rollup_dimension_daily (bucket, dimension, value, \(rollupValueColumns.joined(separator: ", "))) VALUES (\(placeholders)) "
        + "ON CONFLICT(bucket, dimension, value) DO UPDATE SET \(rollupUpdateList)"
}()

/// The per-connection pragmas `Connection.init` in Sources/CostSQLite/Connection.swift sets (besides
/// WAL, synchronous and foreign keys); keep this list in step with it, or the ceiling is not fair.
let ledgerConnectionPragmas = [
    "PRAGMA mmap_size = 1073741824",
    "PRAGMA cache_size = -65536",
]

/// Opens a raw connection set up like the ledger's (WAL, synchronous, foreign keys, its other pragmas).
func openLikeLedger(_ path: String, durability: SQLiteUsageLedger.Durability) throws -> RawDatabase {
    let db = try RawDatabase(path: path)
    try db.execute("PRAGMA foreign_keys = ON")
    guard try db.scalar("PRAGMA journal_mode = WAL")?.lowercased() == "wal" else { throw BenchError("no WAL") }
    try db.execute("PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
    for pragma in ledgerConnectionPragmas { try db.execute(pragma) }
    return db
}

func runCeiling(_ s: CeilingSettings) async throws -> [String: Any] {
    var result: [String: Any] = [
        "mode": "ceiling", "events": s.workload.events, "batch": s.batch, "ids": s.workload.ids.rawValue,
        "durability": s.durability.rawValue,
    ]
    var source = s.source
    var madeSource = false
    if source == nil {
        // The ledger writes the rows first (untimed, not reported), so the ceiling writes what it stores.
        let path = s.path + ".source.db"
        log("ceiling: writing the source rows with the ledger first (untimed) -> \(path)")
        _ = try await runIngest(
            IngestSettings(
                workload: s.workload, batch: s.batch, durability: .processCrash, path: path, chunk: s.chunk, replay: 0,
                keep: true, quiet: true))
        source = path
        madeSource = true
    }
    guard let source else { return result }
    for variant in s.variants {
        let figures = try ceilingRun(s, variant, source: source)
        for (key, value) in figures { result["\(variant.rawValue)_\(key)"] = value }
    }
    if madeSource, !s.keep { removeDatabase(source) }
    result["peak_rss"] = Memory.peak
    result["source"] = source
    return result
}

private func ceilingRun(_ s: CeilingSettings, _ variant: CeilingVariant, source path: String) throws -> [String: Any] {
    removeDatabase(s.path)
    // The schema: the ledger's own migrations, so tables and indexes are the same.
    do { _ = try SQLiteUsageLedger(path: s.path, durability: s.durability) }
    let source = try RawDatabase(path: path)
    let columns = try source.rows("PRAGMA table_info(events)").map { $0[1] }
    let sourceEvents = Int(try source.scalar("SELECT COUNT(*) FROM events") ?? "0") ?? 0
    guard sourceEvents == s.workload.events else {
        throw BenchError("\(path) holds \(sourceEvents) events, not \(s.workload.events): not the same workload")
    }
    let db = try openLikeLedger(s.path, durability: s.durability)
    guard try db.rows("PRAGMA table_info(events)").map({ $0[1] }) == columns else {
        throw BenchError("\(path) was written by another schema version than this build's")
    }
    for index in s.dropIndexes { try db.execute("DROP INDEX \(index)") }
    for statement in s.createIndexes { try db.execute(statement) }
    if let kib = s.cacheKiB { try db.execute("PRAGMA cache_size = -\(kib)") }

    // Untimed: the series table as the ledger filled it.
    let seriesColumns = ["id", "provider", "model", "org", "team", "user", "project", "key_id", "operation", "status"]
    let seriesRows = try source.rows("SELECT \(seriesColumns.joined(separator: ", ")) FROM series ORDER BY id")
    let copy = try db.prepare(
        "INSERT INTO series (\(seriesColumns.joined(separator: ", "))) VALUES (\(seriesColumns.map { _ in "?" }.joined(separator: ", ")))")
    try db.execute("BEGIN IMMEDIATE")
    for row in seriesRows {
        copy.bind(Int64(row[0]) ?? 0, 1)
        for k in 1..<seriesColumns.count { copy.bind(row[k], Int32(k + 1)) }
        try copy.run()
    }
    try db.execute("COMMIT")
    var seriesValues: [Int64: [String]] = [:]
    var statusOf: [Int64: Int] = [:]
    for row in seriesRows {
        let id = Int64(row[0]) ?? 0
        seriesValues[id] = Array(row[1...])
        statusOf[id] = row[9] == "error" ? 1 : row[9] == "rate_limited" ? 2 : 0
    }

    let insert = try db.prepare(
        "INSERT INTO events (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))")
    let read = try source.prepare(
        "SELECT \(columns.joined(separator: ", ")) FROM events WHERE pos > ? ORDER BY pos LIMIT \(max(s.batch, (s.chunk / s.batch) * s.batch))")
    let rollupColumns = try RollupColumns(columns)
    let upserts = try ["hourly", "daily", "monthly"].map { try db.prepare(rollupUpsertSQL($0)) }
    let hasDimensions = (try db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'rollup_dimension_daily'")) == "1"
    let dimensionUpsert = hasDimensions ? try db.prepare(dimensionUpsertSQL) : nil

    let clock = ContinuousClock()
    var timed = Duration.zero
    var cpu = 0.0
    var written = 0
    var rollupRows = 0
    var dimensionRows = 0
    var after = Int64.min
    var monthOfDay: [Int64: Int64] = [:]
    var exploration = ""
    if variant == .rollups, s.levels != [0, 1, 2] {
        exploration += ", levels \(s.levels.sorted().map { ["hourly", "daily", "monthly"][$0] })"
    }
    if !s.dropIndexes.isEmpty { exploration += ", dropped \(s.dropIndexes)" }
    if !s.createIndexes.isEmpty { exploration += ", created \(s.createIndexes)" }
    if let kib = s.cacheKiB { exploration += ", cache_size \(kib) KiB" }
    log(
        "ceiling[\(variant.rawValue)]: \(s.workload.events.grouped) rows from \(path), batch \(s.batch), ids \(s.workload.ids.rawValue), durability \(s.durability.rawValue)\(exploration)\(variant == .rollups && hasDimensions ? ", with rollup_dimension_daily" : "") -> \(s.path)"
    )
    while true {
        // Untimed: the next chunk of rows, in the order the ledger wrote them.
        var rows: [[Cell]] = []
        read.bind(after, 1)
        while read.step() == SQLITE_ROW {
            rows.append(
                (0..<Int32(columns.count)).map { c in
                    switch sqlite3_column_type(read.handle, c) {
                    case SQLITE_INTEGER: return .int(sqlite3_column_int64(read.handle, c))
                    case SQLITE_NULL: return .null
                    default: return .text(String(cString: sqlite3_column_text(read.handle, c)))
                    }
                })
        }
        read.reset()
        guard let last = rows.last else { break }
        after = last[rollupColumns.pos].int

        let start = clock.now
        let cpuStart = cpuSeconds()
        var index = 0
        while index < rows.count {
            let end = min(index + s.batch, rows.count)
            try db.execute("BEGIN IMMEDIATE")
            for row in rows[index..<end] {
                for (c, cell) in row.enumerated() {
                    switch cell {
                    case .int(let value): insert.bind(value, Int32(c + 1))
                    case .text(let value): insert.bind(value, Int32(c + 1))
                    case .null: sqlite3_bind_null(insert.handle, Int32(c + 1))
                    }
                }
                let rc = insert.step()
                insert.reset()
                guard rc == SQLITE_DONE else { throw BenchError("insert: \(db.message) (\(rc))") }
            }
            if variant == .rollups {
                var deltas: [RollupKey: RollupSums] = [:]
                for row in rows[index..<end] {
                    let seconds = (row[rollupColumns.pos].int >> 20) / 1000
                    let series = row[rollupColumns.series].int
                    let status = statusOf[series] ?? 0
                    let hour = seconds - seconds % 3600
                    let day = seconds - seconds % 86_400
                    let month: Int64
                    if let known = monthOfDay[day] {
                        month = known
                    } else {
                        month = utcMonthStart(daySeconds: day)
                        monthOfDay[day] = month
                    }
                    if s.levels.contains(0) {
                        deltas[RollupKey(level: 0, bucket: hour, series: series), default: RollupSums()]
                            .add(row, rollupColumns, status: status)
                    }
                    if s.levels.contains(1) || dimensionUpsert != nil {
                        deltas[RollupKey(level: 1, bucket: day, series: series), default: RollupSums()]
                            .add(row, rollupColumns, status: status)
                    }
                    if s.levels.contains(2) {
                        deltas[RollupKey(level: 2, bucket: month, series: series), default: RollupSums()]
                            .add(row, rollupColumns, status: status)
                    }
                }
                var dimensionDeltas: [DimensionKey: RollupSums] = [:]
                for (key, sums) in deltas {
                    if key.level == 1, dimensionUpsert != nil, let values = seriesValues[key.series] {
                        for (d, value) in values.enumerated() {
                            dimensionDeltas[DimensionKey(bucket: key.bucket, dimension: d, value: value), default: RollupSums()]
                                .add(sums)
                        }
                    }
                    guard s.levels.contains(key.level) else { continue }
                    let upsert = upserts[key.level]
                    upsert.bind(key.bucket, 1)
                    upsert.bind(key.series, 2)
                    sums.bind(to: upsert, from: 3)
                    try upsert.run()
                    rollupRows += 1
                }
                if let dimensionUpsert {
                    for (key, sums) in dimensionDeltas {
                        dimensionUpsert.bind(key.bucket, 1)
                        dimensionUpsert.bind(Int64(key.dimension), 2)
                        dimensionUpsert.bind(key.value, 3)
                        sums.bind(to: dimensionUpsert, from: 4)
                        try dimensionUpsert.run()
                    }
                    dimensionRows += dimensionDeltas.count
                }
            }
            try db.execute("COMMIT")
            written += end - index
            index = end
        }
        timed += clock.now - start
        cpu += cpuSeconds() - cpuStart
    }
    let rate = Double(written) / timed.seconds
    log(
        "  => \(Int(rate).grouped) rows/s (\(String(format: "%.1f", timed.seconds)) s timed, CPU \(Int(100 * cpu / timed.seconds))% of wall), \(seriesRows.count.grouped) series\(variant == .rollups ? ", \(rollupRows.grouped) series upserts, \(dimensionRows.grouped) dimension upserts" : "")"
    )
    let stored = Int(try db.scalar("SELECT COUNT(*) FROM events") ?? "0") ?? 0
    guard stored == s.workload.events else { throw BenchError("ceiling stored \(stored) rows, expected \(s.workload.events)") }
    let bytes = fileSize(s.path)
    if !s.keep { removeDatabase(s.path) }
    return [
        "rows_per_second": rate, "seconds": timed.seconds, "cpu_seconds": cpu, "series": seriesRows.count,
        "rollup_upserts": rollupRows, "dimension_upserts": dimensionRows, "db_bytes": bytes,
    ]
}
