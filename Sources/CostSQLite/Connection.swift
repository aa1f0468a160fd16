internal import CCostSQLite
internal import Foundation

/// One open SQLite database handle, set up the GRDB way: extended result codes, foreign keys, a busy
/// timeout, no double-quoted string literals, WAL (checked), and a statement cache.
///
/// Not thread-safe: a ``SQLiteUsageLedger`` owns one connection and serialises access to it.
final class Connection {
    let handle: OpaquePointer
    let path: String
    private var cache: [String: Statement] = [:]
    /// Cached statements checked out since the last transaction ended. A statement left mid-step
    /// keeps a read snapshot open; in WAL mode a stale snapshot makes the next write fail with
    /// SQLITE_BUSY_SNAPSHOT at once (no busy wait). Every transaction resets them when it ends.
    private var checkedOut: [Statement] = []

    /// How a write is made durable.
    enum Synchronous: String {
        /// Each commit is fsynced: survives process crashes and power loss.
        case full = "FULL"
        /// Commits survive process crashes; the last ones may be lost on power loss (WAL).
        case normal = "NORMAL"
    }

    /// How a connection waits for another process's write lock.
    enum BusyWait {
        /// SQLite's own busy timeout: sleeps of 1, 2, 5, 10 … 100 ms, up to the given total.
        case timeout(milliseconds: Int32)
        /// Short sleeps first (200 of 50 µs), then 1 ms ones, up to about 10 s in all: for short
        /// transactions that several processes run back to back (budget reservations), where a
        /// first wait of 1 ms would be longer than the transaction being waited for.
        case spin
    }

    /// What the busy handler and the log hook of the connection share (see ``checkpointWithRestart(everyPages:)``).
    private final class WaitState {
        /// Pages of log at which a commit runs a RESTART checkpoint.
        var restartPages: Int32 = .max
        /// Set while that checkpoint runs: a `.spin` busy handler then gives up at once.
        var checkpointing = false
    }

    private let waitState = WaitState()

