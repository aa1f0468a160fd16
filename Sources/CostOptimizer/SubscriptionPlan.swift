public import CostPricing
public import Foundation

/// A subscription plan (or pay as you go) with the usage it allows.
///
/// For example, Claude Max 5x: $100 a month, a 5-hour session window worth 5× Pro's and a weekly
/// window worth 3.5× Pro's, both measured in API-equivalent dollars.
public struct SubscriptionPlan: Sendable, Hashable, Identifiable {
    /// The stable id (`claude-max-5x`, `chatgpt-plus`, `gemini-free`, `api`).
    public var id: String
    public var name: String
    /// Who sells it (`anthropic`, `openai`, `google`, `any`).
    public var vendor: String
    /// Plans of one family share window kinds whose allowances scale by ``PlanWindow/scale``
    /// (`claude`, `chatgpt`, `gemini`, `api`).
    public var family: String
    /// The ledger providers whose usage counts against the plan (empty: any provider).
    public var providers: [String]
    /// The fixed price per month.
    public var monthlyPrice: Money
    public var billing: PlanBilling
    public var windows: [PlanWindow]
    /// Where the figures come from, and when they were checked.
    public var sources: [PlanSource]
    public var notes: String?

    public init(
        id: String, name: String, vendor: String, family: String, providers: [String], monthlyPrice: Money,
        billing: PlanBilling, windows: [PlanWindow], sources: [PlanSource] = [], notes: String? = nil
    ) {
        self.id = id
        self.name = name
        self.vendor = vendor
        self.family = family
        self.providers = providers
        self.monthlyPrice = monthlyPrice
        self.billing = billing
        self.windows = windows
        self.sources = sources
        self.notes = notes
    }

    /// Whether usage from `provider` counts against this plan.
    public func covers(provider: String) -> Bool {
        providers.isEmpty || providers.contains(provider.lowercased())
    }

    /// The id of pay as you go.
    public static let apiID = "api"
}

/// How a plan is paid.
public enum PlanBilling: String, Sendable, Hashable, Codable, CaseIterable {
    /// A fixed monthly price, usage included up to the windows' allowances.
    case subscription
    /// The monthly price plus usage at list prices (the API, Gemini's paid tiers).
    case metered
}

/// What a window's allowance counts.
public enum WindowMeasure: String, Sendable, Hashable, Codable, CaseIterable {
    /// The API-equivalent cost of the usage (list prices): weighs tokens by model and kind, the way
    /// vendors' compute-based limits do.
    case apiCost = "api_cost"
    /// Requests (chat messages).
    case requests
    /// Input plus output tokens.
    case tokens
}

extension WindowMeasure {
    /// An amount in this measure written for people: `$35` or `160 requests`.
    public func text(_ amount: Int128) -> String {
        switch self {
        case .apiCost: Money(units: amount).display(maxPlaces: 2)
        case .requests: "\(amount) requests"
        case .tokens: "\(amount) tokens"
        }
    }
}

/// Where a window starts.
public enum WindowAnchor: String, Sendable, Hashable, Codable, CaseIterable {
    /// At the first request after the previous window ended (Claude's sessions).
    case firstUse = "first_use"
    /// At midnight in the window's time zone (daily caps such as Gemini's, reset at midnight Pacific).
    case calendar
}

/// One usage window of a plan: what it counts, how long it lasts, how much it allows.
public struct PlanWindow: Sendable, Hashable {
    /// The window's kind, shared across a family's plans (`session`, `week`, `day`, `3h`).
    public var kind: String
    public var measure: WindowMeasure
    public var length: TimeInterval
    public var anchor: WindowAnchor
    /// The time zone of calendar windows.
    public var timeZone: TimeZone
    /// Model ids the window counts (empty: every model of the plan's providers).
    public var models: [String]
    /// The allowance relative to the family's reference plan (Claude: Pro = 1, Max 5x = 5).
    public var scale: PlanScale
    /// The allowance in the measure's units: 10⁻¹⁸ USD for ``WindowMeasure/apiCost``, a count otherwise.
    public var allowance: Int128
    /// Whether ``allowance`` is a public estimate (not a vendor-published number).
    public var isEstimate: Bool

    public init(
        kind: String, measure: WindowMeasure, length: TimeInterval, anchor: WindowAnchor = .firstUse,
        timeZone: TimeZone = TimeZone(identifier: "UTC") ?? .current, models: [String] = [],
        scale: PlanScale = .one, allowance: Int128, isEstimate: Bool
    ) {
        self.kind = kind
        self.measure = measure
        self.length = length
        self.anchor = anchor
        self.timeZone = timeZone
        self.models = models
        self.scale = scale
        self.allowance = allowance
        self.isEstimate = isEstimate
    }

    /// The key that pairs this window with the same window of another plan of the family.
    public var key: String { models.isEmpty ? kind : kind + ":" + models.joined(separator: ",") }

    /// Whether a request to `model` counts in this window: the id itself, or a dated, preview or
    /// experimental snapshot of it (`gemini-2.5-pro-preview-05-06`; not `gemini-2.5-flash-lite` for
    /// `gemini-2.5-flash`), after any vendor prefix (`models/`, `google/`).
    public func counts(model: String) -> Bool {
        if models.isEmpty { return true }
        let id = model.lowercased().split(separator: "/").last.map(String.init) ?? model.lowercased()
        return models.contains { name in
            guard id.hasPrefix(name) else { return false }
            let rest = id.dropFirst(name.count)
            guard let first = rest.first else { return true }
            guard first == "-" else { return false }
            let tail = rest.dropFirst()
            return tail.first?.isNumber == true || tail.hasPrefix("preview") || tail.hasPrefix("exp")
                || tail.hasPrefix("latest")
        }
    }

    /// The allowance written for people: `$35` or `160 requests`.
    public var allowanceText: String { measure.text(allowance) }
}

/// An exact positive ratio (`5`, `3.5`, `0.2`) by which a window's allowance scales across a family.
public struct PlanScale: Sendable, Hashable, CustomStringConvertible {
    public var numerator: Int128
    public var denominator: Int128

    public static let one = PlanScale(numerator: 1, denominator: 1)

    public init(numerator: Int128, denominator: Int128) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// Parses a positive decimal such as `3.5` (at most 6 decimals).
    ///
    /// - throws: ``OptimizerError`` `.invalidCatalog`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard parts.count <= 2, fraction.count <= 6, let whole = Int128(String(parts[0]) + fraction),
            whole > 0
        else {
            throw OptimizerError(code: .invalidCatalog, message: "scale '\(text)' is not a positive decimal (examples: 1, 5, 3.5)")
        }
        var denominator: Int128 = 1
        for _ in 0..<fraction.count { denominator *= 10 }
        self.init(numerator: whole, denominator: denominator)
    }

    /// `amount × self`, rounded down.
    public func apply(_ amount: Int128) -> Int128 { amount * numerator / denominator }

    /// `amount ÷ self`, rounded down.
    public func divide(_ amount: Int128) -> Int128 { amount * denominator / numerator }

    public var description: String {
        let value = Double(numerator) / Double(denominator)
        return value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// A public page a plan's figures come from.
public struct PlanSource: Sendable, Hashable, Codable {
    public var url: String
    /// The date (`YYYY-MM-DD`) the page was checked.
    public var checked: String
    /// The figures taken from it.
    public var figures: String

    public init(url: String, checked: String, figures: String) {
        self.url = url
        self.checked = checked
        self.figures = figures
    }
}
