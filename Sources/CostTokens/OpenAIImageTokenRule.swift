/// The per-model constants of OpenAI's image token rule ("Images and vision", *Calculating costs*):
/// a `low`-detail image costs `baseTokens`; a `high`-detail image costs `baseTokens` plus
/// `tokensPerTile` for each 512-px tile.
///
/// For example:
///
/// ```swift
/// OpenAIImageTokenRule(model: "gpt-4o-2024-08-06")   // base 85, 170 per tile
/// OpenAIImageTokenRule(model: "gpt-4o-mini")         // base 2833, 5667 per tile
/// OpenAIImageTokenRule(model: "gpt-4.1-mini")        // nil: billed by 32-px patches instead
/// ```
public struct OpenAIImageTokenRule: Sendable, Hashable {
    /// The tokens of a `low`-detail image, and the fixed part of a `high`-detail one.
    public var baseTokens: Int
    /// The tokens of each 512 × 512 tile of a `high`-detail image.
    public var tokensPerTile: Int

    /// Makes a rule.
    public init(baseTokens: Int, tokensPerTile: Int) {
        self.baseTokens = baseTokens
        self.tokensPerTile = tokensPerTile
    }

    /// The size a `high`-detail image is first fitted into (each side at most this).
    public static let fitSide = 2048
    /// The shortest side a `high`-detail image is then scaled down to.
    public static let shortSide = 768
    /// The side of a tile.
    public static let tileSide = 512

    /// gpt-4o, gpt-4.1, gpt-4-turbo and the gpt-4 vision previews.
    public static let gpt4o = OpenAIImageTokenRule(baseTokens: 85, tokensPerTile: 170)
    /// gpt-4o-mini: more tokens for the same image, so that it costs what it costs on gpt-4o.
    public static let gpt4oMini = OpenAIImageTokenRule(baseTokens: 2833, tokensPerTile: 5667)

    /// Model-name prefixes and their rule; `nil` marks vision models billed by another rule (the
    /// 32-px patch rule of gpt-4.1-mini and gpt-4.1-nano) or models without vision, so that a
    /// shorter prefix does not claim them. The longest matching prefix wins.
    static let table: [(prefix: String, value: OpenAIImageTokenRule?)] = [
        ("gpt-4o", .gpt4o), ("chatgpt-4o", .gpt4o), ("gpt-4o-mini", .gpt4oMini),
        ("gpt-4.1", .gpt4o), ("gpt-4.1-mini", nil), ("gpt-4.1-nano", nil),
        ("gpt-4-turbo", .gpt4o), ("gpt-4-turbo-preview", nil),
        ("gpt-4-vision-preview", .gpt4o), ("gpt-4-1106-vision-preview", .gpt4o),
    ]

    /// The rule of an OpenAI vision model, or `nil` when it is not known here.
    public init?(model: String) {
        guard let rule = ModelPrefixMatch.longest(model, in: Self.table).flatMap({ $0 }) else { return nil }
        self = rule
    }

    /// The number of 512-px tiles of a `high`-detail image: fitted within 2048 × 2048, then scaled
    /// so that the shortest side is 768 px (never scaled up), in two steps as OpenAI describes it.
    ///
    /// OpenAI does not say how a scaled side that is not a whole number of pixels is rounded. The
    /// count rounds down after each step (as `int()` does); the range covers rounding down or up
    /// at either step. They differ only when a side lands within about a pixel of a tile boundary.
    static func tiles(width: Int, height: Int) -> (count: Int, lower: Int, upper: Int) {
        func scaled(_ side: Int, by num: Int, over den: Int, roundingUp: Bool) -> Int {
            max(1, (side * num + (roundingUp ? den - 1 : 0)) / den)
        }
        func tileCount(_ side: Int) -> Int { (side + tileSide - 1) / tileSide }
        var results: [Int] = []
        for firstUp in [false, true] {
            var (w, h) = (width, height)
            let long = max(w, h)
            if long > fitSide {
                (w, h) = (
                    scaled(w, by: fitSide, over: long, roundingUp: firstUp),
                    scaled(h, by: fitSide, over: long, roundingUp: firstUp)
                )
            }
            for secondUp in [false, true] {
                var (w2, h2) = (w, h)
                let short = min(w, h)
                if short > shortSide {
                    (w2, h2) = (
                        scaled(w, by: shortSide, over: short, roundingUp: secondUp),
                        scaled(h, by: shortSide, over: short, roundingUp: secondUp)
                    )
                }
                results.append(tileCount(w2) * tileCount(h2))
            }
        }
        return (results[0], results.min() ?? results[0], results.max() ?? results[0])
    }
}