    init(path: String, busyWait: BusyWait = .timeout(milliseconds: 10_000), synchronous: Synchronous = .full) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(
                code: .cannotOpen,
                message: "cannot open database '\(path)': \(message); check that the directory exists and is writable",
                resultCode: rc)
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        switch busyWait {
        case .timeout(let milliseconds):
            sqlite3_busy_timeout(db, milliseconds)
        case .spin:
            sqlite3_busy_handler(
                db,
                { context, count in
                    if let context, Unmanaged<WaitState>.fromOpaque(context).takeUnretainedValue().checkpointing {
                        return 0
                    }
                    if count < 200 {
                        usleep(50)
                        return 1
                    }
                    if count < 10_200 {
                        usleep(1_000)
                        return 1
                    }
                    return 0
                }, Unmanaged.passUnretained(waitState).toOpaque())
        }
        _ = ccostsqlite_db_config_int(db, SQLITE_DBCONFIG_DQS_DML, 0)
        _ = ccostsqlite_db_config_int(db, SQLITE_DBCONFIG_DQS_DDL, 0)
        do {
            try execute("PRAGMA foreign_keys = ON")
            // Switching a new file to WAL needs the database to itself: while another connection
            // (another process opening the same new file) holds a lock, SQLite answers BUSY at
            // once, without the busy handler, so the switch is tried again for up to about 5 s.
            var mode: String?
            var attempt = 0
            while true {
                do {
                    mode = try scalarText("PRAGMA journal_mode = WAL")
                    break
                } catch let error as SQLiteError
                    where attempt < 100 && error.resultCode.map({ $0 & 0xFF == SQLITE_BUSY || $0 & 0xFF == SQLITE_LOCKED }) == true
                {
                    attempt += 1
                    usleep(UInt32(min(100, 5 * attempt)) * 1_000)
                }
            }
            if path != ":memory:", mode?.lowercased() != "wal" {
                throw SQLiteError(
                    code: .cannotOpen,
                    message: "database '\(path)' could not switch to WAL journaling (got '\(mode ?? "?")'); is it on a network file system?")
            }
            try execute("PRAGMA synchronous = \(synchronous.rawValue)")
            // Reads of scattered rows (a user's events among everyone's) go through memory-mapped
            // pages instead of a read(2) per page, and a larger page cache keeps index pages hot.
            try execute("PRAGMA mmap_size = 1073741824")
            try execute("PRAGMA cache_size = -65536")
        } catch let error as SQLiteError where error.resultCode.map({ $0 & 0xFF == SQLITE_NOTADB }) == true {
            sqlite3_close_v2(db)
            throw SQLiteError(
                code: .corrupt, message: "'\(path)' is not a SQLite database; point --db at a costctl database or a new path",
                resultCode: error.resultCode)
        } catch {
            sqlite3_close_v2(db)
            throw error
        }
    }

    /// A connection for a store that processes share back to back (budgets, keys): the parent
    /// directory and the schema created if needed, short busy waits, and RESTART checkpoints.
    ///
    /// A reservation and its commit appended about 8 pages to the write-ahead log (3.6 since
    /// migration `0014-budget-live`); a checkpoint (two fsyncs) every 1,000 pages (SQLite's default)
    /// stalled one pair in about 120. Every 10,000 pages (about 40 MB of log) it stalled one in about
    /// 1,200; RESTART, so that the log starts again even while other processes write back to back.
    static func sharedStore(path: String, durability: SQLiteUsageLedger.Durability) throws -> Connection {
        try createParentDirectory(of: path)
        let db = try Connection(path: path, busyWait: .spin, synchronous: durability == .full ? .full : .normal)
        try Migrator.migrate(db)
        db.checkpointWithRestart(everyPages: 10_000)
        return db
    }

    /// A memory-backed budget live file (`SQLiteBudgetStore.LiveState.memoryBacked`), in a directory
    /// `BudgetLiveFile.privateDirectory` has made private: created with its schema if needed,
    /// `synchronous=NORMAL` (a process crash loses nothing; after an operating-system crash the
    /// boot id has the file rebuilt), short busy waits, and a RESTART checkpoint every 1,000 pages
    /// (without a disk, copying the log is the checkpoint's whole cost, so a short log costs least).
    static func budgetLiveFile(path: String) throws -> Connection {
        let db = try Connection(path: path, busyWait: .spin, synchronous: .normal)
        try db.writeTransaction { try db.execute(SQLiteBudgetStore.liveFileSQL) }
        db.checkpointWithRestart(everyPages: 1_000)
        return db
    }

    /// Whether a transaction is open on this connection.
    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Creates the parent directory of `path` (not for `:memory:`).
    ///
    /// - throws: ``SQLiteError`` `.cannotOpen` naming the directory.
    static func createParentDirectory(of path: String) throws {
        guard path != ":memory:" else { return }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SQLiteError(
                code: .cannotOpen, message: "cannot create directory '\(directory.path)' for the database: \(error.localizedDescription)")
        }
    }

    /// Replaces SQLite's automatic checkpoint (PASSIVE, every 1,000 pages) by a RESTART checkpoint
    /// every `pages` pages of log, run by the connection whose commit reaches that size.
    ///
    /// With several processes writing back to back, one of them is nearly always starting a
    /// transaction, so a passive checkpoint completes but the log is never started again from its
    /// beginning: it grew without bound (170 MB in two seconds with two budget processes), and every
    /// commit past the threshold checkpointed again, with two fsyncs. A RESTART checkpoint holds the
    /// other writers back until the log is copied, so the next writer starts it again.
    ///
    /// On a `.spin` connection the checkpoint does not wait: while it runs the busy handler gives
    /// up at once, so a long read elsewhere (a report over the ledger) makes it a passive
    /// checkpoint, retried at the next commit, instead of stalling this commit and every writer
    /// behind it for the whole busy timeout.
    func checkpointWithRestart(everyPages pages: Int) {
        waitState.restartPages = Int32(clamping: pages)
        sqlite3_wal_hook(
            handle,
            { context, db, _, frames in
                guard let context, let db else { return SQLITE_OK }
                let state = Unmanaged<WaitState>.fromOpaque(context).takeUnretainedValue()
                guard frames >= state.restartPages else { return SQLITE_OK }
                state.checkpointing = true
                _ = sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_RESTART, nil, nil)
                state.checkpointing = false
                return SQLITE_OK
            }, Unmanaged.passUnretained(waitState).toOpaque())
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    // MARK: - Statements

    /// A cached prepared statement for `sql` (reset, bindings cleared).
    func cached(_ sql: String) throws -> Statement {
        if let statement = cache[sql] {
            statement.reset()
            checkedOut.append(statement)
            return statement
        }
        let statement = try Statement(connection: self, sql: sql, persistent: true)
        // Bounded: some statements carry literal id lists. Evicted statements stay valid while used.
        if cache.count >= 512 { cache.removeAll() }
        cache[sql] = statement
        checkedOut.append(statement)
        return statement
    }

    /// The SQL of every statement in the cache (for tests that check query plans).
    var cachedSQL: [String] { Array(cache.keys) }

    /// Resets every statement checked out since the last call, ending their read snapshots.
    func releaseStatements() {
        for statement in checkedOut { sqlite3_reset(statement.handle) }
        checkedOut.removeAll(keepingCapacity: true)
    }

    /// Runs one or more statements without results.
    func execute(_ sql: String) throws {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, context: "running '\(sql.prefix(60))'") }
    }

    func scalarText(_ sql: String) throws -> String? {
        let statement = try Statement(connection: self, sql: sql, persistent: false)
        guard try statement.step() else { return nil }
        return statement.text(0)
    }

    func scalarInt(_ sql: String, _ bindings: [Int64] = []) throws -> Int64? {
        let statement = try cached(sql)
        for (index, value) in bindings.enumerated() { statement.bind(value, at: Int32(index + 1)) }
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int64(0)
    }

    var changes: Int { Int(sqlite3_changes(handle)) }

    func error(_ rc: Int32, context: String) -> SQLiteError {
        let message = String(cString: sqlite3_errmsg(handle))
        let primary = rc & 0xFF
        if primary == SQLITE_BUSY || primary == SQLITE_LOCKED {
            return SQLiteError(
                code: .busy,
                message: "database '\(path)' stayed locked by another process beyond the busy timeout while \(context); retry, or stop the other writer",
                resultCode: rc)
        }
        if primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB {
            return SQLiteError(
                code: .corrupt, message: "database '\(path)' is damaged or not a costctl database (\(message)) while \(context)",
                resultCode: rc)
        }
        return SQLiteError(code: .statement, message: "SQLite error while \(context): \(message)", resultCode: rc)
    }

    // MARK: - Transactions

    /// Runs `body` in `BEGIN IMMEDIATE … COMMIT` (the write lock is taken up front, so a busy
    /// database waits at BEGIN, never half-way); any throw rolls back.
    func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        releaseStatements()
        try beginImmediate()
        do {
            let value = try body()
            releaseStatements()
            try execute("COMMIT")
            return value
        } catch {
            releaseStatements()
            _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }

    /// Runs `body` in a deferred transaction so that several reads see one snapshot.
    func readTransaction<T>(_ body: () throws -> T) throws -> T {
        releaseStatements()
        try execute("BEGIN DEFERRED")
        do {
            let value = try body()
            releaseStatements()
            try execute("COMMIT")
            return value
        } catch {
            releaseStatements()
            _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }

    private func beginImmediate() throws {
        // The busy handler already waits `busyTimeout`; a few more rounds cover the rare case where
        // SQLite returns BUSY at once (a WAL snapshot upgrade) instead of calling the handler.
        var attempt = 0
        while true {
            let rc = sqlite3_exec(handle, "BEGIN IMMEDIATE", nil, nil, nil)
            if rc == SQLITE_OK { return }
            let primary = rc & 0xFF
            if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) && attempt < 50 {
                attempt += 1
                usleep(useconds_t(2_000 * attempt))
                continue
            }
            throw error(rc, context: "starting a write transaction")
        }
    }
}

