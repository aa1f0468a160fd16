import CostPricing
import Foundation
import Synchronization
import Testing

@testable import CostBudget

/// A clock the tests move by hand.
final class TestClock: Sendable {
    private let value: Mutex<Date>

    init(_ start: Date) { value = Mutex(start) }

    var now: Date { value.withLock { $0 } }
    func advance(by seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
    func set(_ date: Date) { value.withLock { $0 = date } }
    var function: @Sendable () -> Date { { [self] in self.now } }
}

enum Fixture {
    static func money(_ text: String) -> Money { Money(text)! }

    static func date(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }

    static func zone(_ id: String) -> TimeZone { TimeZone(identifier: id)! }

    /// A catalog with capability classes: acme-pro $10/$30 per Mtok (frontier), acme-lite and
    /// acme-lite2 $4/$12 (frontier; lite2 has the higher quality), acme-mini $0.1/$0.4 (small),
    /// acme-plain $1/$2 (no class), beta-pro $3/$9 and gamma-pro $2/$6 (frontier).
    static let catalogJSON = """
        {"format": "costctl-catalog", "version": 1, "providers": [
          {"id": "acme", "name": "Acme", "models": [
            {"id": "acme-pro", "capability_class": "frontier", "quality_score": 0.95, "prices": {"input_mtok": "10", "output_mtok": "30"}},
            {"id": "acme-lite", "capability_class": "frontier", "quality_score": 0.8, "prices": {"input_mtok": "4", "output_mtok": "12"}},
            {"id": "acme-lite2", "capability_class": "frontier", "quality_score": 0.9, "prices": {"input_mtok": "4", "output_mtok": "12"}},
            {"id": "acme-mini", "capability_class": "small", "prices": {"input_mtok": "0.1", "output_mtok": "0.4"}},
            {"id": "acme-plain", "prices": {"input_mtok": "1", "output_mtok": "2"}}
          ]},
          {"id": "beta", "name": "Beta", "models": [
            {"id": "beta-pro", "capability_class": "frontier", "prices": {"input_mtok": "3", "output_mtok": "9"}}
          ]},
          {"id": "gamma", "name": "Gamma", "models": [
            {"id": "gamma-pro", "capability_class": "frontier", "prices": {"input_mtok": "2", "output_mtok": "6"}}
          ]}
        ]}
        """

    static func alternatives() throws -> ModelAlternatives {
        try ModelAlternatives(catalog: PriceCatalog(file: CatalogFile.decode(Data(catalogJSON.utf8), origin: "test")))
    }

    /// One million input and 100,000 output tokens: $13 on acme-pro, $5.20 on acme-lite(2),
    /// $3.90 on beta-pro, $2.60 on gamma-pro.
    static let usage = Usage(inputTokens: 1_000_000, outputTokens: 100_000)

    static func budget(
        _ name: String = "b", scope: BudgetScope = BudgetScope(.global), dollars: Int = 100,
        period: BudgetPeriod = .monthly(in: TimeZone(identifier: "UTC")!), profile: LadderProfile = .standard,
        throttle: ThrottleRate = .default
    ) throws -> Budget {
        try Budget(name: name, scope: scope, limit: .money(Money(dollars: dollars)), period: period, profile: profile, throttle: throttle)
    }
}
