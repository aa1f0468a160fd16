/// Scratch memory for the rank-based byte-pair merge (tiktoken's `byte_pair_encode`) and the
/// piece cache, reused for every piece one caller encodes, so that merging allocates nothing.
///
/// Not thread-safe: each encode call, or each worker of a batch, owns one.
final class MergeWorkspace {
    /// Pieces up to this many bytes merge by scanning a flat array (fastest for short pieces);
    /// longer ones merge with a heap and a linked list, in O(n log n).
    static let flatLimit = 128

    /// The ranks of the last merged piece (`resultCount` of them).
    private(set) var result: UnsafeMutablePointer<UInt32>
    private var resultCapacity: Int

    // Flat merge: part starts (n + 1), the rank of each pair, the token rank of each part.
    private let starts: UnsafeMutablePointer<Int32>
    private let pairRanks: UnsafeMutablePointer<UInt32>
    private let partRanks: UnsafeMutablePointer<UInt32>

    // Heap merge, grown on demand: next/previous part, pair rank, part rank, heap of keys.
    private var nodeCapacity = 0
    private var next: UnsafeMutablePointer<Int32>?
    private var previous: UnsafeMutablePointer<Int32>?
    private var nodePairRanks: UnsafeMutablePointer<UInt32>?
    private var nodeRanks: UnsafeMutablePointer<UInt32>?
    private var heap: UnsafeMutablePointer<UInt64>?

    /// Node buffers above this many bytes of piece are freed after each call.
    static let retainedNodeCapacity = 1 << 16

    /// Multi-token pieces already merged. Only the owning thread touches a workspace, so the
    /// dynamic exclusivity checks on this hot property are turned off.
    @exclusivity(unchecked) var cache: PieceCache

    init(cacheEntries: Int = PieceCache.defaultEntries) {
        resultCapacity = Self.flatLimit + 1
        result = .allocate(capacity: resultCapacity)
        starts = .allocate(capacity: Self.flatLimit + 2)
        pairRanks = .allocate(capacity: Self.flatLimit + 1)
        partRanks = .allocate(capacity: Self.flatLimit + 1)
        cache = PieceCache(entries: cacheEntries)
    }

    deinit {
        result.deallocate()
        starts.deallocate()
        pairRanks.deallocate()
        partRanks.deallocate()
        releaseNodes()
        cache.release()
    }

    private func releaseNodes() {
        next?.deallocate()
        previous?.deallocate()
        nodePairRanks?.deallocate()
        nodeRanks?.deallocate()
        heap?.deallocate()
        next = nil
        previous = nil
        nodePairRanks = nil
        nodeRanks = nil
        heap = nil
        nodeCapacity = 0
    }

    /// Frees the buffers a very long piece needed, so that an idle workspace stays small.
    func trim() {
        guard nodeCapacity > Self.retainedNodeCapacity else { return }
        releaseNodes()
        result.deallocate()
        resultCapacity = Self.flatLimit + 1
        result = .allocate(capacity: resultCapacity)
    }

    /// Merges `piece[0..<length]` (`length >= 2`) into tokens: leaves their ranks in
    /// ``result`` and returns how many there are.
    func merge(_ vocabulary: Vocabulary, _ piece: UnsafePointer<UInt8>, _ length: Int) -> Int {
        length <= Self.flatLimit ? flatMerge(vocabulary, piece, length) : heapMerge(vocabulary, piece, length)
    }

    // MARK: - Flat merge

    /// Repeatedly merges the adjacent pair with the lowest rank (the leftmost on ties) until no
    /// adjacent pair is a token.
    private func flatMerge(_ vocabulary: Vocabulary, _ piece: UnsafePointer<UInt8>, _ length: Int) -> Int {
        let noRank = Vocabulary.noRank
        var parts = length
        for i in 0...length { starts[i] = Int32(i) }
        for i in 0..<length {
            partRanks[i] = vocabulary.byteRanks[Int(piece[i])]
            pairRanks[i] = i + 1 < length ? vocabulary.rank(of: piece + i, 2) : noRank
        }
        while parts > 1 {
            var best = noRank
            var at = 0
            for i in 0..<(parts - 1) where pairRanks[i] < best {
                best = pairRanks[i]
                at = i
            }
            if best == noRank { break }
            partRanks[at] = best
            // Remove part at + 1.
            let tail = parts - at - 2
            if tail > 0 {
                (starts + at + 1).update(from: starts + at + 2, count: tail + 1)
                (pairRanks + at + 1).update(from: pairRanks + at + 2, count: tail)
                (partRanks + at + 1).update(from: partRanks + at + 2, count: tail)
            } else {
                starts[at + 1] = starts[at + 2]
            }
            parts -= 1
            starts[parts] = Int32(length)
            pairRanks[parts - 1] = noRank
            if at + 1 < parts {
                let s = Int(starts[at])
                pairRanks[at] = vocabulary.rank(of: piece + s, Int(starts[at + 2]) - s)
            } else {
                pairRanks[at] = noRank
            }
            if at > 0 {
                let s = Int(starts[at - 1])
                pairRanks[at - 1] = vocabulary.rank(of: piece + s, Int(starts[at + 1]) - s)
            }
        }
        result.update(from: partRanks, count: parts)
        return parts
    }

