import Foundation
import Testing

@testable import CostPricing

@Suite("Dates, ids, usage and LiteLLM rules")
struct ParsingTests {
    @Test(
        "ISO 8601 dates and date-times",
        arguments: [
            ("2026-11-02", "2026-11-02T00:00:00Z"),
            ("2026-11-02T20:59Z", "2026-11-02T20:59:00Z"),
            ("2026-11-02T20:59:07Z", "2026-11-02T20:59:07Z"),
            ("2026-11-02 20:59:07", "2026-11-02T20:59:07Z"),
            ("2026-11-02T12:00:00-08:00", "2026-11-02T20:00:00Z"),
            ("2026-11-02T12:00:00+0530", "2026-11-02T06:30:00Z"),
            ("2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59Z"),
            ("1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"),
        ])
    func timestamps(text: String, utc: String) throws {
        #expect(Timestamp.format(try Timestamp.parse(text)) == utc)
    }

    @Test("invalid dates are refused with the accepted forms", arguments: ["2026-13-01", "2025-02-29", "2026-11-02T25:00Z", "yesterday", "2026-11-02T20:59:00Q", ""])
    func badTimestamps(text: String) {
        let error = #expect(throws: PricingError.self) { try Timestamp.parse(text) }
        #expect(error?.code == .invalidDate)
        #expect(error?.message.contains("2026-11-02T20:59:00Z") == true)
    }

    @Test("civil dates round-trip through days since 1970")
    func civilDates() {
        for day in stride(from: -700_000, through: 2_900_000, by: 997) {  // years 0053 to 9909
            let date = CivilDate(day: day)
            #expect(date.daysSinceEpoch == day)
            #expect(CivilDate(date.description) == date)
        }
        #expect(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
        #expect(CivilDate(year: 2000, month: 3, day: 1).daysSinceEpoch == 11_017)
    }

    @Test(
        "compact dates are dashed only when they are real dates",
        arguments: [
            ("gpt-5.2-20251211", "gpt-5.2-2025-12-11"),
            ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet-2024-10-22"),
            ("model-20251340", "model-20251340"),
            ("model-20250229", "model-20250229"),
            ("x-20240229:free", "x-2024-02-29:free"),
            ("short", "short"),
        ])
    func dashedDates(ref: String, want: String) {
        #expect(ModelIdNormalizer.dashedDate(ref) == want)
    }

    @Test("vendor spellings are rewritten to the model's own id")
    func alternatives() {
        let bedrock = ModelIdNormalizer.alternatives("us.anthropic.claude-3-5-sonnet-20241022-v2:0")
        #expect(bedrock.contains("anthropic.claude-3-5-sonnet-20241022-v2:0"))
        #expect(bedrock.contains("claude-3-5-sonnet-20241022"))
        let vertex = ModelIdNormalizer.alternatives("claude-3-5-sonnet-v2@20241022")
        #expect(vertex.first == "claude-3-5-sonnet-20241022")
        #expect(ModelIdNormalizer.alternatives("models/gemini-2.0-flash").contains("gemini-2.0-flash"))
        #expect(ModelIdNormalizer.alternatives("gpt-4o-latest").contains("gpt-4o"))
    }

    @Test("Anthropic's usage is normalised; usage round-trips through JSON with genai-prices' keys")
    func usage() throws {
        let u = Usage.anthropic(inputTokens: 100, cacheCreationInputTokens: 50, cacheReadInputTokens: 200, outputTokens: 10,
                                cacheCreation5m: 20, cacheCreation1h: 30)
        #expect(u.inputTokens == 350)
        #expect(u.cacheWriteTokens == 50)
        #expect(u.uncachedInputTokens == 100)
        try u.validate()
        var withUnits = u
        withUnits[.webSearches] = 2
        let data = try JSONEncoder().encode(withUnits)
        let back = try JSONDecoder().decode(Usage.self, from: data)
        #expect(back == withUnits)
        #expect(String(decoding: data, as: UTF8.self).contains("\"cache_write_1h_tokens\":30"))
        #expect((u + u).inputTokens == 700)
    }

    @Test("usage counts of other kinds are values: copies do not share changes, and equal counts are equal")
    func otherCountsAreValues() {
        var a = Usage(inputTokens: 10, outputTokens: 5)
        a[.webSearches] = 2
        var b = a
        b[.webSearches] = 3
        b[.inputImages] = 1
        #expect(a[.webSearches] == 2 && a[.inputImages] == 0)
        #expect(b.other == [.webSearches: 3, .inputImages: 1])
        // in place on a value that holds its counts alone
        b.other[.webSearches, default: 0] += 1
        #expect(b[.webSearches] == 4 && a[.webSearches] == 2)
        // a usage whose other counts were all removed equals one that never had any
        b.other.removeAll()
        var c = Usage(inputTokens: 10, outputTokens: 5)
        #expect(b == c && b.hashValue == c.hashValue)
        c[.audioSeconds] = 7
        c[.audioSeconds] = 0
        #expect(c == Usage(inputTokens: 10, outputTokens: 5) && c.other.isEmpty)
        // sums carry other kinds, and the addends keep theirs
        let sum = a + a
        #expect(sum[.webSearches] == 4 && a[.webSearches] == 2)
        #expect(Usage(other: [.webSearches: 1]) == Usage(other: [.webSearches: 1]))
        #expect(Usage(other: [.webSearches: 1]) != Usage(other: [.webSearches: 2]))
    }

