import CostOptimizer
import CostPricing
import Foundation
import Testing

@Suite("Plan catalog and confidence")
struct PlanCatalogTests {
    @Test("the bundled catalog has every stable id, prices, sources, and Claude's ratios to Pro")
    func bundled() throws {
        let catalog = try PlanCatalog.bundled()
        let ids = [
            "api", "claude-free", "claude-pro", "claude-max-5x", "claude-max-20x", "chatgpt-free", "chatgpt-plus",
            "chatgpt-pro", "chatgpt-team", "gemini-free", "gemini-tier-1", "gemini-tier-2", "gemini-tier-3",
        ]
        for id in ids { _ = try catalog.plan(id: id) }
        #expect(try catalog.plan(id: "claude-max-20x").monthlyPrice == (try Money(parsing: "200")))
        let pro = try catalog.plan(id: "claude-pro")
        for (id, ratio) in [("claude-max-5x", 5), ("claude-max-20x", 20)] {
            let plan = try catalog.plan(id: id)
            let session = try #require(plan.windows.first { $0.kind == "session" })
            let proSession = try #require(pro.windows.first { $0.kind == "session" })
            #expect(session.scale == PlanScale(numerator: Int128(ratio), denominator: 1))
            #expect(session.allowance == proSession.allowance * Int128(ratio))
            #expect(session.isEstimate)
        }
        for plan in catalog.plans where plan.id != "api" {
            #expect(!plan.sources.isEmpty, "\(plan.id) has no source")
            #expect(plan.sources.allSatisfy { $0.url.hasPrefix("https://") && $0.checked.count == 10 })
        }
    }

    @Test("an override file replaces the fields it gives, by id, and may add plans")
    func overrides() throws {
        let override = FileManager.default.temporaryDirectory.appendingPathComponent("plans-\(UUID().uuidString).json")
        try Data(#"""
            {"plans": [
              {"id": "claude-pro", "monthly_price": "17"},
              {"id": "acme-internal", "name": "Acme gateway", "family": "claude", "providers": ["anthropic"],
               "monthly_price": "50", "billing": "subscription", "windows": []}
            ]}
            """#.utf8).write(to: override)
        defer { try? FileManager.default.removeItem(at: override) }
        let catalog = try PlanCatalog.bundled(overrides: [override])
        let pro = try catalog.plan(id: "claude-pro")
        #expect(pro.monthlyPrice == (try Money(parsing: "17")))
        #expect(pro.windows.count == 2)
        #expect(catalog.plans.last?.id == "acme-internal")
        #expect(catalog.family("claude").count == 5)
    }

    @Test("invalid catalogs are refused with the plan named", arguments: [
        #"{"plans": [{"id": "x", "name": "X", "family": "f", "monthly_price": "ten", "billing": "subscription"}]}"#,
        #"{"plans": [{"id": "x", "name": "X", "family": "f", "monthly_price": "1", "billing": "yearly"}]}"#,
        #"{"plans": [{"id": "x", "name": "X", "family": "f", "monthly_price": "1", "billing": "subscription", "windows": [{"kind": "day", "measure": "requests", "length_hours": 5, "anchor": "calendar", "allowance": 10}]}]}"#,
        #"{"plans": [{"id": "x", "name": "X", "family": "f", "monthly_price": "1", "billing": "subscription", "windows": [{"kind": "s", "measure": "api_cost", "length_hours": 5, "allowance": "0"}]}]}"#,
    ])
    func invalid(json: String) throws {
        let error = #expect(throws: OptimizerError.self) { try PlanCatalog(files: [(Data(json.utf8), "bad.json")]) }
        #expect(error?.message.contains("plan 'x'") == true)
    }

    @Test("meter readings parse exactly", arguments: [
        ("session=10%@2026-11-02T20:59Z", "session", Int128(10), Int128(1)),
        ("week=12.5%@2026-11-07T23:00:00Z", "week", Int128(125), Int128(10)),
        ("Session=100@2026-11-07T23:00Z", "session", Int128(100), Int128(1)),
    ])
    func meterParsing(text: String, kind: String, numerator: Int128, denominator: Int128) throws {
        let reading = try MeterReading(parsing: text)
        #expect(reading.kind == kind)
        #expect(reading.percent == PlanScale(numerator: numerator, denominator: denominator))
    }

    @Test("bad meter readings are refused", arguments: ["session=0%@2026-11-02T20:59Z", "session=101%@2026-11-02T20:59Z", "session10%", "week=5%@yesterday"])
    func badMeters(text: String) {
        #expect(throws: OptimizerError.self) { try MeterReading(parsing: text) }
    }

    @Test("the confidence formula: coverage and calibration multiply, the rest are weighted 0.4/0.3/0.3")
    func formula() {
        #expect(PlanConfidence.combine(coverage: 1, calibration: 1, stability: 1, headroom: 1, trend: 1) == 1)
        #expect(PlanConfidence.combine(coverage: 0, calibration: 1, stability: 1, headroom: 1, trend: 1) == 0)
        let worked = PlanConfidence.combine(coverage: 0.9, calibration: 0.7, stability: 0.95, headroom: 0.625, trend: 1)
        #expect(abs(worked - 0.9 * 0.7 * (0.4 * 0.95 + 0.3 * 0.625 + 0.3)) < 1e-12)
        #expect(abs(worked - 0.546525) < 1e-9)
        #expect(PlanConfidence.headroom(peak: 0.5, p95: 0.3, limit: 0.9) == 1)
        #expect(PlanConfidence.headroom(peak: 0.9, p95: 0.9, limit: 0.9) == 0)
        #expect(abs(PlanConfidence.headroom(peak: 0.7, p95: 0.6, limit: 0.9) - 0.625) < 1e-12)
        #expect(PlanConfidence.trend(growth: 0.05) == 1)
        #expect(abs(PlanConfidence.trend(growth: 0.5) - 0.6) < 1e-12)
        #expect(PlanConfidence.trend(growth: 3) == 0)
        #expect(PlanConfidence.combine(coverage: 2, calibration: 1, stability: -1, headroom: .nan, trend: 1) == 0.3)
    }
}
