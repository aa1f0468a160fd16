import CostTokens
import Testing

@Suite("OpenAI image patches")
struct ImagePatchRuleTests {
    @Test(
        "the guide's worked examples and the 1536-patch cap",
        arguments: [
            // The guide: 1024 × 1024 is 32 × 32 = 1024 patches, under the cap.
            ("gpt-4.1-mini", 1024, 1024, 1659, 1658, 1659),  // 1024 × 1.62 = 1658.88
            ("gpt-4.1-nano", 1024, 1024, 2520, 2519, 2520),  // × 2.46 = 2519.04
            ("o4-mini", 1024, 1024, 1762, 1761, 1762),  // × 1.72 = 1761.28
            // The guide: 1800 × 2400 needs 57 × 75 = 4275 patches; scaled to 1056 × 1408, 33 × 44 = 1452.
            ("gpt-4.1-mini", 1800, 2400, 2353, 2352, 2353),  // 1452 × 1.62 = 2352.24
            // 10 × 5 = 50 patches: 81 tokens, a whole number, so exact.
            ("gpt-4.1-mini", 320, 160, 81, 81, 81),
            // Small images are at least one patch per side: 128 × 64 is 4 × 2.
            ("gpt-4.1-mini", 128, 64, 13, 12, 13),
            ("gpt-4.1-mini", 1, 1, 2, 1, 2),
            // Exactly at the cap (64 × 24): no scaling.
            ("gpt-4.1-mini", 2048, 768, 2489, 2488, 2489),  // 1536 × 1.62 = 2488.32
            // Far above the cap: scaled down to 39 × 39 = 1521 patches.
            ("gpt-4.1-nano", 4096, 4096, 3742, 3741, 3742),  // 1521 × 2.46 = 3741.66
            // The guide lists 1.62 and 2.46 for gpt-5-mini and gpt-5-nano, the pricing calculator
            // 1.2 and 1.5: an estimate between the two.
            ("gpt-5-mini", 1024, 1024, 1659, 1228, 1659),
            ("gpt-5-nano-2025-08-07", 2048, 768, 3779, 2304, 3779),
        ]
    )
    func examples(model: String, width: Int, height: Int, count: Int, lower: Int, upper: Int) throws {
        for detail in OpenAIImageDetail.allCases {
            let estimate = try ImageTokenCounter.openAI(width: width, height: height, detail: detail, model: model)
            #expect(estimate.count == count)
            #expect(estimate.lower == lower && estimate.upper == upper)
            #expect(estimate.isExact == (lower == upper))
            #expect(estimate.method == "openai-image-patches")
        }
    }

    @Test("floating-point rounding of a scaled side widens the upper end")
    func floatingPoint() throws {
        // 3000 × 1000: 94 × 32 patches; scaled, 66 × 22 in exact arithmetic (22.000000000000004 in
        // floating point, 23 if rounded up).
        let estimate = try ImageTokenCounter.openAI(
            width: 3000,
            height: 1000,
            patchRule: OpenAIImagePatchRule(multiplierPerMille: 1000)
        )
        #expect(estimate.count == 66 * 22 && estimate.upper == 66 * 23 && !estimate.isExact)
    }

    @Test("extreme aspect ratios stay within the cap")
    func extremes() throws {
        let rule = OpenAIImagePatchRule(multiplierPerMille: 1000)
        for (width, height) in [(1, 100_000), (100_000, 1), (20_000, 20_000), (Int(Int32.max), 1)] {
            let estimate = try ImageTokenCounter.openAI(width: width, height: height, patchRule: rule)
            #expect((1...1536).contains(estimate.count))
            #expect(estimate.upper <= 1536)
        }
    }

    @Test("models and rules")
    func models() throws {
        #expect(OpenAIImagePatchRule(model: "gpt-4.1-mini-2025-04-14") == OpenAIImagePatchRule(multiplierPerMille: 1620))
        #expect(OpenAIImagePatchRule(model: "openai/o4-mini") == OpenAIImagePatchRule(multiplierPerMille: 1720))
        #expect(OpenAIImagePatchRule(model: "gpt-4.1") == nil)
        #expect(OpenAIImagePatchRule(model: "gpt-4o-mini") == nil)
        // gpt-4.1 (not mini/nano) keeps the tile rule.
        let tiles = try ImageTokenCounter.openAI(width: 1024, height: 1024, detail: .high, model: "gpt-4.1")
        #expect(tiles == .exact(765, method: "openai-image-tiles"))
        #expect {
            _ = try ImageTokenCounter.openAI(width: 0, height: 10, detail: .high, model: "gpt-4.1-mini")
        } throws: { error in
            (error as? CostTokensError)?.code == .invalidImageSize
        }
    }
}
