/// The detail level of an image sent to an OpenAI model.
public enum OpenAIImageDetail: String, Sendable, Hashable, CaseIterable {
    /// A 512 × 512 preview: the model's base tokens, whatever the size.
    case low
    /// Tiles of 512 px after scaling: base tokens plus tokens per tile.
    case high
    /// The API chooses `low` or `high` from the image; the count is the `high` one, bounded by both.
    case auto
}

/// Image input tokens by each vendor's published rule.
///
/// - OpenAI (``openAI(width:height:detail:model:)``): exact for 512-px tiles; OpenAI publishes the
///   rule and examples. Models billed by 32-px patches are exact up to the rounding of the
///   multiplied count, which OpenAI does not state.
/// - Anthropic (``anthropic(width:height:)``): an estimate; Anthropic documents
///   `tokens ≈ width × height / 750`.
/// - Gemini (``gemini(width:height:)``): exact for images up to 384 × 384 px (258 tokens); an
///   estimate for larger images, whose tiling Google does not specify.
///
/// For example:
///
/// ```swift
/// try ImageTokenCounter.openAI(width: 1024, height: 1024, detail: .high, model: "gpt-4o").count  // 765
/// try ImageTokenCounter.anthropic(width: 1000, height: 1000).count                               // 1334
/// try ImageTokenCounter.gemini(width: 300, height: 200).count                                    // 258
/// ```
public enum ImageTokenCounter {
    // MARK: - OpenAI

    /// The tokens of an image sent to an OpenAI vision model (gpt-4o, gpt-4o-mini, gpt-4.1,
    /// gpt-4-turbo), by OpenAI's published rule: `low` detail costs the base tokens; `high` detail
    /// fits the image within 2048 × 2048, scales it down so that the shortest side is 768 px and
    /// costs the base tokens plus the tokens per tile for each 512-px tile.
    ///
    /// For example, with gpt-4o: 1024 × 1024 `high` is 765, 2048 × 4096 `high` is 1105 and
    /// 4096 × 8192 `low` is 85.
    ///
    /// Models billed by 32-px patches (gpt-4.1-mini, gpt-4.1-nano, o4-mini, gpt-5-mini, gpt-5-nano)
    /// are counted with ``openAI(width:height:patchRule:)``; OpenAI's patch rule has no `detail`
    /// variant, so `detail` does not change their count.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/invalidImageSize`` for a side
    ///   that is not a positive number of pixels, or ``CostTokensError/Code/unknownModel`` when no
    ///   image rule is known for `model`.
    public static func openAI(
        width: Int,
        height: Int,
        detail: OpenAIImageDetail,
        model: String
    ) throws -> TokenEstimate {
        if let patchRule = OpenAIImagePatchRule(model: model) {
            return try openAI(width: width, height: height, patchRule: patchRule)
        }
        guard let rule = OpenAIImageTokenRule(model: model) else {
            throw CostTokensError(
                code: .unknownModel,
                message: "no image token rule is known for model '\(model)'; use a rule explicitly, "
                    + "e.g. ImageTokenCounter.openAI(width:height:detail:rule: .gpt4o)"
            )
        }
        return try openAI(width: width, height: height, detail: detail, rule: rule)
    }

    /// The tokens of an image under an explicit OpenAI image rule; see
    /// ``openAI(width:height:detail:model:)``.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/invalidImageSize``.
    public static func openAI(
        width: Int,
        height: Int,
        detail: OpenAIImageDetail,
        rule: OpenAIImageTokenRule
    ) throws -> TokenEstimate {
        try CostTokensError.checkImageSize(width: width, height: height)
        let method = "openai-image-tiles"
        let low = rule.baseTokens
        let tiles = OpenAIImageTokenRule.tiles(width: width, height: height)
        let high = low + rule.tokensPerTile * tiles.count
        let highLower = low + rule.tokensPerTile * tiles.lower
        let highUpper = low + rule.tokensPerTile * tiles.upper
        switch detail {
        case .low:
            return .exact(low, method: method)
        case .high where highLower == highUpper:
            return .exact(high, method: method)
        case .high:
            return TokenEstimate(count: high, isExact: false, lower: highLower, upper: highUpper, method: method)
        case .auto:
            return TokenEstimate(count: high, isExact: false, lower: low, upper: highUpper, method: method)
        }
    }

