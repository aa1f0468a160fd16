public import CostPricing
public import Foundation

/// Our computed cost against what the provider billed, per billing period (a UTC day in the
/// providers' cost reports) and per model, with the difference and the likely causes.
///
/// The billed side is what `costctl import openai-costs|anthropic-costs` stored
/// (``BilledCostStore``); the computed side is the ledger's exact cost of the events of the same
/// provider in the same period. Each billed period is compared as a whole (the day total, which
/// includes charges without a model, such as tool calls) and per model where the report names
/// one. Periods with usage but no bill are listed too, for providers that have any bill in range.
///
/// For example:
/// ```swift
/// let ledger = try LedgerStore.open(paths: ControlPaths())
/// let report = try await Reconciler(ledger: ledger, bills: ledger)
///     .reconcile(since: thirtyDaysAgo, until: now)
/// print(report.total.difference, report.total.relativeError ?? 0)
/// ```
public struct Reconciler: Sendable {
    public let ledger: any UsageLedger
    public let bills: any BilledCostStore
    /// Resolves model ids on both sides to the catalog's id, so that `gpt-4o-2024-08-06` on the
    /// bill meets the same model recorded under another id; `nil` compares ids as written.
    public let catalog: PriceCatalog?

    public init(ledger: any UsageLedger, bills: any BilledCostStore, catalog: PriceCatalog? = nil) {
        self.ledger = ledger
        self.bills = bills
        self.catalog = catalog
    }

    /// Compares every billed period that starts in `[since, until)` (and, for `provider`, only
    /// that provider) with the ledger's cost of the same period.
    ///
    /// - throws: the ledger's or the store's errors.
    public func reconcile(
        since: Date? = nil, until: Date? = nil, provider: String? = nil, tolerance: ReconciliationTolerance = .standard
    ) async throws -> Reconciliation {
        let billed = try await bills.billedCosts(matching: BilledCostQuery(since: since, until: until, provider: provider))
        // the billed periods, by provider and period
        var periods: [PeriodKey: [BilledCost]] = [:]
        for cost in billed { periods[PeriodKey(provider: cost.provider, start: cost.start, end: cost.end), default: []].append(cost) }
        var rows: [ReconciliationRow] = []
        for (key, lines) in periods {
            rows.append(try await compare(key, lines: lines, tolerance: tolerance))
        }
        // days with usage and no bill, for each provider that has bills in the range
        for name in Set(periods.keys.map(\.provider)) {
            let covered = Set(periods.keys.filter { $0.provider == name }.map(\.start))
            var filter = UsageFilter(since: since, until: until, equals: [.provider: [name]])
            if filter.since == nil { filter.since = periods.keys.filter { $0.provider == name }.map(\.start).min() }
            let days = try await ledger.query(
                UsageQuery(filter: filter, bucket: .day, timeZone: Reconciliation.utc, order: .time))
            for row in days.rows {
                guard let start = row.bucketStart, !covered.contains(start), row.totals.events > 0 else { continue }
                let key = PeriodKey(provider: name, start: start, end: start.addingTimeInterval(86_400))
                rows.append(try await compare(key, lines: [], tolerance: tolerance))
            }
        }
        rows.sort { ($0.start, $0.provider) < ($1.start, $1.provider) }
        return Reconciliation(since: since, until: until, tolerance: tolerance, rows: rows)
    }

    struct PeriodKey: Hashable {
        var provider: String
        var start: Date
        var end: Date
    }

