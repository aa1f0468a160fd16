// `calibrate`: how fast this machine's libsqlite3 writes simple rows, on the four layouts the issue
// quotes reference figures for (no index ~540k rows/s; secondary indexes 100-145k/s; random UUID
// key 40-60k/s; time-ordered ids 85-105k/s), so the ledger's figures can be read against them.
// Rows: an integer, two small integers, a 40-byte text; WAL, synchronous NORMAL, 10,000 per transaction.
import CBenchSQLite
import CostPricing
import Foundation

func runCalibrate(rows: Int, directory: String) throws -> [String: Any] {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = (directory as NSString).appendingPathComponent("calibrate.db")
    struct Layout {
        var name: String
        var schema: String
        var insert: String
        var key: Key
        enum Key { case rowid, randomUUID, orderedUUID }
    }
    let layouts = [
        Layout(
            name: "no index (rowid table)", schema: "CREATE TABLE t (a INTEGER PRIMARY KEY, b INTEGER, c INTEGER, d TEXT)",
            insert: "INSERT INTO t (a, b, c, d) VALUES (?, ?, ?, ?)", key: .rowid),
        Layout(
            name: "two secondary indexes",
            schema: "CREATE TABLE t (a INTEGER PRIMARY KEY, b INTEGER, c INTEGER, d TEXT); CREATE INDEX tb ON t(b); CREATE INDEX tc ON t(c)",
            insert: "INSERT INTO t (a, b, c, d) VALUES (?, ?, ?, ?)", key: .rowid),
        Layout(
            name: "random UUID text key (unique index)",
            schema: "CREATE TABLE t (id TEXT PRIMARY KEY, b INTEGER, c INTEGER, d TEXT)",
            insert: "INSERT INTO t (id, b, c, d) VALUES (?, ?, ?, ?)", key: .randomUUID),
        Layout(
            name: "time-ordered UUID text key (unique index)",
            schema: "CREATE TABLE t (id TEXT PRIMARY KEY, b INTEGER, c INTEGER, d TEXT)",
            insert: "INSERT INTO t (id, b, c, d) VALUES (?, ?, ?, ?)", key: .orderedUUID),
    ]
    var results: [[String: Any]] = []
    let text = String(repeating: "x", count: 40)
    for layout in layouts {
        removeDatabase(path)
        let db = try RawDatabase(path: path)
        _ = try db.scalar("PRAGMA journal_mode = WAL")
        try db.execute("PRAGMA synchronous = NORMAL")
        try db.execute(layout.schema)
        var rng = SplitMix64(seed: 1)
        let start0 = Date(timeIntervalSince1970: 1_760_000_000)
        let keys: [String] = (0..<rows).map { i in
            switch layout.key {
            case .rowid: return ""
            case .randomUUID:
                let a = rng.next()
                let b = rng.next()
                return String(format: "%016llx%016llx", a, b)
            case .orderedUUID:
                return UsageEvent.makeID(at: start0.addingTimeInterval(Double(i) / 1000), using: &rng)
            }
        }
        let statement = try db.prepare(layout.insert)
        let start = ContinuousClock.now
        var i = 0
        while i < rows {
            try db.execute("BEGIN")
            for j in i..<min(i + 10_000, rows) {
                if layout.key == .rowid { statement.bind(Int64(j + 1), 1) } else { statement.bind(keys[j], 1) }
                statement.bind(Int64(rng.next() % 1_000_000), 2)
                statement.bind(Int64(rng.next() % 1_000_000), 3)
                statement.bind(text, 4)
                guard statement.step() == SQLITE_DONE else { throw BenchError("calibrate insert: \(db.message)") }
                statement.reset()
            }
            try db.execute("COMMIT")
            i += 10_000
        }
        let rate = Double(rows) / (ContinuousClock.now - start).seconds
        log("  " + pad(layout.name, 44) + pad(Int(rate).grouped, 10, right: true) + " rows/s")
        results.append(["name": layout.name, "rows_per_second": rate])
    }
    removeDatabase(path)
    return ["mode": "calibrate", "rows": rows, "layouts": results]
}
