import CostBudget
import CostControl
import CostSQLite
import Foundation
import Logging
import Synchronization
import Testing

/// A clock that jumps: `sleep(until:)` moves it to the instant at once, after `onAdvance` has
/// seen the interval (the acceptance test records usage there).
final class SimulatedDaemonClock: DaemonClock {
    private let instant: Mutex<Date>
    private let onAdvance: @Sendable (Date, Date) async throws -> Void

    init(_ start: Date, onAdvance: @escaping @Sendable (Date, Date) async throws -> Void = { _, _ in }) {
        instant = Mutex(start)
        self.onAdvance = onAdvance
    }

    var now: Date { instant.withLock { $0 } }

    func set(_ date: Date) { instant.withLock { $0 = date } }

    func sleep(until target: Date) async throws {
        try Task.checkCancellation()
        let from = now
        guard target > from else { return }
        try await onAdvance(from, target)
        instant.withLock { $0 = max($0, target) }
    }
}

/// One simulated clock for several daemons, as the wall clock is for daemons on one machine: time
/// moves on only when every daemon still running sleeps (to the earliest instant one of them waits
/// for), so no daemon's work spans simulated time however the tasks are scheduled.
final class SharedSimulatedClock: DaemonClock {
    private struct State {
        var now: Date
        var running: Int
        var sleepers: [(target: Date, wake: CheckedContinuation<Void, Never>)] = []
    }
    private let state: Mutex<State>

    init(_ start: Date, daemons: Int) { state = Mutex(State(now: start, running: daemons)) }

    var now: Date { state.withLock { $0.now } }

    func sleep(until target: Date) async throws {
        try Task.checkCancellation()
        await withCheckedContinuation { (wake: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                s.sleepers.append((target, wake))
                return Self.advance(&s)
            }
            ready.forEach { $0.resume() }
        }
    }

    /// A daemon that has stopped no longer holds time back.
    func leave() {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.running -= 1
            return Self.advance(&s)
        }
        ready.forEach { $0.resume() }
    }

    private static func advance(_ s: inout State) -> [CheckedContinuation<Void, Never>] {
        guard !s.sleepers.isEmpty, s.sleepers.count >= s.running, let earliest = s.sleepers.map(\.target).min() else { return [] }
        s.now = max(s.now, earliest)
        let now = s.now
        let ready = s.sleepers.filter { $0.target <= now }.map(\.wake)
        s.sleepers.removeAll { $0.target <= now }
        return ready
    }
}

/// Which slots each job ran, shared by the jobs of a test.
final class SlotLog: Sendable {
    private let runs = Mutex<[String: [Date]]>([:])

    func record(_ job: String, _ slot: Date) { runs.withLock { $0[job, default: []].append(slot) } }
    func slots(_ job: String) -> [Date] { runs.withLock { $0[job] ?? [] } }
    func count(_ job: String) -> Int { slots(job).count }
}

enum DaemonTestSupport {
    /// Monday 2026-11-16 00:00 UTC.
    static let monday = Date(timeIntervalSince1970: 1_794_787_200)
    static let utc = TimeZone(identifier: "UTC") ?? .current

    static var quietLogger: Logger {
        var logger = Logger(label: "test.daemon") { _ in SwiftLogNoOpLogHandler() }
        logger.logLevel = .critical
        return logger
    }

    /// Jobs that only write down their slots: hourly, daily at midnight, every 15 minutes.
    static func countingJobs(_ log: SlotLog, delay: Duration = .zero) -> [DaemonJob] {
        [("hourly", DaemonSchedule.every(.seconds(3600))), ("midnight", .daily(hour: 0, minute: 0)), ("quarter", .every(.seconds(900)))]
            .map { name, schedule in
                DaemonJob(name: name, schedule: schedule) { context in
                    if delay > .zero { try await Task.sleep(for: delay) }
                    log.record(name, context.slot)
                    return [:]
                }
            }
    }

