import CostTokens
import Testing

@Suite("Image tokens")
struct ImageTokenCounterTests {
    // MARK: - OpenAI

    @Test(
        "OpenAI's documented examples and tile boundaries (gpt-4o)",
        arguments: [
            // OpenAI's examples.
            (1024, 1024, OpenAIImageDetail.high, 765), (2048, 4096, .high, 1105), (4096, 8192, .low, 85),
            // Tiny images are one tile; no upscaling.
            (1, 1, .high, 255), (1, 1, .low, 85), (512, 512, .high, 255), (513, 512, .high, 425),
            (512, 513, .high, 425), (768, 768, .high, 765), (769, 769, .high, 765), (768, 1024, .high, 765),
            (768, 1025, .high, 1105), (1536, 1536, .high, 765), (2048, 2048, .high, 765),
            (1024, 2048, .high, 1105), (2046, 1023, .high, 1105), (1536, 3072, .high, 1105),
            // Extreme aspect ratios: fitted into 2048 × 2048, the short side kept at one pixel at least.
            (1, 100_000, .high, 765), (100_000, 1, .high, 765), (10, 2048, .high, 765), (4096, 10, .high, 765),
            (2000, 20_000, .high, 765), (20_000, 20_000, .high, 765), (8192, 8192, .low, 85),
        ]
    )
    func openAI(width: Int, height: Int, detail: OpenAIImageDetail, expected: Int) throws {
        let estimate = try ImageTokenCounter.openAI(width: width, height: height, detail: detail, model: "gpt-4o")
        #expect(estimate == .exact(expected, method: "openai-image-tiles"))
    }

    @Test("gpt-4o-mini uses its own constants")
    func openAIMini() throws {
        let low = try ImageTokenCounter.openAI(width: 4096, height: 8192, detail: .low, model: "gpt-4o-mini")
        #expect(low.count == 2833 && low.isExact)
        let high = try ImageTokenCounter.openAI(width: 1024, height: 1024, detail: .high, model: "gpt-4o-mini")
        #expect(high.count == 2833 + 4 * 5667 && high.isExact)
        let tall = try ImageTokenCounter.openAI(
            width: 2048,
            height: 4096,
            detail: .high,
            model: "gpt-4o-mini-2024-07-18"
        )
        #expect(tall.count == 2833 + 6 * 5667)
    }

    @Test("a scaled side just past a tile boundary gives both roundings")
    func openAIRounding() throws {
        // 1000 × 1334 → 768 × 1024.512: 2 × 2 tiles rounded down, 2 × 3 rounded up.
        let estimate = try ImageTokenCounter.openAI(width: 1000, height: 1334, detail: .high, rule: .gpt4o)
        #expect(estimate.count == 765 && estimate.lower == 765 && estimate.upper == 1105)
        #expect(!estimate.isExact)
        // 1000 × 1333 → 768 × 1023.744: 2 × 2 either way.
        #expect(try ImageTokenCounter.openAI(width: 1000, height: 1333, detail: .high, rule: .gpt4o).isExact)
        // 2049 × 1024 → 2048 × 1023 (down) → 1537 × 768: 4 tiles across; 2048 × 1024 (up) → 1536 × 768: 3.
        let wide = try ImageTokenCounter.openAI(width: 2049, height: 1024, detail: .high, rule: .gpt4o)
        #expect(wide.count == 1445 && wide.lower == 1105 && wide.upper == 1445 && !wide.isExact)
    }

    @Test("auto detail is bounded by low and high")
    func openAIAuto() throws {
        let estimate = try ImageTokenCounter.openAI(width: 2048, height: 4096, detail: .auto, model: "gpt-4o")
        #expect(estimate.count == 1105 && estimate.lower == 85 && estimate.upper == 1105 && !estimate.isExact)
    }

    @Test("image rules by model")
    func openAIModels() {
        #expect(OpenAIImageTokenRule(model: "gpt-4o") == .gpt4o)
        #expect(OpenAIImageTokenRule(model: "openai/gpt-4o-2024-08-06") == .gpt4o)
        #expect(OpenAIImageTokenRule(model: "chatgpt-4o-latest") == .gpt4o)
        #expect(OpenAIImageTokenRule(model: "gpt-4.1-2025-04-14") == .gpt4o)
        #expect(OpenAIImageTokenRule(model: "gpt-4-turbo-2024-04-09") == .gpt4o)
        #expect(OpenAIImageTokenRule(model: "gpt-4-vision-preview") == .gpt4o)
        #expect(OpenAIImageTokenRule(model: "GPT-4o-mini") == .gpt4oMini)
        #expect(OpenAIImageTokenRule(model: "gpt-4o-mini-2024-07-18") == .gpt4oMini)
        for model in [
            "gpt-4.1-mini", "gpt-4.1-nano-2025-04-14", "gpt-4", "gpt-4-0613", "gpt-4-turbo-preview",
            "gpt-3.5-turbo", "claude-sonnet-4", "gpt-4omega", "",
        ] {
            #expect(OpenAIImageTokenRule(model: model) == nil, "\(model)")
        }
    }

