/// The eight levels of the enforcement ladder, mildest first.
public enum LadderLevel: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// Allow, and log.
    case warning = 1
    /// Allow, and alert.
    case notification
    /// Allow at a reduced rate (a token bucket; the caller is told how long to wait).
    case throttling
    /// Allow on a cheaper model of the same capability class.
    case modelDowngrade
    /// Allow on the cheapest equivalent model of another provider the caller permits.
    case providerSwitch
    /// Defer background requests ("queue, retry after"); normal and critical ones pass.
    case requestQueue
    /// Only critical requests pass.
    case emergency
    /// Nothing passes.
    case hardStop

    public static func < (lhs: LadderLevel, rhs: LadderLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .warning: "warning"
        case .notification: "notification"
        case .throttling: "throttling"
        case .modelDowngrade: "model-downgrade"
        case .providerSwitch: "provider-switch"
        case .requestQueue: "request-queue"
        case .emergency: "emergency"
        case .hardStop: "hard-stop"
        }
    }
}

/// A share of a budget's limit, exact in basis points (1/100 of a percent).
public struct Threshold: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// 10,000 = 100%.
    public var basisPoints: Int

    /// Thresholds above this (1,000%) are refused, so that `limit × basis points` stays exact.
    public static let maxBasisPoints = 100_000

    public init(basisPoints: Int) { self.basisPoints = basisPoints }
    /// Whole percents; a value too large to count in basis points becomes `Int.max` (refused as a threshold).
    public init(percent: Int) { self.basisPoints = BudgetPeriod.clampedProduct(percent, 100) }
    public init(integerLiteral percent: Int) { self.init(percent: percent) }

    public static func < (lhs: Threshold, rhs: Threshold) -> Bool { lhs.basisPoints < rhs.basisPoints }

    public var description: String {
        basisPoints % 100 == 0 ? "\(basisPoints / 100)%" : "\(Double(basisPoints) / 100)%"
    }

    /// Whether `used` has reached this share of `limit` (`used × 10,000 ≥ limit × basis points`),
    /// exactly. `limit` is positive and `limit × maxBasisPoints` fits (checked when a budget is made).
    func isReached(used: Int128, limit: Int128) -> Bool {
        let bound = limit * Int128(basisPoints)
        let (scaled, overflow) = used.multipliedReportingOverflow(by: 10_000)
        if overflow { return used > 0 }
        return scaled >= bound
    }
}

/// Where each of the eight levels starts, or that it is switched off.
///
/// The named profiles follow one rule (see Documentation/Budgets.md for the table): a profile's
/// four numbers are the thresholds of warning, notification, throttling and request queue; model
/// downgrade and provider switch sit 5 and 2 points below request queue, emergency and hard stop 5
/// and 10 points above it, and a derived level that would not lie above the level before it is off.
///
/// For example:
/// ```swift
/// let strict = try LadderProfile.custom([.warning: 50, .hardStop: 100])   // two levels, the rest off
/// let quiet = LadderProfile.premium.disabling([.warning, .notification])
/// ```
public struct LadderProfile: Sendable, Hashable, CustomStringConvertible {
    /// A name for display (`standard`, `free`, `premium`, `enterprise`, `custom`).
    public var name: String
    /// Indexed by `level.rawValue - 1`; `nil` means the level is off.
    public private(set) var thresholds: [Threshold?]

    private init(name: String, thresholds: [Threshold?]) {
        self.name = name
        self.thresholds = thresholds
    }

    /// The threshold where `level` starts, or `nil` when it is off.
    public func threshold(of level: LadderLevel) -> Threshold? { thresholds[level.rawValue - 1] }

    /// The levels that are on, mildest first, with their thresholds.
    public var enabledLevels: [(level: LadderLevel, threshold: Threshold)] {
        LadderLevel.allCases.compactMap { level in threshold(of: level).map { (level, $0) } }
    }

    /// The highest level that is on and whose threshold `used` has reached, or `nil` below them all.
    public func level(used: Int128, limit: Int128) -> LadderLevel? {
        for level in LadderLevel.allCases.reversed() {
            if let t = threshold(of: level), t.isReached(used: used, limit: limit) { return level }
        }
        return nil
    }

