public import Foundation
import Synchronization

/// Watches budgets and sends a ``BudgetAlert`` when one crosses a level of its ladder: once per
/// level per period, again only after a cool-down, stored in an ``AlertHistoryStore`` and handed to
/// every ``AlertSink``.
///
/// Callers on a hot path (the `Meter`, after each reserve and commit) call ``notice(budgets:)``:
/// it only notes the names under a lock and, once per round, wakes the monitor's own task, which
/// waits ``batchDelay`` for more notices, then reads the budgets' states from the ``BudgetStore``,
/// decides, stores and delivers. Notices are merged, so a busy budget is read once per round, not
/// once per request (when several levels were crossed within a round, the highest alerts). Callers
/// that already have a state (a status command) call ``observe(_:)`` and get the alerts sent.
///
/// **Crossings.** The monitor remembers, per budget and period, the highest level it has seen.
/// When a budget's level (spent + held) rises above it, one alert is made for the new level (when
/// several levels were crossed at once, the highest; the lower ones count as crossed). When the
/// level falls (a hold released, a rolling window ageing out), the memory falls with it, so rising
/// again is a new crossing — which the history store lets through only after the cool-down (a
/// repeat). A new period starts with no level seen, so every level alerts again; on the first
/// look at a period the monitor takes the highest level the history already holds for it, so a
/// restarted process does not repeat alerts.
///
/// For example:
/// ```swift
/// let sink = MemoryAlertSink()
/// let monitor = BudgetAlertMonitor(budgets: store, history: MemoryAlertHistoryStore(), sinks: [sink])
/// let meter = Meter(budgets: store, ledger: ledger, engine: engine, alerts: monitor)
/// ```
public actor BudgetAlertMonitor {
    public nonisolated let budgets: any BudgetStore
    public nonisolated let history: any AlertHistoryStore
    public nonisolated let sinks: [any AlertSink]
    /// How long before a level that alerted in a period may alert again in it (one hour by default).
    public nonisolated let coolDown: Duration
    /// How long the task lets notices gather after a wake-up before it reads the budgets (1 ms by
    /// default): under load it then reads each busy budget once per round instead of competing
    /// with the callers for every notice. Alerts are that much later.
    public nonisolated let batchDelay: Duration
    private nonisolated let now: @Sendable () -> Date
    private nonisolated let inbox: Mutex<Inbox>
    private nonisolated let wake: AsyncStream<Void>.Continuation

    /// Budget names noticed and not yet read, how many notices were made in all, and whether the
    /// task has been woken for them (so that a busy caller wakes it once per round, not per notice).
    private struct Inbox {
        var names: Set<String> = []
        var generation: UInt64 = 0
        var woken = false
    }

    /// What the monitor remembers of one budget.
    private struct Seen {
        var periodStart: Date?
        var level: LadderLevel?
    }

    private var seen: [String: Seen] = [:]
    private var processed: UInt64 = 0
    private var waiters: [(generation: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
    /// Errors of the store, the history or a sink (messages only), counted.
    public private(set) var failures = 0
    public private(set) var lastFailure: String?

    /// - parameters:
    ///   - coolDown: how long before a level may alert again in the same period.
    ///   - batchDelay: how long notices gather before the task reads the budgets.
    ///   - now: the clock (injectable for tests); alerts carry its instants.
    public init(
        budgets: any BudgetStore, history: any AlertHistoryStore, sinks: [any AlertSink], coolDown: Duration = .seconds(3600),
        batchDelay: Duration = .milliseconds(1), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.budgets = budgets
        self.history = history
        self.sinks = sinks
        self.coolDown = coolDown
        self.batchDelay = batchDelay
        self.now = now
        self.inbox = Mutex(Inbox())
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.wake = continuation
        // the task holds the monitor weakly: when the last reference goes, deinit ends the stream
        Task { [weak self] in
            for await _ in stream {
                if batchDelay > .zero { try? await Task.sleep(for: batchDelay) }
                guard let monitor = self else { return }
                await monitor.drain()
            }
        }
    }

    deinit {
        wake.finish()
    }

    /// Notes that these budgets may have changed (after a reserve or a commit); returns at once.
    /// The monitor's task reads and evaluates them soon after.
    public nonisolated func notice(budgets names: [String]) {
        let wakeUp = inbox.withLock { inbox in
            inbox.names.formUnion(names)
            inbox.generation &+= 1
            defer { inbox.woken = true }
            return !inbox.woken
        }
        if wakeUp { wake.yield() }
    }

    /// Notes the budgets a decision counted against.
    public nonisolated func notice(_ decision: BudgetDecision) {
        notice(budgets: decision.verdicts.map(\.budget))
    }

    /// Waits until every notice made before the call has been evaluated and its alerts delivered.
    public func flush() async {
        let target = inbox.withLock { $0.generation }
        guard processed < target else { return }
        await withCheckedContinuation { waiters.append((target, $0)) }
    }

    /// Evaluates `state` now: stores and delivers the alert of a crossing, and returns it (empty
    /// when nothing was crossed or the alert was suppressed).
    ///
    /// - throws: the history store's errors (sink errors are counted, not thrown).
    @discardableResult
    public func observe(_ state: BudgetState) async throws -> [BudgetAlert] {
        let name = state.budget.name
        guard let window = state.window else {
            seen[name] = nil
            return []
        }
        let periodStart: Date? = state.budget.period.isRolling ? nil : window.start
        var memory: Seen
        if let known = seen[name], known.periodStart == periodStart {
            memory = known
        } else {
            memory = Seen(periodStart: periodStart, level: nil)
            if let periodStart {
                // a restarted process: the levels already alerted in this period count as crossed
                let earlier = try await history.alerts(matching: AlertQuery(budget: name, since: periodStart))
                memory.level = earlier.filter { $0.periodStart == periodStart }.map(\.level).max()
            }
        }
        let level = state.level
        guard let level, memory.level.map({ level > $0 }) ?? true else {
            memory.level = level
            seen[name] = memory
            return []
        }
        memory.level = level
        seen[name] = memory
        let alert = BudgetAlert(state: state, level: level, at: now())
        guard let stored = try await history.record(alert, coolDown: coolDown) else { return [] }
        for sink in sinks {
            do {
                try await sink.deliver(stored)
            } catch {
                fail("alert sink: \(error)")
            }
        }
        return [stored]
    }

    // MARK: - The task

    /// Reads and evaluates every budget noticed so far, then wakes the flushes it satisfies.
    private func drain() async {
        let (names, generation) = inbox.withLock { inbox in
            defer {
                inbox.names.removeAll(keepingCapacity: true)
                inbox.woken = false
            }
            return (inbox.names, inbox.generation)
        }
        for name in names.sorted() {
            do {
                guard let state = try await budgets.state(of: name) else {
                    seen[name] = nil
                    continue
                }
                try await observe(state)
            } catch {
                fail("budget '\(name)': \(error)")
            }
        }
        processed = max(processed, generation)
        let ready = waiters.filter { $0.generation <= processed }
        waiters.removeAll { $0.generation <= processed }
        for waiter in ready { waiter.continuation.resume() }
    }

    private func fail(_ message: String) {
        failures += 1
        lastFailure = message
    }
}
