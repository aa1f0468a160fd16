public import CostOptimizer
public import CostPricing
public import Foundation

/// Measures what an implemented recommendation actually saved: the scope's spend in the window
/// after ``RecommendationRecord/implementedAt`` (as long as the baseline window,
/// ``RecommendationRecord/baselineDays``), per 30 days, against the baseline monthly spend.
///
/// `actual saving = baseline monthly spend − after-window spend × 30 ÷ baseline days` (exact
/// `Money`; negative when the scope spent more). A plan change is billed by the vendor, not in the
/// ledger, so its saving is entered by hand (``verify(id:actualSaving:actor:)``).
///
/// For example:
/// ```swift
/// let record = try await RecommendationVerifier(ledger: ledger, store: store).verify(id: "rec-1a2b3c4d5e6f", actor: "alice")
/// print(record.verification?.actualSaving ?? .zero)
/// ```
public struct RecommendationVerifier: Sendable {
    public var ledger: any UsageLedger
    public var store: any RecommendationStore
    let now: @Sendable () -> Date

    public init(ledger: any UsageLedger, store: any RecommendationStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.ledger = ledger
        self.store = store
        self.now = now
    }

    /// Measures the after-window in the ledger and records the verification.
    ///
    /// - throws: ``OptimizerError`` `.notFound`, `.invalidTransition` (the recommendation is not marked implemented yet);
    ///   ``ControlError`` `.invalidInput` when the after-window has not ended yet, the recommendation
    ///   has no baseline, or it is a plan change (give the saving by hand).
    public func verify(id: String, actor: String) async throws -> RecommendationRecord {
        guard let record = try await store.recommendation(id: id) else { throw RecommendationRecord.notFound(id) }
        guard let implementedAt = record.implementedAt, [.implemented, .verified].contains(record.status) else {
            throw OptimizerError(
                code: .invalidTransition,
                message: "recommendation \(id) is \(record.status.rawValue); mark it implemented first (costctl recommend implemented \(id))")
        }
        if record.recommendation.kind == .planChange {
            throw ControlError(
                code: .invalidInput,
                message: "a plan change is billed by the vendor, not in the ledger: give the saving from your invoices with --saving AMOUNT")
        }
        guard let baseline = record.recommendation.baselineMonthlySpend else {
            throw ControlError(code: .invalidInput, message: "recommendation \(id) has no baseline spend to compare with; give --saving AMOUNT")
        }
        let days = max(1, record.baselineDays)
        let end = implementedAt.addingTimeInterval(Double(days) * 86_400)
        let at = now()
        guard end <= at else {
            throw ControlError(
                code: .invalidInput,
                message: "the \(days)-day window after implementation ends at \(Timestamp.format(end)); verify after that (or give --saving AMOUNT)")
        }
        var filter = UsageFilter(since: implementedAt, until: end)
        filter.equals = try RecommendationScope.equals(record.recommendation.scope)
        let spent = try await ledger.query(UsageQuery(filter: filter)).totals.cost
        let after = RecommendationScope.perMonth(spent, days: days)
        let verification = RecommendationVerification(
            actualSaving: baseline - after, afterMonthlySpend: after, baselineMonthlySpend: baseline,
            window: DateInterval(start: implementedAt, end: end), at: at)
        return try await store.transition(id: id, .verify(verification), actor: actor, note: "measured in the ledger")
    }

    /// Records a saving measured elsewhere (a vendor's invoice).
    ///
    /// - throws: ``OptimizerError`` `.notFound`, `.invalidTransition`.
    public func verify(id: String, actualSaving: Money, actor: String) async throws -> RecommendationRecord {
        let baseline = try await store.recommendation(id: id)?.recommendation.baselineMonthlySpend
        let verification = RecommendationVerification(actualSaving: actualSaving, baselineMonthlySpend: baseline, at: now())
        return try await store.transition(id: id, .verify(verification), actor: actor, note: "saving entered by hand")
    }
}
