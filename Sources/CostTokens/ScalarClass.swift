/// The character classes the pre-tokenizer regexes use, as bits, per Unicode scalar.
///
/// `\p{L}`, `\p{N}`, `\p{M}` are general categories; `\s` is the Unicode `White_Space` property
/// (what the Rust regex engine behind tiktoken uses). o200k also splits letters into
/// "upper-ish" `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]` and "lower-ish" `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`.
enum ScalarClass {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let whitespace: UInt8 = 4
    static let mark: UInt8 = 8
    static let upperish: UInt8 = 16
    static let lowerish: UInt8 = 32
    /// `\r` or `\n`.
    static let newline: UInt8 = 64

    /// The Unicode version of the regex engine behind tiktoken 0.14 (Rust `regex-syntax` 0.8):
    /// scalars assigned later are unassigned (`Cn`) for it, so they are for us too.
    static let unicodeVersion: Unicode.Version = (major: 16, minor: 0)

    /// The class bits of one scalar, from the toolchain's Unicode tables, limited to the
    /// scalars assigned by ``unicodeVersion``.
    static func compute(_ value: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        var bits: UInt8 = 0
        let properties = scalar.properties
        guard let age = properties.age,
            age.major < unicodeVersion.major || (age.major == unicodeVersion.major && age.minor <= unicodeVersion.minor)
        else { return 0 }
        if properties.isWhitespace { bits |= whitespace }
        if value == 0x0A || value == 0x0D { bits |= newline }
        switch properties.generalCategory {
        case .uppercaseLetter, .titlecaseLetter: bits |= letter | upperish
        case .lowercaseLetter: bits |= letter | lowerish
        case .modifierLetter, .otherLetter: bits |= letter | upperish | lowerish
        case .nonspacingMark, .spacingMark, .enclosingMark: bits |= mark | upperish | lowerish
        case .decimalNumber, .letterNumber, .otherNumber: bits |= number
        default: break
        }
        return bits
    }
}

/// Class bits of every scalar of the Basic Multilingual Plane, computed once on first use.
///
/// `@unchecked Sendable` proof: `bits` is written only in `init`, before the single shared
/// instance is published through a `static let`, and only read afterwards; it is never freed.
final class ScalarClassTable: @unchecked Sendable {
    static let shared = ScalarClassTable()

    let bits: UnsafeMutablePointer<UInt8>

    private init() {
        bits = .allocate(capacity: 0x1_0000)
        for value in 0..<UInt32(0x1_0000) {
            bits[Int(value)] = ScalarClass.compute(value)
        }
    }

    /// The class bits of `value` (any scalar value).
    @inline(__always)
    func classOf(_ value: UInt32) -> UInt8 {
        value < 0x1_0000 ? bits[Int(value)] : ScalarClass.compute(value)
    }
}
