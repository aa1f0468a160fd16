import Foundation
import Synchronization

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

/// A ``LookupCache`` behind a lock, with a first level keyed by the *identity* of the id strings.
///
/// Services pass the same `String` values again and again (a constant, a field of a config).
/// The first level hashes the two machine words a `String` is made of instead of its bytes. That is
/// exact: an entry keeps its key strings alive, so equal words mean the same immutable storage (or,
/// for a string stored inline — up to 15 UTF-8 bytes — the same bytes; a short string on the heap
/// is keyed by its storage, which can only miss). It records at most ``identityCopiesPerId``
/// storages of one id and none of ids longer than ``identityMaxBytes``: ids decoded afresh for
/// every request never hit it, and would otherwise fill it (it never starts over) and stay alive. The first level is read without the
/// lock (see ``IdentityTable``); a miss falls back to the content-keyed table under the lock. A
/// ``SpinLock`` rather than `Mutex.withLock` (whose generic closure costs a metadata lookup per
/// call on this hot path) or `NSLock` (a class call and a pthread mutex): every critical section
/// here is a probe of a small table, shorter than a system call.
// @unchecked Sendable: `table` and `failures` are only read or written between `lock.lock()` and
// `lock.unlock()`; `identity` is written under the lock and read without it (it is built for that).
final class LockedLookupCache: @unchecked Sendable {
    private let lock = SpinLock()
    // Guarded by `lock`: the runtime's dynamic exclusivity checks would only repeat that guarantee.
    @exclusivity(unchecked) private var table = LookupCache()
    private let identity = IdentityTable()

    func find(model: String, provider: String?, hash: UInt64) -> ResolvedModel? {
        lock.lock()
        defer { lock.unlock() }
        return table.find(model: model, provider: provider, hash: hash)
    }

    /// The fast path: a hit on the identity of the strings, without hashing their bytes or locking.
    @inline(__always)
    func findIdentical(model: String, provider: String?) -> ResolvedModel? {
        guard IdentityTable.isSupported else { return nil }
        return identity.find(IdentityTable.Key(model: model, provider: provider))
    }

    /// The engine's fastest path: for the standard tier, the prepared breakdown context and plan of
    /// the price in force at `date`, found by the identity of the strings, without locking.
    @inline(__always)
    func findStandardPrice(model: String, provider: String?, at date: Date) -> ResolvedModel.Prepared? {
        guard IdentityTable.isSupported else { return nil }
        return identity.findStandardPrice(IdentityTable.Key(model: model, provider: provider), at: date)
    }

    func insert(model: String, provider: String?, hash: UInt64, value: ResolvedModel) {
        lock.lock()
        defer { lock.unlock() }
        table.insert(model: model, provider: provider, hash: hash, value: value)
        // The instance the table kept (another thread may have inserted the same id first).
        let canonical = table.find(model: model, provider: provider, hash: hash) ?? value
        rememberIdentity(model: model, provider: provider, value: canonical)
    }

    /// How many storages of each resolution the first level holds (guarded by `lock`).
    @exclusivity(unchecked) private var identityCopies: [ObjectIdentifier: Int] = [:]

    /// How many distinct storages of one id the first level records. Ids decoded afresh for every
    /// request (a log importer's) have new storage each time and can never hit the first level;
    /// without a cap they would fill it (it never starts over) and keep every copy alive.
    static let identityCopiesPerId = 4
    /// Longer ids are not recorded in the first level at all (each copy would be kept alive).
    static let identityMaxBytes = 256

    /// Records the identity of the strings unless the id already has its share of copies (caller
    /// holds `lock`).
    private func rememberIdentity(model: String, provider: String?, value: ResolvedModel) {
        guard IdentityTable.isSupported, model.utf8.count <= Self.identityMaxBytes else { return }
        let id = ObjectIdentifier(value)
        let copies = identityCopies[id, default: 0]
        guard copies < Self.identityCopiesPerId else { return }
        if identity.insert(IdentityTable.Key(model: model, provider: provider), model: model, provider: provider, value: value) {
            identityCopies[id] = copies + 1
        }
    }

    // Guarded by `lock`: ids that resolve to nothing, with their error (suggestions are costly to
    // compute, and a ledger import may see the same unknown id millions of times).
    @exclusivity(unchecked) private var failures: [FailureKey: PricingError] = [:]

    struct FailureKey: Hashable {
        var model: String
        var provider: String?
    }

    func failure(model: String, provider: String?) -> PricingError? {
        lock.lock()
        defer { lock.unlock() }
        return failures.isEmpty ? nil : failures[FailureKey(model: model, provider: provider)]
    }

