internal import CCostSQLite
public import CostBudget
internal import CostPricing
public import Foundation

/// A ``BudgetStore`` in one SQLite file, shared by every process that opens it: the same file as
/// the usage ledger (`ControlPaths().database`), so budgets, spend and usage travel together.
///
/// Every operation is one write transaction (`BEGIN IMMEDIATE`): ``reserve(_:policy:ttl:)`` takes
/// the write lock, reads the state of every budget that counts the request, calls
/// ``BudgetPolicy/decide(_:states:at:)`` and writes the hold before it lets go, so two processes can
/// never both take the last of a budget. A process that waits for the lock sleeps in 50 µs steps
/// first, then 1 ms steps, for up to about 10 s; only then is ``SQLiteError`` `.busy` thrown.
///
/// The semantics are those of ``MemoryBudgetStore``: calendar and custom budgets reset when the
/// period changes, rolling budgets age charges out one by one, holds expire after their TTL (a
/// process killed while holding gives its budget back then), replacing a budget keeps its spend
/// unless its period changes, and a commit after expiry is still recorded.
///
/// For example:
/// ```swift
/// let store = try SQLiteBudgetStore(path: ControlPaths().database)
/// try await store.setBudget(budget)
/// let reservation = try await store.reserve(request, policy: BudgetPolicy())
/// if let hold = reservation.hold { _ = try await store.commit(hold, actual: actual) }
/// ```
public actor SQLiteBudgetStore: BudgetStore {
    /// How commits are made durable (the ledger's choice, per connection).
    public typealias Durability = SQLiteUsageLedger.Durability

    /// Where the store keeps what reservations and commits change: the budgets' accounts (spent,
    /// held, the throttling bucket), the open holds and rolling budgets' charges. The definitions
    /// always stay in the database file.
    public enum LiveState: Sendable, Hashable {
        /// Wherever the database file says a store last chose (``inDatabase`` unless one was opened
        /// ``memoryBacked(directory:)``), so that the CLI and the daemon follow the service that chose.
        case asConfigured
        /// In the database file itself, as durable as ``Durability`` says. Opening a file that was
        /// memory-backed with this moves the live state back and rebuilds the spend from the ledger.
        case inDatabase
        /// In a companion SQLite file in `directory`, meant to be a RAM-backed file system
        /// (``defaultMemoryDirectory``): no reservation or commit waits for the disk. The file is
        /// thrown away and the spend rebuilt from the ledger in the database file whenever it is
        /// missing, belongs to another database, or was written before the machine last booted.
        /// Holds do not survive a reboot. Documentation/Budgets.md, "Live state in memory", says
        /// what that trades.
        case memoryBacked(directory: String)
    }

    /// `/dev/shm` where it exists (Linux: kept until the machine reboots), else `$XDG_RUNTIME_DIR`
    /// (removed when its user's last session ends: a store whose file goes refuses to go on), else
    /// the temporary directory (on disk on most systems: still correct, but not faster).
    public static var defaultMemoryDirectory: String {
        let fileManager = FileManager.default
        if fileManager.isWritableFile(atPath: "/dev/shm") { return "/dev/shm" }
        if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty,
            fileManager.isWritableFile(atPath: runtime)
        {
            return runtime
        }
        return NSTemporaryDirectory()
    }

    /// Where the budgets of the database at `path` keep their live state, read without opening a
    /// store (which could move or rebuild it): the memory-backed companion file, or `nil` when the
    /// live state is in the database. For status displays (`costctl doctor`).
    ///
    /// - throws: ``SQLiteError`` when the database cannot be opened or read.
    public static func recordedLiveStatePath(ofDatabase path: String) throws -> String? {
        let db = try Connection(path: path)
        return try db.readTransaction { try BudgetLiveFile.recordedPath(db) }
    }

    public nonisolated let path: String
    /// The companion file that holds the live state, when it is memory-backed.
    public nonisolated let liveStatePath: String?
    /// Whether opening this store rebuilt the live state from the ledger (a new or stale companion
    /// file, or the live state moved between the file and the database).
    public nonisolated let rebuiltLiveState: Bool
    /// The connection that holds the live state (`budget_live`, `budget_entries`): the database's
    /// own, or the companion file's.
    let db: Connection
    /// The database file's connection: definitions, `budgets_generation`, the ledger.
    let definitionsDB: Connection
    private let liveFileIdentity: BudgetLiveFile.FileIdentity?
    private let now: @Sendable () -> Date
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()
    /// The definitions as last read, and the `budgets_generation` they were read at: another
    /// process that changes a budget bumps the generation, and the next transaction reads them again.
    private var generation: String?
    private var loaded = false
    private var ordered: [Budget] = []
    private var definitions: [String: Budget] = [:]

    /// Opens (creating it, its directory and the schema if needed) the database at `path`.
    ///
    /// - parameter durability: `.full` (the default) fsyncs every reservation and commit, so they
    ///   survive a power loss; `.processCrash` survives a crashed or killed process but may lose the
    ///   last transactions on power loss (then spend can be rebuilt from the ledger). With a
    ///   memory-backed live state it applies to the definitions only.
    /// - parameter liveState: where accounts, holds and rolling charges live (``LiveState``).
    /// - throws: ``SQLiteError`` (`.cannotOpen`, `.schemaTooNew`, `.corrupt`, `.busy`), ``BudgetError``
    ///   `.overflow` from a rebuild.
    public init(
        path: String, durability: Durability = .full, liveState: LiveState = .asConfigured,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        // absolute: the live file is named after this file's inode, found by path at every check
        let path = path == ":memory:" ? path : URL(fileURLWithPath: path).standardizedFileURL.path
        self.path = path
        let definitionsDB = try Connection.sharedStore(path: path, durability: durability)
        let opened = try BudgetLiveFile.open(definitions: definitionsDB, placement: liveState, now: now)
        self.definitionsDB = definitionsDB
        db = opened.live
        liveStatePath = opened.path
        rebuiltLiveState = opened.rebuilt
        liveFileIdentity = opened.identity
        self.now = now
    }

    // MARK: - Budgets

    public func setBudget(_ budget: Budget) throws {
        let json = try encode(budget)
        let normalized = try decode(json)  // as every process will read it back
        try checkLiveFile()
        try db.writeTransaction {
            // the live state's lock first, then the definitions': what a reservation takes, in order
            var applied = ""
            let old: Budget? = try onDefinitions(writing: true) {
                try checkPlacement()
                let select = try definitionsDB.cached("SELECT definition FROM budgets WHERE name = ?")
                select.bind(budget.name, at: 1)
                let old = try select.step() ? select.text(0).flatMap { try? decode($0) } : nil
                select.reset()
                let upsert = try definitionsDB.cached(
                    "INSERT INTO budgets (name, definition) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET definition = excluded.definition")
                upsert.bind(budget.name, at: 1)
                upsert.bind(json, at: 2)
                try upsert.step()
                applied = try BudgetLiveFile.bumpGeneration(definitionsDB)
                return old
            }
            try markApplied(applied)
            let account = try db.cached(
                """
                INSERT INTO budget_live (kind, rank, name, spent_cost_hi, spent_cost_lo, spent_tokens, spent_requests,
                    held_cost_hi, held_cost_lo, held_tokens, held_requests)
                VALUES (0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0) ON CONFLICT(kind, rank, name) DO NOTHING
                """)
            account.bind(budget.name, at: 1)
            try account.step()
            if let old, old.period != normalized.period {
                try run(
                    """
                    UPDATE budget_live SET window_start = NULL, window_end = NULL, spent_cost_hi = 0, spent_cost_lo = 0,
                        spent_tokens = 0, spent_requests = 0 WHERE kind = 0 AND rank = 0 AND name = ?
                    """, budget.name)
                try run("DELETE FROM budget_entries WHERE budget = ?", budget.name)
            }
            if let old, old.throttle != normalized.throttle {
                try run(
                    "UPDATE budget_live SET bucket_tokens = NULL, bucket_updated = NULL WHERE kind = 0 AND rank = 0 AND name = ?",
                    budget.name)
            }
        }
    }

    public func removeBudget(named name: String) throws -> Bool {
        try checkLiveFile()
        return try db.writeTransaction {
            var applied = ""
            let removed = try onDefinitions(writing: true) {
                try checkPlacement()
                let delete = try definitionsDB.cached("DELETE FROM budgets WHERE name = ?")
                delete.bind(name, at: 1)
                try delete.step()
                guard definitionsDB.changes == 1 else { return false }
                applied = try BudgetLiveFile.bumpGeneration(definitionsDB)
                return true
            }
            guard removed else { return false }
            try markApplied(applied)
            // the account and the rolling charges (a cascade too when they share the file)
            try run("DELETE FROM budget_live WHERE kind = 0 AND rank = 0 AND name = ?", name)
            try run("DELETE FROM budget_entries WHERE budget = ?", name)
            // open holds stop counting against it, so a budget added later under the name starts clean
            let holds = try db.cached("SELECT rank, name, budgets FROM budget_live WHERE kind = 1")
            var rewritten: [(rank: Int64, id: String, budgets: [String])] = []
            while try holds.step() {
                let names = BudgetSession.names(holds.text(2))
                if names.contains(name), let id = holds.text(1) {
                    rewritten.append((holds.int64(0), id, names.filter { $0 != name }))
                }
            }
            for hold in rewritten {
                let update = try db.cached("UPDATE budget_live SET budgets = ? WHERE kind = 1 AND rank = ? AND name = ?")
                update.bind(BudgetSession.json(hold.budgets), at: 1)
                update.bind(hold.rank, at: 2)
                update.bind(hold.id, at: 3)
                try update.step()
            }
            return true
        }
    }

    public func budgets() throws -> [Budget] {
        try loadDefinitions()
        return ordered
    }

    public func state(of name: String) throws -> BudgetState? {
        let at = now()
        return try db.writeTransaction {
            try loadDefinitions()
            guard let budget = definitions[name] else { return nil }
            var session = BudgetSession(db: db, at: at)
            try session.expireHolds(definitions)
            let state = try session.state(budget)
            try session.flush()
            return state
        }
    }

    // MARK: - Reservations

    public func reserve(_ request: BudgetRequest, policy: BudgetPolicy, ttl: Duration) throws -> BudgetReservation {
        let at = now()
        return try db.writeTransaction {
            try loadDefinitions()
            var session = BudgetSession(db: db, at: at)
            try session.expireHolds(definitions)
            var states: [BudgetState] = []
            for budget in ordered where request.isCounted(by: budget) {
                states.append(try session.state(budget))
            }
            let decision = try policy.decide(request, states: states, at: at) { moved in
                // a request moved to another model counts against the budgets of that model
                try ordered.filter { moved.isCounted(by: $0) }.map { try session.state($0) }
            }
            guard decision.passes else {
                try session.flush()
                return BudgetReservation(decision: decision, hold: nil)
            }
            for name in decision.throttledBudgets {
                if let budget = definitions[name] { try session.takeToken(budget) }
            }
            let hold = BudgetHold(
                budgets: decision.verdicts.map(\.budget), charge: decision.charge, provider: decision.provider,
                model: decision.model, createdAt: at, expiresAt: at.addingTimeInterval(ttl.seconds))
            for name in hold.budgets where definitions[name] != nil {
                try session.adjustHeld(name, by: hold.charge, adding: true)
            }
            try session.insert(hold)
            try session.flush()
            return BudgetReservation(decision: decision, hold: hold)
        }
    }

    public func commit(_ hold: BudgetHold, actual: BudgetCharge) throws -> BudgetCommit {
        guard actual.isValid else {
            throw BudgetError(code: .invalidRequest, message: "an actual charge must not be negative")
        }
        let at = now()
        return try db.writeTransaction {
            try loadDefinitions()
            var session = BudgetSession(db: db, at: at)
            try session.expireHolds(definitions)
            let record = try session.openHold(hold)
            // the spend happened: record it against the hold's budgets whether or not the hold is open;
            // the held amount comes off only the budgets the open hold still counts against
            let holding = Set(record?.budgets ?? [])
            for name in hold.budgets {
                guard let budget = definitions[name] else { continue }
                try session.settle(budget, held: holding.contains(name) ? hold.charge : nil, actual: actual)
            }
            if let record { try session.deleteHold(record.key) }
            try session.flush()
            return try BudgetCommit(settling: hold, actual: actual, holdWasExpired: record == nil)
        }
    }

    public func release(_ hold: BudgetHold) throws -> Bool {
        let at = now()
        return try db.writeTransaction {
            try loadDefinitions()
            var session = BudgetSession(db: db, at: at)
            try session.expireHolds(definitions)
            guard let record = try session.openHold(hold) else { return false }
            for name in record.budgets where definitions[name] != nil {
                try session.adjustHeld(name, by: record.charge, adding: false)
            }
            try session.deleteHold(record.key)
            try session.flush()
            return true
        }
    }

    public func replaceSpend(of name: String, with spend: BudgetSpend) throws -> Bool {
        let at = now()
        return try db.writeTransaction {
            try loadDefinitions()
            guard let budget = definitions[name] else { return false }
            var session = BudgetSession(db: db, at: at)
            try session.replaceSpend(budget, with: try spend.resolved(for: budget, at: at))
            try session.flush()
            return true
        }
    }

    /// Open holds, oldest first (for status displays and tests); expired ones are left out.
    public func openHolds() throws -> [BudgetHold] {
        try checkLiveFile()
        let at = now()
        return try db.readTransaction { try BudgetSession(db: db, at: at).openHolds() }
    }

    // MARK: - Definitions

    private func encode(_ budget: Budget) throws -> String {
        String(decoding: try encoder.encode(budget), as: UTF8.self)
    }

    private func decode(_ json: String) throws -> Budget {
        try Self.decodeDefinition(json, path: path, decoder: decoder)
    }

    /// A stored definition (JSON) read back.
    ///
    /// - throws: ``SQLiteError`` `.corrupt` when this build cannot read it.
    static func decodeDefinition(_ json: String, path: String, decoder: JSONDecoder = JSONDecoder()) throws -> Budget {
        do {
            return try decoder.decode(Budget.self, from: Data(json.utf8))
        } catch {
            throw SQLiteError(
                code: .corrupt, message: "database '\(path)' holds a budget definition this build cannot read (\(error)); upgrade costctl")
        }
    }

    /// Runs `body` on the definitions' connection in one transaction: the caller's when there is one
    /// on it (the live state in the database), else its own.
    private func onDefinitions<T>(writing: Bool, _ body: () throws -> T) throws -> T {
        if definitionsDB.isInTransaction { return try body() }
        return writing ? try definitionsDB.writeTransaction(body) : try definitionsDB.readTransaction(body)
    }

    /// Refuses to go on when another process moved the live state since this store was opened: two
    /// stores counting the same budgets in two places would let spend through twice.
    private func checkPlacement() throws {
        let recorded = try BudgetLiveFile.recordedPath(definitionsDB)
        guard recorded == liveStatePath else {
            throw SQLiteError(
                code: .conflict,
                message: "the budgets' live state in '\(path)' was moved \(recorded.map { "to the memory-backed file '\($0)'" } ?? "into the database") since this store was opened; open the store again")
        }
    }

    /// Refuses to go on when the memory-backed live file is no longer the one this store opened
    /// (deleted or replaced: one `stat`), rather than count on in an unlinked file.
    private func checkLiveFile() throws {
        guard let liveStatePath, BudgetLiveFile.FileIdentity(path: liveStatePath) != liveFileIdentity else { return }
        throw SQLiteError(
            code: .conflict,
            message: "the budgets' memory-backed live file '\(liveStatePath)' was deleted or replaced while this store had it open (a cleaned directory?); open the store again, which rebuilds it from the ledger")
    }

    /// Records in a memory-backed live file (inside its write transaction) that it holds the
    /// changes up to `generation`, committed with them.
    private func markApplied(_ generation: String) throws {
        guard db !== definitionsDB else { return }
        try SQLiteUsageLedger.setMeta(db, BudgetLiveFile.appliedKey, generation)
    }

    /// Reads the definitions again when another process (or this one) changed them; first makes
    /// sure a memory-backed live file is still the one this store opened, and, inside its write
    /// transaction, that it holds every budget change: a process stopped between a change's commit
    /// to the database and its commit to the file leaves a generation unapplied, and then the file
    /// is rebuilt from the ledger (open holds dropped) before anything is decided on it.
    private func loadDefinitions() throws {
        try checkLiveFile()
        try onDefinitions(writing: false) {
            let current = try SQLiteUsageLedger.meta(definitionsDB, "budgets_generation")
            if db !== definitionsDB, db.isInTransaction {
                if try SQLiteUsageLedger.meta(db, BudgetLiveFile.appliedKey) != (current ?? "0") {
                    try checkPlacement()
                    try db.execute("DELETE FROM budget_live; DELETE FROM budget_entries;")
                    let rebuilt = try BudgetLiveFile.rebuild(live: db, definitions: definitionsDB, at: now())
                    try markApplied(rebuilt)
                }
            }
            if loaded && current == generation { return }
            try checkPlacement()
            let list = try BudgetLiveFile.definitions(definitionsDB)
            ordered = list.sorted { $0.name < $1.name }
            definitions = Dictionary(list.map { ($0.name, $0) }) { $1 }
            generation = current
            loaded = true
        }
    }

    private func run(_ sql: String, _ name: String) throws {
        let statement = try db.cached(sql)
        statement.bind(name, at: 1)
        try statement.step()
    }

    // MARK: - Schema

    /// Migration `0005-budgets` (its tables but `budgets` are replaced by ``liveSQL``). Amounts of
    /// money are stored exactly as the two 64-bit halves of their 128-bit count of 10⁻¹⁸ USD (`_hi`,
    /// `_lo`); instants as seconds since 2001-01-01 (a `Date`'s own `Double`, exact).
    static let schemaSQL = """
        CREATE TABLE budgets (
            name TEXT PRIMARY KEY,
            definition TEXT NOT NULL
        ) STRICT;
        CREATE TABLE budget_accounts (
            budget TEXT PRIMARY KEY REFERENCES budgets(name) ON DELETE CASCADE,
            window_start REAL, window_end REAL,
            spent_cost_hi INTEGER NOT NULL DEFAULT 0, spent_cost_lo INTEGER NOT NULL DEFAULT 0,
            spent_tokens INTEGER NOT NULL DEFAULT 0, spent_requests INTEGER NOT NULL DEFAULT 0,
            held_cost_hi INTEGER NOT NULL DEFAULT 0, held_cost_lo INTEGER NOT NULL DEFAULT 0,
            held_tokens INTEGER NOT NULL DEFAULT 0, held_requests INTEGER NOT NULL DEFAULT 0,
            bucket_tokens REAL, bucket_updated REAL
        ) STRICT;
        CREATE TABLE budget_entries (
            budget TEXT NOT NULL REFERENCES budgets(name) ON DELETE CASCADE,
            at REAL NOT NULL,
            cost_hi INTEGER NOT NULL, cost_lo INTEGER NOT NULL, tokens INTEGER NOT NULL, requests INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX budget_entries_at ON budget_entries(budget, at);
        CREATE TABLE budget_holds (
            id TEXT PRIMARY KEY,
            budgets TEXT NOT NULL,
            cost_hi INTEGER NOT NULL, cost_lo INTEGER NOT NULL, tokens INTEGER NOT NULL, requests INTEGER NOT NULL,
            provider TEXT NOT NULL, model TEXT NOT NULL,
            created REAL NOT NULL, expires REAL NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX budget_holds_expires ON budget_holds(expires);
        """

    /// The columns of `budget_live` (migration `0014-budget-live`, and a memory-backed live file).
    static let liveTableSQL = """
        (
            kind INTEGER NOT NULL,
            rank INTEGER NOT NULL,
            name TEXT NOT NULL,
            window_start REAL, window_end REAL,
            spent_cost_hi INTEGER, spent_cost_lo INTEGER, spent_tokens INTEGER, spent_requests INTEGER,
            held_cost_hi INTEGER, held_cost_lo INTEGER, held_tokens INTEGER, held_requests INTEGER,
            bucket_tokens REAL, bucket_updated REAL,
            budgets TEXT,
            cost_hi INTEGER, cost_lo INTEGER, tokens INTEGER, requests INTEGER,
            provider TEXT, model TEXT, created REAL, expires REAL,
            PRIMARY KEY (kind, rank, name)
        ) STRICT, WITHOUT ROWID;
        """

    /// The schema of a memory-backed live file (``LiveState/memoryBacked(directory:)``): the live
    /// tables of the database file, without the reference from charges to definitions (those stay
    /// in the database file), and a `meta` table naming the database and the boot it belongs to.
    static let liveFileSQL = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
        CREATE TABLE IF NOT EXISTS budget_live \(liveTableSQL)
        CREATE TABLE IF NOT EXISTS budget_entries (
            budget TEXT NOT NULL,
            at REAL NOT NULL,
            seq INTEGER NOT NULL,
            cost_hi INTEGER NOT NULL, cost_lo INTEGER NOT NULL, tokens INTEGER NOT NULL, requests INTEGER NOT NULL,
            PRIMARY KEY (budget, at, seq)
        ) STRICT, WITHOUT ROWID;
        """

    /// Migration `0014-budget-live`. What a reservation and a commit write shares one table, so that
    /// each writes one page to the write-ahead log where it wrote three (the account, the hold and
    /// the hold's expiry index; Documentation/Budgets.md, "Storage"):
    ///
    /// - kind 0: a budget's account (`rank` 0, `name` the budget): its period window, spent and held
    ///   (cost as two halves, tokens, requests), the throttling bucket (tokens, updated);
    /// - kind 1: an open hold (`rank` its expiry in whole microseconds since 2001-01-01, rounded
    ///   down, so that holds sort by expiry; `name` its id): the budgets it counts against (a JSON
    ///   list), its charge, provider, model, created and expires. The migration computes the rank
    ///   as `BudgetSession.rank(expiring:)` does, clamps included (an expiry beyond ±9.2e12 s would
    ///   otherwise be found only by a scan, or stop the migration on a REAL that STRICT refuses).
    ///
    /// Each column belongs to one kind and is NULL in the other. Rolling charges become keyed by
    /// (budget, instant, seq), one page per commit where the rowid table and its index took two.
    static let liveSQL = """
        CREATE TABLE budget_live \(liveTableSQL)
        INSERT INTO budget_live (kind, rank, name, window_start, window_end, spent_cost_hi, spent_cost_lo, spent_tokens,
            spent_requests, held_cost_hi, held_cost_lo, held_tokens, held_requests, bucket_tokens, bucket_updated)
        SELECT 0, 0, budget, window_start, window_end, spent_cost_hi, spent_cost_lo, spent_tokens, spent_requests,
            held_cost_hi, held_cost_lo, held_tokens, held_requests, bucket_tokens, bucket_updated
        FROM budget_accounts;
        INSERT INTO budget_live (kind, rank, name, budgets, cost_hi, cost_lo, tokens, requests, provider, model, created, expires)
        SELECT 1,
            CASE WHEN expires * 1000000 >= 9.2e18 THEN 9223372036854775807
                WHEN expires * 1000000 <= -9.2e18 THEN -9223372036854775808
                ELSE CAST(expires * 1000000 AS INTEGER) - (expires * 1000000 < CAST(expires * 1000000 AS INTEGER)) END,
            id, budgets, cost_hi, cost_lo, tokens, requests, provider, model, created, expires
        FROM budget_holds;
        ALTER TABLE budget_entries RENAME TO budget_entries_0005;
        CREATE TABLE budget_entries (
            budget TEXT NOT NULL REFERENCES budgets(name) ON DELETE CASCADE,
            at REAL NOT NULL,
            seq INTEGER NOT NULL,
            cost_hi INTEGER NOT NULL, cost_lo INTEGER NOT NULL, tokens INTEGER NOT NULL, requests INTEGER NOT NULL,
            PRIMARY KEY (budget, at, seq)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO budget_entries (budget, at, seq, cost_hi, cost_lo, tokens, requests)
        SELECT budget, at, row_number() OVER (PARTITION BY budget, at ORDER BY rowid) - 1, cost_hi, cost_lo, tokens, requests
        FROM budget_entries_0005;
        DROP TABLE budget_entries_0005;
        DROP TABLE budget_holds;
        DROP TABLE budget_accounts;
        """
}
