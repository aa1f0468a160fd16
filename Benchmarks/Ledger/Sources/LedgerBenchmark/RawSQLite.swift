// A minimal handle on the same libsqlite3 the ledger links, for the raw-INSERT ceiling and for
// EXPLAIN QUERY PLAN. Not thread-safe; used from one task.
import CBenchSQLite
import Foundation

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

final class RawDatabase {
    let handle: OpaquePointer

    init(path: String) throws {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            if let db { sqlite3_close_v2(db) }
            throw BenchError("cannot open \(path) (SQLite \(rc))")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit { sqlite3_close_v2(handle) }

    var message: String { String(cString: sqlite3_errmsg(handle)) }

    func execute(_ sql: String) throws {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw BenchError("\(sql.prefix(60)): \(message) (\(rc))") }
    }

    func prepare(_ sql: String) throws -> RawStatement { try RawStatement(self, sql) }

    /// All rows as text (small results only: pragmas, EXPLAIN QUERY PLAN).
    func rows(_ sql: String, _ texts: [String] = [], _ ints: [(Int32, Int64)] = []) throws -> [[String]] {
        let statement = try prepare(sql)
        for (i, text) in texts.enumerated() { statement.bind(text, Int32(i + 1)) }
        for (index, value) in ints { statement.bind(value, index) }
        var rows: [[String]] = []
        while statement.step() == SQLITE_ROW {
            let n = sqlite3_column_count(statement.handle)
            rows.append(
                (0..<n).map { c in
                    sqlite3_column_text(statement.handle, c).map { String(cString: $0) } ?? "NULL"
                })
        }
        return rows
    }

    func scalar(_ sql: String) throws -> String? { try rows(sql).first?.first }
}

final class RawStatement {
    let handle: OpaquePointer
    unowned let db: RawDatabase

    init(_ db: RawDatabase, _ sql: String) throws {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(db.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw BenchError("prepare \(sql.prefix(60)): \(db.message)") }
        handle = statement
        self.db = db
    }

    deinit { sqlite3_finalize(handle) }

    @inline(__always) func bind(_ value: Int64, _ index: Int32) { sqlite3_bind_int64(handle, index, value) }
    @inline(__always) func bind(_ value: Int, _ index: Int32) { sqlite3_bind_int64(handle, index, Int64(value)) }
    @inline(__always) func bind(_ value: String, _ index: Int32) {
        sqlite3_bind_text(handle, index, value, -1, cbenchsqlite_transient())
    }
    @inline(__always) func bind(_ value: String?, _ index: Int32) {
        if let value { bind(value, index) } else { sqlite3_bind_null(handle, index) }
    }
    @inline(__always) func bind(_ value: Int?, _ index: Int32) {
        if let value { bind(value, index) } else { sqlite3_bind_null(handle, index) }
    }
    @inline(__always) func step() -> Int32 { sqlite3_step(handle) }
    @inline(__always) func reset() { sqlite3_reset(handle) }

    /// Steps to the end; throws on anything but DONE.
    func run() throws {
        var rc = sqlite3_step(handle)
        while rc == SQLITE_ROW { rc = sqlite3_step(handle) }
        sqlite3_reset(handle)
        guard rc == SQLITE_DONE else { throw BenchError("step: \(db.message) (\(rc))") }
    }
}

/// `SQLITE_CONSTRAINT_PRIMARYKEY` (a macro expression Swift cannot import).
let sqliteConstraintPrimaryKey: Int32 = SQLITE_CONSTRAINT | (6 << 8)
