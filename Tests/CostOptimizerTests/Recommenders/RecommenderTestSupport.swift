import CostBudget
import CostOptimizer
import CostPricing
import Foundation
import Testing

/// Synthetic ledger events for the generator tests, priced with the bundled catalog's real prices.
enum RecUsage {
    /// The end of the window: 2026-11-22T00:00:00Z (after the catalog's batch prices started on 2026-10-14).
    static let end = Date(timeIntervalSince1970: 1_795_305_600)
    static let days = 30
    static var window: DateInterval { DateInterval(start: end.addingTimeInterval(-Double(days) * 86_400), end: end) }
    static let utc = TimeZone(identifier: "UTC") ?? .gmt

    /// The instant `day` days into the window (0 = its first day) at `hour`:`minute` UTC.
    static func at(day: Int, hour: Int, minute: Int = 0, second: Int = 0) -> Date {
        window.start.addingTimeInterval(Double(day) * 86_400 + Double(hour) * 3_600 + Double(minute) * 60 + Double(second))
    }

    static func event(
        _ id: String, at date: Date, provider: String, model: String, usage: Usage, team: String? = nil,
        operation: String? = nil, session: String? = nil, tags: [String: String] = [:], cost: EventCost? = nil
    ) -> UsageEvent {
        UsageEvent(
            id: id, timestamp: date, provider: provider, model: model, usage: usage, cost: cost,
            dimensions: UsageDimensions(team: team, session: session, operation: operation, tags: tags))
    }

    /// `perDay` requests a day at `hour` (a minute apart) on every day of the window.
    static func daily(
        _ prefix: String, perDay: Int, hour: Int = 10, provider: String, model: String, usage: Usage, team: String? = nil,
        operation: String? = nil, tags: [String: String] = [:], cost: EventCost? = nil
    ) -> [UsageEvent] {
        (0..<days).flatMap { day in
            (0..<perDay).map { i in
                event(
                    "\(prefix)-\(day)-\(i)", at: at(day: day, hour: hour, minute: i), provider: provider, model: model, usage: usage,
                    team: team, operation: operation, tags: tags, cost: cost)
            }
        }
    }

    static func input(_ events: [UsageEvent], catalog: PriceCatalog? = nil, budgets: [Budget] = [], scope: String? = nil,
                      window: DateInterval = RecUsage.window) throws -> OptimizerInput {
        OptimizerInput(
            events: events, window: window, timeZone: utc, catalog: try catalog ?? PriceCatalog.bundled(), budgets: budgets,
            scope: scope)
    }

    /// The bundled catalog with copies of some of its models (their real prices and variants) carrying
    /// a capability class and, optionally, a quality score, as an override file would give them.
    static func classed(_ models: [(provider: String, id: String, cls: String, quality: Double?)]) throws -> PriceCatalog {
        let bundled = try PriceCatalog.bundled()
        var byProvider: [String: [CatalogModel]] = [:]
        for spec in models {
            let m = try bundled.resolve(model: spec.id, provider: spec.provider).model
            byProvider[m.provider, default: []].append(CatalogModel(
                provider: m.provider, id: m.id, name: m.name, match: m.match, source: "override:test", contextWindow: m.contextWindow,
                prices: m.prices, variants: m.variants, capabilityClass: spec.cls, qualityScore: spec.quality))
        }
        let overrides = byProvider.sorted { $0.key < $1.key }.map { CatalogProvider(id: $0.key, name: $0.key, models: $0.value) }
        return PriceCatalog(
            providers: bundled.providers, overrides: overrides, sources: bundled.sources, generatedAt: bundled.generatedAt,
            registry: bundled.registry)
    }

    static func money(_ text: String) throws -> Money { try Money(parsing: text) }

    /// The checks every recommendation must pass.
    static func expectWellFormed(_ recommendations: [Recommendation], sourceLocation: SourceLocation = #_sourceLocation) {
        for r in recommendations {
            #expect(!r.monthlySaving.isNegative, sourceLocation: sourceLocation)
            #expect((0...1).contains(r.confidence.value), sourceLocation: sourceLocation)
            #expect(!r.confidence.components.isEmpty, sourceLocation: sourceLocation)
            for (name, value) in r.confidence.components {
                #expect((0...1).contains(value), "\(name) = \(value)", sourceLocation: sourceLocation)
            }
            #expect(!r.actions.isEmpty, sourceLocation: sourceLocation)
            #expect(r.evidence.hasPrefix("costctl "), sourceLocation: sourceLocation)
            #expect(!r.rationale.isEmpty, sourceLocation: sourceLocation)
        }
    }
}
