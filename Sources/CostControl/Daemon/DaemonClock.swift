public import Foundation
import CostBudget

/// The daemon's time: what time it is, and waiting until an instant. Injected so that tests run a
/// simulated week in seconds (their clock jumps to the instant instead of waiting).
///
/// For example:
/// ```swift
/// let clock = SystemDaemonClock()
/// try await clock.sleep(until: clock.now.addingTimeInterval(60))
/// ```
public protocol DaemonClock: Sendable {
    /// The instant now (UTC).
    var now: Date { get }
    /// Returns at `instant` (at once when it is past).
    ///
    /// - throws: `CancellationError` when the task is cancelled while it waits.
    func sleep(until instant: Date) async throws
}

/// The wall clock. Waits in steps of at most ``step``, re-reading the clock after each, so a
/// machine that slept or a clock that was set still wakes the daemon at the right instant.
public struct SystemDaemonClock: DaemonClock {
    public var step: Duration

    public init(step: Duration = .seconds(30)) {
        self.step = step
    }

    public var now: Date { Date() }

    public func sleep(until instant: Date) async throws {
        while true {
            try Task.checkCancellation()
            let left = instant.timeIntervalSince(Date())
            if left <= 0 { return }
            try await Task.sleep(for: min(step, .milliseconds(Int64((left * 1000).rounded(.up)))))
        }
    }
}