    @Test("unknown image models are an error", arguments: ["gpt-4", "gpt-3.5-turbo", "claude-sonnet-4", "o3-pro-x"])
    func openAIUnknown(model: String) {
        #expect {
            _ = try ImageTokenCounter.openAI(width: 10, height: 10, detail: .low, model: model)
        } throws: { error in
            (error as? CostTokensError)?.code == .unknownModel
        }
    }

    // MARK: - Anthropic

    @Test(
        "Anthropic's documented examples and unscaled sizes",
        arguments: [
            (200, 200, 54, 53), (1000, 1000, 1334, 1333), (1092, 1092, 1590, 1589), (750, 1, 1, 1), (1, 1, 1, 0),
            (1568, 100, 210, 209), (100, 1568, 210, 209),
        ]
    )
    func anthropic(width: Int, height: Int, expected: Int, lower: Int) throws {
        let estimate = try ImageTokenCounter.anthropic(width: width, height: height)
        #expect(estimate.count == expected && estimate.lower == lower && estimate.upper == expected)
        #expect(!estimate.isExact)
        #expect(estimate.method == "anthropic-image-area")
    }

    @Test("Anthropic: a long edge above 1568 px is scaled down")
    func anthropicLongEdge() throws {
        // 3000 × 100 → 1568 × 52: 81536 / 750 = 108.7; each side ±1 px gives 106...111.
        let estimate = try ImageTokenCounter.anthropic(width: 3000, height: 100)
        #expect(estimate.count == 109 && estimate.lower == 106 && estimate.upper == 111)
        // Extreme ratio: 100000 × 1 → 1568 × 1.
        let thin = try ImageTokenCounter.anthropic(width: 100_000, height: 1)
        #expect(thin.count == 3 && thin.lower <= 2 && thin.upper >= 4)
        #expect(try ImageTokenCounter.anthropic(width: 1, height: 100_000) == thin)
        // The area limit: 10000 × 10000 → 1095 × 1095, 1199025 / 750 = 1598.7.
        let huge = try ImageTokenCounter.anthropic(width: 10_000, height: 10_000)
        #expect(huge.count == 1599 && huge.lower == 1533 && huge.upper == 1640)
    }

    @Test(
        "Anthropic: large images are capped near 1,600 tokens",
        arguments: [(10_000, 10_000), (4000, 3000), (1500, 1500), (784, 1568), (951, 1268), (8000, 4000)]
    )
    func anthropicArea(width: Int, height: Int) throws {
        let estimate = try ImageTokenCounter.anthropic(width: width, height: height)
        #expect(estimate.count <= 1600 && estimate.count >= 1580)
        // The range covers 1.15 megapixels and the largest size of Anthropic's table (784 × 1568).
        #expect(estimate.lower <= 1533 && estimate.upper >= 1640)
        #expect(!estimate.isExact)
    }

    // MARK: - Gemini

    @Test(
        "Gemini: small images are exact",
        arguments: [(1, 1), (384, 384), (384, 1), (200, 300)]
    )
    func geminiSmall(width: Int, height: Int) throws {
        #expect(try ImageTokenCounter.gemini(width: width, height: height) == .exact(258, method: "gemini-image-tiles"))
    }

    @Test(
        "Gemini: larger images are tiled estimates",
        arguments: [
            (385, 384, 258), (384, 385, 258), (768, 768, 258), (769, 768, 516), (1024, 1024, 1032),
            (1536, 1536, 1032), (1537, 1536, 1548), (3000, 10, 1032), (10, 7680, 2580),
        ]
    )
    func geminiTiles(width: Int, height: Int, expected: Int) throws {
        let estimate = try ImageTokenCounter.gemini(width: width, height: height)
        #expect(estimate.count == expected && !estimate.isExact)
        #expect(estimate.lower == expected && estimate.upper == expected)
    }

    // MARK: - Invalid sizes

    @Test(
        "zero, negative and absurd sizes are rejected",
        arguments: [(0, 10), (10, 0), (0, 0), (-1, 10), (10, -5), (Int.min, 1), (Int.max, 1), (1, Int(Int32.max) + 1)]
    )
    func invalid(width: Int, height: Int) {
        let isInvalidSize: @Sendable (any Error) -> Bool = {
            ($0 as? CostTokensError)?.code == .invalidImageSize
        }
        #expect(
            performing: { try ImageTokenCounter.openAI(width: width, height: height, detail: .low, rule: .gpt4o) },
            throws: isInvalidSize
        )
        #expect(performing: { try ImageTokenCounter.anthropic(width: width, height: height) }, throws: isInvalidSize)
        #expect(performing: { try ImageTokenCounter.gemini(width: width, height: height) }, throws: isInvalidSize)
    }

    @Test("the largest accepted size does not overflow")
    func largest() throws {
        let side = Int(Int32.max)
        #expect(try ImageTokenCounter.openAI(width: side, height: side, detail: .high, rule: .gpt4o).count == 765)
        #expect(try ImageTokenCounter.anthropic(width: side, height: side).count <= 1600)
        #expect(try ImageTokenCounter.gemini(width: side, height: 1).count > 0)
    }

    // MARK: - Estimates

    @Test("adding estimates")
    func adding() throws {
        let text = TokenEstimate.exact(1_024, method: "o200k_base")
        let image = try ImageTokenCounter.anthropic(width: 1000, height: 1000)
        let total = text.adding(image)
        #expect(total.count == 2358 && total.lower == 2357 && total.upper == 2358 && !total.isExact)
        #expect(total.method == "o200k_base+anthropic-image-area")
        #expect(text.adding(text) == .exact(2048, method: "o200k_base"))
        #expect(TokenEstimate(count: 5, isExact: false, lower: 7, upper: 1, method: "x").lower == 5)
    }
}
