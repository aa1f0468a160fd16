public import ArgumentParser
import CostControl
import Dispatch
import Foundation
import Logging

extension DaemonJobName: ExpressibleByArgument {}

struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run the schedule: quota checks, snapshots, optimization, reports and alert delivery.",
        discussion: """
            Jobs: quota-check (hourly), snapshot (midnight), optimize (01:00), report (08:00: \
            yesterday), weekly-summary (Monday 08:00), alerts-deliver (every minute); times in the \
            configuration's zone (UTC by default). Each job's last run and lease live in the \
            database, so a restart neither repeats nor skips a run, a missed run runs once at \
            start-up, and two daemons on one database never run the same job. SIGTERM or SIGINT \
            stops it (exit 0). Logs go to standard error: JSON lines, or human lines with \
            --foreground. Delivery and provisioning need the master key (COSTCTL_MASTER_KEY or \
            COSTCTL_MASTER_KEY_FILE). See Documentation/Daemon.md.

            Examples:
              costctl daemon --foreground
              costctl daemon --config /etc/costctl/daemon.json --db /var/lib/costctl/costctl.db
              costctl daemon --once quota-check        # for cron: exit 1 when the job failed
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The daemon's configuration (JSON: time_zone, jobs, report_channels, …).", valueName: "file"))
    var config: String?

    @Flag(help: "Log human-readable lines to standard error (default: JSON lines).")
    var foreground = false

    @Option(help: ArgumentHelp("Run this job now and exit: \(DaemonJobName.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "job"))
    var once: DaemonJobName?

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        var configuration = try config.map(DaemonConfiguration.load) ?? DaemonConfiguration()
        if global.tz != nil { configuration.timeZone = global.timeZone }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let foreground = self.foreground
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = foreground ? StreamLogHandler.standardError(label: label) : JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "costctl.daemon")
        let environment = ProcessInfo.processInfo.environment
        let (services, jobStore, notes) = try DaemonServices.open(
            paths: global.paths, catalog: try global.catalog(), configuration: configuration, environment: environment)
        for note in notes { logger.warning("\(note)") }
        let scheduler = services.scheduler(store: jobStore, logger: logger)
        if let once {
            try await runOnce(scheduler, job: once, logger: logger)
            return
        }
        let task = Task { try await scheduler.run() }
        let signals = Self.stop(task, logger: logger)
        _ = try await task.value
        signals.cancel()
    }

    /// Cancels `task` on SIGTERM or SIGINT.
    private static func stop<T>(_ task: Task<T, any Error>, logger: Logger) -> DaemonSignals {
        DaemonSignals(signals: [SIGTERM, SIGINT]) { signal in
            logger.notice("signal received: stopping", metadata: ["signal": .string(signal == SIGTERM ? "SIGTERM" : "SIGINT")])
            task.cancel()
        }
    }

    /// Runs one job; a signal abandons it (its lease given back) and exits 0 like the daemon.
    private func runOnce(_ scheduler: DaemonScheduler, job: DaemonJobName, logger: Logger) async throws {
        let task = Task { try await scheduler.runOnce(job.rawValue) }
        let signals = Self.stop(task, logger: logger)
        let result = try await task.value
        signals.cancel()
        if global.json {
            try Output.json(result, snakeCase: true, isoDates: true)
        } else {
            let details = result.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let seconds = result.startedAt.flatMap { start in result.finishedAt.map { String(format: "%.2f s", $0.timeIntervalSince(start)) } }
            switch result.outcome {
            case .succeeded: Output.line("\(job) succeeded in \(seconds ?? "-")" + (details.isEmpty ? "" : ": \(details)"))
            case .failed: Output.line("\(job) failed: \(result.error ?? "unknown error")")
            case .leased: Output.line("\(job) did not run: another daemon is running it (\(result.details["holder"] ?? "unknown"))")
            case .abandoned: Output.line("\(job) was stopped by a signal before it finished; nothing was recorded")
            case .alreadyDone: Output.line("\(job) did not run (\(result.outcome.rawValue))")
            }
        }
        if result.outcome != .succeeded && result.outcome != .abandoned { throw ExitCode(1) }
    }
}

/// Turns SIGTERM and SIGINT into a call (the daemon cancels its task): the default actions are
/// switched off while it listens.
final class DaemonSignals {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "costctl.daemon.signals")
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
