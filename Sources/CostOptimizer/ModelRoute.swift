public import CostBudget
public import CostPricing
public import Foundation

/// A model-routing rule: requests in ``scope`` for ``from`` are sent to ``to`` instead. Auto-execution
/// stores one when it carries out a `.routeModel` action; the `Meter` (CostControl) applies the
/// first matching route before it estimates and reserves.
///
/// For example:
/// ```swift
/// let route = ModelRoute(from: "claude-opus-4-1", to: "claude-haiku-4-5", scope: BudgetScope(.team("support")),
///                        recommendationID: "rec-1a2b3c4d5e6f", createdAt: Date())
/// route.matches(provider: "anthropic", model: "claude-opus-4-1", dimensions: UsageDimensions(team: "support"))  // true
/// ```
public struct ModelRoute: Sendable, Hashable, Codable, Identifiable {
    /// Stable: the scope and the model routed from (one route per model and scope).
    public var id: String
    public var from: String
    public var to: String
    /// Whose requests (and, when set, only one provider's).
    public var scope: BudgetScope
    /// The recommendation that made it, if any.
    public var recommendationID: String?
    public var createdAt: Date

    public init(from: String, to: String, scope: BudgetScope, recommendationID: String? = nil, createdAt: Date) {
        id = "route-" + Recommendation.makeID(kind: .modelDowngrade, scope: scope.description, subject: from.lowercased()).dropFirst(4)
        self.from = from
        self.to = to
        self.scope = scope
        self.recommendationID = recommendationID
        self.createdAt = createdAt
    }

    /// Whether a request for `model` with `dimensions` is routed (model ids compared case-insensitively).
    public func matches(provider: String, model: String, dimensions: UsageDimensions) -> Bool {
        model.caseInsensitiveCompare(from) == .orderedSame && scope.matches(dimensions, provider: provider, model: model)
    }
}

/// Where the `Meter` reads its routes from (a ``RecommendationStore``).
public protocol ModelRouteSource: Sendable {
    /// Every route, oldest first.
    func modelRoutes() async throws -> [ModelRoute]
}

/// An action kind the user opted into auto-execution (`costctl recommend auto --enable route-model`),
/// with the hook command a plan change runs.
public struct AutoExecutionSetting: Sendable, Hashable, Codable {
    public var action: RecommendationAction.Kind
    /// For `change-plan`: the executable run as `COMMAND FROM-PLAN TO-PLAN RECOMMENDATION-ID`.
    public var command: String?
    public var enabledAt: Date
    public var actor: String

    public init(action: RecommendationAction.Kind, command: String? = nil, enabledAt: Date, actor: String) {
        self.action = action
        self.command = command
        self.enabledAt = enabledAt
        self.actor = actor
    }
}