    /// One billed period against the ledger's events of that provider in that period.
    func compare(_ key: PeriodKey, lines: [BilledCost], tolerance: ReconciliationTolerance) async throws -> ReconciliationRow {
        let report = try await ledger.query(
            UsageQuery(
                filter: UsageFilter(since: key.start, until: key.end, equals: [.provider: [key.provider]]), groupBy: [.model],
                timeZone: Reconciliation.utc, order: .key))
        // our side, by the model's canonical id
        var computed: [String: Side] = [:]
        var names: [String: String] = [:]
        for row in report.rows {
            let id = row.values.first ?? ""
            let canonical = canonicalModel(id, provider: key.provider)
            computed[canonical, default: Side()].add(row.totals)
            names[canonical] = names[canonical] ?? id
        }
        // the bill's side
        var billed: [String: Money] = [:]
        var billedLines: [String: Int] = [:]
        var unattributed = Money.zero
        var unattributedItems: [String] = []
        var tiers = Set<String>()
        var total = Money.zero
        for line in lines {
            total = try total.adding(line.amount)
            if let tier = line.serviceTier?.lowercased(), !tier.isEmpty, tier != "standard", tier != "default" { tiers.insert(tier) }
            guard let model = line.model, !model.isEmpty else {
                unattributed = try unattributed.adding(line.amount)
                if let item = line.lineItem, !unattributedItems.contains(item) { unattributedItems.append(item) }
                continue
            }
            let canonical = canonicalModel(model, provider: key.provider)
            billed[canonical] = try (billed[canonical] ?? .zero).adding(line.amount)
            billedLines[canonical, default: 0] += 1
            names[canonical] = names[canonical] ?? model
        }
        var ours = Side()
        for side in computed.values { ours.merge(side) }
        var models: [ReconciliationModel] = []
        if !billed.isEmpty {
            for canonical in Set(billed.keys).union(computed.keys).sorted() {
                let side = computed[canonical] ?? Side()
                let bill = billed[canonical] ?? .zero
                models.append(
                    ReconciliationModel(
                        model: names[canonical] ?? canonical, computed: side.cost, billed: bill, events: side.events,
                        unpricedEvents: side.unpriced, billedLines: billedLines[canonical] ?? 0,
                        flagged: tolerance.flags(computed: side.cost, billed: bill)))
            }
        }
        let flagged = tolerance.flags(computed: ours.cost, billed: total)
        var row = ReconciliationRow(
            provider: key.provider, start: key.start, end: key.end, computed: ours.cost, billed: total, events: ours.events,
            unpricedEvents: ours.unpriced, billedLines: lines.count, unattributed: unattributed, models: models, flagged: flagged,
            causes: [])
        row.causes = Reconciliation.causes(
            for: row, unattributedItems: unattributedItems, billedTiers: tiers.sorted(), tolerance: tolerance)
        return row
    }

    func canonicalModel(_ id: String, provider: String) -> String {
        guard let catalog else { return id.lowercased() }
        if let resolved = try? catalog.resolve(model: id, provider: provider) { return resolved.model.id }
        if let resolved = try? catalog.resolve(model: id) { return resolved.model.id }
        return id.lowercased()
    }

    /// The ledger's side of one model or period.
    struct Side {
        var cost = Money.zero
        var events = 0
        var unpriced = 0

        mutating func add(_ totals: UsageTotals) {
            cost += totals.cost
            events += totals.events
            unpriced += totals.unpriced
        }

        mutating func merge(_ other: Side) {
            cost += other.cost
            events += other.events
            unpriced += other.unpriced
        }
    }
}

/// When a difference is worth a flag: beyond `relative` of the billed amount **and** beyond
/// `absolute` (so that a cent on a two-cent day does not raise an alarm).
public struct ReconciliationTolerance: Sendable, Hashable, Codable {
    /// A fraction of the billed amount (0.02 = 2%).
    public var relative: Double
    /// An amount in USD.
    public var absolute: Money

    public init(relative: Double, absolute: Money) {
        self.relative = relative
        self.absolute = absolute
    }

    /// 2% and one cent.
    public static let standard = ReconciliationTolerance(relative: 0.02, absolute: Money(units: Money.unitsPerDollar / 100))

    /// Whether `computed` and `billed` differ by more than both bounds, compared exactly: the
    /// share is taken in parts per billion (`difference × 10⁹ > billed × share`).
    public func flags(computed: Money, billed: Money) -> Bool {
        let difference = (computed - billed).absolute
        guard difference > absolute else { return false }
        guard billed > .zero else { return true }
        let partsPerBillion = Int128((max(0, relative) * 1e9).rounded())
        let (lhs, o1) = difference.units.multipliedReportingOverflow(by: 1_000_000_000)
        let (rhs, o2) = billed.units.multipliedReportingOverflow(by: partsPerBillion)
        // beyond about $10¹¹ the products overflow; the ratio of such amounts is compared as a ratio
        guard !o1, !o2 else { return difference.dollarsApproximately > relative * billed.dollarsApproximately }
        return lhs > rhs
    }
}

