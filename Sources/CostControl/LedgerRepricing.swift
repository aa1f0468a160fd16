import Foundation

/// Repricing stored events with the current catalog: how history is fixed after a missing or wrong
/// price was added (`costctl pricing import`, an override file, a newer catalog).
///
/// For example:
/// ```swift
/// let engine = CostEngine(catalog: try PriceOverrides.catalog(paths: ControlPaths()))
/// let result = try await LedgerRepricing.reprice(ledger, matching: UsageFilter(equals: [.model: ["acme-1"]]), with: engine)
/// print(result.changed, result.costAfter)
/// ```
public enum LedgerRepricing {
    /// Reprices the matching raw events, each at its own timestamp and service tier, and corrects the
    /// aggregates by the difference, in one transaction.
    ///
    /// An event recorded without a provider and with a model the catalog did not know is stored
    /// with the provider `unknown`; it is repriced by its model id alone, so a price added later
    /// under any provider applies.
    ///
    /// - throws: the ledger's errors, ``PricingError`` `.invalidUsage`/`.overflow`.
    public static func reprice(
        _ ledger: any UsageLedger, matching filter: UsageFilter, with engine: CostEngine
    ) async throws -> RepriceResult {
        try await ledger.reprice(matching: filter) { event in
            let breakdown = try engine.cost(
                event.usage, model: event.model, provider: catalogProvider(event.provider), at: event.timestamp,
                tier: event.cost?.serviceTier ?? .standard, unknownModel: .unpriced)
            return EventCost(breakdown)
        }
    }

    /// The provider to resolve a stored event's model with: `nil` (any provider) for the
    /// placeholder the ledger stores when it could not tell.
    static func catalogProvider(_ stored: String) -> String? {
        stored.isEmpty || stored == "unknown" ? nil : stored
    }
}
