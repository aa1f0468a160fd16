import CostPricing
import Foundation
import Testing

@testable import CostSQLite

/// The JSON columns are written by hand, as bytes: whatever the strings hold, JSONSerialization must
/// read back exactly what was written.
@Suite("SQLite ledger: hand-written JSON columns")
struct StoredJSONTests {
    static let awkward = [
        "plain", "", "quote \" inside", "back\\slash", "line\nbreak", "tab\tand\rreturn", "bell \u{07} and nul \u{00}",
        "\u{1F}unit separator", "café", "日本語", "emoji 🧾 and ZWJ 👩‍💻", "=", "{\"not\":\"json\"}", "\u{7F} delete",
    ]

    @Test("tag objects parse back to the same keys and values, sorted by key")
    func objects() throws {
        var pairs: [String: String] = [:]
        for (index, text) in Self.awkward.enumerated() { pairs["k\(index) \(text)"] = text }
        for subset in [pairs, ["only": "one \"value\""], [:]] {
            let text = StoredJSON.object(subset)
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
            #expect(parsed == subset)
            let keys = subset.keys.sorted()
            var last = text.startIndex
            for key in keys {  // keys appear in sorted order
                var encoded: [UInt8] = []
                StoredJSON.appendString(key, to: &encoded)
                let range = try #require(text.range(of: String(decoding: encoded, as: UTF8.self), range: last..<text.endIndex))
                last = range.upperBound
            }
        }
        #expect(StoredJSON.object([:]) == "{}")
        #expect(StoredJSON.object(["b": "2", "a": "1"]) == #"{"a":"1","b":"2"}"#)
        #expect(StoredJSON.object(["a": "x\u{01}y"]) == #"{"a":"x\u0001y"}"#)
    }

    @Test("cost detail round-trips through the stored form: categories, tier, priced-as and reasons with any characters")
    func costDetail() throws {
        var cost = EventCost(
            total: try Money(parsing: "0.0123456789"), inputTotal: try Money(parsing: "0.01"), outputTotal: try Money(parsing: "0.0023456789"),
            categories: [.input: try Money(parsing: "0.0075"), .cacheRead: try Money(parsing: "0.0025"), .output: try Money(parsing: "0.0023456789")],
            serviceTier: .batch, pricedAs: "openai/gpt-4o \"quoted\"")
        var text = try #require(StoredJSON.costDetail(cost))
        var back = StoredJSON.cost(total: cost.total, input: cost.inputTotal, output: cost.outputTotal, priced: true, detail: text)
        #expect(back == cost)
        #expect(text.hasPrefix(#"{"c":{"cache_read":"0.0025","input":"0.0075","output":"0.0023456789"},"p":"#))
        for reason in Self.awkward where !reason.isEmpty {
            cost = EventCost.unpriced(reason: reason)
            text = try #require(StoredJSON.costDetail(cost))
            back = StoredJSON.cost(total: .zero, input: .zero, output: .zero, priced: false, detail: text)
            #expect(back.unpricedReason == reason)
        }
        // Nothing beyond the integer columns: no text at all (the column is NULL).
        #expect(StoredJSON.costDetail(EventCost(total: try Money(parsing: "1"))) == nil)
        var buffer: [UInt8] = Array("kept".utf8)
        #expect(!StoredJSON.appendCostDetail(EventCost(total: .zero), to: &buffer))
        #expect(buffer == Array("kept".utf8))
    }

    @Test("events with awkward tags and unpriced reasons read back unchanged from the database")
    func throughTheLedger() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ledger = try SQLiteUsageLedger(path: directory.databasePath, configuration: Fixtures.configuration())
        var events: [UsageEvent] = []
        for (index, text) in Self.awkward.enumerated() where !text.isEmpty && !text.contains("=") {
            var event = SampleData.standard[index]
            event.id = "awkward-\(index)"
            event.dimensions.tags = [text: text, "env": "prod"]
            event.cost = index % 2 == 0 ? .unpriced(reason: text) : event.cost
            events.append(event)
        }
        #expect(try await ledger.record(contentsOf: events).added == events.count)
        for event in events {
            let stored = try #require(try await ledger.event(id: event.id))
            #expect(stored.dimensions.tags == event.dimensions.tags)
            #expect(stored.cost?.unpricedReason == event.cost?.unpricedReason)
            #expect(stored.cost?.categories == event.cost?.categories)
        }
    }
}
