import CostControl
import Foundation
import Testing

/// Reconciliation on the fixtures of Fixtures/Reconcile (usage and cost reports of the same traffic),
/// imported by the real importers into a real SQLite ledger. Every expected amount is worked out
/// here from the providers' list prices, not by the code under test.
@Suite("Reconciliation against the bill")
struct ReconciliationTests {
    static func usd(_ text: String) -> Money { Money(text) ?? Money(units: -1) }
    static func day(_ text: String) -> Date { ReportFixtures.date(text + "T00:00:00Z") }

    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/Reconcile").appendingPathComponent(name).path
    }

    /// A fresh SQLite ledger holding the four fixture files, then `body`.
    static func withImported(_ body: (SQLiteUsageLedger) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("costctl-reconcile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = ControlPaths(database: directory.appendingPathComponent("ledger.db").path, environment: ["HOME": directory.path])
        let ledger = try LedgerStore.open(paths: paths, environment: [:])
        let importer = UsageImporter(ledger: ledger, billedCosts: ledger, engine: ledger.configuration.engine)
        for (format, file) in [
            (ImportFormat.openAIUsage, "openai-usage.json"), (.openAICosts, "openai-costs.json"),
            (.anthropicUsage, "anthropic-usage.jsonl"), (.anthropicCosts, "anthropic-costs.json"),
        ] {
            var options = ImportOptions(format: format, paths: [fixture(file)])
            options.environment = ["HOME": directory.path]
            _ = try await importer.run(options)
        }
        try await body(ledger)
    }

    static func reconcile(_ ledger: SQLiteUsageLedger, provider: String? = nil) async throws -> Reconciliation {
        try await Reconciler(ledger: ledger, bills: ledger, catalog: ledger.configuration.engine?.catalog)
            .reconcile(since: day("2026-11-01"), until: day("2026-11-10"), provider: provider)
    }

    static func row(_ r: Reconciliation, _ provider: String, _ date: String) throws -> ReconciliationRow {
        try #require(r.rows.first { $0.provider == provider && $0.start == day(date) })
    }

    @Test("days whose usage and bill describe the same traffic reconcile to the cent")
    func cleanDays() async throws {
        try await Self.withImported { ledger in
            let r = try await Self.reconcile(ledger)
            // Anthropic, 2 November. Sonnet 4.5 up to 200k: 1M uncached × $3 + 4M cache reads × $0.30
            // + 200k 5-minute writes × $3.75 + 100k 1-hour writes × $6 + 200k output × $15 = $8.55, plus
            // 10 web searches × $0.01 = $0.10; above 200k: 300k × $6 + 1M × $0.60 + 50k × $22.50 = $3.525;
            // Haiku 3.5: 2M × $0.80 + 500k × $4 = $3.60. Total $15.775.
            let a = try Self.row(r, "anthropic", "2026-11-02")
            #expect(a.computed == Self.usd("15.775") && a.billed == Self.usd("15.775") && !a.flagged)
            #expect(a.unattributed == Self.usd("0.10"))
            let sonnet = try #require(a.models.first { $0.model.hasPrefix("claude-sonnet-4-5") })
            #expect(sonnet.computed == Self.usd("12.175") && sonnet.billed == Self.usd("12.075"))
            // OpenAI, 2 November. gpt-4o: 800k uncached × $2.50 + 200k cached × $1.25 + 100k output × $10
            // = $3.25; gpt-4o-mini on the Batch API (half price): 2M × $0.075 + 400k × $0.30 = $0.27.
            let o = try Self.row(r, "openai", "2026-11-02")
            #expect(o.computed == Self.usd("3.52") && o.billed == Self.usd("3.52") && !o.flagged)
            #expect(o.difference == .zero && o.relativeError == 0)
            #expect(o.causes.isEmpty)
        }
    }

    @Test("each trap is flagged with its cause")
    func traps() async throws {
        try await Self.withImported { ledger in
            let r = try await Self.reconcile(ledger)
            // 3 November: a $0.10 tool charge the usage report has no counts for
            let tools = try Self.row(r, "openai", "2026-11-03")
            #expect(tools.flagged && tools.difference == Self.usd("-0.10") && tools.unattributed == Self.usd("0.10"))
            #expect(tools.causes.map(\.cause) == [.chargesWithoutModel, .chargesWithoutModel])
            // 4 November: a private model the catalog does not know: unpriced, $0.40 billed
            let unpriced = try Self.row(r, "openai", "2026-11-04")
            #expect(unpriced.flagged && unpriced.unpricedEvents == 1 && unpriced.difference == Self.usd("-0.40"))
            #expect(unpriced.causes.map(\.cause) == [.unpricedEvents])
            #expect(unpriced.models.first { $0.model == "acme-private-gpt" }?.billed == Self.usd("0.40"))
            // 4 November, Anthropic: billed (Haiku with 2.5M input: $2.00 + $2.00) but no usage imported
            let noUsage = try Self.row(r, "anthropic", "2026-11-04")
            #expect(noUsage.events == 0 && noUsage.computed == .zero && noUsage.billed == Self.usd("16.175"))
            #expect(noUsage.causes.first?.cause == .noUsage)
            // 5 November, Anthropic: usage (Haiku 2.75M input: $2.20 + $2.00) but no bill yet
            let noBill = try Self.row(r, "anthropic", "2026-11-05")
            #expect(noBill.billedLines == 0 && noBill.billed == .zero && noBill.computed == Self.usd("16.375"))
            #expect(noBill.causes.map(\.cause) == [.noBill] && noBill.relativeError == nil)
        }
    }

    @Test("totals: overall, per provider, and on the periods with both usage and a bill")
    func totals() async throws {
        try await Self.withImported { ledger in
            let r = try await Self.reconcile(ledger)
            #expect(r.rows.count == 7)
            // matched periods: Anthropic 2 and 3 November, OpenAI 2, 3 and 4 November
            let m = r.matched
            #expect(m.computed == Self.usd("43.06") && m.billed == Self.usd("43.56"))
            #expect(m.difference == Self.usd("-0.50"))
            let error = try #require(m.relativeError)
            #expect(abs(error - (-0.50 / 43.56)) < 1e-12)
            let openai = try #require(r.byProvider.first { $0.provider == "openai" }?.total)
            #expect(openai.computed == Self.usd("11.31") && openai.billed == Self.usd("11.81") && openai.flaggedRows == 2)
            // one provider only
            let only = try await Self.reconcile(ledger, provider: "anthropic")
            #expect(Set(only.rows.map(\.provider)) == ["anthropic"] && only.rows.count == 4)
        }
    }

    @Test("JSON names every figure; amounts are exact decimal strings")
    func json() async throws {
        try await Self.withImported { ledger in
            let r = try await Self.reconcile(ledger, provider: "openai")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let object = try #require(try JSONSerialization.jsonObject(with: encoder.encode(r)) as? [String: Any])
            let rows = try #require(object["rows"] as? [[String: Any]])
            #expect(rows.first?["date"] as? String == "2026-11-02")
            #expect(rows.first?["computed"] as? String == "3.52")
            let keys = Set(try #require(rows.first).keys)
            #expect(keys.isSuperset(of: [
                "billed", "difference", "relativeError", "flagged", "causes", "models", "unpricedEvents", "billedWithoutModel",
            ]))
            let matched = try #require(object["matched"] as? [String: Any])
            #expect(matched["difference"] as? String == "-0.5")
        }
    }

    @Test("the tolerance needs both the share of the bill and the absolute amount to be exceeded")
    func tolerance() {
        let t = ReconciliationTolerance.standard
        #expect(!t.flags(computed: Self.usd("1.015"), billed: Self.usd("1.00")))  // 1.5%, $0.015
        #expect(t.flags(computed: Self.usd("1.03"), billed: Self.usd("1.00")))  // 3%, $0.03
        #expect(!t.flags(computed: Self.usd("0.05"), billed: Self.usd("0.04")))  // 25%, but $0.01 only
        #expect(t.flags(computed: Self.usd("0.50"), billed: .zero))  // usage with no bill
        #expect(!t.flags(computed: .zero, billed: .zero))
    }
}
