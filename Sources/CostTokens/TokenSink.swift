/// Where the encoder puts the tokens it finds: an id array, or just a count.
protocol TokenSink {
    mutating func add(_ rank: UInt32)
    mutating func add(_ ranks: UnsafePointer<UInt32>, _ count: Int)
}

/// Counts tokens without storing them.
struct CountingSink: TokenSink {
    var count = 0

    @inline(__always)
    mutating func add(_ rank: UInt32) { count += 1 }

    @inline(__always)
    mutating func add(_ ranks: UnsafePointer<UInt32>, _ count: Int) { self.count += count }
}

/// Collects token ids.
struct CollectingSink: TokenSink {
    var ids: [Int] = []

    @inline(__always)
    mutating func add(_ rank: UInt32) { ids.append(Int(rank)) }

    @inline(__always)
    mutating func add(_ ranks: UnsafePointer<UInt32>, _ count: Int) {
        for i in 0..<count { ids.append(Int(ranks[i])) }
    }
}