    /// The tokens of an image under OpenAI's patch rule: the patches (see ``OpenAIImagePatchRule``)
    /// times the model's multiplier.
    ///
    /// OpenAI does not say how the product is rounded to whole tokens, so a product that is not a
    /// whole number is an estimate from rounding down (`lower`) to rounding up (`count`, `upper`);
    /// a rule with a second published multiplier takes its product, rounded down, as `lower`; a
    /// scaled image whose patch count depends on floating-point rounding (see
    /// ``OpenAIImagePatchRule``) has the larger count as `upper`.
    ///
    /// For example, with gpt-4.1-mini (1.62): 1024 × 1024 is 1024 patches, 1659 tokens (1658...1659);
    /// 1800 × 2400 is scaled to 1056 × 1408, 1452 patches, 2353 tokens (2352...2353).
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/invalidImageSize``.
    public static func openAI(width: Int, height: Int, patchRule: OpenAIImagePatchRule) throws -> TokenEstimate {
        try CostTokensError.checkImageSize(width: width, height: height)
        let patches = OpenAIImagePatchRule.patches(width: width, height: height)
        let product = patches.count * patchRule.multiplierPerMille
        let down = product / 1000
        let up = (product + 999) / 1000
        let upper = (patches.upper * patchRule.multiplierPerMille + 999) / 1000
        let lower = min(down, patchRule.lowerMultiplierPerMille.map { patches.count * $0 / 1000 } ?? down)
        let method = "openai-image-patches"
        guard lower == upper else {
            return TokenEstimate(count: up, isExact: false, lower: lower, upper: upper, method: method)
        }
        return .exact(up, method: method)
    }

    // MARK: - Anthropic

    /// The longest edge Anthropic keeps; a longer image is scaled down first.
    public static let anthropicMaxLongEdge = 1568
    /// The area above which Anthropic scales an image down: "more than ~1,600 tokens", that is
    /// 1,600 × 750 pixels (the documented 1092 × 1092 maximum is below it).
    public static let anthropicMaxArea = 1_600 * 750
    /// Pixels per token in Anthropic's formula.
    public static let anthropicPixelsPerToken = 750
    /// The size Anthropic recommends at most (1.15 megapixels): the low end of the range for an
    /// image scaled down by the area limit.
    static let anthropicRecommendedArea = 1_150_000
    /// The largest size in Anthropic's table of sizes that are not scaled (1:2, 784 × 1568 px): the
    /// high end of the range for an image scaled down by the area limit.
    static let anthropicLargestUnscaledArea = 784 * 1568

    /// An OpenAI image whose size is not known (an image by URL): the range of `detail`'s count over
    /// every size up to 4,096 px a side, in steps of 64 px; the count is the upper end, as a
    /// reservation wants.
    ///
    /// - throws: ``CostTokensError`` `.unknownModel` when no image rule is known for `model`.
    public static func openAIUnknownSize(detail: OpenAIImageDetail, model: String) throws -> TokenEstimate {
        var lower = Int.max
        var upper = 0
        var method = ""
        for width in stride(from: 64, through: 4_096, by: 64) {
            for height in stride(from: 64, through: 4_096, by: 64) {
                let e = try openAI(width: width, height: height, detail: detail, model: model)
                lower = min(lower, e.lower)
                upper = max(upper, e.upper)
                method = e.method
            }
        }
        return TokenEstimate(count: upper, isExact: false, lower: lower, upper: upper, method: method + "-size-unknown")
    }

