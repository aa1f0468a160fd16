/// Where recommendations live between runs: findings upserted by id (status and history kept),
/// listed with filters, moved through their lifecycle with validation and an audit trail; and the
/// auto-execution settings and the model routes it applies.
///
/// The lifecycle: pending → accepted or rejected (with a reason) → implemented (at a time) →
/// verified (with the actual saving). Every transition is recorded with its time and actor. Rules
/// shared by every implementation: ``RecommendationRecord`` (refresh and stale marking, allowed
/// transitions). ``MemoryRecommendationStore`` is the in-memory one; `SQLiteRecommendationStore`
/// (CostSQLite) keeps them in the ledger's database, one transaction per call.
///
/// For example:
/// ```swift
/// let store = MemoryRecommendationStore()
/// _ = try await store.upsert(Recommendation.ranked(findings), refresh: nil, baselineDays: 30, actor: "engine")
/// _ = try await store.transition(id: findings[0].id, .accept, actor: "alice", note: nil)
/// ```
public protocol RecommendationStore: ModelRouteSource {
    /// Stores fresh findings: new ids are added pending; known ids keep their status and history
    /// (their numbers are refreshed while not yet implemented); pending or accepted records in the
    /// `refresh` scope (`nil`: every scope) that are not among them turn stale.
    func upsert(_ recommendations: [Recommendation], refresh: String?, baselineDays: Int, actor: String) async throws
        -> RecommendationUpsert
    /// The records matching `filter`, by priority (highest first).
    func recommendations(matching filter: RecommendationFilter) async throws -> [RecommendationRecord]
    func recommendation(id: String) async throws -> RecommendationRecord?
    /// Moves a recommendation one step through its lifecycle and records who and when.
    ///
    /// - throws: ``OptimizerError`` `.notFound`, `.invalidTransition`.
    func transition(id: String, _ transition: RecommendationTransition, actor: String, note: String?) async throws
        -> RecommendationRecord
    /// Appends an entry to a recommendation's history (an auto-execution step).
    ///
    /// - throws: ``OptimizerError`` `.notFound`.
    func appendHistory(id: String, _ event: RecommendationEvent) async throws

    /// The action kinds opted into auto-execution.
    func autoExecution() async throws -> [AutoExecutionSetting]
    /// Opts an action kind in (replacing its setting) or, with `nil`, out.
    func setAutoExecution(_ action: RecommendationAction.Kind, _ setting: AutoExecutionSetting?) async throws

    /// Adds a route, replacing the one with the same id (same scope and model).
    func setModelRoute(_ route: ModelRoute) async throws
    /// Removes a route; `false` when there was none.
    func removeModelRoute(id: String) async throws -> Bool
}

extension RecommendationStore {
    /// Every record, by priority.
    public func recommendations() async throws -> [RecommendationRecord] {
        try await recommendations(matching: RecommendationFilter())
    }
}