@available(*, unavailable)
extension Connection: Sendable {}

/// A prepared statement. Not thread-safe; owned by its connection's cache or a caller.
final class Statement {
    let handle: OpaquePointer
    unowned let connection: Connection
    let sql: String

    init(connection: Connection, sql: String, persistent: Bool) throws {
        var statement: OpaquePointer?
        let flags: UInt32 = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, flags, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw connection.error(rc, context: "preparing '\(sql.prefix(80))'")
        }
        self.handle = statement
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Steps once: `true` when a row is available, `false` when done.
    @discardableResult
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = connection.error(rc, context: "running '\(sql.prefix(80))'")
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Steps to the end, returning the raw result code of a failing step (for constraint handling).
    func run() -> Int32 {
        var rc = sqlite3_step(handle)
        while rc == SQLITE_ROW { rc = sqlite3_step(handle) }
        if rc != SQLITE_DONE { sqlite3_reset(handle) }
        return rc
    }

    // MARK: Binding (1-based)

    func bind(_ value: Int64, at index: Int32) { sqlite3_bind_int64(handle, index, value) }
    func bind(_ value: Int, at index: Int32) { sqlite3_bind_int64(handle, index, Int64(value)) }
    func bind(_ value: String, at index: Int32) {
        sqlite3_bind_text(handle, index, value, -1, ccostsqlite_transient())
    }
    /// Binds UTF-8 bytes as TEXT (copied by SQLite).
    func bindText(_ bytes: [UInt8], at index: Int32) {
        guard !bytes.isEmpty else {
            bind("", at: index)  // an empty array has no address, and a NULL pointer would bind NULL
            return
        }
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { text in
                _ = sqlite3_bind_text(handle, index, text.baseAddress, Int32(clamping: text.count), ccostsqlite_transient())
            }
        }
    }
    func bind(_ value: String?, at index: Int32) {
        if let value { bind(value, at: index) } else { sqlite3_bind_null(handle, index) }
    }
    func bind(_ value: Int?, at index: Int32) {
        if let value { bind(value, at: index) } else { sqlite3_bind_null(handle, index) }
    }
    func bindNull(at index: Int32) { sqlite3_bind_null(handle, index) }
    /// Binds bytes as a BLOB (an empty one for empty data, never NULL).
    func bind(_ value: Data, at index: Int32) {
        guard !value.isEmpty else {
            sqlite3_bind_zeroblob(handle, index, 0)
            return
        }
        value.withUnsafeBytes { bytes in
            _ = sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(clamping: bytes.count), ccostsqlite_transient())
        }
    }
    func bind(_ value: Date, at index: Int32) { bind(value.timeIntervalSinceReferenceDate, at: index) }
    func bind(_ value: Date?, at index: Int32) { bind(value?.timeIntervalSinceReferenceDate, at: index) }
    func bind(_ value: Double, at index: Int32) { sqlite3_bind_double(handle, index, value) }
    func bind(_ value: Double?, at index: Int32) {
        if let value { bind(value, at: index) } else { sqlite3_bind_null(handle, index) }
    }

    // MARK: Columns (0-based)

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    /// A BLOB (or any value) as bytes; empty for NULL.
    func blob(_ column: Int32) -> Data {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return Data() }
        return Data(bytes: pointer, count: count)
    }
    /// An instant stored as seconds since 2001-01-01 (a `Date`'s own `Double`, exact).
    func date(_ column: Int32) -> Date { Date(timeIntervalSinceReferenceDate: double(column)) }
    func optionalDate(_ column: Int32) -> Date? { isNull(column) ? nil : date(column) }
    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: pointer)
    }
}

@available(*, unavailable)
extension Statement: Sendable {}
