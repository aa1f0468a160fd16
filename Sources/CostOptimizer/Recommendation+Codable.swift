internal import CostPricing
internal import Foundation

// The stored and printed shape of a recommendation: camelCase keys (the CLI prints them snake_case),
// money as decimal strings, actions as objects with a `type`.

extension Recommendation: Codable {
    enum CodingKeys: String, CodingKey {
        case id, kind, scope, title, rationale, monthlySaving, confidence, difficulty, risk, priority, actions, evidence
        case baselineMonthlySpend, createdAt
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), kind: try c.decode(Kind.self, forKey: .kind),
            scope: try c.decode(String.self, forKey: .scope), title: try c.decode(String.self, forKey: .title),
            rationale: try c.decode(String.self, forKey: .rationale), monthlySaving: try c.decode(Money.self, forKey: .monthlySaving),
            confidence: try c.decode(RecommendationConfidence.self, forKey: .confidence),
            difficulty: try c.decode(Difficulty.self, forKey: .difficulty), risk: try c.decode(Risk.self, forKey: .risk),
            actions: try c.decodeIfPresent([RecommendationAction].self, forKey: .actions) ?? [],
            evidence: try c.decode(String.self, forKey: .evidence),
            baselineMonthlySpend: try c.decodeIfPresent(Money.self, forKey: .baselineMonthlySpend),
            createdAt: try c.decode(Date.self, forKey: .createdAt))
        priority = try c.decodeIfPresent(Double.self, forKey: .priority) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(kind, forKey: .kind)
        try c.encode(scope, forKey: .scope)
        try c.encode(title, forKey: .title)
        try c.encode(rationale, forKey: .rationale)
        try c.encode(monthlySaving, forKey: .monthlySaving)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(difficulty, forKey: .difficulty)
        try c.encode(risk, forKey: .risk)
        try c.encode(priority, forKey: .priority)
        try c.encode(actions, forKey: .actions)
        try c.encode(evidence, forKey: .evidence)
        try c.encodeIfPresent(baselineMonthlySpend, forKey: .baselineMonthlySpend)
        try c.encode(createdAt, forKey: .createdAt)
    }
}

extension RecommendationConfidence: Codable {
    enum CodingKeys: String, CodingKey { case value, components, notes }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            value: try c.decode(Double.self, forKey: .value), components: try c.decode([String: Double].self, forKey: .components),
            notes: try c.decodeIfPresent([String].self, forKey: .notes) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(value, forKey: .value)
        try c.encode(components, forKey: .components)
        try c.encode(notes, forKey: .notes)
    }
}

extension RecommendationAction {
    /// The kinds of action, the words `costctl recommend auto --enable` takes.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case routeModel = "route-model"
        case changePlan = "change-plan"
        case enableCaching = "enable-caching"
        case useBatch = "use-batch"
        case shiftHours = "shift-hours"
        case reallocateBudget = "reallocate-budget"
        case manual

        /// The kinds auto-execution can carry out: a routing change the Meter applies, a plan change
        /// through the user's hook command.
        public static let automatable: [Kind] = [.routeModel, .changePlan]
    }

    public var kind: Kind {
        switch self {
        case .routeModel: .routeModel
        case .changePlan: .changePlan
        case .enableCaching: .enableCaching
        case .useBatch: .useBatch
        case .shiftHours: .shiftHours
        case .reallocateBudget: .reallocateBudget
        case .manual: .manual
        }
    }

    /// One line for people: `route gpt-4o → gpt-4o-mini for team=support`.
    public var summary: String {
        switch self {
        case .routeModel(let from, let to, let scope): "route \(from) → \(to) for \(scope)"
        case .changePlan(let from, let to): "change plan \(from) → \(to)"
        case .enableCaching(let model, let scope): "enable prompt caching for \(model) in \(scope)"
        case .useBatch(let provider, let scope): "send \(scope)'s non-urgent \(provider) requests through the batch API"
        case .shiftHours(let window, let scope): "move \(scope)'s deferrable requests to \(window)"
        case .reallocateBudget(let from, let to, let amount): "move $\(amount.formatted(places: 2)) a month of budget from \(from) to \(to)"
        case .manual(let text): text
        }
    }
}

extension RecommendationAction: Codable {
    enum CodingKeys: String, CodingKey { case type, from, to, scope, model, provider, window, amount, text }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        func text(_ key: CodingKeys) throws -> String { try c.decode(String.self, forKey: key) }
        switch Kind(rawValue: type) {
        case .routeModel: self = .routeModel(from: try text(.from), to: try text(.to), scope: try text(.scope))
        case .changePlan: self = .changePlan(from: try text(.from), to: try text(.to))
        case .enableCaching: self = .enableCaching(model: try text(.model), scope: try text(.scope))
        case .useBatch: self = .useBatch(provider: try text(.provider), scope: try text(.scope))
        case .shiftHours: self = .shiftHours(window: try text(.window), scope: try text(.scope))
        case .reallocateBudget:
            self = .reallocateBudget(from: try text(.from), to: try text(.to), amount: try c.decode(Money.self, forKey: .amount))
        case .manual: self = .manual(try text(.text))
        case nil:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "'\(type)' is not a recommendation action")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind.rawValue, forKey: .type)
        switch self {
        case .routeModel(let from, let to, let scope):
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encode(scope, forKey: .scope)
        case .changePlan(let from, let to):
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
        case .enableCaching(let model, let scope):
            try c.encode(model, forKey: .model)
            try c.encode(scope, forKey: .scope)
        case .useBatch(let provider, let scope):
            try c.encode(provider, forKey: .provider)
            try c.encode(scope, forKey: .scope)
        case .shiftHours(let window, let scope):
            try c.encode(window, forKey: .window)
            try c.encode(scope, forKey: .scope)
        case .reallocateBudget(let from, let to, let amount):
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encode(amount, forKey: .amount)
        case .manual(let text):
            try c.encode(text, forKey: .text)
        }
    }
}
