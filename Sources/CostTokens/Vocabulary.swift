/// The mergeable ranks of one encoding: token bytes by rank, and an open-addressing hash table
/// from byte sequences to ranks.
///
/// The storage is allocated once when the vocabulary is loaded and never mutated afterwards.
///
/// `@unchecked Sendable` proof: every stored property is a `let`; the buffers behind the
/// pointers are written only inside `init` (before `self` is shared with any other thread) and
/// are only read afterwards, then freed in `deinit`, when no reference can remain.
final class Vocabulary: @unchecked Sendable {
    /// Number of mergeable tokens (ranks `0..<count`).
    let count: Int
    /// All token bytes, concatenated in rank order.
    let bytes: UnsafeMutablePointer<UInt8>
    /// `offsets[r]..<offsets[r + 1]` are the bytes of rank `r` (`count + 1` entries).
    let offsets: UnsafeMutablePointer<UInt32>
    /// Pairs of words per slot: the key's ``pack(_:_:)`` word, then
    /// `tag << 40 | length << 32 | rank` (`tag` is the top 24 bits of the hash); `0` is empty.
    let slots: UnsafeMutablePointer<UInt64>
    let slotMask: Int
    /// Rank of each single byte (every byte is a token in both encodings).
    let byteRanks: UnsafeMutablePointer<UInt32>
    /// Rank of each two-byte token, indexed by `first << 8 | second` (``noRank`` if none).
    let pairRanks: UnsafeMutablePointer<UInt32>
    /// The longest token, in bytes.
    let maxTokenLength: Int
    /// SHA-256 of the original `.tiktoken` file this vocabulary was made from (hex).
    let originalSHA256: String

    /// A rank that is not in the vocabulary.
    static let noRank: UInt32 = .max

    /// Builds the vocabulary from the lengths and concatenated bytes of the tokens in rank order.
    init(lengths: UnsafeRawBufferPointer, tokenBytes: UnsafeRawBufferPointer, originalSHA256: String) throws {
        count = lengths.count
        self.originalSHA256 = originalSHA256
        bytes = .allocate(capacity: max(tokenBytes.count, 1) + 8)
        bytes.initialize(repeating: 0, count: max(tokenBytes.count, 1) + 8)
        if let base = tokenBytes.baseAddress {
            bytes.update(from: base.assumingMemoryBound(to: UInt8.self), count: tokenBytes.count)
        }
        offsets = .allocate(capacity: count + 1)
        var offset: UInt32 = 0
        var longest = 0
        for rank in 0..<count {
            offsets[rank] = offset
            offset += UInt32(lengths[rank])
            longest = max(longest, Int(lengths[rank]))
        }
        offsets[count] = offset
        maxTokenLength = longest
        var capacity = 1024
        while capacity < count + count / 2 + 2 { capacity <<= 1 }
        slotMask = capacity - 1
        slots = .allocate(capacity: capacity * 2)
        slots.initialize(repeating: 0, count: capacity * 2)
        byteRanks = .allocate(capacity: 256)
        byteRanks.initialize(repeating: Vocabulary.noRank, count: 256)
        pairRanks = .allocate(capacity: 1 << 16)
        pairRanks.initialize(repeating: Vocabulary.noRank, count: 1 << 16)
        guard Int(offset) == tokenBytes.count else {
            throw CostTokensError(
                code: .corruptVocabulary,
                message: "the vocabulary's token lengths add up to \(offset) bytes but \(tokenBytes.count) are present; "
                    + "regenerate the resources with Scripts/vocab/make_vocab.sh")
        }
        for rank in 0..<count {
            let start = Int(offsets[rank])
            let length = Int(offsets[rank + 1]) - start
            let key = UnsafePointer(bytes + start)
            let hash = Vocabulary.hash(key, length)
            var slot = Int(truncatingIfNeeded: hash) & slotMask
            while slots[2 * slot + 1] != 0 { slot = (slot + 1) & slotMask }
            slots[2 * slot] = Vocabulary.pack(key, length)
            slots[2 * slot + 1] = (hash >> 40) << 40 | UInt64(length) << 32 | UInt64(rank)
            if length == 1 { byteRanks[Int(bytes[start])] = UInt32(rank) }
            if length == 2 { pairRanks[Int(bytes[start]) << 8 | Int(bytes[start + 1])] = UInt32(rank) }
        }
        for byte in 0..<256 where byteRanks[byte] == Vocabulary.noRank {
            throw CostTokensError(
                code: .corruptVocabulary,
                message: "the vocabulary has no token for byte \(byte); regenerate the resources with Scripts/vocab/make_vocab.sh")
        }
    }

