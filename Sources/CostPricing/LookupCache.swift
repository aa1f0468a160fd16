import Foundation

/// The catalog's cache of resolved model ids: an open-addressing table keyed by (model, provider)
/// strings, probed on a cheap 64-bit hash kept in its own array, so a lookup touches the strings
/// only to confirm a match. Guarded by the catalog's mutex.
struct LookupCache: Sendable {
    private var hashes: [UInt64] = Array(repeating: 0, count: 64)
    private var models: [String] = Array(repeating: "", count: 64)
    private var providers: [String?] = Array(repeating: nil, count: 64)
    private var values: [ResolvedModel?] = Array(repeating: nil, count: 64)
    private var count = 0
    /// Beyond this many distinct ids the table is cleared and refilled (ids are usually a few
    /// hundred; this bounds memory when callers send unbounded garbage).
    static let limit = 1 << 16

    /// A 64-bit hash (never 0, which marks an empty slot) of both strings' UTF-8 bytes, 8 at a time.
    static func hash(model: String, provider: String?) -> UInt64 {
        var h = mix(0x9E37_79B9_7F4A_7C15, model)
        if let provider { h = mix((h ^ 0xFF) &* 0xBF58_476D_1CE4_E5B9, provider) }
        return h == 0 ? 1 : h
    }

    @inline(__always)
    private static func mix(_ seed: UInt64, _ string: String) -> UInt64 {
        if let h = string.utf8.withContiguousStorageIfAvailable({ mix(seed, UnsafeRawBufferPointer($0)) }) { return h }
        var copy = string
        return copy.withUTF8 { mix(seed, UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    private static func mix(_ seed: UInt64, _ raw: UnsafeRawBufferPointer) -> UInt64 {
        var h = seed
        var i = 0
        let n = raw.count
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail = UInt64(n)
        var shift: UInt64 = 8
        while i < n {
            tail |= UInt64(raw[i]) << shift
            shift &+= 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 29)
    }

    func find(model: String, provider: String?, hash: UInt64) -> ResolvedModel? {
        hashes.withUnsafeBufferPointer { hashes in
            let mask = hashes.count - 1
            var i = Int(truncatingIfNeeded: hash) & mask
            while hashes[i] != 0 {
                if hashes[i] == hash, models[i] == model, providers[i] == provider { return values[i] }
                i = (i + 1) & mask
            }
            return nil
        }
    }

    mutating func insert(model: String, provider: String?, hash: UInt64, value: ResolvedModel) {
        if find(model: model, provider: provider, hash: hash) != nil { return }
        if count >= LookupCache.limit { self = LookupCache() }
        if (count + 1) * 2 > hashes.count { resize(to: hashes.count * 2) }
        place(hash: hash, model: model, provider: provider, value: value)
        count += 1
    }

    private mutating func place(hash: UInt64, model: String, provider: String?, value: ResolvedModel) {
        let mask = hashes.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while hashes[i] != 0 { i = (i + 1) & mask }
        hashes[i] = hash
        models[i] = model
        providers[i] = provider
        values[i] = value
    }

    private mutating func resize(to capacity: Int) {
        let old = (hashes, models, providers, values)
        hashes = Array(repeating: 0, count: capacity)
        models = Array(repeating: "", count: capacity)
        providers = Array(repeating: nil, count: capacity)
        values = Array(repeating: nil, count: capacity)
        for i in 0..<old.0.count where old.0[i] != 0 {
            if let value = old.3[i] { place(hash: old.0[i], model: old.1[i], provider: old.2[i], value: value) }
        }
    }
}

/// A ``LookupCache`` behind a lock. An `NSLock` rather than `Mutex.withLock`, whose generic
/// closure costs a metadata lookup per call on this hot path.
// @unchecked Sendable: `table` is only read or written between `lock.lock()` and `lock.unlock()`.
final class LockedLookupCache: @unchecked Sendable {
    private let lock = NSLock()
    private var table = LookupCache()

    func find(model: String, provider: String?, hash: UInt64) -> ResolvedModel? {
        lock.lock()
        defer { lock.unlock() }
        return table.find(model: model, provider: provider, hash: hash)
    }

    func insert(model: String, provider: String?, hash: UInt64, value: ResolvedModel) {
        lock.lock()
        defer { lock.unlock() }
        table.insert(model: model, provider: provider, hash: hash, value: value)
    }
}