    /// The tokens of an image sent to Claude, by Anthropic's documented approximation
    /// `tokens ≈ width × height / 750`, after scaling the image down (keeping its aspect ratio) so
    /// that its long edge is at most 1568 px and its area at most about 1,600 tokens.
    ///
    /// The result is an estimate (Anthropic calls it approximate). Its range: for an image that is
    /// not scaled, the documented examples (200 × 200 ≈ 54, 1000 × 1000 ≈ 1334, 1092 × 1092 ≈ 1590)
    /// round the quotient up, so the range is the quotient rounded down to rounded up; for a scaled
    /// image, each scaled side may differ by a pixel; for an image scaled by the area limit, the
    /// range also covers 1533 tokens (1.15 megapixels, the size Anthropic recommends) to 1640
    /// tokens (784 × 1568, the largest size in Anthropic's table of sizes that are not scaled).
    ///
    /// For example, 1000 × 1000 is 1334 (1333...1334) and 200 × 200 is 54.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/invalidImageSize``.
    public static func anthropic(width: Int, height: Int) throws -> TokenEstimate {
        try CostTokensError.checkImageSize(width: width, height: height)
        let method = "anthropic-image-area"
        let perToken = anthropicPixelsPerToken
        func tokens(area: Int) -> (down: Int, up: Int) {
            (area / perToken, (area + perToken - 1) / perToken)
        }
        func tokens(_ w: Int, _ h: Int) -> (down: Int, up: Int) { tokens(area: w * h) }
        let long = max(width, height)
        let area = width * height
        let longScale = Double(anthropicMaxLongEdge) / Double(long)
        let areaScale = (Double(anthropicMaxArea) / Double(area)).squareRoot()
        guard longScale < 1 || areaScale < 1 else {
            let t = tokens(width, height)
            return TokenEstimate(count: t.up, isExact: false, lower: t.down, upper: t.up, method: method)
        }
        let w: Int
        let h: Int
        if longScale <= areaScale {
            // Exact integer scaling to the long edge.
            (w, h) = (
                max(1, width * anthropicMaxLongEdge / long), max(1, height * anthropicMaxLongEdge / long)
            )
        } else {
            (w, h) = (max(1, Int(Double(width) * areaScale)), max(1, Int(Double(height) * areaScale)))
        }
        let count = tokens(w, h).up
        var lower = tokens(max(1, w - 1), max(1, h - 1)).down
        var upper = tokens(w + 1, h + 1).up
        if areaScale < longScale {
            lower = min(lower, tokens(area: anthropicRecommendedArea).down)
            upper = max(upper, tokens(area: anthropicLargestUnscaledArea).up)
        }
        return TokenEstimate(count: count, isExact: false, lower: lower, upper: upper, method: method)
    }

    // MARK: - Gemini

    /// The tokens of one image (or one tile) in Gemini 2.0 and later.
    public static let geminiTokensPerTile = 258
    /// The largest side of an image that Gemini counts as a single 258-token image.
    public static let geminiSmallImageSide = 384
    /// The side of Gemini's tiles.
    public static let geminiTileSide = 768

    /// The tokens of an image sent to Gemini 2.0 or later (Gemini API "Understand and count
    /// tokens"): an image with both sides at most 384 px is 258 tokens (exact); a larger image is
    /// "cropped and scaled as needed into tiles of 768 × 768 pixels, each counted as 258 tokens".
    ///
    /// Google does not say how many tiles a larger image makes, so for it the count is an
    /// estimate, `ceil(width / 768) × ceil(height / 768) × 258`, with no published bound
    /// (`lower == count == upper`, `isExact == false`).
    ///
    /// For example, 384 × 384 is 258 (exact) and 1024 × 1024 is about 1032.
    ///
    /// - throws: ``CostTokensError`` with code ``CostTokensError/Code/invalidImageSize``.
    public static func gemini(width: Int, height: Int) throws -> TokenEstimate {
        try CostTokensError.checkImageSize(width: width, height: height)
        let method = "gemini-image-tiles"
        if width <= geminiSmallImageSide && height <= geminiSmallImageSide {
            return .exact(geminiTokensPerTile, method: method)
        }
        let across = (width + geminiTileSide - 1) / geminiTileSide
        let down = (height + geminiTileSide - 1) / geminiTileSide
        let tiles = across * down
        let count = tiles * geminiTokensPerTile
        return TokenEstimate(count: count, isExact: false, lower: count, upper: count, method: method)
    }
}
