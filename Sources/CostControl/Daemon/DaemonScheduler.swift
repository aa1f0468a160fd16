public import CostBudget
public import Foundation
public import Logging

extension ControlError.Code {
    /// A daemon job failed (`costctl daemon --once JOB` exits 1 with it).
    public static let jobFailed = ControlError.Code(rawValue: "job-failed")
}

/// One job as the scheduler runs it: a name, a schedule, and the work.
public struct DaemonJob: Sendable {
    public var name: String
    public var schedule: DaemonSchedule
    /// The work of one slot; returns details to log (counts, names). Throwing fails the run.
    public var work: @Sendable (DaemonJobContext) async throws -> [String: String]

    public init(name: String, schedule: DaemonSchedule, work: @escaping @Sendable (DaemonJobContext) async throws -> [String: String]) {
        self.name = name
        self.schedule = schedule
        self.work = work
    }
}

/// What a job's work is told about its run.
public struct DaemonJobContext: Sendable {
    public var job: String
    /// The slot being run (the instant the schedule made it due).
    public var slot: Date
    /// When the run started.
    public var now: Date
    public var timeZone: TimeZone
    public var logger: Logger
}

/// What came of one attempt to run a slot.
public struct DaemonRunResult: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Ran and succeeded.
        case succeeded
        /// Ran and failed (recorded; `daemon-job-failed` raised).
        case failed
        /// Not run: the slot was done already.
        case alreadyDone = "already-done"
        /// Not run: another daemon holds the job's lease.
        case leased
        /// Stopped by a signal mid-run: the lease was given back and the slot stays due.
        case abandoned
    }

    public var job: String
    public var slot: Date
    public var outcome: Outcome
    public var startedAt: Date?
    public var finishedAt: Date?
    public var error: String?
    /// The work's details (counts), or who holds the lease.
    public var details: [String: String]
}

/// Runs jobs on their schedules against a ``DaemonJobStore``: the engine of `costctl daemon`.
///
/// **A pass** looks at every job in order: its latest slot at or before now is due when it is not
/// done (after the job's last recorded slot) and not before the job was first scheduled
/// (``DaemonJobRecord/since``). A due slot is claimed in the store (one atomic step), run, and
/// recorded with its outcome — or, when another daemon holds the job, left to it. Then the
/// scheduler sleeps until the next slot of any job.
///
/// So a restart neither repeats nor skips a run (the store knows the last slot of each job), a
/// daemon that slept across several slots of a job runs it once (only the latest slot is due), and
/// two daemons on one database never run the same slot (the lease).
///
/// A run that throws is recorded as failed and handed to ``onFailure`` (the daemon raises
/// `daemon-job-failed`); the job runs again at its next slot. Cancelling the task that runs
/// ``run(until:)`` (SIGTERM, SIGINT) stops it: a job under way is cancelled, and when it ends by
/// cancellation its lease is given back, so the slot runs at the next start.
///
/// For example:
/// ```swift
/// let scheduler = DaemonScheduler(jobs: jobs, store: try SQLiteDaemonJobStore(path: db), clock: SystemDaemonClock(),
///                                 timeZone: zone, owner: DaemonScheduler.makeOwner(), logger: logger)
/// try await scheduler.run()   // until cancelled
/// ```
public struct DaemonScheduler: Sendable {
    public var jobs: [DaemonJob]
    public var store: any DaemonJobStore
    public var clock: any DaemonClock
    public var timeZone: TimeZone
    /// This instance's name in leases.
    public var owner: String
    public var lease: Duration
    public var logger: Logger
    /// Called after a run failed (with its result).
    public var onFailure: @Sendable (DaemonRunResult) async -> Void

    public init(
        jobs: [DaemonJob], store: any DaemonJobStore, clock: any DaemonClock, timeZone: TimeZone, owner: String,
        lease: Duration = .seconds(900), logger: Logger, onFailure: @escaping @Sendable (DaemonRunResult) async -> Void = { _ in }
    ) {
        self.jobs = jobs
        self.store = store
        self.clock = clock
        self.timeZone = timeZone
        self.owner = owner
        self.lease = lease
        self.logger = logger
        self.onFailure = onFailure
    }

    /// `host:pid:xxxxxx`, unique per process.
    public static func makeOwner() -> String {
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(random)"
    }

