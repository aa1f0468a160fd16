/// Splits UTF-8 text into pieces exactly as the encodings' regexes do, with a hand-written
/// scanner instead of a regex engine.
///
/// cl100k_base:
/// `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`
///
/// o200k_base (alternatives joined by `|`):
/// `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
/// `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
/// `\p{N}{1,3}`, ` ?[^\s\p{L}\p{N}]+[\r\n/]*`, `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`.
///
/// Each alternative is resolved the way a backtracking engine resolves it (leftmost alternative
/// first, greedy quantifiers giving back one scalar at a time); the comments on each step say
/// which alternative it implements. The input must be valid UTF-8.
struct PreTokenizer {
    enum Pattern: Sendable { case cl100k, o200k }

    let pattern: Pattern
    let text: UnsafePointer<UInt8>
    let end: Int
    private let table: UnsafeMutablePointer<UInt8>
    private let blockIndex: UnsafeMutablePointer<UInt16>?
    private let blocks: UnsafeMutablePointer<UInt8>?

    private static let letterOrNumber = ScalarClass.letter | ScalarClass.number
    private static let wordish = ScalarClass.letter | ScalarClass.number | ScalarClass.whitespace

    init(pattern: Pattern, text: UnsafePointer<UInt8>, count: Int) {
        self.pattern = pattern
        self.text = text
        self.end = count
        let classes = ScalarClassTable.shared
        self.table = classes.bits
        self.blockIndex = classes.blockIndex
        self.blocks = classes.blocks
    }

    /// The end of the piece that starts at `start` (`start < end`).
    @inline(__always)
    func pieceEnd(from start: Int) -> Int {
        switch pattern {
        case .cl100k: cl100kASCII(start) ?? cl100kEnd(start)
        case .o200k: o200kASCII(start) ?? o200kEnd(start)
        }
    }

    // MARK: - ASCII fast paths

    // The common pieces of ASCII text — an optional space or punctuation mark before a word,
    // a digit group, a punctuation run — scanned byte by byte. Whenever a non-ASCII byte could
    // change the answer they return `nil`, and the general scanner, which handles every input,
    // decides instead.

    @inline(__always)
    private func asciiBits(_ i: Int) -> UInt8? {
        i < end && text[i] < 0x80 ? table[Int(text[i])] : nil
    }

