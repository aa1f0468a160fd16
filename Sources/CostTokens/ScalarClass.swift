import Foundation

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

/// Class bits of every Unicode scalar, from the bundled `Resources/scalar_classes.ctsc` (Unicode
/// 16.0, made by `Scripts/vocab/make_scalar_classes.swift`), loaded once on first use, so the
/// result does not depend on the toolchain's Unicode version. Should the resource be missing or
/// damaged, the classes are computed from the toolchain's tables instead (``ScalarClass/compute(_:)``).
///
/// `@unchecked Sendable` proof: every stored property is a `let`; the buffers are written only in
/// `init`, before the single shared instance is published through a `static let`, and only read
/// afterwards; they are never freed.
final class ScalarClassTable: @unchecked Sendable {
    static let shared = ScalarClassTable()

    /// Class bits of the Basic Multilingual Plane, indexed by scalar value.
    let bits: UnsafeMutablePointer<UInt8>
    /// For all planes: the block number of each 256 scalars (`0x1100` entries) and the blocks;
    /// `nil` when computed from the toolchain.
    let blockIndex: UnsafeMutablePointer<UInt16>?
    let blocks: UnsafeMutablePointer<UInt8>?
    /// Where the classes come from: `"resource"` or `"toolchain"`.
    let source: String

    private init() {
        bits = .allocate(capacity: 0x1_0000)
        if let (index, blockBytes) = ScalarClassTable.loadResource() {
            let blockIndex = UnsafeMutablePointer<UInt16>.allocate(capacity: index.count)
            blockIndex.initialize(from: index, count: index.count)
            let blocks = UnsafeMutablePointer<UInt8>.allocate(capacity: blockBytes.count)
            blocks.initialize(from: blockBytes, count: blockBytes.count)
            for value in 0..<0x1_0000 {
                bits[value] = blocks[Int(blockIndex[value >> 8]) << 8 | value & 0xFF]
            }
            self.blockIndex = blockIndex
            self.blocks = blocks
            source = "resource"
        } else {
            for value in 0..<UInt32(0x1_0000) {
                bits[Int(value)] = ScalarClass.compute(value)
            }
            blockIndex = nil
            blocks = nil
            source = "toolchain"
        }
    }

    /// The class bits of `value` (any scalar value).
    @inline(__always)
    func classOf(_ value: UInt32) -> UInt8 {
        if value < 0x1_0000 { return bits[Int(value)] }
        guard value < 0x11_0000 else { return 0 }
        if let blockIndex, let blocks { return blocks[Int(blockIndex[Int(value >> 8)]) << 8 | Int(value & 0xFF)] }
        return ScalarClass.compute(value)
    }

    /// The block index and blocks of the resource, or `nil` if it is missing, of another Unicode
    /// version than ``ScalarClass/unicodeVersion``, or fails its SHA-256 check.
    static func loadResource() -> ([UInt16], [UInt8])? {
        guard let url = VocabularyFile.resourceURL("scalar_classes", extension: "ctsc"),
            let data = try? Data(contentsOf: url)
        else { return nil }
        let bytes = [UInt8](data)
        let header = 20
        let indexCount = 0x1100
        guard bytes.count > header + 2 * indexCount + 32, Array(bytes[0..<8]) == Array("CTSCLS01".utf8) else {
            return nil
        }
        func u32(_ at: Int) -> Int {
            Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
        }
        let blockCount = u32(16)
        let bodySize = header + 2 * indexCount + 256 * blockCount
        guard u32(8) == ScalarClass.unicodeVersion.major, u32(12) == ScalarClass.unicodeVersion.minor,
            bytes.count == bodySize + 32,
            bytes.withUnsafeBytes({ SHA256Digest.hash(UnsafeRawBufferPointer(rebasing: $0[0..<bodySize])) })
                == Array(bytes[bodySize...])
        else { return nil }
        var index: [UInt16] = []
        index.reserveCapacity(indexCount)
        for k in 0..<indexCount {
            let id = UInt16(bytes[header + 2 * k]) | UInt16(bytes[header + 2 * k + 1]) << 8
            guard Int(id) < blockCount else { return nil }
            index.append(id)
        }
        return (index, Array(bytes[(header + 2 * indexCount)..<bodySize]))
    }
}
