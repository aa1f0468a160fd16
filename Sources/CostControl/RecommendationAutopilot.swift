public import CostOptimizer
public import Foundation
internal import CostRotation

/// Carries out the recommendations the user let it: only at confidence ≥ ``threshold`` (0.95), only
/// when every action of the recommendation is of a kind opted into (`costctl recommend auto --enable
/// route-model`), and only for pending or accepted ones that the last refresh still found.
///
/// A `.routeModel` action stores a ``ModelRoute`` the `Meter` applies; a `.changePlan` action runs
/// the opted-in hook command as `COMMAND FROM-PLAN TO-PLAN RECOMMENDATION-ID` (time limit
/// ``hookTimeLimit``; exit status 0 is success). Every step is audited in the recommendation's
/// history with actor `auto` (accepted, each action, implemented — or the failure), and each one
/// produces an ``AutoExecutionNotice`` for ``notify``.
///
/// For example:
/// ```swift
/// let pilot = RecommendationAutopilot(store: store, notify: { print($0.message) })
/// let notices = try await pilot.run()
/// ```
public struct RecommendationAutopilot: Sendable {
    public static let threshold = 0.95
    public static let actor = "auto"

    public var store: any RecommendationStore
    public var hookTimeLimit: Duration
    /// Told of every action taken or failed (print it, post it to a webhook).
    public var notify: @Sendable (AutoExecutionNotice) -> Void
    let now: @Sendable () -> Date

    public init(
        store: any RecommendationStore, hookTimeLimit: Duration = .seconds(60),
        notify: @escaping @Sendable (AutoExecutionNotice) -> Void = { _ in }, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.hookTimeLimit = hookTimeLimit
        self.notify = notify
        self.now = now
    }

    /// Whether `record` qualifies under `settings`, and why not when it does not.
    public static func eligibility(_ record: RecommendationRecord, settings: [AutoExecutionSetting]) -> String? {
        let recommendation = record.recommendation
        guard [.pending, .accepted].contains(record.status) else { return "it is \(record.status.rawValue)" }
        guard !record.isStale else { return "the last refresh no longer found it" }
        guard recommendation.confidence.value >= threshold else {
            return "confidence \(String(format: "%.2f", recommendation.confidence.value)) is under \(threshold)"
        }
        guard !recommendation.actions.isEmpty else { return "it has no action" }
        let enabled = Set(settings.map(\.action))
        for action in recommendation.actions where !enabled.contains(action.kind) {
            return RecommendationAction.Kind.automatable.contains(action.kind)
                ? "\(action.kind.rawValue) is not enabled (costctl recommend auto --enable \(action.kind.rawValue))"
                : "\(action.kind.rawValue) cannot be carried out automatically"
        }
        return nil
    }

    /// Carries out every eligible recommendation; returns the notices (also sent to ``notify``).
    ///
    /// - throws: the store's errors. A failed hook is audited and notified, not thrown.
    public func run() async throws -> [AutoExecutionNotice] {
        let settings = try await store.autoExecution()
        guard !settings.isEmpty else { return [] }
        var notices: [AutoExecutionNotice] = []
        for record in try await store.recommendations(matching: RecommendationFilter(statuses: [.pending, .accepted], includeStale: false))
        where Self.eligibility(record, settings: settings) == nil {
            notices += try await execute(record, settings: settings)
        }
        return notices
    }

    private func execute(_ record: RecommendationRecord, settings: [AutoExecutionSetting]) async throws -> [AutoExecutionNotice] {
        let id = record.id
        var notices: [AutoExecutionNotice] = []
        func tell(_ succeeded: Bool, _ message: String) {
            let notice = AutoExecutionNotice(recommendationID: id, at: now(), succeeded: succeeded, message: message)
            notices.append(notice)
            notify(notice)
        }
        if record.status == .pending {
            _ = try await store.transition(
                id: id, .accept, actor: Self.actor,
                note: "confidence \(String(format: "%.2f", record.recommendation.confidence.value)) ≥ \(Self.threshold), actions opted in")
        }
        for action in record.recommendation.actions {
            switch action {
            case .routeModel(let from, let to, let scope):
                let route = ModelRoute(
                    from: from, to: to, scope: try RecommendationScope.budgetScope(scope), recommendationID: id, createdAt: now())
                try await store.setModelRoute(route)
                try await store.appendHistory(
                    id: id, RecommendationEvent(at: now(), actor: Self.actor, kind: .autoAction, detail: "route \(route.id): \(action.summary)"))
                tell(true, "\(id): \(action.summary) (route \(route.id))")
            case .changePlan(let from, let to):
                let command = settings.first { $0.action == .changePlan }?.command
                if let failure = await runHook(command, arguments: [from, to, id]) {
                    try await store.appendHistory(
                        id: id, RecommendationEvent(at: now(), actor: Self.actor, kind: .autoFailed, detail: "\(action.summary): \(failure)"))
                    tell(false, "\(id): \(action.summary) failed: \(failure); left accepted")
                    return notices
                }
                try await store.appendHistory(
                    id: id, RecommendationEvent(at: now(), actor: Self.actor, kind: .autoAction, detail: "\(action.summary): hook succeeded"))
                tell(true, "\(id): \(action.summary) (hook ran)")
            default:
                return notices  // not reachable: eligibility admits only opted-in automatable kinds
            }
        }
        _ = try await store.transition(id: id, .implement(at: now()), actor: Self.actor, note: "carried out automatically")
        tell(true, "\(id): implemented automatically — \(record.recommendation.title)")
        return notices
    }

    /// Runs the hook; `nil` on exit status 0, else why it failed (no output: it may hold secrets).
    private func runHook(_ command: String?, arguments: [String]) async -> String? {
        guard let command, !command.isEmpty else { return "no hook command set (costctl recommend auto --enable change-plan --hook PATH)" }
        do {
            let result = try await CommandRun.start(
                executable: command, arguments: arguments, environment: ProcessInfo.processInfo.environment,
                timeLimit: hookTimeLimit, grace: .seconds(2), outputLimit: 64 * 1_024)
            if result.timedOut { return "the hook did not finish within \(hookTimeLimit)" }
            switch result.termination {
            case .exit(0): return nil
            case .exit(let status): return "the hook exited with status \(status)"
            case .signal(let signal): return "the hook was killed by signal \(signal)"
            }
        } catch {
            return "the hook could not be started (\(command))"
        }
    }
}

/// One auto-execution step, for notification.
public struct AutoExecutionNotice: Sendable, Hashable, Codable {
    public var recommendationID: String
    public var at: Date
    public var succeeded: Bool
    public var message: String

    public init(recommendationID: String, at: Date, succeeded: Bool, message: String) {
        self.recommendationID = recommendationID
        self.at = at
        self.succeeded = succeeded
        self.message = message
    }
}