    deinit {
        bytes.deallocate()
        offsets.deallocate()
        slots.deallocate()
        byteRanks.deallocate()
        pairRanks.deallocate()
    }

    /// The rank of the byte sequence `key[0..<length]`, or ``noRank``.
    @inline(__always)
    func rank(of key: UnsafePointer<UInt8>, _ length: Int) -> UInt32 {
        if length == 1 { return byteRanks[Int(key[0])] }
        if length == 2 { return pairRanks[Int(key[0]) << 8 | Int(key[1])] }
        if length > maxTokenLength { return Vocabulary.noRank }
        let packed = Vocabulary.pack(key, length)
        return rank(of: key, length, packed: packed, hash: Vocabulary.hash(key, length, packed: packed))
    }

    /// The rank of `key[0..<length]` (`length <= maxTokenLength`) whose ``pack(_:_:)`` is
    /// `packed` and whose ``hash(_:_:packed:)`` is `hash`.
    @inline(__always)
    func rank(of key: UnsafePointer<UInt8>, _ length: Int, packed: UInt64, hash: UInt64) -> UInt32 {
        let expected = (hash >> 40) << 8 | UInt64(length)
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let meta = slots[2 * slot + 1]
            if meta == 0 { return Vocabulary.noRank }
            if meta >> 32 == expected && slots[2 * slot] == packed {
                let rank = UInt32(truncatingIfNeeded: meta)
                if length <= 8 || Vocabulary.equal(UnsafePointer(bytes + Int(offsets[Int(rank)])), key, length) {
                    return rank
                }
            }
            slot = (slot + 1) & slotMask
        }
    }

    /// The bytes of `rank`, which must be below ``count``.
    @inline(__always)
    func token(_ rank: Int) -> UnsafeBufferPointer<UInt8> {
        let start = Int(offsets[rank])
        return UnsafeBufferPointer(start: bytes + start, count: Int(offsets[rank + 1]) - start)
    }

    // MARK: - Hashing

    /// Up to eight bytes as one word, distinct for distinct keys of the same length: two
    /// overlapping 4-byte loads for 4...8 bytes, three byte loads for 1...3. For longer keys,
    /// their first eight bytes.
    @inline(__always)
    static func pack(_ key: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        let raw = UnsafeRawPointer(key)
        if length >= 8 { return raw.loadUnaligned(as: UInt64.self) }
        if length >= 4 {
            return UInt64(raw.loadUnaligned(as: UInt32.self))
                | UInt64(raw.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)) << 32
        }
        return UInt64(key[0]) | UInt64(key[length >> 1]) << 8 | UInt64(key[length - 1]) << 16
    }

    /// A fast 64-bit hash of `length` bytes (`length >= 1`): whole words, multiply-xorshift mixing.
    @inline(__always)
    static func hash(_ key: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        hash(key, length, packed: pack(key, length))
    }

    /// ``hash(_:_:)`` given the key's ``pack(_:_:)``.
    @inline(__always)
    static func hash(_ key: UnsafePointer<UInt8>, _ length: Int, packed: UInt64) -> UInt64 {
        var h = packed ^ (UInt64(length) &* 0x9e37_79b9_7f4a_7c15)
        if length > 8 {
            let raw = UnsafeRawPointer(key)
            var index = 8
            while index + 8 < length {
                h = (h &* 0xbf58_476d_1ce4_e5b9) ^ raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                index += 8
            }
            h = (h &* 0xbf58_476d_1ce4_e5b9) ^ raw.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self)
        }
        h = (h ^ (h >> 32)) &* 0xd6e8_feb8_6659_fd93
        h = (h ^ (h >> 32)) &* 0xd6e8_feb8_6659_fd93
        return h ^ (h >> 32)
    }

    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        var index = 0
        let ra = UnsafeRawPointer(a)
        let rb = UnsafeRawPointer(b)
        while index + 8 <= length {
            if ra.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                != rb.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            {
                return false
            }
            index += 8
        }
        while index < length {
            if a[index] != b[index] { return false }
            index += 1
        }
        return true
    }
}