    /// The default ladder: 70, 80, 90, 95, 98, 100, 105, 110%.
    public static let standard = LadderProfile(
        name: "standard", thresholds: [70, 80, 90, 95, 98, 100, 105, 110].map { Threshold(percent: $0) })

    /// 70/80/90/100: the default ladder (downgrade 95, switch 98, emergency 105, hard stop 110).
    public static let free = derived(name: "free", warning: 70, notification: 80, throttling: 90, queue: 100)
    /// 80/90/95/100: model downgrade is off (it would sit at 95, on throttling); switch 98,
    /// emergency 105, hard stop 110.
    public static let premium = derived(name: "premium", warning: 80, notification: 90, throttling: 95, queue: 100)
    /// 90/95/98/105: downgrade 100, switch 103, emergency 110, hard stop 115.
    public static let enterprise = derived(name: "enterprise", warning: 90, notification: 95, throttling: 98, queue: 105)

    /// The named profiles by name (`free`, `premium`, `enterprise`, `standard`).
    public static let named: [String: LadderProfile] = [
        "standard": .standard, "free": .free, "premium": .premium, "enterprise": .enterprise,
    ]

    /// A profile from four stage thresholds, by the rule documented on the type.
    static func derived(name: String, warning: Int, notification: Int, throttling: Int, queue: Int) -> LadderProfile {
        let wanted = [warning, notification, throttling, queue - 5, queue - 2, queue, queue + 5, queue + 10]
        var thresholds: [Threshold?] = []
        var last = 0
        for (index, percent) in wanted.enumerated() {
            let stage = [0, 1, 2, 5].contains(index)  // the four given numbers are always on
            if stage || percent > last {
                thresholds.append(Threshold(percent: percent))
                last = percent
            } else {
                thresholds.append(nil)
            }
        }
        return LadderProfile(name: name, thresholds: thresholds)
    }

    /// A profile with the given levels on at the given thresholds and every other level off.
    ///
    /// - throws: ``BudgetError`` `.invalidLadder` when a threshold is not positive, is above
    ///   1,000%, or does not lie above the threshold of every milder level that is on.
    public static func custom(_ thresholds: [LadderLevel: Threshold], name: String = "custom") throws -> LadderProfile {
        let list = LadderLevel.allCases.map { thresholds[$0] }
        try validate(list)
        return LadderProfile(name: name, thresholds: list)
    }

    /// This profile with `levels` switched off (their ranges then belong to the milder level below).
    public func disabling(_ levels: Set<LadderLevel>) -> LadderProfile {
        var copy = self
        for level in levels { copy.thresholds[level.rawValue - 1] = nil }
        if !levels.isEmpty && !name.hasSuffix("*") { copy.name += "*" }
        return copy
    }

    /// This profile with `level` starting at `threshold`.
    ///
    /// - throws: ``BudgetError`` `.invalidLadder` when the thresholds would no longer rise with the level.
    public func setting(_ level: LadderLevel, to threshold: Threshold) throws -> LadderProfile {
        var copy = self
        copy.thresholds[level.rawValue - 1] = threshold
        try Self.validate(copy.thresholds)
        if !name.hasSuffix("*") { copy.name += "*" }
        return copy
    }

    private static func validate(_ list: [Threshold?]) throws {
        var previous: (LadderLevel, Threshold)?
        for (index, entry) in list.enumerated() {
            guard let threshold = entry, let level = LadderLevel(rawValue: index + 1) else { continue }
            guard threshold.basisPoints > 0, threshold.basisPoints <= Threshold.maxBasisPoints else {
                throw BudgetError(code: .invalidLadder, message: "ladder threshold of \(level) must be above 0% and at most 1000%, not \(threshold)")
            }
            if let (lower, lowerThreshold) = previous, threshold <= lowerThreshold {
                throw BudgetError(code: .invalidLadder, message: "ladder thresholds must rise with the level: \(level) at \(threshold) is not above \(lower) at \(lowerThreshold)")
            }
            previous = (level, threshold)
        }
    }

    public var description: String {
        let levels = LadderLevel.allCases.map { level in "\(level) \(threshold(of: level)?.description ?? "off")" }
        return "\(name): " + levels.joined(separator: ", ")
    }
}