/// Why a period's computed cost and its bill differ, as far as the data can tell.
public enum ReconciliationCause: String, Sendable, Hashable, Codable, CaseIterable {
    /// Events without a price: their cost is not in the computed amount.
    case unpricedEvents = "unpriced_events"
    /// A bill for a period with no usage recorded.
    case noUsage = "no_usage"
    /// Usage in a period the cost reports do not cover (yet).
    case noBill = "no_bill"
    /// The bill has lines without a model (tool calls, fees): only the period total compares them.
    case chargesWithoutModel = "charges_without_model"
    /// The bill names a non-standard service tier (batch, flex, priority).
    case serviceTier = "service_tier"
    /// Computed above the bill beyond tolerance.
    case computedAbove = "computed_above"
    /// Computed below the bill beyond tolerance.
    case computedBelow = "computed_below"
}

/// An explained cause: the code and a sentence a person can act on.
public struct ReconciliationNote: Sendable, Hashable, Codable {
    public var cause: ReconciliationCause
    public var message: String
}

/// One model of a billed period.
public struct ReconciliationModel: Sendable, Hashable {
    public var model: String
    public var computed: Money
    public var billed: Money
    public var events: Int
    public var unpricedEvents: Int
    public var billedLines: Int
    public var flagged: Bool
    public var difference: Money { computed - billed }
    /// `difference / billed`; `nil` when nothing was billed.
    public var relativeError: Double? { Reconciliation.relative(difference, of: billed) }
}

/// One provider's billing period.
public struct ReconciliationRow: Sendable, Hashable {
    public var provider: String
    public var start: Date
    public var end: Date
    /// The ledger's exact cost of the provider's events in the period.
    public var computed: Money
    /// The sum of the period's billed lines.
    public var billed: Money
    public var events: Int
    public var unpricedEvents: Int
    public var billedLines: Int
    /// Billed lines without a model (tool calls, fees).
    public var unattributed: Money
    /// Per model, when the bill names models.
    public var models: [ReconciliationModel]
    public var flagged: Bool
    public var causes: [ReconciliationNote]
    public var difference: Money { computed - billed }
    /// `difference / billed`; `nil` when nothing was billed.
    public var relativeError: Double? { Reconciliation.relative(difference, of: billed) }
}

/// The comparison over a range: one row per provider and billed period, and the totals.
public struct Reconciliation: Sendable, Hashable {
    public var since: Date?
    public var until: Date?
    public var tolerance: ReconciliationTolerance
    public var rows: [ReconciliationRow]

    /// Sums of the rows.
    public struct Total: Sendable, Hashable {
        public var computed = Money.zero
        public var billed = Money.zero
        public var events = 0
        public var unpricedEvents = 0
        public var flaggedRows = 0
        public var difference: Money { computed - billed }
        /// `difference / billed`: the error of the computed cost against the bill.
        public var relativeError: Double? { Reconciliation.relative(difference, of: billed) }
        /// The sum of each period's absolute difference over the billed total: differences of
        /// opposite signs on different days do not cancel here.
        public var absoluteDifferences = Money.zero
        public var meanAbsoluteError: Double? { Reconciliation.relative(absoluteDifferences, of: billed) }
    }

    /// Totals per provider.
    public var byProvider: [(provider: String, total: Total)] {
        Dictionary(grouping: rows, by: \.provider).map { ($0.key, Reconciliation.total(of: $0.value)) }.sorted { $0.provider < $1.provider }
    }

    public var total: Total { Reconciliation.total(of: rows) }

    /// The totals of the periods that have both usage and a bill: the error of the computed cost
    /// where there is something to compare.
    public var matched: Total { Reconciliation.total(of: rows.filter { $0.billedLines > 0 && $0.events > 0 }) }

    static func total(of rows: [ReconciliationRow]) -> Total {
        var t = Total()
        for row in rows {
            t.computed += row.computed
            t.billed += row.billed
            t.events += row.events
            t.unpricedEvents += row.unpricedEvents
            t.absoluteDifferences += row.difference.absolute
            if row.flagged { t.flaggedRows += 1 }
        }
        return t
    }