    /// End of the ASCII run of `mask` scalars from `i`, or `nil` if it stops at a non-ASCII byte.
    /// Runs of letters of either case (cl100k) are tested eight bytes at a time while eight
    /// remain; o200k's upper- and lower-case runs measured slower that way (callgrind).
    @inline(__always)
    private func asciiRun(from i: Int, matching mask: UInt8) -> Int? {
        var j = i
        if mask == ScalarClass.letter {
            // Per byte, without carries between bytes (high bits cleared before adding), the high
            // bit of `(y & 0x7F) + (0x80 - c)` is set iff `y & 0x7F >= c`; `y = x | 0x20` folds case.
            let ones: UInt64 = 0x0101_0101_0101_0101
            let high: UInt64 = 0x8080_8080_8080_8080
            let raw = UnsafeRawPointer(text)
            while j + 8 <= end {
                let x = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: j, as: UInt64.self))
                let y = (x | 0x20 &* ones) & ~high
                let atLeastA = (y &+ (0x80 - 0x61) &* ones) & ~x & high
                let pastZ = (y &+ (0x80 - 0x7B) &* ones) & high
                let misses = ~(atLeastA & ~pastZ) & high
                if misses != 0 {
                    j += misses.trailingZeroBitCount >> 3
                    return text[j] >= 0x80 ? nil : j
                }
                j += 8
            }
        }
        while j < end {
            let b = text[j]
            if b >= 0x80 { return nil }
            if table[Int(b)] & mask == 0 { break }
            j += 1
        }
        return j
    }

    @inline(__always)
    private func asciiDigitsOrPunctuation(_ i: Int, _ c0: UInt8, _ suffixSlash: Bool) -> Int? {
        if c0 & ScalarClass.number != 0 {
            var j = i + 1
            while j < end && j < i + 3 {
                guard let bits = asciiBits(j) else { return j < end ? nil : j }
                if bits & ScalarClass.number == 0 { break }
                j += 1
            }
            return j
        }
        // ` ?[^\s\p{L}\p{N}]+` then `[\r\n]*` (cl100k) or `[\r\n/]*` (o200k).
        var j = i
        if c0 & Self.wordish == 0 {
            j = i + 1
        } else if text[i] == UInt8(ascii: " "), let c1 = asciiBits(i + 1), c1 & Self.wordish == 0 {
            j = i + 2
        } else {
            return nil
        }
        while j < end {
            let b = text[j]
            if b >= 0x80 { return nil }
            if table[Int(b)] & Self.wordish != 0 { break }
            j += 1
        }
        while j < end && (text[j] == 0x0D || text[j] == 0x0A || (suffixSlash && text[j] == UInt8(ascii: "/"))) { j += 1 }
        return j
    }

    /// A run of ASCII whitespace at `i`, resolved like the whitespace alternatives: to the end
    /// of the text, after the last newline, all but the last scalar, or the single scalar
    /// (`newlineFirst` is o200k's order, where `\s*[\r\n]+` precedes the end-of-text case).
    @inline(__always)
    private func asciiWhitespace(_ i: Int, newlineFirst: Bool) -> Int? {
        var j = i
        var newlineEnd = -1
        while j < end {
            let b = text[j]
            if b >= 0x80 { return nil }
            if table[Int(b)] & ScalarClass.whitespace == 0 { break }
            j += 1
            if b == 0x0A || b == 0x0D { newlineEnd = j }
        }
        if newlineFirst {
            if newlineEnd >= 0 { return newlineEnd }
            if j == end { return end }
        } else {
            if j == end { return end }
            if newlineEnd >= 0 { return newlineEnd }
        }
        return j - i >= 2 ? j - 1 : j
    }

    @inline(__always)
    private func cl100kASCII(_ i: Int) -> Int? {
        let b0 = text[i]
        guard b0 < 0x80, b0 != UInt8(ascii: "'") else { return nil }
        let c0 = table[Int(b0)]
        if c0 & ScalarClass.letter != 0 { return asciiRun(from: i + 1, matching: ScalarClass.letter) }
        if c0 & (Self.letterOrNumber | ScalarClass.newline) == 0 {
            guard let c1 = asciiBits(i + 1) else { return i + 1 < end ? nil : asciiDigitsOrPunctuation(i, c0, false) }
            if c1 & ScalarClass.letter != 0 { return asciiRun(from: i + 2, matching: ScalarClass.letter) }
        }
        if c0 & ScalarClass.whitespace != 0 {
            if text[i] == UInt8(ascii: " "), let c1 = asciiBits(i + 1), c1 & Self.wordish == 0 {
                return asciiDigitsOrPunctuation(i, c0, false)
            }
            return asciiWhitespace(i, newlineFirst: false)
        }
        return asciiDigitsOrPunctuation(i, c0, false)
    }

    @inline(__always)
    private func o200kASCII(_ i: Int) -> Int? {
        let b0 = text[i]
        guard b0 < 0x80 else { return nil }
        let c0 = table[Int(b0)]
        var j = i
        if c0 & ScalarClass.letter == 0 {
            if c0 & (Self.letterOrNumber | ScalarClass.newline) == 0 {
                guard let c1 = asciiBits(i + 1) else { return i + 1 < end ? nil : asciiDigitsOrPunctuation(i, c0, true) }
                if c1 & ScalarClass.letter != 0 { j = i + 1 }
            }
            if j == i {
                if c0 & ScalarClass.whitespace != 0 {
                    if text[i] == UInt8(ascii: " "), let c1 = asciiBits(i + 1), c1 & Self.wordish == 0 {
                        return asciiDigitsOrPunctuation(i, c0, true)
                    }
                    return asciiWhitespace(i, newlineFirst: true)
                }
                return asciiDigitsOrPunctuation(i, c0, true)
            }
        }
        // ASCII letters after the optional lead: upper case then lower case. With lower-case
        // letters the first word alternative matches up to their end; without, the second one
        // matches the upper-case run.
        guard let k = asciiRun(from: j, matching: ScalarClass.upperish),
            let q = asciiRun(from: k, matching: ScalarClass.lowerish)
        else { return nil }
        return withContraction(q > k ? q : k)
    }

    // MARK: - Scalars

    /// The class bits and UTF-8 length of the scalar at `i`.
    @inline(__always)
    private func scalar(at i: Int) -> (bits: UInt8, length: Int) {
        let b0 = UInt32(text[i])
        if b0 < 0x80 { return (table[Int(b0)], 1) }
        if b0 < 0xE0 {
            return (table[Int((b0 & 0x1F) << 6 | UInt32(text[i + 1]) & 0x3F)], 2)
        }
        if b0 < 0xF0 {
            let value = (b0 & 0x0F) << 12 | (UInt32(text[i + 1]) & 0x3F) << 6 | UInt32(text[i + 2]) & 0x3F
            return (table[Int(value)], 3)
        }
        let value = (b0 & 0x07) << 18 | (UInt32(text[i + 1]) & 0x3F) << 12
            | (UInt32(text[i + 2]) & 0x3F) << 6 | UInt32(text[i + 3]) & 0x3F
        if let blockIndex, let blocks { return (blocks[Int(blockIndex[Int(value >> 8)]) << 8 | Int(value & 0xFF)], 4) }
        return (ScalarClass.compute(value), 4)
    }

    /// End of the run of scalars whose bits intersect `mask`, from `i`.
    @inline(__always)
    private func run(from i: Int, matching mask: UInt8) -> Int {
        var j = i
        while j < end {
            let b = text[j]
            if b < 0x80 {
                if table[Int(b)] & mask == 0 { break }
                j += 1
            } else {
                let (bits, length) = scalar(at: j)
                if bits & mask == 0 { break }
                j += length
            }
        }
        return j
    }

    /// End of the run of scalars whose bits do not intersect `mask`, from `i`.
    @inline(__always)
    private func run(from i: Int, avoiding mask: UInt8) -> Int {
        var j = i
        while j < end {
            let (bits, length) = scalar(at: j)
            if bits & mask != 0 { break }
            j += length
        }
        return j
    }

    /// After an apostrophe ending at `j`: the end of a contraction suffix (case-insensitive
    /// `s t m d re ve ll`; `ſ` U+017F folds to `s`), or `nil`.
    @inline(__always)
    private func contractionEnd(after j: Int) -> Int? {
        guard j < end else { return nil }
        switch text[j] | 0x20 {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return j + 1
        case UInt8(ascii: "l"):
            if j + 1 < end && text[j + 1] | 0x20 == UInt8(ascii: "l") { return j + 2 }
        case UInt8(ascii: "r"), UInt8(ascii: "v"):
            if j + 1 < end && text[j + 1] | 0x20 == UInt8(ascii: "e") { return j + 2 }
        default:
            if text[j] == 0xC5 && j + 1 < end && text[j + 1] == 0xBF { return j + 2 }
        }
        return nil
    }

    /// The whitespace alternatives shared by both patterns, at a whitespace scalar `i`.
    /// Returns the end of the run, the end after its last `\r`/`\n` (or -1), and the start of
    /// its last scalar.
    @inline(__always)
    private func whitespaceRun(from i: Int) -> (end: Int, newlineEnd: Int, lastStart: Int) {
        var j = i
        var newlineEnd = -1
        var lastStart = i
        while j < end {
            let (bits, length) = scalar(at: j)
            if bits & ScalarClass.whitespace == 0 { break }
            if bits & ScalarClass.newline != 0 { newlineEnd = j + 1 }
            lastStart = j
            j += length
        }
        return (j, newlineEnd, lastStart)
    }

    // MARK: - cl100k_base

    private func cl100kEnd(_ i: Int) -> Int {
        let b0 = text[i]
        let (c0, l0) = scalar(at: i)
        let next = i + l0
        // '(?i:[sdmt]|ll|ve|re)
        if b0 == UInt8(ascii: "'"), let e = contractionEnd(after: next) { return e }
        // [^\r\n\p{L}\p{N}]?+\p{L}++
        if c0 & ScalarClass.letter != 0 { return run(from: next, matching: ScalarClass.letter) }
        if c0 & (Self.letterOrNumber | ScalarClass.newline) == 0 && next < end {
            let (c1, l1) = scalar(at: next)
            if c1 & ScalarClass.letter != 0 { return run(from: next + l1, matching: ScalarClass.letter) }
        }
        // \p{N}{1,3}+
        if c0 & ScalarClass.number != 0 { return numberEnd(next) }
        // ` ?[^\s\p{L}\p{N}]++[\r\n]*+`
        var j = i
        if b0 == UInt8(ascii: " ") && next < end && scalar(at: next).bits & Self.wordish == 0 { j = next }
        if j != i || c0 & Self.wordish == 0 {
            j = run(from: j, avoiding: Self.wordish)
            while j < end && (text[j] == 0x0D || text[j] == 0x0A) { j += 1 }
            return j
        }
        // \s++$ | \s*[\r\n] | \s+(?!\S) | \s
        let ws = whitespaceRun(from: i)
        if ws.end == end { return end }
        if ws.newlineEnd >= 0 { return ws.newlineEnd }
        if ws.lastStart > i { return ws.lastStart }
        return ws.end
    }

    @inline(__always)
    private func numberEnd(_ afterFirst: Int) -> Int {
        var j = afterFirst
        var taken = 1
        while taken < 3 && j < end {
            let (bits, length) = scalar(at: j)
            if bits & ScalarClass.number == 0 { break }
            j += length
            taken += 1
        }
        return j
    }

    // MARK: - o200k_base

    private func o200kEnd(_ i: Int) -> Int {
        let b0 = text[i]
        let (c0, l0) = scalar(at: i)
        let next = i + l0
        if let e = o200kWordEnd(i, c0, next) { return e }
        // \p{N}{1,3}
        if c0 & ScalarClass.number != 0 { return numberEnd(next) }
        // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
        var j = i
        if b0 == UInt8(ascii: " ") && next < end && scalar(at: next).bits & Self.wordish == 0 { j = next }
        if j != i || c0 & Self.wordish == 0 {
            j = run(from: j, avoiding: Self.wordish)
            while j < end && (text[j] == 0x0D || text[j] == 0x0A || text[j] == UInt8(ascii: "/")) { j += 1 }
            return j
        }
        // \s*[\r\n]+ | \s+(?!\S) | \s+
        let ws = whitespaceRun(from: i)
        if ws.newlineEnd >= 0 { return ws.newlineEnd }
        if ws.end == end { return end }
        if ws.lastStart > i { return ws.lastStart }
        return ws.end
    }

    /// The two word alternatives of o200k, tried in order, each first with the optional
    /// leading `[^\r\n\p{L}\p{N}]` taken, then without it.
    @inline(__always)
    private func o200kWordEnd(_ i: Int, _ c0: UInt8, _ next: Int) -> Int? {
        let optionalLead = c0 & (Self.letterOrNumber | ScalarClass.newline) == 0
        let wordStart = c0 & (ScalarClass.upperish | ScalarClass.lowerish) != 0
        if !optionalLead && !wordStart { return nil }
        // [^\r\n\p{L}\p{N}]?[upper-ish]*[lower-ish]+(contraction)?
        if optionalLead && next < end, let e = upperThenLower(next) { return withContraction(e) }
        if wordStart, let e = upperThenLower(i) { return withContraction(e) }
        // [^\r\n\p{L}\p{N}]?[upper-ish]+[lower-ish]*(contraction)?
        if optionalLead && next < end, let e = upperRequired(next) { return withContraction(e) }
        if c0 & ScalarClass.upperish != 0, let e = upperRequired(i) { return withContraction(e) }
        return nil
    }

    /// `[upper-ish]*[lower-ish]+` at `j`, resolved by backtracking the greedy upper-ish run
    /// to the last scalar that is also lower-ish when the scalar after the run is not.
    @inline(__always)
    private func upperThenLower(_ j: Int) -> Int? {
        var k = j
        var lastLowerEnd = -1
        while k < end {
            let (bits, length) = scalar(at: k)
            if bits & ScalarClass.upperish == 0 {
                if bits & ScalarClass.lowerish != 0 { return run(from: k + length, matching: ScalarClass.lowerish) }
                break
            }
            if bits & ScalarClass.lowerish != 0 { lastLowerEnd = k + length }
            k += length
        }
        return lastLowerEnd >= 0 ? lastLowerEnd : nil
    }

    /// `[upper-ish]+[lower-ish]*` at `j`.
    @inline(__always)
    private func upperRequired(_ j: Int) -> Int? {
        let k = run(from: j, matching: ScalarClass.upperish)
        if k == j { return nil }
        return run(from: k, matching: ScalarClass.lowerish)
    }

    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)?` after a word ending at `e`.
    @inline(__always)
    private func withContraction(_ e: Int) -> Int {
        if e < end && text[e] == UInt8(ascii: "'"), let c = contractionEnd(after: e + 1) { return c }
        return e
    }
}
