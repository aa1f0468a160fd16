import CostBudget
package import Foundation
import Synchronization

/// One run of a command with a time limit: standard input empty, standard output and error read
/// on threads of their own (so a command that writes much never blocks, and the concurrency pool
/// never waits on a pipe), and a watchdog thread of its own that sends SIGTERM to the command's
/// process group at the time limit and SIGKILL after the grace period (threads, not dispatch
/// timers, so a busy process cannot delay the kill). Foundation starts every command in a process
/// group of its own, so the signals reach whatever the command started too.
package final class CommandRun: Sendable {
    /// How a command ended.
    package enum Termination: Sendable, Hashable {
        case exit(Int32)
        case signal(Int32)
    }

    /// What a finished run left: how it ended, whether the time limit ended it, its output.
    package struct Result: Sendable {
        package var termination: Termination
        package var timedOut: Bool
        /// The first `outputLimit` bytes of standard output.
        package var standardOutput: Data
        /// The last `outputLimit` bytes of standard error.
        package var standardError: Data
        /// From the start until standard output and error were both closed (everything that held
        /// them ended), measured by the reading threads.
        package var outputClosedAfter: Duration

        package init(
            termination: Termination, timedOut: Bool, standardOutput: Data, standardError: Data,
            outputClosedAfter: Duration
        ) {
            self.termination = termination
            self.timedOut = timedOut
            self.standardOutput = standardOutput
            self.standardError = standardError
            self.outputClosedAfter = outputClosedAfter
        }
    }

    private struct State {
        var termination: Termination?
        var standardOutput: Data?
        var standardError: Data?
        var timedOut = false
        var cancelled = false
        var continuation: CheckedContinuation<Void, Never>?
        /// The command's process id, which is its process group's (0 before it started).
        var processGroup: Int32 = 0
        var outputClosed: ContinuousClock.Instant?
        var signalledFinish = false

        var isFinished: Bool { termination != nil && standardOutput != nil && standardError != nil }
    }

    private let state = Mutex(State())
    /// Signalled once the run is over; a waiter that gets it signals it again for the next one.
    private let finished = DispatchSemaphore(value: 0)

    private init() {}

    /// Starts `executable` and waits until it has exited and closed its output (or the time limit
    /// and the grace period have ended it). `input`, when given, is written to its standard input
    /// from a thread of its own, which then closes it (a command that does not read it gets EPIPE
    /// on that thread, not a signal: SIGPIPE is ignored once an input is given).
    ///
    /// - throws: ``RotationError`` `.provisionerUnavailable` when it cannot be started;
    ///   `CancellationError` when the task is cancelled (the command is terminated first).
    package static func start(
        executable: String, arguments: [String], environment: [String: String], timeLimit: Duration,
        grace: Duration, outputLimit: Int, input: Data? = nil
    ) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let inputPipe = input.map { _ in Pipe() }
        if let inputPipe {
            signal(SIGPIPE, SIG_IGN)
            process.standardInput = inputPipe
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let run = CommandRun()
        process.terminationHandler = { process in
            let termination: Termination =
                process.terminationReason == .uncaughtSignal
                ? .signal(process.terminationStatus) : .exit(process.terminationStatus)
            run.update { $0.termination = termination }
        }
        do {
            // A script written an instant ago can still be busy (ETXTBSY: another thread of this
            // process forked while the file was open for writing, and the child has not exec'd
            // yet): an executable file that fails to start is tried again, briefly.
            var attempt = 0
            while true {
                do {
                    try process.run()
                    break
                } catch where attempt < 4 && FileManager.default.isExecutableFile(atPath: executable) {
                    attempt += 1
                    try? await Task.sleep(for: .milliseconds(50 * attempt))
                }
            }
        } catch {
            throw RotationError(
                code: .provisionerUnavailable,
                message: "provisioner '\(executable)' could not be started (\(error.localizedDescription)); check the path, its permissions and its #! line")
        }
        let started = ContinuousClock.now
        // Foundation has closed the parent's write ends, so the readers see the end of the output
        run.update { $0.processGroup = process.processIdentifier }
        if let inputPipe, let input {
            Thread.detachNewThread {
                let handle = inputPipe.fileHandleForWriting
                try? handle.write(contentsOf: input)
                try? handle.close()
            }
        }
        Thread.detachNewThread {
            let data = Self.read(output.fileHandleForReading, keepingFirst: outputLimit)
            let closed = ContinuousClock.now
            run.update { state in
                state.standardOutput = data
                state.outputClosed = max(state.outputClosed ?? closed, closed)
            }
        }
        Thread.detachNewThread {
            let data = Self.read(errors.fileHandleForReading, keepingLast: outputLimit)
            let closed = ContinuousClock.now
            run.update { state in
                state.standardError = data
                state.outputClosed = max(state.outputClosed ?? closed, closed)
            }
        }
        Thread.detachNewThread {
            if !run.wait(until: .now() + timeLimit.seconds) { run.stop(grace: grace) { $0.timedOut = true } }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                run.update { state in
                    if state.isFinished { continuation.resume() } else { state.continuation = continuation }
                }
            }
        } onCancel: {
            Thread.detachNewThread { run.stop(grace: grace) { $0.cancelled = true } }
        }
        return try run.state.withLock { state in
            if state.cancelled && !state.timedOut { throw CancellationError() }
            return Result(
                termination: state.termination ?? .signal(SIGKILL), timedOut: state.timedOut,
                standardOutput: state.standardOutput ?? Data(), standardError: state.standardError ?? Data(),
                outputClosedAfter: (state.outputClosed ?? started) - started)
        }
    }

    /// Changes the state, and resumes the waiter once the command has exited and closed its output.
    private func update(_ change: (inout State) -> Void) {
        let (continuation, justFinished) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Bool) in
            change(&state)
            guard state.isFinished else { return (nil, false) }
            let justFinished = !state.signalledFinish
            state.signalledFinish = true
            defer { state.continuation = nil }
            return (state.continuation, justFinished)
        }
        if justFinished { finished.signal() }
        continuation?.resume()
    }

    /// Blocks the calling thread until the run is over (`true`) or `deadline` (`false`).
    private func wait(until deadline: DispatchTime) -> Bool {
        guard finished.wait(timeout: deadline) == .success else { return false }
        finished.signal()
        return true
    }

    /// SIGTERM to the process group unless the run is over, then SIGKILL after `grace` unless it
    /// is over by then (blocks the calling thread meanwhile). A command that exited but left a
    /// child holding its output counts as running.
    private func stop(grace: Duration, marking mark: @escaping @Sendable (inout State) -> Void) {
        let group = state.withLock { state -> Int32 in
            guard !state.isFinished, state.processGroup > 0 else { return 0 }
            mark(&state)
            return state.processGroup
        }
        guard group > 0 else { return }
        kill(-group, SIGTERM)
        if !wait(until: .now() + grace.seconds) { kill(-group, SIGKILL) }
    }

    /// Reads `handle` to its end, keeping the first `limit` bytes.
    private static func read(_ handle: FileHandle, keepingFirst limit: Int) -> Data {
        var kept = Data()
        while let chunk = try? handle.read(upToCount: 16_384), !chunk.isEmpty {
            if kept.count < limit { kept.append(chunk.prefix(limit - kept.count)) }
        }
        try? handle.close()
        return kept
    }

    /// Reads `handle` to its end, keeping the last `limit` bytes.
    private static func read(_ handle: FileHandle, keepingLast limit: Int) -> Data {
        var kept = Data()
        while let chunk = try? handle.read(upToCount: 16_384), !chunk.isEmpty {
            kept.append(chunk)
            if kept.count > 2 * limit { kept = Data(kept.suffix(limit)) }
        }
        try? handle.close()
        return Data(kept.suffix(limit))
    }
}