    static let utc = TimeZone(identifier: "UTC") ?? .current

    static func relative(_ difference: Money, of billed: Money) -> Double? {
        billed > .zero ? difference.dollarsApproximately / billed.dollarsApproximately : nil
    }

    /// The usual causes of a row's difference that its data shows.
    static func causes(
        for row: ReconciliationRow, unattributedItems: [String], billedTiers: [String], tolerance: ReconciliationTolerance
    ) -> [ReconciliationNote] {
        var notes: [ReconciliationNote] = []
        if row.unpricedEvents > 0 {
            notes.append(
                ReconciliationNote(
                    cause: .unpricedEvents,
                    message: "\(row.unpricedEvents) event\(row.unpricedEvents == 1 ? "" : "s") without a price (costctl pricing missing; add a price, then costctl reprice)"))
        }
        if row.billedLines > 0, row.events == 0 {
            notes.append(
                ReconciliationNote(
                    cause: .noUsage,
                    message: "billed, but no \(row.provider) usage recorded for this period (import the usage report or the logs for it)"))
        }
        if row.billedLines == 0, row.events > 0 {
            notes.append(
                ReconciliationNote(
                    cause: .noBill, message: "usage, but no billed cost for this period (the cost report may not cover it yet)"))
        }
        if row.unattributed > .zero {
            let items = unattributedItems.prefix(3).joined(separator: "; ")
            notes.append(
                ReconciliationNote(
                    cause: .chargesWithoutModel,
                    message: "\(row.unattributed.display()) billed without a model (\(items)): in the period total, not in any model's row"))
        }
        if !billedTiers.isEmpty {
            notes.append(
                ReconciliationNote(
                    cause: .serviceTier,
                    message: "the bill has \(billedTiers.joined(separator: ", ")) lines: check that the usage records the same service tier"))
        }
        guard row.flagged, row.billedLines > 0, row.events > 0 else { return notes }
        if row.unattributed > .zero,
            !tolerance.flags(computed: row.computed + row.unattributed, billed: row.billed)
        {
            notes.append(
                ReconciliationNote(
                    cause: .chargesWithoutModel,
                    message: "the difference is the charges billed without a model: the usage data has no counts for them"))
            return notes
        }
        if row.unpricedEvents > 0 { return notes }
        if row.computed > row.billed {
            notes.append(
                ReconciliationNote(
                    cause: .computedAbove,
                    message: "computed above the bill: discounts, credits, batch pricing or a service tier the usage data does not show"))
        } else {
            notes.append(
                ReconciliationNote(
                    cause: .computedBelow,
                    message: "computed below the bill: usage missing from the ledger, long-context or priority surcharges, or charges outside token usage"))
        }
        return notes
    }
}

extension Money {
    /// The amount without its sign.
    var absolute: Money { isNegative ? .zero - self : self }
    /// In dollars, for ratios only (never stored, summed or compared to a limit).
    var dollarsApproximately: Double { Double(units) / Double(Money.unitsPerDollar) }
}

// MARK: - JSON

extension Reconciliation: Encodable {
    enum Key: String, CodingKey {
        case since, until, tolerance, rows, providers, total, matched
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encodeIfPresent(since, forKey: .since)
        try c.encodeIfPresent(until, forKey: .until)
        try c.encode(tolerance, forKey: .tolerance)
        try c.encode(rows, forKey: .rows)
        try c.encode(byProvider.map { ProviderTotal(provider: $0.provider, total: $0.total) }, forKey: .providers)
        try c.encode(total, forKey: .total)
        try c.encode(matched, forKey: .matched)
    }

    struct ProviderTotal: Encodable {
        var provider: String
        var total: Total

        func encode(to encoder: any Encoder) throws {
            try total.encode(to: encoder)
            var c = encoder.container(keyedBy: JSONKey.self)
            try c.encode(provider, "provider")
        }
    }
}

extension Reconciliation.Total: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(computed, "computed")
        try c.encode(billed, "billed")
        try c.encode(difference, "difference")
        try c.encode(relativeError, "relativeError")
        try c.encode(meanAbsoluteError, "meanAbsoluteError")
        try c.encode(events, "events")
        try c.encode(unpricedEvents, "unpricedEvents")
        try c.encode(flaggedRows, "flaggedRows")
    }
}

