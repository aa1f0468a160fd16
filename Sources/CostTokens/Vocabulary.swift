import Foundation

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
    /// Slots `(hash >> 32) << 32 | (rank + 1)`; `0` is an empty slot.
    let slots: UnsafeMutablePointer<UInt64>
    let slotMask: Int
    /// Rank of each single byte (every byte is a token in both encodings).
    let byteRanks: UnsafeMutablePointer<UInt32>
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
        while capacity < count * 2 + 2 { capacity <<= 1 }
        slotMask = capacity - 1
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: 0, count: capacity)
        byteRanks = .allocate(capacity: 256)
        byteRanks.initialize(repeating: Vocabulary.noRank, count: 256)
        guard Int(offset) == tokenBytes.count else {
            throw CostTokensError(
                code: .corruptVocabulary,
                message: "the vocabulary's token lengths add up to \(offset) bytes but \(tokenBytes.count) are present; "
                    + "regenerate the resources with Scripts/vocab/make_vocab.sh")
        }
        for rank in 0..<count {
            let start = Int(offsets[rank])
            let length = Int(offsets[rank + 1]) - start
            let hash = Vocabulary.hash(UnsafePointer(bytes + start), length)
            var slot = Int(truncatingIfNeeded: hash) & slotMask
            while slots[slot] != 0 { slot = (slot + 1) & slotMask }
            slots[slot] = (hash & 0xffff_ffff_0000_0000) | UInt64(rank + 1)
            if length == 1 { byteRanks[Int(bytes[start])] = UInt32(rank) }
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
    }

    /// The rank of the byte sequence `key[0..<length]`, or ``noRank``.
    @inline(__always)
    func rank(of key: UnsafePointer<UInt8>, _ length: Int) -> UInt32 {
        if length == 1 { return byteRanks[Int(key[0])] }
        if length > maxTokenLength { return Vocabulary.noRank }
        return rank(of: key, length, hash: Vocabulary.hash(key, length))
    }

    /// The rank of `key[0..<length]` (`length <= maxTokenLength`) whose ``hash(_:_:)`` is `hash`.
    @inline(__always)
    func rank(of key: UnsafePointer<UInt8>, _ length: Int, hash: UInt64) -> UInt32 {
        let tag = hash & 0xffff_ffff_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let entry = slots[slot]
            if entry == 0 { return Vocabulary.noRank }
            if entry & 0xffff_ffff_0000_0000 == tag {
                let rank = Int(truncatingIfNeeded: entry & 0xffff_ffff) - 1
                let start = Int(offsets[rank])
                if Int(offsets[rank + 1]) - start == length
                    && Vocabulary.equal(UnsafePointer(bytes + start), key, length)
                {
                    return UInt32(rank)
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

    /// A fast 64-bit hash of `length` bytes (reads whole words; mixes like wyhash-style multiply-xor).
    @inline(__always)
    static func hash(_ key: UnsafePointer<UInt8>, _ length: Int) -> UInt64 {
        let raw = UnsafeRawPointer(key)
        var h: UInt64 = 0x9e37_79b9_7f4a_7c15 &* UInt64(length &+ 1)
        var index = 0
        while index + 8 <= length {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            h = (h ^ word) &* 0xbf58_476d_1ce4_e5b9
            h ^= h >> 31
            index += 8
        }
        if index < length {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while index < length {
                word |= UInt64(key[index]) << shift
                shift += 8
                index += 1
            }
            h = (h ^ word) &* 0x94d0_49bb_1331_11eb
        }
        h ^= h >> 29
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 32
        return h
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
