/// The features of a text that the calibrated estimators read: the `o200k_base` tokens of the
/// text's runs of each script class, and counts of newlines, spaces and tabs, and ASCII digits.
///
/// The definition is shared with `Scripts/calibrate_estimators.py`, which fits the coefficients on
/// the same features; the two must agree scalar for scalar. Script classes are fixed Unicode
/// scalar ranges (not Unicode properties), so that the toolchains' Unicode versions do not matter.
/// Counts are additive over pieces of a text cut at a boundary of `o200k_base`'s pre-tokenizer.
struct TextFeatures: Sendable, Hashable {
    /// The order of the values, as in the calibration file's `features`.
    static let names = [
        "base_tokens", "han_kana_tokens", "hangul_tokens", "other_script_tokens", "newlines", "spaces", "digits",
    ]

    /// The values, in the order of ``names``.
    var values = [Int](repeating: 0, count: TextFeatures.names.count)

    static let baseClass = 0
    static let hanKanaClass = 1
    static let hangulClass = 2
    static let otherScriptClass = 3

    /// The script class of a scalar: Hangul; Han, kana and CJK punctuation and full-width forms;
    /// other scripts (Greek to Mongolian and Latin Extended Additional, U+0370–U+1DFF, and
    /// U+A640–U+ABFF); everything else, including ASCII, Latin and emoji.
    static func scriptClass(_ scalar: UInt32) -> Int {
        switch scalar {
        case 0xAC00...0xD7AF, 0x1100...0x11FF, 0x3130...0x318F:
            hangulClass
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FFFF, 0x3000...0x30FF,
            0x31F0...0x31FF, 0xFF00...0xFFEF:
            hanKanaClass
        case 0x0370...0x1DFF, 0xA640...0xABFF:
            otherScriptClass
        default:
            baseClass
        }
    }

    /// Adds the features of `text`, counting its runs with `tokenizer` (`o200k_base`).
    mutating func add(_ text: String, tokenizer: BPETokenizer) {
        let scalars = text.unicodeScalars
        var runStart = scalars.startIndex
        var current: Int?
        var index = scalars.startIndex
        while index != scalars.endIndex {
            let value = scalars[index].value
            switch value {
            case 0x0A: values[4] += 1
            case 0x20, 0x09: values[5] += 1
            case 0x30...0x39: values[6] += 1
            default: break
            }
            let scriptClass = Self.scriptClass(value)
            if scriptClass != current {
                if let current { values[current] += tokenizer.count(String(Substring(scalars[runStart..<index]))) }
                current = scriptClass
                runStart = index
            }
            scalars.formIndex(after: &index)
        }
        if let current { values[current] += tokenizer.count(String(Substring(scalars[runStart..<index]))) }
    }

    /// Adds another piece's features.
    mutating func add(_ other: TextFeatures) {
        for i in values.indices { values[i] += other.values[i] }
    }
}