    static func scheduler(
        _ jobs: [DaemonJob], store: any DaemonJobStore, clock: any DaemonClock, owner: String, lease: Duration = .seconds(600),
        onFailure: @escaping @Sendable (DaemonRunResult) async -> Void = { _ in }
    ) -> DaemonScheduler {
        DaemonScheduler(
            jobs: jobs, store: store, clock: clock, timeZone: utc, owner: owner, lease: lease, logger: quietLogger,
            onFailure: onFailure)
    }

    static func temporaryDatabase() throws -> (URL, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-daemon-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (directory, directory.appendingPathComponent("costctl.db").path)
    }

    /// Every slot of `schedule` in `[start, end)`.
    static func slots(_ schedule: DaemonSchedule, from start: Date, to end: Date) -> [Date] {
        var slots: [Date] = []
        var slot = schedule.latestSlot(atOrBefore: start, in: utc)
        if slot < start { slot = schedule.nextSlot(after: slot, in: utc) }
        while slot < end {
            slots.append(slot)
            slot = schedule.nextSlot(after: slot, in: utc)
        }
        return slots
    }
}

@Suite("Daemon scheduler")
struct DaemonSchedulerTests {
    typealias Support = DaemonTestSupport

    @Test("a simulated week runs each slot once: 168 hourly, 7 midnights, 672 quarters")
    func week() async throws {
        let (directory, database) = try Support.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = SlotLog()
        let clock = SimulatedDaemonClock(Support.monday)
        let end = Support.monday.addingTimeInterval(7 * 86_400)
        try await Support.scheduler(Support.countingJobs(log), store: try SQLiteDaemonJobStore(path: database), clock: clock, owner: "A")
            .run(until: end)
        #expect(log.count("hourly") == 168 && log.count("midnight") == 7 && log.count("quarter") == 672)
        #expect(log.slots("hourly") == Support.slots(.every(.seconds(3600)), from: Support.monday, to: end))
    }

    @Test("a long run keeps only the latest results")
    func boundedResults() async throws {
        let log = SlotLog()
        let clock = SimulatedDaemonClock(Support.monday)
        let results = try await Support.scheduler(Support.countingJobs(log), store: MemoryDaemonJobStore(), clock: clock, owner: "A")
            .run(until: Support.monday.addingTimeInterval(86_400), keeping: 10)
        #expect(log.count("quarter") == 96 && results.count == 10)
        #expect(results.last?.job == "quarter" && results.last?.slot == Support.monday.addingTimeInterval(86_400 - 900))
    }

    @Test("stopped mid-week and started again on the same database: no slot repeated, none skipped")
    func restart() async throws {
        let (directory, database) = try Support.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = SlotLog()
        let clock = SimulatedDaemonClock(Support.monday)
        let middle = Support.monday.addingTimeInterval(3.5 * 86_400 + 1_234)
        let end = Support.monday.addingTimeInterval(7 * 86_400)
        try await Support.scheduler(Support.countingJobs(log), store: try SQLiteDaemonJobStore(path: database), clock: clock, owner: "first")
            .run(until: middle)
        // the new process starts where the old one stopped (the same instant: nothing was missed)
        try await Support.scheduler(Support.countingJobs(log), store: try SQLiteDaemonJobStore(path: database), clock: clock, owner: "second")
            .run(until: end)
        for (job, schedule) in [("hourly", DaemonSchedule.every(.seconds(3600))), ("midnight", .daily(hour: 0, minute: 0)), ("quarter", .every(.seconds(900)))] {
            #expect(log.slots(job) == Support.slots(schedule, from: Support.monday, to: end), "\(job)")
        }
    }

