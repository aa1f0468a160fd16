internal import CostBudget
public import CostPricing
internal import Foundation

/// Finds deferrable traffic on models with time-of-day prices (DeepSeek's off-peak hours) and
/// prices it in the cheapest hours of the same UTC day.
///
/// The day is cut at midnight and at every start and end of the model's time-of-day windows. For
/// each cut, every deferrable request (``deferrable``) of the slice is priced at that time of its
/// own UTC day (so start dates and weekdays still apply); the cut with the lowest total is the
/// target, and the window shown is the run of adjacent cuts (wrapping past midnight) that cost as
/// little. The saving is the observed cost minus that total.
///
/// Confidence: `coverage × (0.5 × signal + 0.25 × volume + 0.25 × regularity)`, as for batching.
public struct OffPeakRecommender: RecommendationGenerator {
    public var name: String { "off-peak" }
    public var deferrable: DeferrableTraffic
    public var minimumMonthlySaving: Money

    public init(deferrable: DeferrableTraffic = DeferrableTraffic(), minimumMonthlySaving: Money = Money(units: Money.unitsPerDollar)) {
        self.deferrable = deferrable
        self.minimumMonthlySaving = minimumMonthlySaving
    }

    /// - throws: ``OptimizerError`` `.invalidInput` for a malformed scope.
    public func recommendations(from input: OptimizerInput) throws -> [Recommendation] {
        let observed = try ObservedUsage(input)
        var found: [Recommendation] = []
        for slice in observed.slices(where: deferrable.isDeferrable) {
            let cuts = Self.cuts(slice.resolved.model)
            guard cuts.count > 1 else { continue }
            var totals: [Money?] = []
            for cut in cuts {
                totals.append(observed.repriced(slice) { event in
                    let day = (event.timestamp.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
                    return observed.cost(event.usage, on: slice.resolved.model, at: Date(timeIntervalSince1970: day + Double(cut)))
                })
            }
            let priced = totals.compactMap { $0 }
            guard priced.count == cuts.count, let cheapest = priced.min() else { continue }
            let saving = try observed.monthly(slice.observed - cheapest)
            guard saving >= minimumMonthlySaving else { continue }
            let window = Self.window(cuts: cuts, totals: priced, cheapest: cheapest)
            found.append(try recommendation(slice, window: window, shifted: cheapest, saving: saving, observed: observed))
        }
        return found
    }

    /// Seconds after UTC midnight where the model's time-of-day prices change (midnight included), sorted;
    /// one cut only when the model has no time-of-day price.
    static func cuts(_ model: CatalogModel) -> [Int] {
        var cuts: Set<Int> = [0]
        for price in model.prices {
            guard case .timeOfDay(let windows) = price.constraint else { continue }
            for window in windows {
                cuts.insert(window.start % 86_400)
                cuts.insert(window.end % 86_400)
            }
        }
        return cuts.sorted()
    }

    /// The longest circular run of cuts whose total is `cheapest`, as `[start, end)` seconds after UTC midnight.
    static func window(cuts: [Int], totals: [Money], cheapest: Money) -> (start: Int, end: Int) {
        let n = cuts.count
        let cheap = totals.map { $0 == cheapest }
        if cheap.allSatisfy({ $0 }) { return (0, 86_400) }
        var best = (start: 0, length: 0)
        for i in 0..<n where cheap[i] && !cheap[(i + n - 1) % n] {
            var length = 0
            while cheap[(i + length) % n] { length += 1 }
            if length > best.length { best = (i, length) }
        }
        let end = (best.start + best.length) % n
        return (cuts[best.start], end == 0 ? 86_400 : cuts[end])
    }

    /// `16:30–00:30 UTC (08:30–16:30 America/Los_Angeles)`.
    static func describe(_ window: (start: Int, end: Int), timeZone: TimeZone, on date: Date) -> String {
        func hhmm(_ seconds: Int) -> String { String(format: "%02d:%02d", (seconds / 3_600) % 24, (seconds % 3_600) / 60) }
        let utc = "\(hhmm(window.start))–\(hhmm(window.end)) UTC"
        let offset = timeZone.secondsFromGMT(for: date)
        guard offset != 0 else { return utc }
        func local(_ seconds: Int) -> Int { ((seconds + offset) % 86_400 + 86_400) % 86_400 }
        return "\(utc) (\(hhmm(local(window.start)))–\(hhmm(local(window.end))) \(timeZone.identifier))"
    }

    private func recommendation(
        _ slice: TrafficSlice, window: (start: Int, end: Int), shifted: Money, saving: Money, observed: ObservedUsage
    ) throws -> Recommendation {
        let model = slice.resolved.model
        let hours = Self.describe(window, timeZone: observed.input.timeZone, on: observed.input.window.end)
        let confidence = observed.deferredConfidence(slice, deferrable)
        let rationale = """
            \(countText(slice.requests)) requests of \(slice.key.who) to \(model) in the last \(observed.sinceWords) are \
            tagged \(deferrable.words) and cost \(dollars(slice.observed)). \(model.provider) prices \(model.id) by time of \
            day; sent in \(hours) of the same days they would cost \(dollars(shifted)): \(dollars(saving)) a month less.
            """
        return Recommendation(
            kind: .offPeak, scope: observed.scope(team: slice.key.team),
            title: "Run \(slice.key.who)'s background requests to \(model.id) in off-peak hours",
            rationale: rationale, monthlySaving: saving, confidence: confidence, difficulty: .medium, risk: .low,
            actions: [.shiftHours(window: hours, scope: observed.actionScope(slice.key))],
            evidence: observed.evidence(by: "model,hour", where: slice.key.clauses + [deferrable.clause]),
            baselineMonthlySpend: try observed.monthly(slice.observed), createdAt: observed.input.window.end)
    }
}
