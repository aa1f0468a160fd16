internal import CostBudget
internal import CostPricing
public import Foundation

/// Settings of a plan fit.
public struct PlanFitOptions: Sendable, Hashable {
    /// Days of usage replayed, ending at the fit's `until`.
    public var days = 30
    /// How far below its allowance a window must stay to fit, in basis points (1,000 = 10%: a plan
    /// fits when every window used at most 90% of its allowance).
    public var marginBasisPoints = 1_000
    /// Bootstrap months behind the stability component.
    public var resamples = 200
    /// Days in the month that monthly costs are given for.
    public var monthDays = 30

    public init() {}

    /// A copy with `body` applied: `PlanFitOptions().with { $0.days = 60 }`.
    public func with(_ body: (inout PlanFitOptions) -> Void) -> PlanFitOptions {
        var copy = self
        body(&copy)
        return copy
    }

    /// The utilization a window may reach and still fit (0.9 by default).
    public var fitLimit: Double { Double(10_000 - marginBasisPoints) / 10_000 }
}

/// Replays the last days of usage, window by window, against each plan of a family, and
/// recommends the cheapest plan that would have cut the user off in no window (or the API).
///
/// For example:
/// ```swift
/// var random = SplitMix64(seed: 1)
/// let report = try PlanFit(catalog: try .bundled()).evaluate(
///     samples: events.map(PlanUsageSample.init), until: Date(), currentPlanID: "claude-max-20x",
///     meters: [try MeterReading(parsing: "session=10%@2026-11-02T20:59Z")], using: &random)
/// print(report.recommendation?.planID, report.recommendation?.confidence.value)
/// ```
public struct PlanFit: Sendable {
    public var catalog: PlanCatalog
    public var options: PlanFitOptions

    public init(catalog: PlanCatalog, options: PlanFitOptions = PlanFitOptions()) {
        self.catalog = catalog
        self.options = options
    }

