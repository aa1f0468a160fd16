public import Foundation

/// A ``RecommendationStore`` in memory, for tests and ephemeral use, with an injected clock.
///
/// For example:
/// ```swift
/// let store = MemoryRecommendationStore(now: { fixedDate })
/// ```
public actor MemoryRecommendationStore: RecommendationStore {
    private var records: [String: RecommendationRecord] = [:]
    private var settings: [RecommendationAction.Kind: AutoExecutionSetting] = [:]
    private var routes: [ModelRoute] = []
    private let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    public func upsert(_ recommendations: [Recommendation], refresh: String?, baselineDays: Int, actor: String)
        -> RecommendationUpsert
    {
        let result = RecommendationRecord.upsert(
            existing: records, fresh: recommendations, refresh: refresh, baselineDays: baselineDays, actor: actor, at: now())
        for change in result.changed { records[change.record.id] = change.record }
        return result.summary
    }

    public func recommendations(matching filter: RecommendationFilter) -> [RecommendationRecord] {
        records.values.filter(filter.matches).sorted(by: RecommendationRecord.listOrder)
    }

    public func recommendation(id: String) -> RecommendationRecord? { records[id] }

    public func transition(id: String, _ transition: RecommendationTransition, actor: String, note: String?) throws
        -> RecommendationRecord
    {
        guard let record = records[id] else { throw RecommendationRecord.notFound(id) }
        let next = try record.applying(transition, actor: actor, note: note, at: now()).record
        records[id] = next
        return next
    }

    public func appendHistory(id: String, _ event: RecommendationEvent) throws {
        guard records[id] != nil else { throw RecommendationRecord.notFound(id) }
        records[id]?.history.append(event)
    }

    public func autoExecution() -> [AutoExecutionSetting] {
        settings.values.sorted { $0.action.rawValue < $1.action.rawValue }
    }

    public func setAutoExecution(_ action: RecommendationAction.Kind, _ setting: AutoExecutionSetting?) {
        settings[action] = setting
    }

    public func setModelRoute(_ route: ModelRoute) {
        routes.removeAll { $0.id == route.id }
        routes.append(route)
    }

    public func removeModelRoute(id: String) -> Bool {
        let before = routes.count
        routes.removeAll { $0.id == id }
        return routes.count != before
    }

    public func modelRoutes() -> [ModelRoute] { routes }
}