extension ReconciliationRow: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(Reconciliation.dayLabel(start), "date")
        try c.encode(start, "start")
        try c.encode(end, "end")
        try c.encode(provider, "provider")
        try c.encodeComparison(
            computed: computed, billed: billed, events: events, unpricedEvents: unpricedEvents, billedLines: billedLines)
        try c.encode(unattributed, "billedWithoutModel")
        try c.encode(flagged, "flagged")
        try c.encode(causes, "causes")
        try c.encode(models, "models")
    }
}

extension KeyedEncodingContainer where K == JSONKey {
    /// The fields a period and a model of it share.
    mutating func encodeComparison(computed: Money, billed: Money, events: Int, unpricedEvents: Int, billedLines: Int) throws {
        try encode(computed, "computed")
        try encode(billed, "billed")
        try encode(computed - billed, "difference")
        try encode(Reconciliation.relative(computed - billed, of: billed), "relativeError")
        try encode(events, "events")
        try encode(unpricedEvents, "unpricedEvents")
        try encode(billedLines, "billedLines")
    }
}

extension ReconciliationModel: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(model, "model")
        try c.encodeComparison(
            computed: computed, billed: billed, events: events, unpricedEvents: unpricedEvents, billedLines: billedLines)
        try c.encode(flagged, "flagged")
    }
}

// MARK: - Text

extension Reconciliation {
    /// `YYYY-MM-DD` of a UTC instant (billing periods are UTC days).
    static func dayLabel(_ date: Date) -> String {
        LocalTime(utc).label(.day, date)
    }

    static func percent(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%+.2f%%", value * 100)
    }

    /// A table per period (and per model with `models`), the totals, then the notes.
    public func render(models: Bool = false) -> String {
        guard !rows.isEmpty else {
            return "No billed costs in this range. Import a cost report first: costctl import openai-costs FILE or costctl import anthropic-costs FILE.\n"
        }
        var body: [[String]] = []
        for row in rows {
            body.append([
                Reconciliation.dayLabel(row.start), row.provider, row.computed.display(), row.billed.display(),
                row.difference.display(), Reconciliation.percent(row.relativeError), row.flagged ? "!" : "",
            ])
            if models {
                for m in row.models {
                    body.append([
                        "  └ " + m.model, "", m.computed.display(), m.billed.display(), m.difference.display(),
                        Reconciliation.percent(m.relativeError), m.flagged ? "!" : "",
                    ])
                }
            }
        }
        for (provider, t) in byProvider where byProvider.count > 1 {
            body.append([
                "TOTAL " + provider, "", t.computed.display(), t.billed.display(), t.difference.display(),
                Reconciliation.percent(t.relativeError), "",
            ])
        }
        let t = total
        body.append(["TOTAL", "", t.computed.display(), t.billed.display(), t.difference.display(), Reconciliation.percent(t.relativeError), ""])
        var out = UsageReportsText.tableText(
            ["DATE (UTC)", "PROVIDER", "COMPUTED", "BILLED", "DIFFERENCE", "ERROR", ""], body, numericFrom: 2, numericCount: 4)
        let bound = String(format: "%g%%", tolerance.relative * 100)
        out += "\nComputed is the ledger's exact cost of the provider's events in each billed period; "
        out += "a period is flagged (!) beyond \(bound) and \(tolerance.absolute.display()).\n"
        let m = matched
        if let error = m.relativeError, let mean = m.meanAbsoluteError {
            out += String(
                format: "Error of the computed cost on the %d periods with both usage and a bill: %+.2f%% (%.2f%% adding up each period's absolute difference).\n",
                rows.count { $0.billedLines > 0 && $0.events > 0 }, error * 100, mean * 100)
        }
        let noted = rows.filter { !$0.causes.isEmpty }
        if !noted.isEmpty {
            out += "\nNotes:\n"
            for row in noted {
                for note in row.causes {
                    out += "  \(Reconciliation.dayLabel(row.start)) \(row.provider): \(note.message)\n"
                }
            }
        }
        return out
    }
}