    /// Runs passes until the task is cancelled, or until the next wake-up would be at or after `end`
    /// (tests with a simulated clock). Returns the results of the runs attempted (succeeded,
    /// failed, abandoned; skipped slots are not listed): the latest `keeping` of them, so a daemon
    /// that runs for months holds a bounded list.
    ///
    /// - throws: the store's errors when it cannot even read the jobs' records at start-up.
    @discardableResult
    public func run(until end: Date? = nil, keeping limit: Int = 10_000) async throws -> [DaemonRunResult] {
        var records: [String: DaemonJobRecord] = [:]
        for record in try await store.prepare(jobs: jobs.map(\.name), at: clock.now) { records[record.job] = record }
        logger.info(
            "daemon started",
            metadata: [
                "owner": .string(owner), "zone": .string(timeZone.identifier),
                "jobs": .string(jobs.map { "\($0.name) (\($0.schedule))" }.joined(separator: ", ")),
            ])
        var results: [DaemonRunResult] = []
        while !Task.isCancelled {
            let now = clock.now
            for job in jobs {
                if Task.isCancelled { break }
                let slot = job.schedule.latestSlot(atOrBefore: now, in: timeZone)
                guard let record = records[job.name], slot >= record.since, !record.isDone(slot) else { continue }
                let result = await attempt(job, slot: slot)
                switch result.outcome {
                case .succeeded, .failed, .alreadyDone:
                    records[job.name]?.lastSlot = max(record.lastSlot ?? slot, slot)
                case .leased, .abandoned:
                    break
                }
                if result.outcome != .alreadyDone && result.outcome != .leased {
                    if results.count >= max(1, limit) { results.removeFirst(results.count - max(1, limit) + 1) }
                    results.append(result)
                }
            }
            if Task.isCancelled { break }
            guard let next = jobs.map({ $0.schedule.nextSlot(after: now, in: timeZone) }).min() else { break }
            if let end, next >= end { break }
            do {
                try await clock.sleep(until: next)
            } catch {
                break
            }
        }
        logger.info("daemon stopped", metadata: ["owner": .string(owner)])
        return results
    }

    /// Runs `name` now, whatever its schedule (`costctl daemon --once`): claims the slot "now" (so a
    /// daemon running beside it does not run the job at the same time) and records the run.
    ///
    /// - throws: ``ControlError`` `.invalidInput` for a job that is not scheduled here.
    public func runOnce(_ name: String) async throws -> DaemonRunResult {
        guard let job = jobs.first(where: { $0.name == name }) else {
            throw ControlError(
                code: .invalidInput, message: "no job named '\(name)'; jobs: \(jobs.map(\.name).joined(separator: ", "))")
        }
        return await attempt(job, slot: clock.now)
    }

    /// Claims, runs and records one slot.
    func attempt(_ job: DaemonJob, slot: Date) async -> DaemonRunResult {
        var log = logger
        log[metadataKey: "job"] = .string(job.name)
        log[metadataKey: "slot"] = .string(Self.iso(slot))
        var result = DaemonRunResult(job: job.name, slot: slot, outcome: .leased, details: [:])
        let claim: DaemonJobClaim
        do {
            claim = try await store.claim(job: job.name, slot: slot, owner: owner, at: clock.now, lease: lease)
        } catch {
            log.error("cannot claim the job", metadata: ["error": .string(String(describing: error))])
            result.error = String(describing: error)
            return result
        }
        let lease: DaemonJobLease
        switch claim {
        case .done:
            result.outcome = .alreadyDone
            return result
        case .leased(let held):
            log.debug("another daemon runs this job", metadata: ["holder": .string(held.owner)])
            result.details = ["holder": held.owner, "until": Self.iso(held.expiresAt)]
            return result
        case .claimed(let taken):
            lease = taken
        }
        let started = clock.now
        result.startedAt = started
        log.info("job started")
        let context = DaemonJobContext(job: job.name, slot: slot, now: started, timeZone: timeZone, logger: log)
        do {
            result.details = try await job.work(context)
            result.outcome = .succeeded
        } catch {
            if error is CancellationError || Task.isCancelled {
                result.outcome = .abandoned
                result.error = "stopped by a signal"
            } else {
                result.outcome = .failed
                result.error = String(describing: error)
            }
        }
        let finished = clock.now
        result.finishedAt = finished
        var metadata: Logger.Metadata = result.details.mapValues { .string($0) }
        metadata["seconds"] = .string(String(format: "%.3f", finished.timeIntervalSince(started)))
        do {
            switch result.outcome {
            case .abandoned:
                _ = try await store.release(lease)
                log.warning("job abandoned; its slot runs at the next start", metadata: metadata)
                return result
            case .failed:
                metadata["error"] = .string(result.error ?? "")
                _ = try await store.finish(lease, outcome: .failed, error: result.error, at: finished)
                log.error("job failed", metadata: metadata)
            default:
                if try await !store.finish(lease, outcome: .succeeded, error: nil, at: finished) {
                    log.warning("the job's lease expired before it finished; another daemon may have run it too", metadata: metadata)
                } else {
                    log.info("job finished", metadata: metadata)
                }
            }
        } catch {
            log.error("cannot record the run", metadata: ["error": .string(String(describing: error))])
        }
        if result.outcome == .failed { await onFailure(result) }
        return result
    }

    static func iso(_ date: Date) -> String { date.formatted(.iso8601) }
}
