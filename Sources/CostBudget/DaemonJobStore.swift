public import Foundation

/// What a daemon remembers of one scheduled job: since when it is scheduled, its last run and
/// the lease of a run under way.
///
/// A job's runs are named by their **slot**, the instant the schedule made them due (for example
/// 2026-11-20T00:00:00Z for the midnight snapshot). A slot at or before ``lastSlot`` is done; a
/// daemon that finds a later slot due claims it (``DaemonJobStore/claim(job:slot:owner:at:lease:)``).
public struct DaemonJobRecord: Sendable, Hashable, Codable {
    /// How a run ended.
    public enum Outcome: String, Sendable, Hashable, Codable {
        case succeeded
        case failed
    }

    public var job: String
    /// When a daemon first scheduled the job: slots before it are not owed (a new installation
    /// does not run yesterday's report).
    public var since: Date
    /// The slot of the last finished run (succeeded or failed).
    public var lastSlot: Date?
    public var lastStartedAt: Date?
    public var lastFinishedAt: Date?
    public var lastOutcome: Outcome?
    /// The last failed run's error message (never a secret).
    public var lastError: String?
    /// Finished runs, in all.
    public var runs: Int
    /// Failed runs, in all.
    public var failures: Int
    /// The lease of a run under way, if any (it may have expired).
    public var lease: DaemonJobLease?

    public init(
        job: String, since: Date, lastSlot: Date? = nil, lastStartedAt: Date? = nil, lastFinishedAt: Date? = nil,
        lastOutcome: Outcome? = nil, lastError: String? = nil, runs: Int = 0, failures: Int = 0, lease: DaemonJobLease? = nil
    ) {
        self.job = job
        self.since = since
        self.lastSlot = lastSlot
        self.lastStartedAt = lastStartedAt
        self.lastFinishedAt = lastFinishedAt
        self.lastOutcome = lastOutcome
        self.lastError = lastError
        self.runs = runs
        self.failures = failures
        self.lease = lease
    }

    /// Whether `slot` was run already.
    public func isDone(_ slot: Date) -> Bool { lastSlot.map { slot <= $0 } ?? false }
}

/// A claim on one slot of one job: who holds it and until when.
public struct DaemonJobLease: Sendable, Hashable, Codable {
    public var job: String
    public var slot: Date
    /// The daemon instance (`host:pid:random`).
    public var owner: String
    public var claimedAt: Date
    public var expiresAt: Date

    public init(job: String, slot: Date, owner: String, claimedAt: Date, expiresAt: Date) {
        self.job = job
        self.slot = slot
        self.owner = owner
        self.claimedAt = claimedAt
        self.expiresAt = expiresAt
    }

    /// Whether the lease still holds at `instant`.
    public func isLive(at instant: Date) -> Bool { expiresAt > instant }
}

/// The answer to a claim.
public enum DaemonJobClaim: Sendable, Hashable {
    /// The slot is this caller's to run: run it, then ``DaemonJobStore/finish(_:outcome:error:at:)``
    /// or ``DaemonJobStore/release(_:)``.
    case claimed(DaemonJobLease)
    /// The slot (or a later one) was run already.
    case done(lastSlot: Date)
    /// Another daemon holds a live lease on the job.
    case leased(DaemonJobLease)

    /// The lease when claimed.
    public var lease: DaemonJobLease? {
        if case .claimed(let lease) = self { lease } else { nil }
    }
}

