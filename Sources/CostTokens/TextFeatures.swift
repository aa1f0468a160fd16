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
        if text.utf8.withContiguousStorageIfAvailable({ add(utf8: $0, tokenizer: tokenizer) }) == nil {
            var copy = text
            copy.withUTF8 { add(utf8: $0, tokenizer: tokenizer) }
        }
    }

    /// Adds the features of valid UTF-8 `bytes`: one pass over the bytes (ASCII needs no decoding),
    /// each run of one script class counted in place by the tokenizer's own encoder.
    mutating func add(utf8 bytes: UnsafeBufferPointer<UInt8>, tokenizer: BPETokenizer) {
        let pool = tokenizer.pool
        let workspace = pool.take()
        defer { pool.giveBack(workspace) }
        func count(_ range: Range<Int>) -> Int {
            var sink = CountingSink()
            tokenizer.run(UnsafeBufferPointer(rebasing: bytes[range]), workspace, &sink)
            return sink.count
        }
        var newlines = 0
        var spaces = 0
        var digits = 0
        var runStart = 0
        var current = -1
        var i = 0
        let n = bytes.count
        while i < n {
            let lead = bytes[i]
            let length: Int
            let scriptClass: Int
            if lead < 0x80 {
                switch lead {
                case 0x0A: newlines += 1
                case 0x20, 0x09: spaces += 1
                case 0x30...0x39: digits += 1
                default: break
                }
                length = 1
                scriptClass = Self.baseClass
            } else {
                // Valid UTF-8: the lead byte gives the length, continuation bytes carry 6 bits each.
                length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
                var scalar = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
                for k in 1..<length { scalar = scalar << 6 | (UInt32(bytes[i + k]) & 0x3F) }
                scriptClass = Self.scriptClass(scalar)
            }
            if scriptClass != current {
                if current >= 0 { values[current] += count(runStart..<i) }
                current = scriptClass
                runStart = i
            }
            i += length
        }
        if current >= 0 { values[current] += count(runStart..<n) }
        values[4] += newlines
        values[5] += spaces
        values[6] += digits
    }

    /// Adds another piece's features.
    mutating func add(_ other: TextFeatures) {
        for i in values.indices { values[i] += other.values[i] }
    }
}
