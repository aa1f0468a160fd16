/// OpenAI's patch-based image rule ("Images and vision", *Calculating costs*), used by gpt-4.1-mini,
/// gpt-4.1-nano, o4-mini, gpt-5-mini and gpt-5-nano: the image is covered by 32 × 32 px patches; an
/// image that needs more than 1536 patches is scaled down (keeping its aspect ratio) until it fits;
/// the patch count, at most 1536, is multiplied by a per-model factor.
///
/// The multipliers are per mille so that the table holds exact values: gpt-4.1-mini's 1.62 is
/// `1620`. Where OpenAI's own figures disagree (the vision guide lists 1.62 for gpt-5-mini and 2.46
/// for gpt-5-nano; its pricing page's calculator uses 1.2 and 1.5, and what the API reports matches
/// the calculator), `lowerMultiplierPerMille` holds the smaller figure and the count is an estimate
/// between the two.
///
/// For example:
///
/// ```swift
/// OpenAIImagePatchRule(model: "gpt-4.1-mini")   // 1.62 × patches
/// OpenAIImagePatchRule(model: "o4-mini")        // 1.72 × patches
/// OpenAIImagePatchRule(model: "gpt-4o")         // nil: 512-px tiles instead
/// ```
public struct OpenAIImagePatchRule: Sendable, Hashable {
    /// The documented multiplier, per mille (1620 is 1.62).
    public var multiplierPerMille: Int
    /// A smaller multiplier OpenAI also publishes for the model, per mille, if any: the low end of
    /// the range.
    public var lowerMultiplierPerMille: Int?

    /// Makes a rule.
    public init(multiplierPerMille: Int, lowerMultiplierPerMille: Int? = nil) {
        self.multiplierPerMille = multiplierPerMille
        self.lowerMultiplierPerMille = lowerMultiplierPerMille
    }

    /// The side of a patch.
    public static let patchSide = 32
    /// The most patches an image is billed for; a larger image is scaled down first.
    public static let maxPatches = 1536

    /// Model-name prefixes and their rule (longest prefix wins); the data behind ``init(model:)``.
    static let table: [(prefix: String, value: OpenAIImagePatchRule)] = [
        ("gpt-4.1-mini", OpenAIImagePatchRule(multiplierPerMille: 1620)),
        ("gpt-4.1-nano", OpenAIImagePatchRule(multiplierPerMille: 2460)),
        ("o4-mini", OpenAIImagePatchRule(multiplierPerMille: 1720)),
        ("gpt-5-mini", OpenAIImagePatchRule(multiplierPerMille: 1620, lowerMultiplierPerMille: 1200)),
        ("gpt-5-nano", OpenAIImagePatchRule(multiplierPerMille: 2460, lowerMultiplierPerMille: 1500)),
    ]

    /// The patch rule of an OpenAI model, or `nil` when the model is not billed by patches here.
    public init?(model: String) {
        guard let rule = ModelPrefixMatch.longest(model, in: Self.table) else { return nil }
        self = rule
    }

    /// The patches of an image: `ceil(w/32) × ceil(h/32)`; above 1536, the image is scaled by
    /// `r = sqrt(32² × 1536 / (w × h))`, then by the factor that makes its more constrained side a
    /// whole number of patches, and the patches of the scaled image are counted (at most 1536).
    ///
    /// The scaling is done in floating point, as in OpenAI's description. A scaled side that lands
    /// within 10⁻⁶ patch above a whole number (3000 × 1000 → 66 × 22.000000000000004) is that
    /// whole number in exact arithmetic, which `count` uses (the guide's 1800 × 2400 is 33 × 44);
    /// `upper` is what rounding the floating-point value up gives, in case OpenAI's code does that.
    static func patches(width: Int, height: Int) -> (count: Int, upper: Int) {
        let side = patchSide
        let raw = ((width + side - 1) / side) * ((height + side - 1) / side)
        guard raw > maxPatches else { return (raw, raw) }
        let w = Double(width)
        let h = Double(height)
        let s = Double(side)
        var scale = (s * s * Double(maxPatches) / (w * h)).squareRoot()
        let across = w * scale / s
        let down = h * scale / s
        // A side shorter than one patch stays one patch; only whole-patch sides constrain the fit.
        func fit(_ patches: Double) -> Double { patches >= 1 ? patches.rounded(.down) / patches : 1 }
        scale *= min(fit(across), fit(down))
        func cover(_ length: Double) -> (exact: Int, ceiling: Int) {
            let patches = length * scale / s
            let whole = patches.rounded()
            let ceiling = max(1, Int(patches.rounded(.up)))
            return (abs(patches - whole) < 1e-6 ? max(1, Int(whole)) : ceiling, ceiling)
        }
        let (x, y) = (cover(w), cover(h))
        return (min(maxPatches, x.exact * y.exact), min(maxPatches, x.ceiling * y.ceiling))
    }
}
