public import CostPricing
public import Foundation

/// One way to pay less, with how much, how sure and why: what `costctl recommend` lists.
///
/// Every recommendation carries its numbers (``rationale``, ``monthlySaving``), its confidence
/// with the components that made it (``confidence``), how hard and how risky it is, the actions
/// that carry it out, and the query that shows its evidence. ``priority`` ranks them:
/// 50% normalized saving + 30% confidence + 20% ease (``priorityScore(saving:largestSaving:confidence:difficulty:)``).
///
/// For example:
/// ```swift
/// let recommendation = Recommendation(
///     kind: .modelDowngrade, scope: "team=support", title: "Use gpt-4o-mini for support/classify",
///     rationale: "…", monthlySaving: Money("412.50")!, confidence: RecommendationConfidence(value: 0.81, components: ["coverage": 1, "quality": 0.7]),
///     difficulty: .easy, risk: .medium, actions: [.routeModel(from: "gpt-4o", to: "gpt-4o-mini", scope: "team=support")],
///     evidence: "costctl usage --by model --where team=support --since 30d")
/// ```
public struct Recommendation: Sendable, Hashable, Identifiable {
    /// What kind of change it recommends.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case planChange = "plan-change"
        case modelDowngrade = "model-downgrade"
        case promptCaching = "prompt-caching"
        case batching
        case providerSwitch = "provider-switch"
        case offPeak = "off-peak"
        case budgetReallocation = "budget-reallocation"
    }

    public enum Difficulty: String, Sendable, Hashable, Codable, CaseIterable {
        case easy, medium, hard

        /// The ease that counts 20% in the priority: easy 1, medium 0.5, hard 0.
        public var ease: Double {
            switch self {
            case .easy: 1
            case .medium: 0.5
            case .hard: 0
            }
        }
    }

    public enum Risk: String, Sendable, Hashable, Codable, CaseIterable {
        case low, medium, high
    }

    /// Where a recommendation is in its life: pending → accepted or rejected (with a reason) →
    /// implemented → verified (the actual saving measured against the baseline).
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case pending, accepted, rejected, implemented, verified
    }

    /// A stable id: the kind and scope and subject, so the same finding on another day is the same
    /// recommendation (its numbers are refreshed, its status kept).
    public var id: String
    public var kind: Kind
    /// Whose usage: `global`, `team=x`, `project=y`, … (the `--scope` words).
    public var scope: String
    public var title: String
    /// Why, with the numbers (observed volumes, prices, the saving's arithmetic).
    public var rationale: String
    /// What it would save per month at the observed volumes (never negative).
    public var monthlySaving: Money
    public var confidence: RecommendationConfidence
    public var difficulty: Difficulty
    public var risk: Risk
    /// 0…1: 50% normalized saving + 30% confidence + 20% ease; set by ``ranked(_:)``.
    public var priority: Double
    public var actions: [RecommendationAction]
    /// A command or query that shows the evidence (e.g. `costctl usage --by model --where team=x`).
    public var evidence: String
    /// The monthly spend of the scope the saving is measured against (for verification).
    public var baselineMonthlySpend: Money?
    public var createdAt: Date

    public init(
        id: String? = nil, kind: Kind, scope: String, title: String, rationale: String, monthlySaving: Money,
        confidence: RecommendationConfidence, difficulty: Difficulty, risk: Risk, actions: [RecommendationAction] = [],
        evidence: String, baselineMonthlySpend: Money? = nil, createdAt: Date = Date()
    ) {
        self.id = id ?? Recommendation.makeID(kind: kind, scope: scope, subject: title)
        self.kind = kind
        self.scope = scope
        self.title = title
        self.rationale = rationale
        self.monthlySaving = monthlySaving.isNegative ? .zero : monthlySaving
        self.confidence = confidence
        self.difficulty = difficulty
        self.risk = risk
        priority = 0
        self.actions = actions
        self.evidence = evidence
        self.baselineMonthlySpend = baselineMonthlySpend
        self.createdAt = createdAt
    }

    /// `kind:scope:subject` made into a short, stable id (`rec-` and 12 hex digits of FNV-1a).
    public static func makeID(kind: Kind, scope: String, subject: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(kind.rawValue)|\(scope)|\(subject)".utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return "rec-" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex.prefix(12)
    }

    /// The priority score in 0…1: `0.5 × saving / largestSaving + 0.3 × confidence + 0.2 × ease`.
    ///
    /// The saving is normalized by the largest monthly saving among the recommendations ranked
    /// together (so the biggest one scores the full 0.5 and the others in proportion); with no
    /// positive saving the saving term is 0. Ease: easy 1, medium 0.5, hard 0.
    public static func priorityScore(saving: Money, largestSaving: Money, confidence: Double, difficulty: Difficulty) -> Double {
        let normalized = largestSaving > .zero ? min(1, max(0, ratio(saving, largestSaving))) : 0
        return 0.5 * normalized + 0.3 * min(1, max(0, confidence)) + 0.2 * difficulty.ease
    }

    /// `recommendations` with their ``priority`` set, highest first (ties: larger saving, then id).
    public static func ranked(_ recommendations: [Recommendation]) -> [Recommendation] {
        let largest = recommendations.map(\.monthlySaving).max() ?? .zero
        return recommendations.map { recommendation in
            var ranked = recommendation
            ranked.priority = priorityScore(
                saving: recommendation.monthlySaving, largestSaving: largest, confidence: recommendation.confidence.value,
                difficulty: recommendation.difficulty)
            return ranked
        }.sorted { a, b in
            if a.priority != b.priority { return a.priority > b.priority }
            if a.monthlySaving != b.monthlySaving { return a.monthlySaving > b.monthlySaving }
            return a.id < b.id
        }
    }
}

/// A confidence in [0, 1] with the components it was computed from (each in [0, 1], by name:
/// `coverage`, `headroom`, `stability`, `trend`, `quality`, `volume`, …) and notes that explain a
/// low one ("no quality data for this pair").
public struct RecommendationConfidence: Sendable, Hashable {
    public var value: Double
    public var components: [String: Double]
    public var notes: [String]

    public init(value: Double, components: [String: Double], notes: [String] = []) {
        self.value = min(1, max(0, value.isFinite ? value : 0))
        self.components = components
        self.notes = notes
    }
}

/// What carrying a recommendation out means; the auto-executable ones are the routing changes.
public enum RecommendationAction: Sendable, Hashable {
    /// Send `scope`'s requests for `from` to `to` (a model downgrade or provider switch).
    case routeModel(from: String, to: String, scope: String)
    /// Change the subscription plan (`from` → `to` plan ids).
    case changePlan(from: String, to: String)
    /// Enable prompt caching for `scope`'s requests to `model`.
    case enableCaching(model: String, scope: String)
    /// Send `scope`'s non-urgent requests through the provider's batch API.
    case useBatch(provider: String, scope: String)
    /// Move `scope`'s deferrable requests to the hours `window` (e.g. `22:00-06:00 America/Los_Angeles`).
    case shiftHours(window: String, scope: String)
    /// Move `amount` of monthly budget from one budget to another.
    case reallocateBudget(from: String, to: String, amount: Money)
    /// Anything else, in words.
    case manual(String)
}
