public import Foundation

/// An amount a provider billed for one period (a day, as cost reports bucket them), optionally for
/// one model, line item or project: what reconciliation compares the ledger's computed cost with.
///
/// Billed costs are not usage events: they carry no tokens, and they are stored apart from the
/// events (``BilledCostStore``). The ``id`` is derived from the provider, the period and the
/// grouping fields, so importing the same report twice stores it once, and importing a newer copy
/// of a report (a day that was still in progress) replaces the amount.
///
/// For example:
/// ```swift
/// let cost = BilledCost(provider: "openai", start: day, end: day.addingTimeInterval(86_400),
///                       model: nil, lineItem: "gpt-4o-2024-08-06, input", amount: try Money(parsing: "1.25"),
///                       source: "openai-costs")
/// try await store.recordBilledCosts([cost])
/// ```
public struct BilledCost: Sendable, Hashable, Codable {
    /// The idempotency key (provider, period, grouping fields).
    public var id: String
    /// `openai`, `anthropic`, …
    public var provider: String
    /// The start of the billed period (UTC).
    public var start: Date
    /// The end of the billed period (exclusive).
    public var end: Date
    /// The model, when the report names one.
    public var model: String?
    /// The report's line item (OpenAI `line_item`; Anthropic description, cost type and token type).
    public var lineItem: String?
    /// The project or workspace, when the report is grouped by it.
    public var project: String?
    /// The service tier, when the report names one.
    public var serviceTier: String?
    /// The billed amount, in ``currency``.
    public var amount: Money
    /// Lowercase ISO 4217 code (`usd`).
    public var currency: String
    /// Which importer read it (`openai-costs`, `anthropic-costs`).
    public var source: String

    public init(
        id: String? = nil, provider: String, start: Date, end: Date, model: String? = nil, lineItem: String? = nil,
        project: String? = nil, serviceTier: String? = nil, amount: Money, currency: String = "usd", source: String
    ) {
        self.provider = provider
        self.start = start
        self.end = end
        self.model = model
        self.lineItem = lineItem
        self.project = project
        self.serviceTier = serviceTier
        self.amount = amount
        self.currency = currency
        self.source = source
        self.id = id ?? BilledCost.makeID(
            provider: provider, start: start, model: model, lineItem: lineItem, project: project,
            serviceTier: serviceTier, currency: currency)
    }

    /// The key of a billed amount: the provider, the period start and every grouping field.
    public static func makeID(
        provider: String, start: Date, model: String?, lineItem: String?, project: String?, serviceTier: String?,
        currency: String
    ) -> String {
        let millis = Int64((start.timeIntervalSince1970 * 1000).rounded(.down))
        return [provider, String(millis), model ?? "", lineItem ?? "", project ?? "", serviceTier ?? "", currency]
            .joined(separator: "|")
    }

    enum CodingKeys: String, CodingKey {
        case id, provider, start, end, model, lineItem = "line_item", project, serviceTier = "service_tier"
        case amount = "amount", currency, source
    }
}

/// Which billed costs to read back: a time range on the period start, and equality filters.
public struct BilledCostQuery: Sendable, Hashable {
    /// Periods starting at or after this instant.
    public var since: Date?
    /// Periods starting before this instant.
    public var until: Date?
    public var provider: String?
    public var model: String?

    public init(since: Date? = nil, until: Date? = nil, provider: String? = nil, model: String? = nil) {
        self.since = since
        self.until = until
        self.provider = provider
        self.model = model
    }

    /// Whether `cost` passes the query.
    public func matches(_ cost: BilledCost) -> Bool {
        if let since, cost.start < since { return false }
        if let until, cost.start >= until { return false }
        if let provider, cost.provider != provider { return false }
        if let model, cost.model != model { return false }
        return true
    }
}

/// What storing a batch of billed costs did.
public struct BilledCostResult: Sendable, Hashable, Codable {
    /// New ids.
    public var added = 0
    /// Stored ids whose amount (or other fields) changed: a newer copy of the report.
    public var updated = 0
    /// Stored ids with identical content.
    public var unchanged = 0
    public init() {}

    public mutating func merge(_ other: BilledCostResult) {
        added += other.added
        updated += other.updated
        unchanged += other.unchanged
    }
}

/// Where provider-billed amounts are kept (beside the usage ledger, never mixed with its events).
///
/// Implementations: ``MemoryBilledCostStore`` and CostSQLite's `SQLiteUsageLedger` (table
/// `billed_costs`). Both upsert by ``BilledCost/id`` in one transaction per batch.
public protocol BilledCostStore: Sendable {
    /// Stores a batch in one transaction: new ids are added, stored ids take the new content.
    ///
    /// - throws: ``PricingError`` `.invalidEvent` (an empty provider or id, an end before the start),
    ///   or the store's error.
    func recordBilledCosts(_ costs: [BilledCost]) async throws -> BilledCostResult

    /// The stored amounts that match, ordered by period start, provider, then id.
    func billedCosts(matching query: BilledCostQuery) async throws -> [BilledCost]
}

extension BilledCost {
    /// Checks what every store requires before writing.
    ///
    /// - throws: ``PricingError`` `.invalidEvent` naming the field.
    public func validate() throws {
        func invalid(_ message: String) -> PricingError {
            PricingError(code: .invalidEvent, message: "billed cost '\(id)': \(message)")
        }
        if provider.isEmpty { throw invalid("field 'provider' is empty") }
        if id.isEmpty || id.utf8.count > 512 { throw invalid("field 'id' must be 1 to 512 bytes") }
        if end < start { throw invalid("field 'end' is before 'start'") }
        if currency.isEmpty { throw invalid("field 'currency' is empty") }
    }
}

/// A ``BilledCostStore`` in memory, for tests and ephemeral use.
public actor MemoryBilledCostStore: BilledCostStore {
    private var costs: [String: BilledCost] = [:]

    public init() {}

    public func recordBilledCosts(_ batch: [BilledCost]) async throws -> BilledCostResult {
        for cost in batch { try cost.validate() }
        var result = BilledCostResult()
        for cost in batch {
            switch costs[cost.id] {
            case nil: result.added += 1
            case let stored? where stored == cost: result.unchanged += 1
            default: result.updated += 1
            }
            costs[cost.id] = cost
        }
        return result
    }

    public func billedCosts(matching query: BilledCostQuery) async throws -> [BilledCost] {
        costs.values.filter(query.matches).sorted {
            ($0.start, $0.provider, $0.id) < ($1.start, $1.provider, $1.id)
        }
    }
}