    @Test("nearest-name suggestions")
    func suggestions() {
        #expect(Suggest.nearest("gpt-4x", in: ["gpt-4o", "gpt-4", "claude-3", "gpt-4.1"]).contains("gpt-4o"))
        #expect(Suggest.nearest("zzzzzz", in: ["gpt-4o", "claude-3"]).isEmpty)
        #expect(Suggest.phrase(["a", "b", "c"]) == "; did you mean 'a', 'b' or 'c'?")
        #expect(Suggest.distance(Array("kitten".utf8), Array("sitting".utf8)) == 3)
    }

    /// LiteLLM entries written to exercise one rule each.
    static let litellm = """
        {
          "sample_spec": {"input_cost_per_token": 1},
          "threshold": {"litellm_provider": "openai", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                        "input_cost_per_token_above_200k_tokens": 2e-06, "output_cost_per_token_above_200k_tokens": 4e-06},
          "xai/grok-x": {"litellm_provider": "xai", "input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06,
                         "input_cost_per_token_above_128k_tokens": 3e-06},
          "flexy": {"litellm_provider": "openai", "input_cost_per_token": "2e-06", "output_cost_per_token": 8e-06,
                    "cache_read_input_token_cost": 5e-07, "input_cost_per_token_flex": 1e-06, "output_cost_per_token_batches": 4e-06},
          "nightly": {"litellm_provider": "deepseek", "input_cost_per_token": 4e-07, "output_cost_per_token": 1e-06,
                      "off_peak_pricing": {"input_cost_per_token": 1e-07, "windows": [{"hours_utc": "00:00-00:00", "weekdays": [6, 7]}]}},
          "broken": {"litellm_provider": "openai", "input_cost_per_token": true}
        }
        """

    @Test("LiteLLM: thresholds, xAI's inclusive threshold, tier fallbacks, batches, off-peak weekdays, bad values")
    func litellmRules() throws {
        let (file, report) = try LiteLLMImporter.convert(Data(Self.litellm.utf8), origin: "rules.json")
        #expect(report.models == 5)
        #expect(report.unpriced == 1)  // "broken": a boolean is not a price
        let catalog = try PriceCatalog(file: file)
        let engine = CostEngine(catalog: catalog)
        // above 200k every kind switches; at 200k exactly it does not
        #expect(try engine.cost(Usage(inputTokens: 200_000, outputTokens: 1_000_000), model: "threshold", provider: "openai").total == Money("2.2"))
        #expect(try engine.cost(Usage(inputTokens: 200_001, outputTokens: 1_000_000), model: "threshold", provider: "openai").total == Money("4.400002"))
        // xAI bills the higher tier once the prompt reaches the threshold
        #expect(try engine.cost(Usage(inputTokens: 128_000), model: "grok-x", provider: "xai").total == Money("0.384"))
        #expect(try engine.cost(Usage(inputTokens: 127_999), model: "grok-x", provider: "xai").total == Money("0.127999"))
        // flex: the input key has a flex price; output and cache read fall back to standard
        let usage = Usage(inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadTokens: 500_000)
        let flex = try engine.cost(usage, model: "flexy", provider: "openai", tier: .flex)
        #expect(flex.input == Money("0.5"))
        #expect(flex.cacheRead == Money("0.25"))
        #expect(flex.output == Money("8"))
        #expect(try engine.cost(usage, model: "flexy", provider: "openai", tier: .batch).output == Money("4"))
        // off-peak: all day on ISO weekdays 6 and 7 (2026-11-21 is a Saturday, 2026-11-23 a Monday)
        let m = Usage(inputTokens: 1_000_000)
        #expect(try engine.cost(m, model: "nightly", provider: "deepseek", at: Timestamp.parse("2026-11-21T12:00:00Z")).total == Money("0.1"))
        #expect(try engine.cost(m, model: "nightly", provider: "deepseek", at: Timestamp.parse("2026-11-23T12:00:00Z")).total == Money("0.4"))
        // not an object of entries
        #expect(throws: PricingError.self) { try LiteLLMImporter.convert(Data("[1, 2]".utf8), origin: "x.json") }
    }
}