    @Test("asleep for three days: each job runs once at start-up for its latest slot, then on schedule")
    func missedRuns() async throws {
        let (directory, database) = try Support.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = SlotLog()
        let clock = SimulatedDaemonClock(Support.monday)
        let day = Support.monday.addingTimeInterval(86_400)
        try await Support.scheduler(Support.countingJobs(log), store: try SQLiteDaemonJobStore(path: database), clock: clock, owner: "first")
            .run(until: day)
        #expect(log.count("hourly") == 24 && log.count("midnight") == 1)
        let wake = day.addingTimeInterval(3 * 86_400 + 37 * 60)  // Friday 00:37
        clock.set(wake)
        try await Support.scheduler(Support.countingJobs(log), store: try SQLiteDaemonJobStore(path: database), clock: clock, owner: "second")
            .run(until: wake.addingTimeInterval(60))
        #expect(log.count("hourly") == 25 && log.slots("hourly").last == day.addingTimeInterval(3 * 86_400))
        #expect(log.count("midnight") == 2 && log.slots("midnight").last == day.addingTimeInterval(3 * 86_400))
        #expect(log.count("quarter") == 96 + 1 && log.slots("quarter").last == wake.addingTimeInterval(-7 * 60))
    }

    @Test("a new installation owes no slot before its first start")
    func firstStart() async throws {
        let log = SlotLog()
        let start = Support.monday.addingTimeInterval(10 * 3600 + 20 * 60)  // 10:20
        let clock = SimulatedDaemonClock(start)
        try await Support.scheduler(Support.countingJobs(log), store: MemoryDaemonJobStore(), clock: clock, owner: "A")
            .run(until: Support.monday.addingTimeInterval(11 * 3600 + 1))
        #expect(log.slots("hourly") == [Support.monday.addingTimeInterval(11 * 3600)])
        #expect(log.count("midnight") == 0 && log.count("quarter") == 3)
    }

    @Test("two daemons on one database (two connections) never run the same slot, and together run every slot")
    func twoInstances() async throws {
        let (directory, database) = try Support.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = SlotLog()
        let end = Support.monday.addingTimeInterval(86_400)
        // one simulated clock for both, as two daemons on one machine share the wall clock: with a
        // clock each, or one that either daemon moves on alone, one daemon runs hours ahead of the
        // other on a busy machine and finds the other's leases expired or its slots gone
        let clock = SharedSimulatedClock(Support.monday, daemons: 2)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for owner in ["A", "B"] {
                group.addTask {
                    defer { clock.leave() }
                    try await Support.scheduler(
                        Support.countingJobs(log, delay: .milliseconds(1)), store: try SQLiteDaemonJobStore(path: database), clock: clock,
                        owner: owner
                    ).run(until: end)
                }
            }
            try await group.waitForAll()
        }
        for (job, schedule) in [("hourly", DaemonSchedule.every(.seconds(3600))), ("midnight", .daily(hour: 0, minute: 0)), ("quarter", .every(.seconds(900)))] {
            #expect(log.slots(job).sorted() == Support.slots(schedule, from: Support.monday, to: end), "\(job)")
        }
    }

    @Test("a failing job is recorded as failed, reported once per slot, and runs again at its next slot")
    func failure() async throws {
        let store = MemoryDaemonJobStore()
        let failures = SlotLog()
        let attempts = SlotLog()
        let job = DaemonJob(name: "flaky", schedule: .every(.seconds(3600))) { context in
            attempts.record("flaky", context.slot)
            if attempts.count("flaky") == 2 { throw ControlError(code: .io, message: "disk full") }
            return [:]
        }
        let clock = SimulatedDaemonClock(Support.monday)
        let results = try await Support.scheduler([job], store: store, clock: clock, owner: "A") { result in
            failures.record(result.job + ":" + (result.error ?? ""), result.slot)
        }.run(until: Support.monday.addingTimeInterval(3 * 3600))
        #expect(results.map(\.outcome) == [.succeeded, .failed, .succeeded])
        #expect(failures.slots("flaky:disk full") == [Support.monday.addingTimeInterval(3600)])
        let record = try #require(await store.records().first)
        #expect(record.runs == 3 && record.failures == 1 && record.lastOutcome == .succeeded && record.lastError == nil)
    }

    @Test("cancelled mid-job: the job is abandoned, its lease given back, and the slot runs at the next start")
    func cancellation() async throws {
        let (directory, database) = try Support.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let started = SlotLog()
        let slow = DaemonJob(name: "slow", schedule: .every(.seconds(3600))) { context in
            started.record("slow", context.slot)
            try await Task.sleep(for: .seconds(60))
            return [:]
        }
        let clock = SimulatedDaemonClock(Support.monday)
        let scheduler = Support.scheduler([slow], store: try SQLiteDaemonJobStore(path: database), clock: clock, owner: "A")
        let task = Task { try await scheduler.run() }
        for _ in 0..<500 where started.count("slow") == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(started.count("slow") == 1)
        let began = ContinuousClock.now
        task.cancel()
        let results = try await task.value
        #expect(ContinuousClock.now - began < .seconds(10))
        #expect(results.map(\.outcome) == [.abandoned])
        let record = try #require(try await SQLiteDaemonJobStore(path: database).records().first)
        #expect(record.lease == nil && record.lastSlot == nil && record.runs == 0)
        // the next start runs the slot
        let log = SlotLog()
        let quick = DaemonJob(name: "slow", schedule: .every(.seconds(3600))) { context in
            log.record("slow", context.slot)
            return [:]
        }
        try await Support.scheduler([quick], store: try SQLiteDaemonJobStore(path: database), clock: clock, owner: "B")
            .run(until: Support.monday.addingTimeInterval(60))
        #expect(log.slots("slow") == [Support.monday])
    }

    @Test("runOnce runs now and records it; a job another daemon holds is not run")
    func runOnce() async throws {
        let store = MemoryDaemonJobStore()
        let log = SlotLog()
        let clock = SimulatedDaemonClock(Support.monday.addingTimeInterval(1800))
        let scheduler = Support.scheduler(Support.countingJobs(log), store: store, clock: clock, owner: "cron")
        let result = try await scheduler.runOnce("hourly")
        #expect(result.outcome == .succeeded && result.slot == clock.now && log.count("hourly") == 1)
        _ = await store.claim(job: "midnight", slot: clock.now.addingTimeInterval(-1), owner: "daemon", at: clock.now, lease: .seconds(600))
        #expect(try await scheduler.runOnce("midnight").outcome == .leased)
        await #expect(throws: ControlError.self) { try await scheduler.runOnce("nope") }
    }
}

