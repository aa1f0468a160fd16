import Foundation
import Testing

/// `costctl reconcile` as a real process on a real SQLite file, after the real imports.
@Suite("costctl reconcile")
struct ReconcileCLITests {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/Reconcile").appendingPathComponent(name).path
    }

    @Test("import the usage and the bill, reconcile: exact matches, flagged traps, JSON and table")
    func reconcile() throws {
        let cli = try CLI()
        let db = cli.home.appendingPathComponent("r.db").path
        let empty = try cli.run(["reconcile", "--db", db])
        #expect(empty.status == 0 && empty.stdout.contains("No billed costs in this range"), "\(empty.stderr)")
        for (format, file) in [
            ("openai-usage", "openai-usage.json"), ("openai-costs", "openai-costs.json"),
            ("anthropic-usage", "anthropic-usage.jsonl"), ("anthropic-costs", "anthropic-costs.json"),
        ] {
            let r = try cli.run(["import", format, Self.fixture(file), "--db", db, "--no-progress"])
            #expect(r.status == 0, "\(format): \(r.stderr)")
        }
        let json = try cli.run(["reconcile", "--db", db, "--since", "2026-11-01", "--until", "2026-11-10", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try json.json()
        let matched = try #require(object["matched"] as? [String: Any])
        #expect(matched["computed"] as? String == "43.06" && matched["billed"] as? String == "43.56")
        let rows = try #require(object["rows"] as? [[String: Any]])
        let flagged = rows.filter { $0["flagged"] as? Bool == true }.map { "\($0["date"] ?? "") \($0["provider"] ?? "")" }
        #expect(flagged == ["2026-11-03 openai", "2026-11-04 anthropic", "2026-11-04 openai", "2026-11-05 anthropic"])

        let table = try cli.run(["reconcile", "--db", db, "--since", "2026-11-01", "--until", "2026-11-10", "--provider", "openai", "--models"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("acme-private-gpt") && table.stdout.contains("1 event without a price"))
        #expect(!table.stdout.contains("anthropic"))
        // at 5% the $0.10 tool charge (2.58% of its day) is no longer flagged; the unpriced model (9.05%) still is
        let loose = try cli.run(["reconcile", "--db", db, "--since", "2026-11-01", "--until", "2026-11-10", "--provider", "openai", "--tolerance", "5", "--json"])
        let looseRows = try #require(try loose.json()["rows"] as? [[String: Any]])
        #expect(looseRows.filter { $0["flagged"] as? Bool == true }.count == 1)
        let bad = try cli.run(["reconcile", "--db", db, "--min-difference", "ten"])
        #expect(bad.status == 2 && bad.stderr.contains("--min-difference"))
    }
}