/// Where daemons keep their jobs' last runs and leases, so a restart neither repeats nor skips a
/// run and two daemons on one store never run the same job at once.
///
/// `async` and free of storage types; ``claim(job:slot:owner:at:lease:)`` is one atomic step (the
/// SQLite store runs it in one `BEGIN IMMEDIATE` transaction): it checks that the slot is not done
/// and that no other owner holds a live lease, then takes the lease. Implementations:
/// ``MemoryDaemonJobStore``; `SQLiteDaemonJobStore` in CostSQLite (migration `0011-daemon-jobs`).
///
/// For example:
/// ```swift
/// if case .claimed(let lease) = try await store.claim(job: "report", slot: slot, owner: me, at: now, lease: .seconds(900)) {
///     // … run the job …
///     _ = try await store.finish(lease, outcome: .succeeded, error: nil, at: Date())
/// }
/// ```
public protocol DaemonJobStore: Sendable {
    /// The records of `jobs`, creating those missing with ``DaemonJobRecord/since`` = `instant`.
    func prepare(jobs: [String], at instant: Date) async throws -> [DaemonJobRecord]
    /// Every job's record, by name.
    func records() async throws -> [DaemonJobRecord]
    /// Claims `slot` of `job` for `owner` until `instant + lease`, in one step: `.done` when the slot
    /// (or a later one) was run, `.leased` when another owner holds a live lease, else `.claimed`.
    /// The job's record is created when missing (``DaemonJobRecord/since`` = `instant`).
    func claim(job: String, slot: Date, owner: String, at instant: Date, lease: Duration) async throws -> DaemonJobClaim
    /// Records the run of a claimed slot and ends the lease; `false` (nothing recorded) when the lease
    /// is no longer this owner's (it expired and another daemon took the job).
    func finish(_ lease: DaemonJobLease, outcome: DaemonJobRecord.Outcome, error: String?, at instant: Date) async throws -> Bool
    /// Gives a claimed slot back without a run (a daemon stopping mid-job): the slot stays due.
    /// `false` when the lease was no longer this owner's.
    func release(_ lease: DaemonJobLease) async throws -> Bool
}

extension DaemonJobRecord {
    /// The claim rule every store applies inside its lock or transaction: given the job's record
    /// (`nil` when it has none yet), what claiming `slot` for `owner` at `instant` gives.
    package static func claimDecision(
        _ record: DaemonJobRecord?, slot: Date, owner: String, at instant: Date, lease: Duration
    ) -> DaemonJobClaim {
        if let record, let last = record.lastSlot, slot <= last { return .done(lastSlot: last) }
        if let held = record?.lease, held.isLive(at: instant), held.owner != owner { return .leased(held) }
        return .claimed(DaemonJobLease(
            job: record?.job ?? "", slot: slot, owner: owner, claimedAt: instant, expiresAt: instant.addingTimeInterval(lease.seconds)))
    }

    /// The record after `lease`'s run finished with `outcome`.
    package func finished(_ lease: DaemonJobLease, outcome: Outcome, error: String?, at instant: Date) -> DaemonJobRecord {
        var copy = self
        copy.lastSlot = max(lastSlot ?? lease.slot, lease.slot)
        copy.lastStartedAt = lease.claimedAt
        copy.lastFinishedAt = instant
        copy.lastOutcome = outcome
        copy.lastError = outcome == .failed ? error : nil
        copy.runs += 1
        if outcome == .failed { copy.failures += 1 }
        copy.lease = nil
        return copy
    }

    /// Whether `lease` is the one this record holds.
    package func holds(_ lease: DaemonJobLease) -> Bool {
        self.lease?.owner == lease.owner && self.lease?.slot == lease.slot
    }
}

/// A ``DaemonJobStore`` in memory (tests, one process without a database).
public actor MemoryDaemonJobStore: DaemonJobStore {
    private var stored: [String: DaemonJobRecord] = [:]

    public init() {}

    public func prepare(jobs: [String], at instant: Date) -> [DaemonJobRecord] {
        for job in jobs where stored[job] == nil { stored[job] = DaemonJobRecord(job: job, since: instant) }
        return jobs.compactMap { stored[$0] }
    }

    public func records() -> [DaemonJobRecord] {
        stored.values.sorted { $0.job < $1.job }
    }

    public func claim(job: String, slot: Date, owner: String, at instant: Date, lease: Duration) -> DaemonJobClaim {
        let record = stored[job] ?? DaemonJobRecord(job: job, since: instant)
        var decision = DaemonJobRecord.claimDecision(record, slot: slot, owner: owner, at: instant, lease: lease)
        if case .claimed(var taken) = decision {
            taken.job = job
            decision = .claimed(taken)
            var updated = record
            updated.lease = taken
            stored[job] = updated
        } else {
            stored[job] = record
        }
        return decision
    }

    public func finish(_ lease: DaemonJobLease, outcome: DaemonJobRecord.Outcome, error: String?, at instant: Date) -> Bool {
        guard let record = stored[lease.job], record.holds(lease) else { return false }
        stored[lease.job] = record.finished(lease, outcome: outcome, error: error, at: instant)
        return true
    }

    public func release(_ lease: DaemonJobLease) -> Bool {
        guard var record = stored[lease.job], record.holds(lease) else { return false }
        record.lease = nil
        stored[lease.job] = record
        return true
    }
}
