import Testing

@testable import CostTokens

/// Audio, video and PDF rules, against the figures the providers publish.
@Suite("Media token rules")
struct MediaTokenCounterTests {
    @Test("Gemini audio: 32 tokens per second; one minute is 1,920 (Google's example)")
    func geminiAudio() throws {
        #expect(try MediaTokenCounter.geminiAudio(seconds: 60) == .exact(1_920, method: "gemini-audio-32-per-second"))
        #expect(try MediaTokenCounter.geminiAudio(seconds: 0).count == 0)
        // 1.01 s is 32.32 tokens: Google does not say how a fraction rounds, so 32...33
        let fraction = try MediaTokenCounter.geminiAudio(seconds: 1.01)
        #expect(!fraction.isExact && fraction.count == 32 && fraction.lower == 32 && fraction.upper == 33)
    }

    @Test("Gemini video: 263 per second, from 98 (lowest media resolution) to 290")
    func geminiVideo() throws {
        let ten = try MediaTokenCounter.geminiVideo(seconds: 10)
        #expect(ten.count == 2_630 && ten.lower == 980 && ten.upper == 2_900 && !ten.isExact)
        let half = try MediaTokenCounter.geminiVideo(seconds: 0.5)
        #expect(half.count == 132 && half.lower == 49 && half.upper == 145)  // 131.5, 49 and 145 rounded up
    }

    @Test("PDF pages: Gemini 258 each (no published bound), Anthropic 1,500 to 3,000 each")
    func documents() throws {
        let gemini = try MediaTokenCounter.geminiDocument(pages: 12)
        #expect(gemini.count == 3_096 && gemini.lower == 3_096 && gemini.upper == 3_096 && !gemini.isExact)
        let claude = try MediaTokenCounter.anthropicDocument(pages: 10)
        #expect(claude.count == 22_500 && claude.lower == 15_000 && claude.upper == 30_000 && !claude.isExact)
    }

    @Test("bad durations and page counts are refused with the rule's limits")
    func invalid() {
        for seconds in [-1.0, .nan, .infinity] {
            #expect(throws: CostTokensError.self) { try MediaTokenCounter.geminiAudio(seconds: seconds) }
            #expect(throws: CostTokensError.self) { try MediaTokenCounter.geminiVideo(seconds: seconds) }
        }
        #expect(throws: CostTokensError.self) { try MediaTokenCounter.geminiDocument(pages: -1) }
        #expect(throws: CostTokensError.self) { try MediaTokenCounter.anthropicDocument(pages: Int.max) }
        do {
            _ = try MediaTokenCounter.anthropicDocument(pages: -3)
        } catch let error as CostTokensError {
            #expect(error.code == .invalidMedia && error.message.contains("0 or more"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("adding estimates names each method once")
    func methods() throws {
        let a = try MediaTokenCounter.geminiDocument(pages: 1)
        let sum = a.adding(a).adding(try MediaTokenCounter.geminiAudio(seconds: 1))
        #expect(sum.method == "gemini-pdf-258-per-page+gemini-audio-32-per-second")
        #expect(sum.count == 258 * 2 + 32)
    }
}
