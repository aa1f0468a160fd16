/// A bounded cache from piece bytes to the ranks the merge produced for them.
///
/// Two generations approximate least-recently-used eviction with fixed memory: entries go into
/// the young generation; when it is full, the old generation is dropped and the young one becomes
/// old; a hit in the old generation is copied back into the young one. Whatever the input (a
/// 1 GB file included), the cache never holds more than `2 × entries` pieces.
struct PieceCache {
    static let defaultEntries = 1 << 14
    /// Pieces longer than this are not cached.
    static let maxKeyLength = 48

    private let entries: Int
    private var young: Generation?
    private var old: Generation?

    /// A cache of at most `2 × entries` pieces; memory is allocated on the first insertion.
    init(entries: Int) {
        self.entries = entries
    }

    /// The cached ranks of `key[0..<length]`: their count, and where they are (valid until the
    /// next call to `insert`).
    @inline(__always)
    mutating func lookup(_ key: UnsafePointer<UInt8>, _ length: Int, hash: UInt64)
        -> (ranks: UnsafePointer<UInt32>, count: Int)?
    {
        guard young != nil else { return nil }
        if let hit = young?.find(key, length, hash) { return hit }
        guard let hit = old?.find(key, length, hash) else { return nil }
        // Promote the hit when the young generation has room; never evict while `hit` is in use.
        return young?.add(key, length, hash, hit.ranks, hit.count) ?? hit
    }

    /// Caches `ranks[0..<count]` for `key[0..<length]`.
    @discardableResult
    mutating func insert(
        _ key: UnsafePointer<UInt8>, _ length: Int, hash: UInt64, ranks: UnsafePointer<UInt32>, count: Int
    ) -> (ranks: UnsafePointer<UInt32>, count: Int) {
        if young == nil { young = Generation(entries: entries) }
        if let stored = young?.add(key, length, hash, ranks, count) { return stored }
        if old == nil { old = Generation(entries: entries) }
        swap(&young, &old)
        young?.clear()
        return young?.add(key, length, hash, ranks, count) ?? (ranks, count)
    }

    /// One open-addressing table with its own key and value arenas.
    ///
    /// Owned by exactly one `PieceCache` (itself owned by one `MergeWorkspace`, never shared), so
    /// the buffers are never aliased; `release()` frees them when the workspace goes away.
    struct Generation {
        private let capacity: Int
        private let slots: UnsafeMutablePointer<UInt64>
        private let slotMask: Int
        private let keys: UnsafeMutablePointer<UInt8>
        private let keyCapacity: Int
        private let values: UnsafeMutablePointer<UInt32>
        private let valueCapacity: Int
        /// Per entry: key offset, key length, value offset, value count.
        private let entries: UnsafeMutablePointer<UInt32>
        private var count = 0
        private var keyUsed = 0
        private var valueUsed = 0

        init(entries capacity: Int) {
            self.capacity = capacity
            var slotCount = 16
            while slotCount < capacity * 2 { slotCount <<= 1 }
            slotMask = slotCount - 1
            slots = .allocate(capacity: slotCount)
            slots.initialize(repeating: 0, count: slotCount)
            keyCapacity = capacity * 16
            keys = .allocate(capacity: keyCapacity)
            valueCapacity = capacity * 8
            values = .allocate(capacity: valueCapacity)
            entries = .allocate(capacity: capacity * 4)
        }

        func release() {
            slots.deallocate()
            keys.deallocate()
            values.deallocate()
            entries.deallocate()
        }

        mutating func clear() {
            slots.update(repeating: 0, count: slotMask + 1)
            count = 0
            keyUsed = 0
            valueUsed = 0
        }

        @inline(__always)
        func find(_ key: UnsafePointer<UInt8>, _ length: Int, _ hash: UInt64)
            -> (ranks: UnsafePointer<UInt32>, count: Int)?
        {
            let tag = hash & 0xffff_ffff_0000_0000
            var slot = Int(truncatingIfNeeded: hash) & slotMask
            while true {
                let entry = slots[slot]
                if entry == 0 { return nil }
                if entry & 0xffff_ffff_0000_0000 == tag {
                    let e = entries + 4 * (Int(truncatingIfNeeded: entry & 0xffff_ffff) - 1)
                    if Int(e[1]) == length && Vocabulary.equal(UnsafePointer(keys + Int(e[0])), key, length) {
                        return (UnsafePointer(values + Int(e[2])), Int(e[3]))
                    }
                }
                slot = (slot + 1) & slotMask
            }
        }

        /// Adds an entry, or returns `nil` when this generation is full.
        mutating func add(
            _ key: UnsafePointer<UInt8>, _ length: Int, _ hash: UInt64, _ ranks: UnsafePointer<UInt32>, _ rankCount: Int
        ) -> (ranks: UnsafePointer<UInt32>, count: Int)? {
            guard count < capacity, keyUsed + length <= keyCapacity, valueUsed + rankCount <= valueCapacity else {
                return nil
            }
            (keys + keyUsed).update(from: key, count: length)
            (values + valueUsed).update(from: ranks, count: rankCount)
            let e = entries + 4 * count
            e[0] = UInt32(keyUsed)
            e[1] = UInt32(length)
            e[2] = UInt32(valueUsed)
            e[3] = UInt32(rankCount)
            var slot = Int(truncatingIfNeeded: hash) & slotMask
            while slots[slot] != 0 { slot = (slot + 1) & slotMask }
            count += 1
            slots[slot] = (hash & 0xffff_ffff_0000_0000) | UInt64(count)
            let stored = UnsafePointer(values + valueUsed)
            keyUsed += length
            valueUsed += rankCount
            return (stored, rankCount)
        }
    }

    /// Frees both generations; called once by the owning workspace's `deinit`.
    func release() {
        young?.release()
        old?.release()
    }
}