@Suite("Daemon schedules and configuration")
struct DaemonScheduleTests {
    @Test("daily and weekly slots are local times; every-slots are multiples of the interval")
    func slots() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let instant = try #require(ISO8601DateFormatter().date(from: "2026-11-18T22:30:00Z"))  // Wed 23:30 in Berlin
        let daily = DaemonSchedule.daily(hour: 0, minute: 0)
        #expect(daily.latestSlot(atOrBefore: instant, in: berlin) == ISO8601DateFormatter().date(from: "2026-11-17T23:00:00Z"))
        #expect(daily.nextSlot(after: instant, in: berlin) == ISO8601DateFormatter().date(from: "2026-11-18T23:00:00Z"))
        let weekly = DaemonSchedule.weekly(weekday: 2, hour: 8, minute: 0)
        #expect(weekly.latestSlot(atOrBefore: instant, in: berlin) == ISO8601DateFormatter().date(from: "2026-11-16T07:00:00Z"))
        #expect(weekly.nextSlot(after: instant, in: berlin) == ISO8601DateFormatter().date(from: "2026-11-23T07:00:00Z"))
        let hourly = DaemonSchedule.every(.seconds(3600))
        #expect(hourly.latestSlot(atOrBefore: instant, in: berlin) == ISO8601DateFormatter().date(from: "2026-11-18T22:00:00Z"))
        #expect(hourly.nextSlot(after: ISO8601DateFormatter().date(from: "2026-11-18T22:00:00Z") ?? instant, in: berlin)
            == ISO8601DateFormatter().date(from: "2026-11-18T23:00:00Z"))
        // the day DST ends in Berlin has 25 hours; midnight is still one slot
        let after = try #require(ISO8601DateFormatter().date(from: "2026-10-25T12:00:00Z"))
        #expect(daily.latestSlot(atOrBefore: after, in: berlin) == ISO8601DateFormatter().date(from: "2026-10-24T22:00:00Z"))
        #expect(daily.nextSlot(after: after, in: berlin) == ISO8601DateFormatter().date(from: "2026-10-25T23:00:00Z"))
    }

    @Test("a configuration file sets the zone, schedules, channels and thresholds; the rest keeps its defaults")
    func parse() throws {
        let configuration = try DaemonConfiguration.parse(Data("""
            {"time_zone": "Europe/Paris", "jobs": {"quota-check": {"every": "30m"}, "report": {"at": "07:30"},
             "weekly-summary": {"weekday": "friday", "at": "17:00"}, "optimize": {"enabled": false}},
             "report_channels": ["ops"], "lease": "5m", "alert_retention_days": 30, "key_quota_threshold": 0.85, "sync_budgets": false}
            """.utf8))
        #expect(configuration.timeZone.identifier == "Europe/Paris")
        #expect(configuration.schedules[.quotaCheck] == .every(.seconds(1800)))
        #expect(configuration.schedules[.report] == .daily(hour: 7, minute: 30))
        #expect(configuration.schedules[.weeklySummary] == .weekly(weekday: 6, hour: 17, minute: 0))
        #expect(configuration.schedules[.optimize] == nil && configuration.schedules[.snapshot] == .daily(hour: 0, minute: 0))
        #expect(configuration.enabledJobs == [.quotaCheck, .snapshot, .report, .alertsDeliver, .weeklySummary])
        #expect(configuration.reportChannels == ["ops"] && configuration.lease == .seconds(300) && configuration.alertRetentionDays == 30)
        #expect(configuration.keyQuotaThreshold == 0.85 && !configuration.syncBudgets)
        let defaults = DaemonConfiguration()
        #expect(defaults.enabledJobs == DaemonJobName.allCases && defaults.schedules[.alertsDeliver] == .every(.seconds(60)))
    }

    @Test("every problem in a configuration file is named", arguments: [
        (#"{"time_zone": "Mars/Olympus"}"#, "time_zone"),
        (#"{"jobs": {"quota-chek": {"every": "1h"}}}"#, "unknown job 'quota-chek'"),
        (#"{"jobs": {"report": {"at": "25:00"}}}"#, "jobs.report.at"),
        (#"{"jobs": {"snapshot": {"every": "soon"}}}"#, "jobs.snapshot.every"),
        (#"{"jobs": {"report": {"every": "1h", "at": "08:00"}}}"#, "not both"),
        (#"{"report_channel": ["ops"]}"#, "unknown key 'report_channel'"),
        (#"[1, 2]"#, "not a JSON object"),
    ])
    func problems(_ text: String, _ expected: String) throws {
        let error = try #require(throws: ControlError.self) { try DaemonConfiguration.parse(Data(text.utf8)) }
        #expect(error.code == .invalidInput && error.message.contains(expected), "\(error.message)")
    }

    @Test("the JSON log handler writes one parseable object per line with ts, level, message, job and metadata")
    func jsonLines() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "test") { label in JSONLogHandler(label: label) { line in lines.withLock { $0.append(line) } } }
        logger[metadataKey: "owner"] = "host:1"
        logger.info("job finished", metadata: ["job": "report", "queued": "2", "list": ["a", "b"]])
        logger.debug("not written at info")
        logger.error("no job here")
        let written = lines.withLock { $0 }
        #expect(written.count == 2 && written.allSatisfy { $0.hasSuffix("\n") && $0.dropLast().firstIndex(of: "\n") == nil })
        let first = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any])
        #expect(first["level"] as? String == "info" && first["message"] as? String == "job finished" && first["job"] as? String == "report")
        let metadata = try #require(first["metadata"] as? [String: String])
        #expect(metadata == ["owner": "host:1", "queued": "2", "list": #"["a","b"]"#])
        let ts = try #require(first["ts"] as? String)
        #expect(ts.hasSuffix("Z") && ISO8601DateFormatter().date(from: ts.replacingOccurrences(of: #"\.\d+"#, with: "", options: .regularExpression)) != nil)
        let second = try #require(try JSONSerialization.jsonObject(with: Data(written[1].utf8)) as? [String: Any])
        #expect(second["job"] is NSNull && second["level"] as? String == "error")
    }
}