    // MARK: - Heap merge

    /// Node buffers for `count` parts: next, previous, pair rank, part rank, and the heap.
    private func reserveNodes(_ count: Int) -> (
        UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UInt32>,
        UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<UInt64>
    ) {
        if count > nodeCapacity || next == nil {
            releaseNodes()
            nodeCapacity = count
            next = .allocate(capacity: count)
            previous = .allocate(capacity: count)
            nodePairRanks = .allocate(capacity: count)
            nodeRanks = .allocate(capacity: count)
            heap = .allocate(capacity: count * 2)
        }
        if count > resultCapacity {
            result.deallocate()
            resultCapacity = count
            result = .allocate(capacity: count)
        }
        guard let next, let previous, let nodePairRanks, let nodeRanks, let heap else {
            preconditionFailure("node buffers were just allocated")
        }
        return (next, previous, nodePairRanks, nodeRanks, heap)
    }

    /// The same merge order as ``flatMerge`` (lowest rank, then leftmost), using a min-heap of
    /// `rank << 32 | start` keys; stale keys are skipped by comparing with the current pair rank.
    private func heapMerge(_ vocabulary: Vocabulary, _ piece: UnsafePointer<UInt8>, _ length: Int) -> Int {
        let noRank = Vocabulary.noRank
        let (next, previous, nodePairRanks, nodeRanks, heap) = reserveNodes(length + 1)
        var heapCount = 0
        func push(_ key: UInt64) {
            var i = heapCount
            heapCount += 1
            while i > 0 {
                let parent = (i - 1) >> 1
                if heap[parent] <= key { break }
                heap[i] = heap[parent]
                i = parent
            }
            heap[i] = key
        }
        func pop() -> UInt64 {
            let top = heap[0]
            heapCount -= 1
            let last = heap[heapCount]
            var i = 0
            while true {
                var child = 2 * i + 1
                if child >= heapCount { break }
                if child + 1 < heapCount && heap[child + 1] < heap[child] { child += 1 }
                if heap[child] >= last { break }
                heap[i] = heap[child]
                i = child
            }
            heap[i] = last
            return top
        }
        for i in 0..<length {
            next[i] = Int32(i + 1)
            previous[i] = Int32(i - 1)
            nodeRanks[i] = vocabulary.byteRanks[Int(piece[i])]
            let rank = i + 1 < length ? vocabulary.rank(of: piece + i, 2) : noRank
            nodePairRanks[i] = rank
            if rank != noRank { push(UInt64(rank) << 32 | UInt64(i)) }
        }
        while heapCount > 0 {
            let key = pop()
            let rank = UInt32(truncatingIfNeeded: key >> 32)
            let p = Int(truncatingIfNeeded: key & 0xffff_ffff)
            if nodePairRanks[p] != rank { continue }
            let q = Int(next[p])
            nodeRanks[p] = rank
            nodePairRanks[q] = noRank
            let after = Int(next[q])
            next[p] = Int32(after)
            if after < length {
                previous[after] = Int32(p)
                let pairEnd = Int(next[after])
                let pairRank = vocabulary.rank(of: piece + p, pairEnd - p)
                nodePairRanks[p] = pairRank
                if pairRank != noRank { push(UInt64(pairRank) << 32 | UInt64(p)) }
            } else {
                nodePairRanks[p] = noRank
            }
            if p > 0 {
                let before = Int(previous[p])
                let pairRank = vocabulary.rank(of: piece + before, after - before)
                nodePairRanks[before] = pairRank
                if pairRank != noRank { push(UInt64(pairRank) << 32 | UInt64(before)) }
            }
        }
        var count = 0
        var p = 0
        while p < length {
            result[count] = nodeRanks[p]
            count += 1
            p = Int(next[p])
        }
        return count
    }
}

@available(*, unavailable)
extension MergeWorkspace: Sendable {}