    func rememberFailure(model: String, provider: String?, error: PricingError) {
        lock.lock()
        defer { lock.unlock() }
        if failures.count >= 4_096 { failures.removeAll() }
        failures[FailureKey(model: model, provider: provider)] = error
    }

    /// Records that these string values (found by content) resolve to `value`.
    func remember(model: String, provider: String?, value: ResolvedModel) {
        guard IdentityTable.isSupported else { return }
        lock.lock()
        defer { lock.unlock() }
        rememberIdentity(model: model, provider: provider, value: value)
    }
}

/// Open addressing on the raw words of the key strings, read without a lock.
///
/// Writers (``insert(_:model:provider:value:)``) are serialized by the caller's lock; readers take
/// none. A slot is written once and never changed: its key and value first, then its tag, stored
/// with release ordering, so a reader that loads a non-zero tag (acquire) sees the whole slot. A
/// full table is replaced by a larger copy published through `current`; replaced tables stay
/// allocated (readers may still be probing them) until the table itself is freed, which bounds
/// them to the size of the last one. The entries and their key strings are kept alive for as long
/// as the table, so the unretained references in the slots stay valid: the table never starts over.
/// Beyond ``maxEntries`` distinct string values it stops growing (those ids are still found by
/// content, under the lock).
// @unchecked Sendable: see above; `owners` and `tables` are touched only by writers, which hold
// the lock of the one `LockedLookupCache` that owns the table (file-private: nothing else can).
fileprivate final class IdentityTable: @unchecked Sendable {
    /// The identity key reads a `String` as two 64-bit words: only where that is its layout.
    static let isSupported = MemoryLayout<String>.size == 16
    struct Key: Equatable {
        var m0: UInt64, m1: UInt64, p0: UInt64, p1: UInt64

        static let empty = Key(m0: 0, m1: 0, p0: 0, p1: 0)

        init(m0: UInt64, m1: UInt64, p0: UInt64, p1: UInt64) {
            (self.m0, self.m1, self.p0, self.p1) = (m0, m1, p0, p1)
        }

        @inline(__always)
        init(model: String, provider: String?) {
            (m0, m1) = Self.words(model)
            if let provider { (p0, p1) = Self.words(provider) } else { (p0, p1) = (0, 0) }
        }

        /// The two words of a `String` value (its count/flags and its storage or inline bytes).
        @inline(__always)
        static func words(_ s: String) -> (UInt64, UInt64) {
            withUnsafeBytes(of: s) { raw in
                (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            }
        }

        var hash: Int {
            var h = (m0 ^ (m1 &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
            h ^= (p0 ^ (p1 &* 0x94D0_49BB_1331_11EB))
            h = (h ^ (h >> 31)) &* 0x94D0_49BB_1331_11EB
            return Int(truncatingIfNeeded: h ^ (h >> 29))
        }
    }

    /// A slot: the key and the answer side by side, so a hit reads one cache line. Trivial, so a
    /// reader copies nothing that counts references.
    struct Slot {
        var key: Key
        var value: Unmanaged<ResolvedModel>
    }

    /// One generation of the table: `capacity` tags (0: empty) and slots, allocated together.
    struct Storage {
        let capacity: Int
        let tags: UnsafeMutablePointer<Atomic<UInt64>>
        let slots: UnsafeMutablePointer<Slot>

        init(capacity: Int) {
            self.capacity = capacity
            tags = .allocate(capacity: capacity)
            for i in 0..<capacity { (tags + i).initialize(to: Atomic(0)) }
            slots = .allocate(capacity: capacity)
        }

        func free() {
            tags.deinitialize(count: capacity)
            tags.deallocate()
            slots.deallocate()
        }
    }

    /// At most this many distinct string values (half the largest table's slots).
    static let maxEntries = 1 << 14
    /// The table readers probe: a pointer to one of `tables`' storages.
    private let current = Atomic<UnsafeMutableRawPointer?>(nil)
    // Written by writers only (under the caller's lock).
    @exclusivity(unchecked) private var tables: [UnsafeMutablePointer<Storage>] = []
    /// The entries, their keys and key strings, kept alive so that each key keeps naming these
    /// bytes (and to refill a larger generation).
    @exclusivity(unchecked) private var owners: [(key: Key, model: String, provider: String?, value: ResolvedModel)] = []

    deinit {
        for table in tables {
            table.pointee.free()
            table.deinitialize(count: 1)
            table.deallocate()
        }
    }

    /// `read` applied to the entry stored under `key`, found by linear probing; `nil` when absent.
    @inline(__always)
    private func lookUp<R>(_ key: Key, _ read: (Unmanaged<ResolvedModel>) -> R?) -> R? {
        guard let raw = current.load(ordering: .acquiring) else { return nil }
        let table = raw.assumingMemoryBound(to: Storage.self)
        let mask = table.pointee.capacity - 1
        let tags = table.pointee.tags
        let slots = table.pointee.slots
        var i = key.hash & mask
        while tags[i].load(ordering: .acquiring) != 0 {
            if slots[i].key == key { return read(slots[i].value) }
            i = (i + 1) & mask
        }
        return nil
    }

    @inline(__always)
    func find(_ key: Key) -> ResolvedModel? {
        lookUp(key) { $0.takeUnretainedValue() }
    }

    /// The prepared standard price in force at `date`: the only one, or the one picked by start
    /// day; `nil` for models whose prices depend on the time of day (and unpriced ones).
    @inline(__always)
    func findStandardPrice(_ key: Key, at date: Date) -> ResolvedModel.Prepared? {
        // the table keeps the entry alive; the prepared price is trivial (its context is interned)
        lookUp(key) { value in value._withUnsafeGuaranteedRef { $0.fastStandardPrice(at: date) } }
    }

    /// Adds an entry; `false` when the key is already there or the table is full. The caller
    /// holds the lock of the ``LockedLookupCache`` that owns this table.
    @discardableResult
    func insert(_ key: Key, model: String, provider: String?, value: ResolvedModel) -> Bool {
        guard key != .empty, find(key) == nil, owners.count < IdentityTable.maxEntries else { return false }
        let existing = current.load(ordering: .relaxed)?.assumingMemoryBound(to: Storage.self)
        var table: UnsafeMutablePointer<Storage>
        if let existing, (owners.count + 1) * 2 <= existing.pointee.capacity {
            table = existing
        } else {
            // a larger generation, filled before it is published
            table = .allocate(capacity: 1)
            table.initialize(to: Storage(capacity: max(1024, (existing?.pointee.capacity ?? 0) * 2)))
            tables.append(table)
            for owner in owners {
                place(Slot(key: owner.key, value: Unmanaged.passUnretained(owner.value)), in: table)
            }
        }
        owners.append((key, model, provider, value))
        place(Slot(key: key, value: Unmanaged.passUnretained(value)), in: table)
        if table != existing { current.store(UnsafeMutableRawPointer(table), ordering: .releasing) }
        return true
    }

    /// Writes a slot, then publishes it by its tag.
    private func place(_ slot: Slot, in table: UnsafeMutablePointer<Storage>) {
        let mask = table.pointee.capacity - 1
        let tags = table.pointee.tags
        var i = slot.key.hash & mask
        while tags[i].load(ordering: .relaxed) != 0 { i = (i + 1) & mask }
        (table.pointee.slots + i).initialize(to: slot)
        tags[i].store(1, ordering: .releasing)
    }
}

/// A lock for critical sections of a few dozen to a few hundred instructions: one atomic exchange
/// to take it, one store to release it. A waiter spins briefly, then yields its time slice, so a
/// thread descheduled while holding the lock costs others a `sched_yield`, not a burnt quantum.
/// (`package`: CostBudget's in-memory store uses it too. On Linux, `Mutex` is a priority-inheritance
/// futex that hands the lock over through the kernel: with more threads than cores it convoys.)
///
/// The flag sits between two 56-byte pads, so that two locks (or a lock and data another core
/// writes) never share a 64-byte cache line.
package final class SpinLock: Sendable {
    private let padBefore: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)
    private let locked = Atomic<Bool>(false)
    private let padAfter: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)

    package init() {}

    /// Takes the lock if it is free; `false` (without waiting) when another thread holds it.
    @inline(__always)
    package func tryLock() -> Bool {
        !locked.exchange(true, ordering: .acquiring)
    }

    @inline(__always)
    package func lock() {
        if !locked.exchange(true, ordering: .acquiring) { return }
        contended()
    }

    @inline(never)
    private func contended() {
        var spins = 0
        while true {
            // wait until it looks free (plain loads, no cache-line ping-pong), then try again
            while locked.load(ordering: .relaxed) {
                spins += 1
                if spins > 100 {
                    sched_yield()
                    spins = 0
                }
            }
            if !locked.exchange(true, ordering: .acquiring) { return }
        }
    }

    @inline(__always)
    package func unlock() {
        locked.store(false, ordering: .releasing)
    }
}