    /// The fit of every plan of the family in use over the `options.days` days before `until`.
    ///
    /// - Parameters:
    ///   - samples: the requests (any provider; those outside the range or the family are ignored).
    ///   - currentPlanID: the plan the user is on: the family compared, the plan meter readings and
    ///     rate-limit refusals calibrate, and the baseline of the saving.
    ///   - observedSince: when data starts (the ledger's first event); the first request by default.
    ///   - generator: the random source of the bootstrap (seed it for reproducible answers).
    /// - throws: ``OptimizerError`` `.invalidInput`, `.unknownPlan`, `.uncalibratable`.
    public func evaluate<G: RandomNumberGenerator>(
        samples: [PlanUsageSample], until: Date, currentPlanID: String? = nil, meters: [MeterReading] = [],
        observedSince: Date? = nil, using generator: inout G
    ) throws -> PlanFitReport {
        guard (1...366).contains(options.days) else {
            throw OptimizerError(code: .invalidInput, message: "days must be between 1 and 366 (got \(options.days))")
        }
        guard (0..<5_000).contains(options.marginBasisPoints), options.resamples >= 0, options.monthDays > 0 else {
            throw OptimizerError(code: .invalidInput, message: "the margin must be from 0% to under 50%, resamples and month days positive")
        }
        let since = until.addingTimeInterval(-Double(options.days) * 86_400)
        let current = try currentPlanID.map { try catalog.plan(id: $0) }
        if !meters.isEmpty {
            guard let current else {
                throw OptimizerError(
                    code: .invalidInput,
                    message: "a meter reading needs --current PLAN-ID: the plan whose meter you read (for example claude-max-20x)")
            }
            if current.windows.isEmpty {
                throw OptimizerError(code: .invalidInput, message: "\(current.id) has no usage windows, so it has no meter to read")
            }
        }
        let inRange = samples.filter { since <= $0.timestamp && $0.timestamp < until }.sorted { $0.timestamp < $1.timestamp }
        let family = current.flatMap { $0.family == PlanFit.apiFamily ? nil : $0.family } ?? busiestFamily(inRange)
        let familyPlans = family.map { catalog.family($0) } ?? []
        let api = catalog.plans.first { $0.id == SubscriptionPlan.apiID }
            ?? SubscriptionPlan(
                id: SubscriptionPlan.apiID, name: "API, pay as you go", vendor: "any", family: PlanFit.apiFamily,
                providers: [], monthlyPrice: .zero, billing: .metered, windows: [])
        let covered = inRange.filter { sample in familyPlans.contains { $0.covers(provider: sample.provider) } }
        let usage = covered.filter { !$0.isRateLimit }
        let refusals = covered.filter(\.isRateLimit)

        // Data starts on the day (counted from `since`) of the first event: days are the unit of coverage.
        let firstSeen = max(since, min(until, observedSince ?? covered.first?.timestamp ?? until))
        let observedStart = since.addingTimeInterval((firstSeen.timeIntervalSince(since) / 86_400).rounded(.down) * 86_400)
        var context = Context(options: options, since: since, until: until, observedStart: observedStart, usage: usage)
        var notes: [String] = []

        // Calibration of the current plan, then the allowances of every plan of the family.
        var calibrations: [String: WindowCalibration] = [:]
        if let current, current.family == family {
            calibrations = try Calibrator(plan: current, samples: usage, refusals: refusals).calibrate(meters: meters)
        } else if !refusals.isEmpty {
            notes.append("\(refusals.count) rate-limit refusals found; give --current PLAN-ID to calibrate the allowances with them")
        }
        var results: [PlanFitResult] = []
        for plan in familyPlans + [api] {
            results.append(
                try context.fit(plan, allowance: { window in
                    PlanFit.allowance(of: window, in: plan, current: current, calibrations: calibrations)
                }))
        }

        let report = PlanFitReport(
            since: since, until: until, daysAsked: options.days, daysObserved: context.daysObserved, family: family,
            currentPlanID: current?.id, plans: results, recommendation: nil,
            calibrations: calibrations.values.sorted { $0.window < $1.window }, margin: 1 - options.fitLimit,
            requests: usage.count, refusals: refusals.count, unpricedRequests: usage.filter(\.isUnpriced).count,
            notes: notes)
        return recommend(report, context: &context, current: current, using: &generator)
    }

    static let apiFamily = "api"

    /// The family whose providers carry the most API-equivalent cost (then the most requests).
    func busiestFamily(_ samples: [PlanUsageSample]) -> String? {
        let families = Set(catalog.plans.map(\.family)).subtracting([PlanFit.apiFamily]).sorted()
        var best: (String, Int128, Int)?
        for family in families {
            let plans = catalog.family(family)
            let mine = samples.filter { sample in plans.contains { $0.covers(provider: sample.provider) } }
            guard !mine.isEmpty else { continue }
            let cost = mine.reduce(Int128(0)) { $0 + $1.apiCost.units }
            if let b = best, (b.1, b.2) >= (cost, mine.count) { continue }
            best = (family, cost, mine.count)
        }
        return best?.0
    }

    /// A window's allowance: the calibrated one scaled by the family's ratio, else the catalog's.
    static func allowance(
        of window: PlanWindow, in plan: SubscriptionPlan, current: SubscriptionPlan?, calibrations: [String: WindowCalibration]
    ) -> (Int128, CalibrationSource) {
        let catalogSource: CalibrationSource = window.isEstimate ? .estimate : .published
        guard let current, let calibration = calibrations[window.key],
            let reference = current.windows.first(where: { $0.key == window.key })
        else { return (window.allowance, catalogSource) }
        if plan.id == current.id { return (calibration.allowance, calibration.source) }
        let scaled = window.scale.apply(reference.scale.divide(calibration.allowance))
        return (max(1, scaled), calibration.source)
    }
}
