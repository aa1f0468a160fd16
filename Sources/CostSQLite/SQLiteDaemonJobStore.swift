internal import CCostSQLite
public import CostBudget
public import Foundation

/// The daemon's jobs in the ledger's database file (migration `0011-daemon-jobs`): per job since
/// when it is scheduled, its last run (slot, start, finish, outcome, error, counts) and the lease
/// of a run under way, shared by every daemon and `costctl daemon --once` that opens the file.
///
/// ``claim(job:slot:owner:at:lease:)`` is one `BEGIN IMMEDIATE` transaction: it reads the job's
/// row, applies ``DaemonJobRecord`` 's claim rule (the slot not done, no other owner's live lease)
/// and writes the lease, so two daemons on one database never both run a slot.
///
/// For example:
/// ```swift
/// let store = try SQLiteDaemonJobStore(path: ControlPaths().database.path)
/// let claim = try await store.claim(job: "quota-check", slot: slot, owner: "host:42:ab12", at: Date(), lease: .seconds(900))
/// ```
public actor SQLiteDaemonJobStore: DaemonJobStore {
    public nonisolated let path: String
    let db: Connection

    /// Migration `0011-daemon-jobs`.
    static let schemaSQL = """
        CREATE TABLE daemon_jobs (
            job TEXT PRIMARY KEY, since REAL NOT NULL,
            last_slot REAL, last_started_at REAL, last_finished_at REAL, last_outcome TEXT, last_error TEXT,
            runs INTEGER NOT NULL, failures INTEGER NOT NULL,
            lease_owner TEXT, lease_slot REAL, lease_claimed_at REAL, lease_until REAL
        ) STRICT, WITHOUT ROWID;
        """

    /// Opens (creating it, its directory and the schema if needed) the database at `path`.
    ///
    /// - throws: ``SQLiteError`` (`.cannotOpen`, `.schemaTooNew`, `.corrupt`).
    public init(path: String, durability: SQLiteUsageLedger.Durability = .full) throws {
        db = try Connection.sharedStore(path: path, durability: durability)
        self.path = path
    }

    public func prepare(jobs: [String], at instant: Date) throws -> [DaemonJobRecord] {
        try db.writeTransaction {
            for job in jobs {
                let insert = try db.cached("""
                    INSERT OR IGNORE INTO daemon_jobs (job, since, runs, failures) VALUES (?, ?, 0, 0)
                    """)
                insert.bind(job, at: 1)
                insert.bind(instant, at: 2)
                try insert.step()
            }
            return try jobs.compactMap { try read($0) }
        }
    }

    public func records() throws -> [DaemonJobRecord] {
        try db.readTransaction {
            let statement = try db.cached("SELECT \(Self.columns) FROM daemon_jobs ORDER BY job")
            var records: [DaemonJobRecord] = []
            while try statement.step() { records.append(Self.record(statement)) }
            return records
        }
    }

    public func claim(job: String, slot: Date, owner: String, at instant: Date, lease: Duration) throws -> DaemonJobClaim {
        try db.writeTransaction {
            let existing = try read(job)
            if existing == nil {
                let insert = try db.cached("INSERT INTO daemon_jobs (job, since, runs, failures) VALUES (?, ?, 0, 0)")
                insert.bind(job, at: 1)
                insert.bind(instant, at: 2)
                try insert.step()
            }
            let record = existing ?? DaemonJobRecord(job: job, since: instant)
            let decision = DaemonJobRecord.claimDecision(record, slot: slot, owner: owner, at: instant, lease: lease)
            guard case .claimed(var taken) = decision else { return decision }
            taken.job = job
            let update = try db.cached("""
                UPDATE daemon_jobs SET lease_owner = ?, lease_slot = ?, lease_claimed_at = ?, lease_until = ? WHERE job = ?
                """)
            update.bind(taken.owner, at: 1)
            update.bind(taken.slot, at: 2)
            update.bind(taken.claimedAt, at: 3)
            update.bind(taken.expiresAt, at: 4)
            update.bind(job, at: 5)
            try update.step()
            return .claimed(taken)
        }
    }

    public func finish(_ lease: DaemonJobLease, outcome: DaemonJobRecord.Outcome, error: String?, at instant: Date) throws -> Bool {
        try db.writeTransaction {
            guard let record = try read(lease.job), record.holds(lease) else { return false }
            let done = record.finished(lease, outcome: outcome, error: error, at: instant)
            let update = try db.cached("""
                UPDATE daemon_jobs SET last_slot = ?, last_started_at = ?, last_finished_at = ?, last_outcome = ?, last_error = ?,
                    runs = ?, failures = ?, lease_owner = NULL, lease_slot = NULL, lease_claimed_at = NULL, lease_until = NULL
                WHERE job = ?
                """)
            update.bind(done.lastSlot, at: 1)
            update.bind(done.lastStartedAt, at: 2)
            update.bind(done.lastFinishedAt, at: 3)
            update.bind(done.lastOutcome?.rawValue, at: 4)
            update.bind(done.lastError, at: 5)
            update.bind(done.runs, at: 6)
            update.bind(done.failures, at: 7)
            update.bind(lease.job, at: 8)
            try update.step()
            return true
        }
    }

    public func release(_ lease: DaemonJobLease) throws -> Bool {
        try db.writeTransaction {
            guard let record = try read(lease.job), record.holds(lease) else { return false }
            let update = try db.cached("""
                UPDATE daemon_jobs SET lease_owner = NULL, lease_slot = NULL, lease_claimed_at = NULL, lease_until = NULL WHERE job = ?
                """)
            update.bind(lease.job, at: 1)
            try update.step()
            return true
        }
    }

    // MARK: - Rows

    private static let columns = """
        job, since, last_slot, last_started_at, last_finished_at, last_outcome, last_error, runs, failures,
        lease_owner, lease_slot, lease_claimed_at, lease_until
        """

    private func read(_ job: String) throws -> DaemonJobRecord? {
        let statement = try db.cached("SELECT \(Self.columns) FROM daemon_jobs WHERE job = ?")
        statement.bind(job, at: 1)
        guard try statement.step() else { return nil }
        return Self.record(statement)
    }

    private static func record(_ s: Statement) -> DaemonJobRecord {
        var lease: DaemonJobLease?
        if let owner = s.text(9), let slot = s.optionalDate(10), let claimed = s.optionalDate(11), let until = s.optionalDate(12) {
            lease = DaemonJobLease(job: s.text(0) ?? "", slot: slot, owner: owner, claimedAt: claimed, expiresAt: until)
        }
        return DaemonJobRecord(
            job: s.text(0) ?? "", since: s.date(1), lastSlot: s.optionalDate(2), lastStartedAt: s.optionalDate(3),
            lastFinishedAt: s.optionalDate(4), lastOutcome: s.text(5).flatMap(DaemonJobRecord.Outcome.init(rawValue:)),
            lastError: s.text(6), runs: s.int(7), failures: s.int(8), lease: lease)
    }
}
